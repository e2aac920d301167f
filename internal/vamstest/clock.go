package vamstest

import (
	"sync"
	"time"
)

// Clock is a clock that moves only when told, so a test can cross a time
// bound exactly instead of waiting for it.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts a clock at the system time, in whole seconds so that
// times read back from either database compare equal.
func NewClock() *Clock { return NewClockAt(time.Now().UTC().Truncate(time.Second)) }

// NewClockAt starts a clock at t.
func NewClockAt(t time.Time) *Clock { return &Clock{now: t} }

// Now tells the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t, backwards too: a test that visits dates on
// either side of an event (a cutover's phases) names them outright.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}
