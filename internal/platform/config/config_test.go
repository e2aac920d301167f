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

// The send limit's variables take positive numbers; unset, they leave the
// mode's default (zero here).
func TestSendLimitVariables(t *testing.T) {
	for _, c := range []struct {
		name, perHour, burst string
		wantPerHour          float64
		wantBurst            int
		ok                   bool
	}{
		{"unset", "", "", 0, 0, true},
		{"both", "120", "30", 120, 30, true},
		{"a fraction an hour", "0.5", "", 0.5, 0, true},
		{"zero rate", "0", "", 0, 0, false},
		{"negative burst", "", "-1", 0, 0, false},
		{"not a number", "many", "", 0, 0, false},
		{"infinite", "Inf", "", 0, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("VAMS_MODE", "demo")
			t.Setenv("VAMS_SEND_LIMIT_PER_HOUR", c.perHour)
			t.Setenv("VAMS_SEND_LIMIT_BURST", c.burst)
			cfg, err := Load()
			if (err == nil) != c.ok {
				t.Fatalf("Load: %v, want ok=%v", err, c.ok)
			}
			if c.ok && (cfg.SendsPerHour != c.wantPerHour || cfg.SendBurst != c.wantBurst) {
				t.Fatalf("%v an hour, burst %d; want %v, %d", cfg.SendsPerHour, cfg.SendBurst, c.wantPerHour, c.wantBurst)
			}
		})
	}
}

// The provider rates take a number of requests a second, zero meaning
// unlimited; unset, they are unlimited too.
func TestProviderRateVariables(t *testing.T) {
	for _, c := range []struct {
		name, mhv, oh   string
		wantMHV, wantOH float64
		ok              bool
	}{
		{"unset", "", "", 0, 0, true},
		{"both", "50", "20.5", 50, 20.5, true},
		{"zero is unlimited", "0", "", 0, 0, true},
		{"negative", "-1", "", 0, 0, false},
		{"not a number", "", "fast", 0, 0, false},
		{"infinite", "Inf", "", 0, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("VAMS_MODE", "demo")
			t.Setenv("VAMS_PROVIDER_RATE_MHV", c.mhv)
			t.Setenv("VAMS_PROVIDER_RATE_OH", c.oh)
			cfg, err := Load()
			if (err == nil) != c.ok {
				t.Fatalf("Load: %v, want ok=%v", err, c.ok)
			}
			if c.ok && (cfg.ProviderRateMHV != c.wantMHV || cfg.ProviderRateOH != c.wantOH) {
				t.Fatalf("MHV %v, OH %v a second; want %v, %v", cfg.ProviderRateMHV, cfg.ProviderRateOH, c.wantMHV, c.wantOH)
			}
		})
	}
}

// VAMS_DB_STATEMENT_CACHE takes a count of statements, 0 meaning none
// (negative in Config, whose 0 takes the store's default); unset, the default.
func TestStatementCacheVariable(t *testing.T) {
	for _, c := range []struct {
		name, value string
		want        int
		ok          bool
	}{
		{"unset", "", 0, true},
		{"a size", "64", 64, true},
		{"none", "0", -1, true},
		{"negative", "-3", 0, false},
		{"not a number", "lots", 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("VAMS_MODE", "demo")
			t.Setenv("VAMS_DB_STATEMENT_CACHE", c.value)
			cfg, err := Load()
			if (err == nil) != c.ok {
				t.Fatalf("Load: %v, want ok=%v", err, c.ok)
			}
			if c.ok && cfg.DBStatementCache != c.want {
				t.Fatalf("DBStatementCache %d, want %d", cfg.DBStatementCache, c.want)
			}
		})
	}
}
