package ohsim

import (
	"bytes"
	"net/http"
	"time"

	"github.com/va/vams/providers/oh"
)

// publish pushes a new-message entry to PublicationURL in the background,
// at least once and, with probability DuplicateRate, twice (the second copy
// after a short random delay, so copies may arrive out of order).
func (s *Simulator) publish(e oh.AtomEntry) {
	if s.cfg.PublicationURL == "" {
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	copies := 1
	if s.cfg.DuplicateRate > 0 && s.rng.Float64() < s.cfg.DuplicateRate {
		copies = 2
	}
	delays := make([]time.Duration, copies)
	for i := 1; i < copies; i++ {
		delays[i] = time.Duration(s.rng.IntN(20)) * time.Millisecond
	}
	s.pending += copies
	s.mu.Unlock()
	for _, d := range delays {
		go s.deliver(e, d)
	}
}

func (s *Simulator) deliver(e oh.AtomEntry, delay time.Duration) {
	defer func() {
		s.mu.Lock()
		s.pending--
		s.mu.Unlock()
	}()
	if !s.sleep(delay) {
		return
	}
	var body bytes.Buffer
	if err := oh.WriteAtom(&body, []oh.AtomEntry{e}); err != nil {
		return
	}
	backoff := s.cfg.RetryBase
	for attempt := 1; attempt <= s.cfg.MaxAttempts; attempt++ {
		if s.post(body.Bytes()) {
			return
		}
		if attempt == s.cfg.MaxAttempts || !s.sleep(backoff) {
			return
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// post makes one delivery attempt, signed at the moment of sending.
func (s *Simulator) post(body []byte) bool {
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, s.cfg.PublicationURL, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/atom+xml; charset=utf-8")
	req.Header.Set(oh.SignatureHeader, oh.SignPublication(s.cfg.PublicationSecret, time.Now(), body))
	resp, err := s.hc.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode <= 299
}

// sleep waits d unless Close comes first.
func (s *Simulator) sleep(d time.Duration) bool {
	if d <= 0 {
		return s.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}
