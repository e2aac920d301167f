// Package holds counts live holds per key (a veteran's subscriptions, a
// veteran's connections): a key is listed exactly while someone holds it,
// and each hold is released once however often its release is called.
package holds

import (
	"sort"
	"sync"
)

// Counter is safe for concurrent use; the zero value is ready.
type Counter struct {
	mu sync.Mutex
	n  map[string]int
}

// Acquire takes a hold on key unless limit holds on it are taken already.
func (c *Counter) Acquire(key string, limit int) (release func(), ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key] >= limit {
		return nil, false
	}
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.n[key]--; c.n[key] <= 0 {
				delete(c.n, key)
			}
		})
	}, true
}

// Keys lists the keys held now, sorted.
func (c *Counter) Keys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]string, 0, len(c.n))
	for k := range c.n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
