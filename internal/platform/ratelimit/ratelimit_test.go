package ratelimit

import (
	"testing"
	"time"
)

func TestPerVeteranBurstThenRate(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	p := NewPerVeteran(20, 5, WithClock(func() time.Time { return now }))
	for i := range 5 {
		if !p.Allow("vet_a") {
			t.Fatalf("send %d within the burst refused", i+1)
		}
	}
	if p.Allow("vet_a") {
		t.Fatal("sixth send at once allowed")
	}
	if !p.Allow("vet_b") {
		t.Fatal("another veteran shares the first one's bucket")
	}
	now = now.Add(3 * time.Minute) // one token every 3 minutes at 20/hour
	if !p.Allow("vet_a") || p.Allow("vet_a") {
		t.Fatal("refill after 3 minutes should allow exactly one send")
	}
}

func TestPerVeteranForgetsIdleVeterans(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	p := NewPerVeteran(20, 5, WithClock(func() time.Time { return now }))
	p.Allow("vet_a")
	now = now.Add(time.Hour)
	p.Allow("vet_b")
	if _, ok := p.buckets["vet_a"]; ok {
		t.Fatal("a refilled bucket was kept")
	}
}
