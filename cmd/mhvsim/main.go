// Command mhvsim runs the demo's My HealtheVet secure-messaging simulator
// (package mhvsim) in its own process, with the demo directory and, the
// first time its state file is used, the demo mailboxes. Its state survives
// restarts.
//
//	go run ./cmd/mhvsim -addr 127.0.0.1:8091 -state ./data/mhvsim.json
//
// Point the MHV adapter at http://127.0.0.1:8091/ with app token
// "demo-app-token" and API key "demo-api-key" (flags change them); the
// control API is under /control/ (see package mhvsim).
package main

import (
	"flag"
	"log/slog"
	"net/http"
	"time"

	"github.com/va/vams/internal/demo"
)

func main() {
	appToken := flag.String("app-token", "demo-app-token", "appToken header sessions must carry")
	apiKey := flag.String("api-key", "demo-api-key", "x-api-key header every call must carry")
	demo.RunSimulator("MHV", "127.0.0.1:8091", demo.MHVStateFile, func(log *slog.Logger, state string, history bool) (http.Handler, func() error, error) {
		seed := demo.MHVSeed(*appToken, *apiKey)
		seed.Log = log
		sim, err := demo.OpenMHV(state, seed, history, time.Now())
		if err != nil {
			return nil, nil, err
		}
		return sim, sim.Close, nil
	})
}
