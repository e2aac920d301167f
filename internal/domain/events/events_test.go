package events

import (
	"errors"
	"testing"
)

func TestFullSubscriptionIsEndedWithOverflowWhileOthersKeepReceiving(t *testing.T) {
	b := NewBusWithBuffer(2)
	slow := b.Subscribe("v1")
	fast := b.Subscribe("v1")
	other := b.Subscribe("v2")
	for i := int64(1); i <= 3; i++ {
		b.Publish(Event{ChangeID: i, VeteranID: "v1"})
		if e := <-fast.Events(); e.ChangeID != i {
			t.Fatalf("fast got %d, want %d", e.ChangeID, i)
		}
	}
	var got []int64
	for e := range slow.Events() { // closed after the overflow
		got = append(got, e.ChangeID)
	}
	if len(got) != 2 || !errors.Is(slow.Err(), ErrOverflow) {
		t.Fatalf("slow got %v err %v, want the 2 buffered events then ErrOverflow", got, slow.Err())
	}
	if len(other.Events()) != 0 {
		t.Fatal("another veteran's subscription received an event")
	}
	if b.Count() != 2 {
		t.Fatalf("Count = %d, want 2 (the overflowed one removed)", b.Count())
	}
}

func TestCloseEndsWithoutErrorAndIsIdempotent(t *testing.T) {
	b := NewBus()
	s := b.Subscribe("v1")
	s.Close()
	s.Close()
	if _, ok := <-s.Events(); ok || s.Err() != nil {
		t.Fatalf("after Close: open channel or err %v", s.Err())
	}
	b.Publish(Event{VeteranID: "v1"}) // must not panic on a closed channel
	if b.Count() != 0 {
		t.Fatalf("Count = %d, want 0", b.Count())
	}
}

func TestEndAllEndsEverySubscriptionWithOverflowAndLaterOnesStillReceive(t *testing.T) {
	b := NewBus()
	subs := []*Subscription{b.Subscribe("v1"), b.Subscribe("v1"), b.Subscribe("v2")}
	b.Publish(Event{ChangeID: 1, VeteranID: "v1"})
	b.EndAll()
	for i, s := range subs {
		for range s.Events() { // the buffered event, then closed
		}
		if !errors.Is(s.Err(), ErrOverflow) {
			t.Fatalf("subscription %d ended with %v, want ErrOverflow", i, s.Err())
		}
	}
	if b.Count() != 0 {
		t.Fatalf("Count = %d after EndAll, want 0", b.Count())
	}
	next := b.Subscribe("v1")
	b.Publish(Event{ChangeID: 2, VeteranID: "v1"})
	if e := <-next.Events(); e.ChangeID != 2 {
		t.Fatalf("a subscription after EndAll got %+v", e)
	}
}
