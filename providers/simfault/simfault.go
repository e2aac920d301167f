// Package simfault gives both simulators the faults of a provider whose
// answer to a send goes missing after it acted, the option to ignore the
// idempotency header as real MHV and OH do, and the wait of an outage's
// latency. Tests arm the faults with POST /control/faults (Settings as
// JSON); they are not saved with the simulator's state.
package simfault

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"
)

// Settings is the body of POST /control/faults; it replaces what was set.
type Settings struct {
	// IgnoreIdempotencyKey makes sends ignore the idempotency header, as
	// the real providers do.
	IgnoreIdempotencyKey bool `json:"ignoreIdempotencyKey"`
	// LoseAnswers is how many of the next sends are carried out and then
	// answered by closing the connection (a reset after the provider acted).
	LoseAnswers int `json:"loseAnswers"`
	// HoldAnswers is how many of the next sends are carried out and then
	// not answered until the caller hangs up (a VAMS that dies, or times
	// out, while waiting).
	HoldAnswers int `json:"holdAnswers"`
}

// maxHold bounds a held answer, so a caller that never hangs up does not
// pin the simulator's goroutine forever.
const maxHold = 10 * time.Minute

// Faults is a simulator's armed faults; the zero value has none.
type Faults struct {
	mu sync.Mutex
	s  Settings
}

// IgnoreKeys reports whether sends ignore the idempotency header.
func (f *Faults) IgnoreKeys() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.s.IgnoreIdempotencyKey
}

// Control serves POST /control/faults.
func (f *Faults) Control(w http.ResponseWriter, r *http.Request) {
	var s Settings
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&s); err != nil || s.LoseAnswers < 0 || s.HoldAnswers < 0 {
		http.Error(w, "want {ignoreIdempotencyKey, loseAnswers >= 0, holdAnswers >= 0}", http.StatusBadRequest)
		return
	}
	f.Set(s)
	w.WriteHeader(http.StatusNoContent)
}

// Set replaces the armed faults (a simulator whose own fault controls
// embed Settings).
func (f *Faults) Set(s Settings) {
	f.mu.Lock()
	f.s = s
	f.mu.Unlock()
}

// take consumes one armed answer fault, if any.
func (f *Faults) take() (lose, hold bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.s.HoldAnswers > 0:
		f.s.HoldAnswers--
		return false, true
	case f.s.LoseAnswers > 0:
		f.s.LoseAnswers--
		return true, false
	}
	return false, false
}

// Send wraps a send handler: with an answer fault armed the send is carried
// out but its answer is lost or held. Wrap outside any lock the handler
// takes, so a held answer does not stop the simulator.
func (f *Faults) Send(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lose, hold := f.take()
		if !lose && !hold {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&discard{h: http.Header{}}, r)
		if hold {
			t := time.NewTimer(maxHold)
			defer t.Stop()
			select {
			case <-r.Context().Done():
			case <-t.C:
			}
		}
		// The server closes the connection without an answer.
		panic(http.ErrAbortHandler)
	})
}

// discard is the ResponseWriter of a send whose answer is never delivered.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// Wait holds a request for a simulated outage's latency d; false means the
// request ended first and nothing should be answered.
func Wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
