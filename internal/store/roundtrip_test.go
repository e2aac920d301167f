package store

import "testing"

func TestPostgresURLsAskForOneRoundTripUnlessTheyChoose(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"added", "postgres://u@db:5432/vams?sslmode=disable", "postgres://u@db:5432/vams?binary_parameters=yes&sslmode=disable"},
		{"added without a query", "postgres://u@db/vams", "postgres://u@db/vams?binary_parameters=yes"},
		{"an operator's choice is kept", "postgres://u@db/vams?binary_parameters=no", "postgres://u@db/vams?binary_parameters=no"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := DSN(tc.in); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}
