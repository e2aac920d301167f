package audit_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/va/vams/internal/audit"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// outboxRows counts what waits in the outbox to be chained.
func outboxRows(t *testing.T, s *store.Store) int {
	t.Helper()
	var n int
	if err := s.DB.QueryRow("SELECT count(*) FROM audit_outbox").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func entriesOf(t *testing.T, e *vamstest.Env, icn string) []audit.Entry {
	t.Helper()
	var page struct{ Entries []audit.Entry }
	if code := get(t, e, "/ops/audit?actor="+icn, e.Token("1000000999V000999", "operator"), &page); code != 200 {
		t.Fatalf("/ops/audit: %d", code)
	}
	return page.Entries
}

// With reads batched for an hour, a mutation's entries are there the moment
// its response is: committed with the change, listed for operators as
// pending, then chained by the worker. The read in the same request waits
// for its batch.
func TestMutationEntryIsCommittedWithItsChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := vamstest.New(t, b, vamstest.Options{Audit: true})
		e.Audit.Batch(time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
		t.Cleanup(func() { _ = e.Audit.Close(context.Background()) })
		vet := e.Veteran(icnA, "Alex Morgan")
		team := e.CareTeam(vet, vamstest.Team{Name: "Primary Care"})
		var sent struct {
			SendMessage struct {
				Thread  struct{ ID string }
				Message struct{ ID, Body string }
			}
		}
		e.MustDo(icnA, `mutation($in: SendMessageInput!) { sendMessage(input: $in) { thread { id } message { id body } } }`,
			map[string]any{"in": map[string]any{"careTeamId": team, "category": "OTHER", "subject": "Refill", "body": "Please"}}, &sent)
		th, msg := sent.SendMessage.Thread.ID, sent.SendMessage.Message.ID

		want := []string{"sendMessage CareTeam " + team, "sendMessage Thread " + th, "sendMessage Message " + msg}
		var got []string
		for _, en := range entriesOf(t, e, icnA) {
			if !en.Pending || en.Hash != "" || en.RequestID == "" || en.Outcome != audit.OutcomeOK {
				t.Errorf("entry before chaining: %+v, want pending with a request id", en)
			}
			got = append(got, en.Action+" "+en.TargetType+" "+en.TargetID)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) { // the body read is still in its batch
			t.Fatalf("entries right after the response: %v, want %v", got, want)
		}

		if n, err := e.Audit.ChainOutbox(context.Background()); err != nil || n != 3 {
			t.Fatalf("worker chained %d (%v), want 3", n, err)
		}
		if n := outboxRows(t, e.Store); n != 0 {
			t.Fatalf("outbox holds %d after chaining", n)
		}
		got = nil
		for _, en := range entriesOf(t, e, icnA) {
			if en.Pending || en.Hash == "" {
				t.Errorf("entry after chaining: %+v", en)
			}
			got = append(got, en.Action+" "+en.TargetType+" "+en.TargetID)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("chained entries %v, want %v", got, want)
		}
		if h, err := e.Audit.Verify(context.Background()); err != nil || h.Entries < 3 {
			t.Fatalf("verify: %+v %v", h, err)
		}
	})
}

// failChanges makes every insert into the change log fail: a mutation's
// transaction then rolls back after its audit entry was written.
func failChanges(t *testing.T, s *store.Store) {
	t.Helper()
	stmts := []string{`CREATE TRIGGER fail_changes BEFORE INSERT ON changes BEGIN SELECT RAISE(ABORT, 'injected failure'); END`}
	if s.Dialect == "postgres" {
		stmts = []string{
			`CREATE FUNCTION fail_changes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`,
			`CREATE TRIGGER fail_changes BEFORE INSERT ON changes FOR EACH ROW EXECUTE FUNCTION fail_changes()`,
		}
	}
	for _, q := range stmts {
		if _, err := s.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

// A mutation whose transaction fails at its last step leaves no entry
// saying it happened: only the failed attempt is recorded.
func TestRolledBackMutationLeavesNoEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := vamstest.New(t, b, vamstest.Options{Audit: true})
		e.Veteran(icnA, "Alex Morgan")
		failChanges(t, e.Store)
		if r := e.Do(icnA, `mutation { createFolder(input: {name: "Travel"}) { folder { id } } }`, nil); r.Code() != "INTERNAL" {
			t.Fatalf("createFolder with a failing commit: %+v", r.Errors)
		}
		if n := outboxRows(t, e.Store); n != 0 {
			t.Fatalf("outbox holds %d rows of a rolled-back mutation", n)
		}
		if _, err := e.Audit.ChainOutbox(context.Background()); err != nil {
			t.Fatal(err)
		}
		entries := entriesOf(t, e, icnA)
		if len(entries) != 1 || entries[0].Action != "createFolder" || entries[0].Outcome != audit.OutcomeError {
			t.Fatalf("entries %+v, want only the failed attempt", entries)
		}
	})
}

