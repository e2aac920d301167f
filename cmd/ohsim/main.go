// Command ohsim runs the demo's Oracle Health messaging simulator (package
// ohsim) in its own process, with the demo directory and, the first time its
// state file is used, the demo mailboxes. Its state survives restarts.
//
//	go run ./cmd/ohsim -addr 127.0.0.1:8092 -state ./data/ohsim.json \
//	  -publication-url http://127.0.0.1:8080/intake/oh/atom -publication-secret demo-publication-secret
//
// Point the OH adapter at http://127.0.0.1:8092 (authority "va"); the
// control API is under /control/ (see package ohsim).
package main

import (
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/va/vams/internal/demo"
)

func main() {
	pubURL := flag.String("publication-url", "", "where to POST the signed Atom publication of new messages (empty: no pushes)")
	secret := flag.String("publication-secret", os.Getenv("VAMS_OH_PUBLICATION_SECRET"), "HMAC key of the publication (default $VAMS_OH_PUBLICATION_SECRET)")
	demo.RunSimulator("OH", "127.0.0.1:8092", demo.OHStateFile, func(log *slog.Logger, state string, history bool) (http.Handler, func() error, error) {
		if *pubURL != "" && *secret == "" {
			return nil, nil, errors.New("-publication-url needs -publication-secret")
		}
		cfg := demo.OHConfig(*pubURL, []byte(*secret))
		cfg.Log = log
		sim, err := demo.OpenOH(state, cfg, history, time.Now())
		if err != nil {
			return nil, nil, err
		}
		return sim, func() error { sim.Close(); return nil }, nil
	})
}
