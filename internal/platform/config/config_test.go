package config

import (
	"slices"
	"testing"
)

// VAMS_OPERATOR_ADDR names the operator listener; the deprecated
// VAMS_METRICS_ADDR still does when it is unset, with a warning.
func TestOperatorAddrFallsBackToDeprecatedMetricsAddr(t *testing.T) {
	cases := []struct {
		name, operator, metrics string
		want                    string
		deprecated              bool
	}{
		{"neither", "", "", "", false},
		{"operator", "127.0.0.1:9090", "", "127.0.0.1:9090", false},
		{"metrics only", "", "127.0.0.1:9091", "127.0.0.1:9091", true},
		{"both", "127.0.0.1:9090", "127.0.0.1:9091", "127.0.0.1:9090", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("VAMS_MODE", "demo")
			t.Setenv("VAMS_OPERATOR_ADDR", c.operator)
			t.Setenv("VAMS_METRICS_ADDR", c.metrics)
			cfg, err := Load()
			if err != nil {
				t.Fatal(err)
			}
			if cfg.OperatorAddr != c.want {
				t.Errorf("OperatorAddr %q, want %q", cfg.OperatorAddr, c.want)
			}
			if got := slices.ContainsFunc(cfg.Deprecated, func(s string) bool { return s == "VAMS_METRICS_ADDR: use VAMS_OPERATOR_ADDR" }); got != c.deprecated {
				t.Errorf("Deprecated %v, want the metrics variable named: %v", cfg.Deprecated, c.deprecated)
			}
		})
	}
}
