package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/va/vams/internal/store/storetest"
)

// The write floors write what VAMS writes for a send and a mark read (the
// message and thread, the job, the change log's number and rows, the audit
// outbox rows, and for a send the send limit), in the statements their
// BENCH lines report.
func TestWriteFloorsWriteWhatVAMSWritesInTheStatementsReported(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		var sqlc storetest.SQLCounter
		s := b.Open(t, storetest.Options{WrapConnector: sqlc.Wrap})
		ctx := context.Background()
		sz := DefaultSizes.Scale(10000)
		if err := Generate(ctx, s, sz, io.Discard); err != nil {
			t.Fatal(err)
		}
		w, err := loadWorkload(ctx, s.DB, s.Dialect, sz, 0.3)
		if err != nil {
			t.Fatal(err)
		}
		rows := func() map[string]int {
			out := map[string]int{}
			for _, table := range []string{"threads", "messages", "river_job", "changes", "audit_outbox"} {
				var n int
				if err := s.DB.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
					t.Fatal(err)
				}
				out[table] = n
			}
			var unread int
			if err := s.DB.QueryRow(`SELECT COUNT(*) FROM messages WHERE read_at IS NULL AND author_kind <> 'VETERAN'`).Scan(&unread); err != nil {
				t.Fatal(err)
			}
			out["unread"] = unread
			var limited int // veterans whose send limit a send advanced
			if err := s.DB.QueryRow(`SELECT COUNT(*) FROM veterans WHERE send_limit_tat IS NOT NULL`).Scan(&limited); err != nil {
				t.Fatal(err)
			}
			out["limited"] = limited
			return out
		}
		floors := floorOps(s.Dialect)
		r := rand.New(rand.NewPCG(1, 2))
		for _, c := range []struct {
			op   string
			want func(before map[string]int) map[string]int
		}{
			{"send", func(m map[string]int) map[string]int {
				m["threads"]++
				m["messages"]++
				m["river_job"]++
				m["changes"] += 2
				m["audit_outbox"] += 2
				m["limited"]++
				return m
			}},
			{"mark_read", func(m map[string]int) map[string]int {
				var unread int
				next := w.unread[w.unreadNext.Load()%int64(len(w.unread))]
				if err := s.DB.QueryRow(q(s.Dialect, `SELECT unread_count FROM threads WHERE id = ?`), next.thread).Scan(&unread); err != nil || unread == 0 {
					t.Fatalf("next thread to mark has %d unread (%v)", unread, err)
				}
				m["river_job"] += unread
				m["changes"]++
				m["audit_outbox"]++
				m["unread"] -= unread
				return m
			}},
		} {
			before := rows()
			want := c.want(before)
			sqlc.Reset()
			if err := floors[c.op].run(ctx, s.DB, w, r); err != nil {
				t.Fatalf("%s floor: %v", c.op, err)
			}
			if n := sqlc.Count(); n != floors[c.op].statements || sqlc.Begins() != 1 {
				t.Errorf("%s floor: %d statements in %d transactions, reports %d in 1", c.op, n, sqlc.Begins(), floors[c.op].statements)
			}
			if got := rows(); len(got) != len(want) || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s floor: rows %v, want %v", c.op, got, want)
			}
		}
	})
}

// Mark read hands out each thread of the pool once, then reports the pool
// used up; restoring it puts back every thread's unread messages and
// count, so the next measurement marks the same threads from the same
// state (a run can be repeated, and GraphQL and floor see equal pools).
func TestTheUnreadPoolIsUsedOnceAndRestoredWhole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := b.Open(t, storetest.Options{})
		ctx := context.Background()
		if err := Generate(ctx, s, DefaultSizes.Scale(10000), io.Discard); err != nil {
			t.Fatal(err)
		}
		w, err := loadWorkload(ctx, s.DB, s.Dialect, DefaultSizes.Scale(10000), 0.3)
		if err != nil {
			t.Fatal(err)
		}
		state := func() string {
			var threads, unread, messages int
			if err := s.DB.QueryRow(`SELECT COUNT(*), COALESCE(SUM(unread_count), 0) FROM threads WHERE unread_count > 0`).Scan(&threads, &unread); err != nil {
				t.Fatal(err)
			}
			if err := s.DB.QueryRow(`SELECT COUNT(*) FROM messages WHERE read_at IS NULL AND author_kind <> 'VETERAN'`).Scan(&messages); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("%d unread threads, count %d, %d unread messages", threads, unread, messages)
		}
		before := state()
		mark := floorOps(s.Dialect)["mark_read"]
		r := rand.New(rand.NewPCG(1, 2))
		for round := range 2 {
			for i := range w.unread {
				if err := mark.run(ctx, s.DB, w, r); err != nil {
					t.Fatalf("round %d, mark %d: %v", round, i, err)
				}
			}
			if err := mark.run(ctx, s.DB, w, r); !errors.Is(err, errPoolUsed) {
				t.Fatalf("round %d: a mark past the pool gave %v, want errPoolUsed", round, err)
			}
			if got := state(); got == before {
				t.Fatalf("round %d: marking the pool changed nothing (%s)", round, got)
			}
			if err := w.restoreUnread(ctx, s.DB); err != nil {
				t.Fatal(err)
			}
			if got := state(); got != before {
				t.Fatalf("round %d: restored to %s, want %s", round, got, before)
			}
		}
	})
}
