package main

import (
	"reflect"
	"testing"
)

func TestScenarioPicksNamedPartsInTheOrderGiven(t *testing.T) {
	var all []string
	for _, sc := range scenarios {
		all = append(all, sc.name)
	}
	for _, tc := range []struct {
		in   string
		want []string
		err  bool
	}{
		{in: "", want: all},
		{in: "api", want: []string{"api"}},
		{in: "sync, attacks", want: []string{"sync", "attacks"}},
		{in: "api,nonesuch", err: true},
	} {
		got, err := pick(tc.in)
		if (err != nil) != tc.err {
			t.Fatalf("pick(%q): error %v, want error %v", tc.in, err, tc.err)
		}
		var names []string
		for _, sc := range got {
			names = append(names, sc.name)
		}
		if !reflect.DeepEqual(names, tc.want) {
			t.Errorf("pick(%q) = %v, want %v", tc.in, names, tc.want)
		}
	}
}
