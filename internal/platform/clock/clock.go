// Package clock is the one source of the current time on the domain and
// sync paths, so tests can move time instead of waiting for it.
package clock

import "time"

// Clock tells the current time.
type Clock interface {
	Now() time.Time
}

// Func adapts a function to a Clock.
type Func func() time.Time

// Now calls f.
func (f Func) Now() time.Time { return f() }

// System is the machine's clock.
var System Clock = Func(time.Now)

// Or returns c, or System when c is nil.
func Or(c Clock) Clock {
	if c == nil {
		return System
	}
	return c
}
