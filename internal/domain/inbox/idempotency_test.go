package inbox_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// fixture is one veteran with a team, a thread and two drafts to send.
type fixture struct {
	e              *vamstest.Env
	svc            *inbox.Service
	ctx            context.Context
	vid, team      string
	thread         string
	draft1, draft2 string
}

func newFixture(t *testing.T, b storetest.Backend) *fixture {
	t.Helper()
	e := vamstest.New(t, b)
	f := &fixture{e: e, svc: e.Inbox}
	f.vid = e.Veteran("1000000401V000401", "Alex Morgan")
	f.team = e.CareTeam(f.vid, vamstest.Team{Name: "Primary Care"})
	f.ctx = viewer.NewContext(context.Background(), viewer.Viewer{VeteranID: f.vid})
	th, _, err := f.svc.SendMessage(f.ctx, inbox.SendMessage{CareTeamID: f.team, Category: thread.CategoryOTHER, Subject: "Hi", Body: "Hello"})
	if err != nil {
		t.Fatal(err)
	}
	f.thread = th.ID
	for _, d := range []*string{&f.draft1, &f.draft2} {
		_, m, err := f.svc.SaveDraft(f.ctx, inbox.Draft{CareTeamID: f.team, Subject: ptr("Later"), Body: "draft"})
		if err != nil {
			t.Fatal(err)
		}
		*d = m.ID
	}
	return f
}

// rows counts what a keyed mutation may write.
func (f *fixture) rows(t *testing.T) [5]int {
	t.Helper()
	ctx, c := f.e.System(), f.e.Client()
	var n [5]int
	var err [5]error
	n[0], err[0] = c.Thread.Query().Count(ctx)
	n[1], err[1] = c.Message.Query().Count(ctx)
	n[2], err[2] = c.Folder.Query().Count(ctx)
	n[3], err[3] = c.Tag.Query().Count(ctx)
	n[4], err[4] = c.Change.Query().Count(ctx)
	for _, e := range err {
		if e != nil {
			t.Fatal(e)
		}
	}
	return n
}

// call runs one keyed mutation and returns the IDs it answered with.
type call func(f *fixture, key string, other bool) ([]string, error)

// pair is the IDs a send or draft save answered with.
func pair(th *ent.Thread, m *ent.Message, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	return []string{th.ID, m.ID}, nil
}

var keyedCalls = []struct {
	name string
	run  call
}{
	{"sendMessage", func(f *fixture, key string, other bool) ([]string, error) {
		in := inbox.SendMessage{CareTeamID: f.team, Category: thread.CategoryMEDICATIONS, Subject: "Refill", Body: "Lisinopril, please.", Key: key,
			Attachments: []inbox.File{{Filename: "list.txt", Size: 10, Content: strings.NewReader("lisinopril")}}}
		if other { // the same name, other bytes
			in.Attachments = []inbox.File{{Filename: "list.txt", Size: 9, Content: strings.NewReader("metformin")}}
		}
		return pair(f.svc.SendMessage(f.ctx, in))
	}},
	{"replyToThread", func(f *fixture, key string, other bool) ([]string, error) {
		in := inbox.Reply{ThreadID: f.thread, Body: "Thank you.", Key: key}
		if other {
			in.Signature = &inbox.Signature{FullName: "Alex Morgan", Certified: true}
		}
		return pair(f.svc.ReplyToThread(f.ctx, in))
	}},
	{"saveDraft", func(f *fixture, key string, other bool) ([]string, error) {
		in := inbox.Draft{CareTeamID: f.team, Subject: ptr("Appointment"), Body: "Can I move it?", Key: key}
		if other { // no subject is not an empty one
			in.Subject = nil
		}
		return pair(f.svc.SaveDraft(f.ctx, in))
	}},
	{"sendDraft", func(f *fixture, key string, other bool) ([]string, error) {
		in := inbox.SendDraft{DraftID: f.draft1, Key: key}
		if other {
			in.DraftID = f.draft2
		}
		return pair(f.svc.SendDraft(f.ctx, in))
	}},
	{"createFolder", func(f *fixture, key string, other bool) ([]string, error) {
		in := inbox.NewFolder{Name: "Travel", Key: key}
		if other {
			in.Name = "Travel "
		}
		fo, err := f.svc.CreateFolder(f.ctx, in)
		if err != nil {
			return nil, err
		}
		return []string{fo.ID}, nil
	}},
	{"createTag", func(f *fixture, key string, other bool) ([]string, error) {
		in := inbox.NewTag{Name: "refills", Key: key}
		if other {
			in.Name = "labs"
		}
		tg, err := f.svc.CreateTag(f.ctx, in)
		if err != nil {
			return nil, err
		}
		return []string{tg.ID}, nil
	}},
}

// TestKeyedMutationsAreIdempotent: per mutation, a key's first call writes,
// its repeats answer with the same IDs and write nothing, and the key with
// other input is IDEMPOTENCY_KEY_REUSED, writing nothing.
func TestKeyedMutationsAreIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b)
		for _, c := range keyedCalls {
			t.Run(c.name, func(t *testing.T) {
				before := f.rows(t)
				first, err := c.run(f, "k-"+c.name, false)
				if err != nil {
					t.Fatal(err)
				}
				written := f.rows(t)
				if written == before {
					t.Fatal("the first call wrote nothing")
				}
				for range 2 {
					again, err := c.run(f, "k-"+c.name, false)
					if err != nil || strings.Join(again, " ") != strings.Join(first, " ") {
						t.Fatalf("repeat: %v (%v), first %v", again, err, first)
					}
				}
				_, err = c.run(f, "k-"+c.name, true)
				if e, ok := inbox.AsError(err); !ok || e.Code != inbox.CodeIdempotencyKeyReused || e.Field != "clientMutationId" {
					t.Fatalf("other input: %v, want IDEMPOTENCY_KEY_REUSED", err)
				}
				if f.rows(t) != written {
					t.Fatalf("repeats wrote: %v, after the first call %v", f.rows(t), written)
				}
			})
		}
	})
}

