package app

import (
	"testing"

	"github.com/va/vams/internal/platform/config"
)

// The send limit is the mode's default unless configured.
func TestSendLimitByModeAndConfiguration(t *testing.T) {
	for _, c := range []struct {
		name      string
		cfg       config.Config
		perHour   float64
		wantBurst int
	}{
		{"production default", config.Config{Mode: config.Production}, 20, 5},
		{"demo default", config.Config{Mode: config.Demo}, 600, 100},
		{"configured", config.Config{Mode: config.Production, SendsPerHour: 2, SendBurst: 1}, 2, 1},
		{"burst only", config.Config{Mode: config.Demo, SendBurst: 1000}, 600, 1000},
	} {
		t.Run(c.name, func(t *testing.T) {
			if l := sendLimit(c.cfg); l.PerHour != c.perHour || l.Burst != c.wantBurst {
				t.Fatalf("%v an hour, burst %d; want %v, %d", l.PerHour, l.Burst, c.perHour, c.wantBurst)
			}
		})
	}
}
