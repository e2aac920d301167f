package ops_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/providerref"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// A provider whose id sequence restarted (the simulator's reset-ids) hands
// a new clinician message an id VAMS holds for an old message of the
// veteran's. Through every intake path (MHV scan, OH scan, OH Atom entry)
// the new message appears in a thread of its own, the old message and its
// thread are exactly as they were, the conflict is counted, and the
// veteran's sync state is SUSPECT so the scan that shows the reset deletes
// nothing.
func TestIDResetStoresTheNewMessageAndKeepsTheOld(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		for _, c := range []struct{ name, provider, kind, team string }{
			{"mhv scan", "mhv", "MHV", "Primary Care Team Blue"},
			{"oh scan", "oh", "OH", "Primary Care Team Red"},
			{"oh atom entry", "oh", "OH", "Primary Care Team Red"},
		} {
			t.Run(c.name, func(t *testing.T) {
				atom := strings.HasSuffix(c.name, "atom entry")
				s := vamstest.NewSystem(t, b, vamstest.SystemOptions{NoAtomPush: !atom})
				ctx := viewer.System(context.Background())
				k := providerkind.Kind(c.kind)
				vet, err := s.App.Store.Client.Veteran.Query().Where(veteran.Icn(demo.Veteran1ICN)).Only(ctx)
				if err != nil {
					t.Fatal(err)
				}
				sendDelivered(t, s, c.team, 3)
				if err := s.App.Engine.Reconcile(ctx, vet.ID, k); err != nil {
					t.Fatal(err)
				}
				refs, err := s.App.Store.Client.ProviderRef.Query().Where(providerref.ProviderEQ(k),
					providerref.EntityTypeEQ(providerref.EntityTypeMESSAGE)).All(ctx)
				if err != nil {
					t.Fatal(err)
				}
				heldAs := map[string]string{} // provider id → VAMS message
				for _, r := range refs {
					heldAs[r.ExternalID] = r.EntityID
				}
				before := folders(t, s)

				s.Control(c.provider, http.MethodPost, "reset-ids", nil, nil)
				// Thread and message ids share MHV's sequence: the clinician
				// writes on in one conversation until a message gets an old
				// message's id.
				var created struct{ ID string }
				for i := 0; heldAs[created.ID] == ""; i++ {
					if i == 4 {
						t.Fatalf("no new message got an id VAMS held (last %s): no reuse to test", created.ID)
					}
					in := map[string]any{"icn": demo.Veteran1ICN, "careTeam": c.team, "subject": "After the reset",
						"body": fmt.Sprintf("New message %d under an old id", i)}
					if created.ID != "" {
						in["inReplyTo"] = created.ID
					}
					s.Control(c.provider, http.MethodPost, "clinician-messages", in, &created)
				}
				oldID := heldAs[created.ID]
				old := snapshot(t, s, oldID)

				if atom {
					vamstest.Eventually(t, 15*time.Second, "the Atom entry's message", func() bool {
						return newMessage(t, s, k, created.ID) != nil
					})
				} else if err := s.App.Engine.Reconcile(ctx, vet.ID, k); err != nil {
					t.Fatal(err)
				}
				got := newMessage(t, s, k, created.ID)
				if got == nil {
					t.Fatal("the new clinician message does not appear")
				}
				if got.ID == oldID || got.ThreadID == old.thread || got.AuthorKind != message.AuthorKindCLINICIAN {
					t.Fatalf("new message %s in thread %s; old message %s in thread %s: they must be apart", got.ID, got.ThreadID, oldID, old.thread)
				}
				if n, err := s.App.Store.Client.Thread.Query().Where(thread.Subject("After the reset")).Count(ctx); err != nil || n != 1 {
					t.Fatalf("the new conversation is in %d threads (%v), want 1", n, err)
				}
				if now := snapshot(t, s, oldID); now != old {
					t.Fatalf("the old message changed:\n was %+v\n now %+v", old, now)
				}
				if !metric(t, s, `vams_sync_id_conflicts_total{provider="`+c.kind+`"} 1`) {
					t.Fatal("vams_sync_id_conflicts_total does not count the conflict")
				}
				st, err := s.App.Inbox.SyncState(ctx, k, vet.ID, inbox.EvidenceScope)
				if err != nil || !inbox.Suspect(st) || !strings.Contains(st.LastError, "id reset") {
					t.Fatalf("sync state %+v (%v), want SUSPECT for an id reset", st, err)
				}
				if !atom { // the scan that showed the reset moved nothing
					if got := folders(t, s); got["Sent"] != before["Sent"] || got["Trash"] != before["Trash"] || got["Inbox"] <= before["Inbox"] {
						t.Fatalf("folders went from %v to %v; only the new thread may arrive", before, got)
					}
				}
				logged := s.Log.String()
				if !strings.Contains(logged, "provider id reused") || !strings.Contains(logged, created.ID) {
					t.Fatal("the conflict is not logged with its ids")
				}
				if strings.Contains(logged, "under an old id") || strings.Contains(logged, "After the reset") {
					t.Fatal("the log carries the message's text")
				}
			})
		}
	})
}

// held is what a test compares of a message and its thread.
type held struct {
	thread, author, name, body, delivery string
	bodyLoaded                           bool
	folder, subject                      string
	messages, unread                     int
	deleted, read, clinicianRead, sent   string
}

func snapshot(t *testing.T, s *vamstest.System, id string) held {
	t.Helper()
	ctx := viewer.System(context.Background())
	m, err := s.App.Store.Client.Message.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	th, err := s.App.Store.Client.Thread.Get(ctx, m.ThreadID)
	if err != nil {
		t.Fatal(err)
	}
	stamp := func(tp *time.Time) string {
		if tp == nil {
			return ""
		}
		return tp.UTC().Format(time.RFC3339Nano)
	}
	h := held{thread: m.ThreadID, author: string(m.AuthorKind), name: m.AuthorName, body: m.Body, bodyLoaded: m.BodyLoaded,
		folder: th.FolderID, subject: th.Subject, messages: th.MessageCount, unread: th.UnreadCount,
		deleted: stamp(m.ProviderDeletedAt), read: stamp(m.ReadAt), clinicianRead: stamp(m.ClinicianReadAt), sent: stamp(m.SentAt)}
	if m.DeliveryStatus != nil {
		h.delivery = string(*m.DeliveryStatus)
	}
	return h
}

// newMessage is the message of provider k's id ext in a thread "After the
// reset", or nil.
func newMessage(t *testing.T, s *vamstest.System, k providerkind.Kind, ext string) *ent.Message {
	t.Helper()
	ctx := viewer.System(context.Background())
	id, err := s.App.Inbox.KnownMessage(ctx, k, ext)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.App.Store.Client.Message.Query().Where(message.ID(id), message.HasThreadWith(thread.Subject("After the reset"))).Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}
