package mhv

import (
	"sync"

	"github.com/va/vams/providers"
)

// sentMemo remembers receipts by idempotency key so an in-process retry does
// not even reach MHV. It is bounded and lost on restart; the durable guard is
// IdempotencyHeader (see Send).
type sentMemo struct {
	mu    sync.Mutex
	max   int
	order []string
	m     map[string]providers.Receipt
}

func newSentMemo(max int) *sentMemo {
	return &sentMemo{max: max, m: map[string]providers.Receipt{}}
}

func (s *sentMemo) get(key string) (providers.Receipt, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[key]
	return r, ok
}

func (s *sentMemo) put(key string, r providers.Receipt) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[key]; !ok {
		s.order = append(s.order, key)
	}
	s.m[key] = r
	for len(s.order) > s.max {
		delete(s.m, s.order[0])
		s.order = s.order[1:]
	}
}
