package inbox_test

import (
	"slices"
	"testing"

	"github.com/va/vams/ent"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/providers"
)

func (w *world) unread(t *testing.T, threadID string) (thread, total int) {
	t.Helper()
	return w.thread(t, threadID).UnreadCount, must[int](t)(w.Inbox.UnreadCount(w.ctx))
}

func TestReadStateTransitions(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, w *world) {
		th, ext := w.clinicianStarts(t, w.team, "Your labs are normal.")
		w.ClinicianWrites(w.vid, w.team, "", "One more thing.", ext, w.Now())
		ms := w.messages(t, th.ID)
		if len(ms) != 2 {
			t.Fatalf("thread holds %d messages, want 2", len(ms))
		}

		steps := []struct {
			name         string
			do           func() (*ent.Thread, error)
			thread, all  int      // unread counts after the step
			logged       []string // change log entries the step adds
			statusWrites []statusWrite
		}{
			{"arrived", nil, 2, 2, nil, nil},
			{"mark read", func() (*ent.Thread, error) { return w.Inbox.MarkThreadRead(w.ctx, th.ID) }, 0, 0,
				[]string{"Thread UPDATED"}, []statusWrite{{ms[0].ID, providers.StatusRead}, {ms[1].ID, providers.StatusRead}}},
			{"mark read again changes nothing", func() (*ent.Thread, error) { return w.Inbox.MarkThreadRead(w.ctx, th.ID) }, 0, 0, nil, nil},
			// Unread is VAMS's reminder only: nothing goes back to the provider.
			{"mark unread", func() (*ent.Thread, error) { return w.Inbox.MarkThreadUnread(w.ctx, th.ID) }, 1, 1,
				[]string{"Thread UPDATED"}, nil},
			{"mark unread again changes nothing", func() (*ent.Thread, error) { return w.Inbox.MarkThreadUnread(w.ctx, th.ID) }, 1, 1, nil, nil},
			{"in Trash it is not counted", func() (*ent.Thread, error) { return w.Inbox.DeleteThread(w.ctx, th.ID) }, 1, 0,
				[]string{"Thread UPDATED"}, []statusWrite{{ms[0].ID, providers.StatusDeleted}, {ms[1].ID, providers.StatusDeleted}}},
		}
		for _, s := range steps {
			logged := len(w.changes(t))
			_, writes := w.out.queued()
			if s.do != nil {
				got, err := s.do()
				if err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				if got.UnreadCount != s.thread {
					t.Errorf("%s: returned thread has %d unread, want %d", s.name, got.UnreadCount, s.thread)
				}
			}
			if n, all := w.unread(t, th.ID); n != s.thread || all != s.all {
				t.Errorf("%s: unread %d in thread, %d in all; want %d, %d", s.name, n, all, s.thread, s.all)
			}
			if got := since(w.changes(t), logged); !slices.Equal(got, s.logged) {
				t.Errorf("%s: changes %v, want %v", s.name, got, s.logged)
			}
			if _, now := w.out.queued(); !slices.Equal(now[len(writes):], s.statusWrites) {
				t.Errorf("%s: status writes %v, want %v", s.name, now[len(writes):], s.statusWrites)
			}
		}
		if last := w.messages(t, th.ID)[1]; last.ReadAt != nil {
			t.Error("mark unread left the latest care-team message read")
		}
		if first := w.messages(t, th.ID)[0]; first.ReadAt == nil {
			t.Error("mark unread flagged more than the latest care-team message")
		}
	})
}

func TestMarkThreadUnreadWithoutCareTeamMessageIsRefused(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, w *world) {
		th, _ := w.send(t, "Refill", "Please refill.")
		_, err := w.Inbox.MarkThreadUnread(w.ctx, th.ID)
		wantCode(t, err, inbox.CodeInvalidInput, "threadId")
		_, err = w.Inbox.MarkThreadRead(w.ctx, "not-an-id")
		wantCode(t, err, inbox.CodeNotFound, "threadId")
	})
}
