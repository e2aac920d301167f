package audit_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/va/vams/internal/audit"
	"github.com/va/vams/internal/store/storetest"
)

var key = []byte("0123456789abcdef0123456789abcdef")

func record(t *testing.T, r *audit.Recorder, n int) {
	t.Helper()
	for i := range n {
		err := r.Record(context.Background(), audit.Event{Actor: r.Actor("1000000101V000101"), Action: "moveThread",
			TargetType: "Thread", TargetID: fmt.Sprintf("thr_%02d", i), RequestID: "req"})
		if err != nil {
			t.Error(err) // also called from goroutines
			return
		}
	}
}

func TestChainVerifiesAndDetectsTampering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := b.Open(t)
		r, err := audit.NewRecorder(s, key)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if h, err := r.Verify(ctx); err != nil || h.Entries != 0 {
			t.Fatalf("empty trail: %+v %v", h, err)
		}
		record(t, r, 5)
		h, err := r.Verify(ctx)
		if err != nil || h.Entries != 5 {
			t.Fatalf("verify: %+v %v", h, err)
		}
		entries, err := r.Query(ctx, audit.Filter{Actor: r.Actor("1000000101V000101")})
		if err != nil || len(entries) != 5 || entries[4].Hash != h.Hash {
			t.Fatalf("query: %+v %v", entries, err)
		}

		// Editing a field of entry 3 through SQL breaks entry 3.
		third := entries[2].ID
		if _, err := s.DB.Exec(rebind(s.Dialect, "UPDATE audit_events SET target_id = 'thr_other' WHERE id = ?"), third); err != nil {
			t.Fatal(err)
		}
		var broken *audit.BrokenError
		if _, err := r.Verify(ctx); !errors.As(err, &broken) || broken.ID != third {
			t.Fatalf("edited entry: %v, want broken at %d", err, third)
		}
		// Putting the value back restores the chain: Verify checks content.
		if _, err := s.DB.Exec(rebind(s.Dialect, "UPDATE audit_events SET target_id = ? WHERE id = ?"), entries[2].TargetID, third); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Verify(ctx); err != nil {
			t.Fatalf("restored entry: %v", err)
		}
		if _, err := s.DB.Exec(rebind(s.Dialect, "DELETE FROM audit_events WHERE id = ?"), entries[1].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Verify(ctx); !errors.As(err, &broken) || broken.ID != third {
			t.Fatalf("removed entry: %v, want broken at %d", err, third)
		}
	})
}

// Two recorders on one database stand for two VAMS instances: appending
// concurrently, they still build one chain.
func TestConcurrentRecordersKeepOneChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := b.Open(t)
		r1, _ := audit.NewRecorder(s, key)
		r2, _ := audit.NewRecorder(s, key)
		var wg sync.WaitGroup
		for _, r := range []*audit.Recorder{r1, r2, r1, r2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				record(t, r, 10)
			}()
		}
		wg.Wait()
		h, err := r1.Verify(context.Background())
		if err != nil || h.Entries != 40 {
			t.Fatalf("verify: %+v %v", h, err)
		}
	})
}

func TestActorIsKeyedNotClear(t *testing.T) {
	r1, _ := audit.NewRecorder(nil, key)
	r2, _ := audit.NewRecorder(nil, []byte("another key of 32 bytes, exactly"))
	icn := "1000000101V000101"
	if a := r1.Actor(icn); a == icn || len(a) != 64 || a != r1.Actor(icn) || a == r2.Actor(icn) {
		t.Fatalf("actor %q", a)
	}
	if _, err := audit.NewRecorder(nil, []byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
}

func TestLoadOrCreateKeyIsStable(t *testing.T) {
	dir := t.TempDir()
	k1, err := audit.LoadOrCreateKey(dir)
	if err != nil || len(k1) != 32 {
		t.Fatal(k1, err)
	}
	k2, err := audit.LoadOrCreateKey(dir)
	if err != nil || string(k1) != string(k2) {
		t.Fatal("key changed across loads")
	}
}

func rebind(dialect, q string) string {
	if dialect != "postgres" {
		return q
	}
	out, n := []byte{}, 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = append(out, fmt.Sprintf("$%d", n)...)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}