// TestKeyRules covers what a key is scoped to and when it is used up.
func TestKeyRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b)
		send := func(ctx context.Context, team, key string) (string, error) {
			_, m, err := f.svc.SendMessage(ctx, inbox.SendMessage{CareTeamID: team, Category: thread.CategoryOTHER, Subject: "Hi", Body: "Hello", Key: key})
			if err != nil {
				return "", err
			}
			return m.ID, nil
		}
		t.Run("another veteran's same key is their own", func(t *testing.T) {
			vid := f.e.Veteran("1000000402V000402", "Blair Chen")
			ctx := viewer.NewContext(context.Background(), viewer.Viewer{VeteranID: vid})
			team := f.e.CareTeam(vid, vamstest.Team{Name: "Mental Health"})
			a, errA := send(f.ctx, f.team, "shared")
			b, errB := send(ctx, team, "shared")
			if errA != nil || errB != nil || a == b {
				t.Fatalf("two veterans, one key: %s (%v), %s (%v)", a, errA, b, errB)
			}
		})
		t.Run("a refused call does not use the key up", func(t *testing.T) {
			blocked := f.e.CareTeam(f.vid, vamstest.Team{Name: "Podiatry", Blocked: true})
			if _, err := send(f.ctx, blocked, "after-refusal"); err == nil {
				t.Fatal("send to a blocked team passed")
			}
			if _, err := send(f.ctx, f.team, "after-refusal"); err != nil {
				t.Fatalf("the key after a refusal: %v", err)
			}
		})
		t.Run("what the key made is gone", func(t *testing.T) {
			fo, err := f.svc.CreateFolder(f.ctx, inbox.NewFolder{Name: "Gone", Key: "gone"})
			if err != nil {
				t.Fatal(err)
			}
			if err := f.svc.DeleteFolder(f.ctx, fo.ID); err != nil {
				t.Fatal(err)
			}
			_, err = f.svc.CreateFolder(f.ctx, inbox.NewFolder{Name: "Gone", Key: "gone"})
			if e, ok := inbox.AsError(err); !ok || e.Code != inbox.CodeNotFound || e.Field != "clientMutationId" {
				t.Fatalf("retry after the folder was deleted: %v, want NOT_FOUND on clientMutationId", err)
			}
		})
		t.Run("expiry and pruning follow the clock", func(t *testing.T) {
			first, err := send(f.ctx, f.team, "daily")
			if err != nil {
				t.Fatal(err)
			}
			f.e.Advance(inbox.IdempotencyWindow - time.Second)
			if again, err := send(f.ctx, f.team, "daily"); err != nil || again != first {
				t.Fatalf("within the window: %s (%v), want %s", again, err, first)
			}
			if n, err := f.svc.PruneIdempotencyRecords(context.Background()); err != nil || n != 0 {
				t.Fatalf("pruned %d (%v) within the window", n, err)
			}
			f.e.Advance(time.Second)
			pruned, err := f.svc.PruneIdempotencyRecords(context.Background())
			if err != nil || pruned == 0 {
				t.Fatalf("pruned %d (%v) after the window", pruned, err)
			}
			if later, err := send(f.ctx, f.team, "daily"); err != nil || later == first {
				t.Fatalf("after the window: %s (%v), first %s", later, err, first)
			}
			if left, err := f.e.Client().IdempotencyRecord.Query().Count(f.e.System()); err != nil || left != 1 {
				t.Fatalf("%d keys left (%v), want the renewed one", left, err)
			}
		})
		t.Run("an expired key not yet pruned makes a new message and replaces its record", func(t *testing.T) {
			first, err := send(f.ctx, f.team, "weekly")
			if err != nil {
				t.Fatal(err)
			}
			f.e.Advance(inbox.IdempotencyWindow)
			later, err := send(f.ctx, f.team, "weekly")
			if err != nil || later == first {
				t.Fatalf("after the window, unpruned: %s (%v), first %s; want a new message", later, err, first)
			}
			if again, err := send(f.ctx, f.team, "weekly"); err != nil || again != later {
				t.Fatalf("a repeat of the renewed key: %s (%v), want %s", again, err, later)
			}
		})
	})
}

// TestConcurrentKeyedSendsWriteOnce: identical keyed calls at once make one
// message, and each answers with it.
func TestConcurrentKeyedSendsWriteOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		f := newFixture(t, b)
		before := f.rows(t)
		const n = 6
		got := make([][]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = keyedCalls[0].run(f, "race", false)
			}()
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil || strings.Join(got[i], " ") != strings.Join(got[0], " ") {
				t.Fatalf("call %d: %v (%v), call 0 %v", i, got[i], errs[i], got[0])
			}
		}
		if after := f.rows(t); after[1] != before[1]+1 {
			t.Fatalf("%d messages written, want 1", after[1]-before[1])
		}
	})
}