// Several veterans' mutations run concurrently while the worker chains:
// every mutation has its entry, once, and the chain verifies.
func TestChainVerifiesAfterConcurrentMutations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := vamstest.New(t, b, vamstest.Options{Audit: true})
		const veterans, each = 4, 6
		icns := make([]string, veterans)
		for i := range icns {
			icns[i] = fmt.Sprintf("10000002%02dV0002%02d", i, i)
			e.Veteran(icns[i], fmt.Sprintf("Veteran %d", i))
		}
		ctx, stop := context.WithCancel(context.Background())
		worker := make(chan error, 1)
		go func() {
			for ctx.Err() == nil {
				if _, err := e.Audit.ChainOutbox(ctx); err != nil && ctx.Err() == nil {
					worker <- err
					return
				}
			}
			worker <- nil
		}()
		var wg sync.WaitGroup
		for _, icn := range icns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range each {
					var out struct {
						CreateTag struct{ Tag struct{ ID string } }
					}
					e.MustDo(icn, `mutation($n: String!) { createTag(input: {name: $n}) { tag { id } } }`, map[string]any{"n": fmt.Sprintf("tag %d", j)}, &out)
				}
			}()
		}
		wg.Wait()
		stop()
		if err := <-worker; err != nil {
			t.Fatalf("worker: %v", err)
		}
		// The worker's last round may have been cancelled mid-transaction;
		// until its rollback reaches PostgreSQL it still holds the chain's
		// lock, and a round then gives up at once (another holder is
		// chaining). Chain until the outbox is empty.
		vamstest.Eventually(t, 10*time.Second, "the outbox chained", func() bool {
			if _, err := e.Audit.ChainOutbox(context.Background()); err != nil {
				t.Fatal(err)
			}
			return outboxRows(t, e.Store) == 0
		})
		h, err := e.Audit.Verify(context.Background())
		if err != nil || h.Entries != veterans*each {
			t.Fatalf("verify: %+v %v, want %d entries", h, err, veterans*each)
		}
		for _, icn := range icns {
			seen := map[string]bool{}
			for _, en := range entriesOf(t, e, icn) {
				if en.Action != "createTag" || en.TargetType != "Tag" || en.Pending || seen[en.TargetID] {
					t.Errorf("%s: entry %+v", icn, en)
				}
				seen[en.TargetID] = true
			}
			if len(seen) != each {
				t.Errorf("%s has %d tag entries, want %d", icn, len(seen), each)
			}
		}
	})
}

// Two workers (two instances) racing over one outbox chain each row
// exactly once.
func TestRacingWorkersChainEachRowOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := b.Open(t)
		r1, _ := audit.NewRecorder(s, key)
		r2, _ := audit.NewRecorder(s, key)
		const rows = 120
		ctx := context.Background()
		for i := range rows {
			p := r1.Pending(r1.Actor(icnA), "moveThread", fmt.Sprintf("req_%03d", i), nil)
			if err := s.InTx(audit.WithPending(ctx, p), func(tx *store.Tx) error {
				audit.Stage(audit.WithPending(ctx, p), tx)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			chained int
		)
		for _, r := range []*audit.Recorder{r1, r2, r1, r2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20 {
					n, err := r.ChainOutbox(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					chained += n
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if n, err := r1.ChainOutbox(ctx); err != nil || n != 0 {
			t.Fatalf("left in the outbox: %d %v", n, err)
		}
		h, err := r1.Verify(ctx)
		if err != nil || h.Entries != rows || chained != rows {
			t.Fatalf("verify: %+v %v; workers chained %d, want %d", h, err, chained, rows)
		}
		entries, err := r1.Query(ctx, audit.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for i, en := range entries {
			if want := fmt.Sprintf("req_%03d", i); en.RequestID != want {
				t.Fatalf("entry %d is %s, want %s (commit order, once each)", i, en.RequestID, want)
			}
		}
	})
}

// A transaction that stages entries and then fails takes them with it;
// the next of the mutation's transactions to commit writes them, once.
func TestStagedEntriesCommitOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := b.Open(t)
		r, _ := audit.NewRecorder(s, key)
		p := r.Pending(r.Actor(icnA), "createTag", "req", nil)
		ctx := audit.WithPending(context.Background(), p)
		run := func(fail bool) {
			_ = s.InTx(ctx, func(tx *store.Tx) error {
				audit.Stage(ctx, tx)
				audit.Created(ctx, "tag_01JD0000000000000000000000")
				tx.BeforeCommit(func() error {
					if fail {
						return errors.New("injected failure")
					}
					return nil
				})
				return nil
			})
		}
		run(true)
		if _, ok := p.Written(); ok || outboxRows(t, s) != 0 {
			t.Fatalf("rolled-back transaction left its entry (written %v)", ok)
		}
		run(false)
		run(false)
		if targets, ok := p.Written(); !ok || len(targets) != 1 || outboxRows(t, s) != 1 {
			t.Fatalf("after two commits: written %v %v, outbox %d, want one row", ok, targets, outboxRows(t, s))
		}
	})
}
