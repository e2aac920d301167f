package defaults

import (
	"testing"
	"time"
)

func TestPositiveFillsOnlyUnsetSettings(t *testing.T) {
	for _, tc := range []struct {
		name  string
		given time.Duration
		want  time.Duration
	}{
		{"unset takes the default", 0, time.Second},
		{"negative takes the default", -time.Millisecond, time.Second},
		{"set is kept", 3 * time.Second, 3 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.given
			Positive(&v, time.Second)
			if v != tc.want {
				t.Fatalf("got %v, want %v", v, tc.want)
			}
		})
	}
	share := 0.0
	Positive(&share, 0.5)
	if share != 0.5 {
		t.Fatalf("float: got %v", share)
	}
}
