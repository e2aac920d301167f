// Command notifysim runs the demo's notification service simulator
// (package notifysim, VA Notify's API) in its own process. What it received
// survives restarts in its state file.
//
//	go run ./cmd/notifysim -addr 127.0.0.1:8093 -state ./data/notifysim.json
//
// Point VAMS at it with VAMS_NOTIFY_BASE_URL=http://127.0.0.1:8093 and the
// demo key and templates (internal/demo: NotifyAPIKey, Notify*Template); the
// control API is under /control/.
package main

import (
	"log/slog"
	"net/http"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/providers/notify/notifysim"
)

func main() {
	demo.RunSimulator("Notify", "127.0.0.1:8093", demo.NotifyStateFile, func(log *slog.Logger, state string, _ bool) (http.Handler, func() error, error) {
		cfg := demo.NotifyConfig()
		cfg.StateFile, cfg.Log = state, log
		sim, err := notifysim.Open(cfg)
		if err != nil {
			return nil, nil, err
		}
		return sim, sim.Close, nil
	})
}
