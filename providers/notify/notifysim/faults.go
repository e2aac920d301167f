package notifysim

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"

	"github.com/va/vams/providers/simfault"
)

// Faults is the body of POST /control/faults; it replaces what was set.
// Faults are not saved with the state.
type Faults struct {
	// Outage answers every notification call 503 without acting.
	Outage bool `json:"outage"`
	// Reject answers every notification call 400 (a template or recipient
	// the service refuses), without acting.
	Reject bool `json:"reject"`
	// ErrorRate is the share (0 to 1) of calls answered 500 without acting.
	ErrorRate float64 `json:"errorRate"`
	// LoseAnswers (carried out, then the connection is closed),
	// HoldAnswers and IgnoreIdempotencyKey (here: the reference is not
	// deduplicated) as the provider simulators have them.
	simfault.Settings
}

type faults struct {
	answers simfault.Faults
	mu      sync.Mutex
	f       Faults
}

func (f *faults) control(w http.ResponseWriter, r *http.Request) {
	var in Faults
	err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in)
	if err != nil || in.ErrorRate < 0 || in.ErrorRate > 1 || in.LoseAnswers < 0 || in.HoldAnswers < 0 {
		http.Error(w, "want {outage, reject, errorRate 0..1, loseAnswers >= 0, holdAnswers >= 0, ignoreIdempotencyKey}", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.f = in
	f.mu.Unlock()
	f.answers.Set(in.Settings)
	w.WriteHeader(http.StatusNoContent)
}

func (f *faults) ignoreReferences() bool { return f.answers.IgnoreKeys() }

// wrap applies the armed faults to a notification call.
func (f *faults) wrap(next http.Handler) http.Handler {
	lossy := f.answers.Send(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		outage, reject, rate := f.f.Outage, f.f.Reject, f.f.ErrorRate
		f.mu.Unlock()
		switch {
		case reject:
			apiError(w, http.StatusBadRequest, "BadRequestError", "Recipient not found")
		case outage:
			apiError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "Service is unavailable")
		case rate > 0 && rand.Float64() < rate:
			apiError(w, http.StatusInternalServerError, "Exception", "Internal server error")
		default:
			lossy.ServeHTTP(w, r)
		}
	})
}
