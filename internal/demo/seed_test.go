package demo

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/association"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/clock"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/internal/store/storetest"
)

var testNow = time.Date(2026, 3, 10, 15, 4, 5, 0, time.UTC)

func seeded(t *testing.T, b storetest.Backend) (*store.Store, context.Context) {
	t.Helper()
	s := b.Open(t)
	ctx := viewer.System(context.Background())
	if err := Seed(context.Background(), s, testNow); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return s, ctx
}

type counts map[string]int

func countAll(t *testing.T, ctx context.Context, c *ent.Client) counts {
	t.Helper()
	out := counts{}
	add := func(name string, n int, err error) {
		if err != nil {
			t.Fatalf("count %s: %v", name, err)
		}
		out[name] = n
	}
	n, err := c.Veteran.Query().Count(ctx)
	add("veterans", n, err)
	n, err = c.Facility.Query().Count(ctx)
	add("facilities", n, err)
	n, err = c.CareTeam.Query().Count(ctx)
	add("care_teams", n, err)
	n, err = c.Association.Query().Count(ctx)
	add("associations", n, err)
	n, err = c.Folder.Query().Count(ctx)
	add("folders", n, err)
	n, err = c.Tag.Query().Count(ctx)
	add("tags", n, err)
	n, err = c.Thread.Query().Count(ctx)
	add("threads", n, err)
	n, err = c.Thread.Query().Where(thread.HasTags()).Count(ctx)
	add("tagged_threads", n, err)
	n, err = c.Message.Query().Count(ctx)
	add("messages", n, err)
	n, err = c.Attachment.Query().Count(ctx)
	add("attachments", n, err)
	return out
}

func TestSeedIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s, ctx := seeded(t, b)
		first := countAll(t, ctx, s.Client)
		maxUpdated := func() time.Time {
			th, err := s.Client.Thread.Query().Order(ent.Desc(thread.FieldUpdatedAt)).First(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return th.UpdatedAt
		}
		before := maxUpdated()
		// A second run, later, changes nothing.
		if err := Seed(context.Background(), s, testNow.Add(36*time.Hour)); err != nil {
			t.Fatalf("second seed: %v", err)
		}
		second := countAll(t, ctx, s.Client)
		for k, v := range first {
			if second[k] != v {
				t.Errorf("%s: %d after first seed, %d after second", k, v, second[k])
			}
		}
		if after := maxUpdated(); !after.Equal(before) {
			t.Errorf("second seed touched threads: updated_at %v -> %v", before, after)
		}
		if first["veterans"] != 3 || first["threads"] < 40+16 {
			t.Errorf("unexpected counts %v", first)
		}
	})
}

func TestSeedMinimums(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s, ctx := seeded(t, b)
		c := s.Client
		v1 := mustVeteran(t, ctx, c, Veteran1ICN)

		threads, err := c.Thread.Query().Where(thread.VeteranID(v1.ID)).WithFolder().WithTags().WithCareTeam().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(threads) < 40 {
			t.Errorf("veteran 1 has %d threads, want >= 40", len(threads))
		}
		perFolder := map[string]int{}
		unread, tagged, withFiles, old := 0, 0, 0, 0
		categories := map[thread.Category]bool{}
		for _, th := range threads {
			perFolder[th.Edges.Folder.Name]++
			unread += th.UnreadCount
			if len(th.Edges.Tags) > 0 {
				tagged++
			}
			if th.HasAttachments {
				withFiles++
			}
			if th.MessageCount > 0 && testNow.Sub(th.LastMessageAt) > 45*24*time.Hour {
				old++
			}
			categories[th.Category] = true
		}
		t.Logf("veteran 1 threads per folder: %v", perFolder)
		for _, f := range []string{"Inbox", "Sent", "Drafts", "Trash", "Travel Claims"} {
			if perFolder[f] == 0 {
				t.Errorf("veteran 1 has no thread in %s", f)
			}
		}
		if unread == 0 || tagged == 0 || withFiles == 0 || old == 0 {
			t.Errorf("unread=%d tagged=%d withAttachments=%d olderThan45Days=%d; want all > 0", unread, tagged, withFiles, old)
		}
		if len(categories) < 6 {
			t.Errorf("veteran 1 threads use %d categories, want all 6", len(categories))
		}
		custom, err := c.Folder.Query().Where(folder.VeteranID(v1.ID), folder.SystemIsNil()).All(ctx)
		if err != nil || len(custom) != 1 || custom[0].Name != "Travel Claims" {
			t.Errorf("custom folders = %v, %v; want just Travel Claims", custom, err)
		}

		// Drafts: one reply draft in an Inbox thread, one new-message draft.
		drafts, err := c.Message.Query().Where(message.VeteranID(v1.ID), message.IsDraft(true)).WithThread(func(q *ent.ThreadQuery) { q.WithFolder() }).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var replyDraft, newDraft int
		for _, d := range drafts {
			th := d.Edges.Thread
			switch {
			case th.MessageCount == 0 && *th.Edges.Folder.System == folder.SystemDRAFTS:
				newDraft++
			case th.MessageCount > 0 && *th.Edges.Folder.System == folder.SystemINBOX:
				replyDraft++
			}
		}
		if replyDraft != 1 || newDraft != 1 {
			t.Errorf("veteran 1 drafts: %d reply drafts in Inbox, %d new-message drafts; want 1 and 1", replyDraft, newDraft)
		}

		receipts, err := c.Message.Query().Where(message.VeteranID(v1.ID), message.ClinicianReadAtNotNil()).Count(ctx)
		if err != nil || receipts == 0 {
			t.Errorf("veteran 1 read receipts = %d, %v", receipts, err)
		}
		atts, err := c.Attachment.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		types := map[string]bool{}
		for _, a := range atts {
			types[a.ContentType] = true
			if a.Size != int64(len(a.Data)) || a.Size == 0 {
				t.Errorf("attachment %s: size %d, %d bytes", a.Filename, a.Size, len(a.Data))
			}
			sniffed := http.DetectContentType(a.Data)
			if a.ContentType == "text/plain" {
				sniffed = regexp.MustCompile(`;.*`).ReplaceAllString(sniffed, "")
			}
			if sniffed != a.ContentType {
				t.Errorf("attachment %s: content type %s, content sniffs as %s", a.Filename, a.ContentType, sniffed)
			}
		}
		for _, ct := range []string{"image/png", "application/pdf", "text/plain"} {
			if !types[ct] {
				t.Errorf("no %s attachment", ct)
			}
		}

		// Veteran 1's teams: both providers, one blocked, one e-signature, a preferred one.
		assocs, err := c.Association.Query().Where(association.VeteranID(v1.ID)).WithCareTeam().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		providers := map[providerkind.Kind]bool{}
		blocked, signature, preferred := 0, 0, 0
		roi := regexp.MustCompile(`(?i).*[\s_]*Release[\s_]*of[\s_]*Information`)
		for _, a := range assocs {
			ct := a.Edges.CareTeam
			providers[ct.Provider] = true
			if a.Blocked {
				blocked++
			}
			if a.Preferred {
				preferred++
			}
			if ct.RequiresSignature {
				signature++
				if !roi.MatchString(ct.Name) {
					t.Errorf("team %s requires a signature but its name doesn't match the ROI rule", ct.ProviderID)
				}
			}
		}
		if blocked != 1 || signature != 1 || preferred == 0 || !providers[providerkind.MHV] || !providers[providerkind.OH] {
			t.Errorf("veteran 1 teams: blocked=%d signature=%d preferred=%d providers=%v", blocked, signature, preferred, providers)
		}
		if v1.MhvCorrelationID == nil || *v1.MhvCorrelationID != "10000001" || v1.OhPatientID == nil || *v1.OhPatientID != "20000001" ||
			v1.OhAuthority == nil || *v1.OhAuthority != OHAuthority {
			t.Errorf("veteran 1 provider ids wrong")
		}

		// Veterans 2 and 3: one provider each, with a few threads.
		for icn, want := range map[string]providerkind.Kind{Veteran2ICN: providerkind.MHV, Veteran3ICN: providerkind.OH} {
			v := mustVeteran(t, ctx, c, icn)
			assocs, err := c.Association.Query().Where(association.VeteranID(v.ID)).WithCareTeam().All(ctx)
			if err != nil || len(assocs) == 0 {
				t.Fatalf("associations of %s: %d, %v", icn, len(assocs), err)
			}
			for _, a := range assocs {
				if a.Edges.CareTeam.Provider != want {
					t.Errorf("veteran %s associated with a %s team, want only %s", icn, a.Edges.CareTeam.Provider, want)
				}
			}
			n, err := c.Thread.Query().Where(thread.VeteranID(v.ID)).Count(ctx)
			if err != nil || n < 6 {
				t.Errorf("veteran %s has %d threads (%v), want ~8", icn, n, err)
			}
			if (want == providerkind.MHV) != (v.MhvCorrelationID != nil) || (want == providerkind.OH) != (v.OhPatientID != nil) {
				t.Errorf("veteran %s provider identifiers don't match their teams", icn)
			}
		}

		// The paused facility's team is visible as such.
		paused, err := c.CareTeam.Query().WithFacility().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, ct := range paused {
			if ct.Edges.Facility.CutoverPhase == "p4" {
				found = true
			}
		}
		if !found {
			t.Error("no team at a facility in cutover phase p4")
		}
	})
}

func mustVeteran(t *testing.T, ctx context.Context, c *ent.Client, icn string) *ent.Veteran {
	t.Helper()
	v, err := c.Veteran.Query().Where(veteran.Icn(icn)).Only(ctx)
	if err != nil {
		t.Fatalf("veteran %s: %v", icn, err)
	}
	return v
}

// TestSeedConsistency recomputes every thread's aggregates and folder from
// its messages, by the inbox service's rules.
func TestSeedConsistency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s, ctx := seeded(t, b)
		c := s.Client
		threads, err := c.Thread.Query().WithFolder().WithMessages(func(q *ent.MessageQuery) { q.WithAttachments() }).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		earliest := testNow.AddDate(0, 0, -121)
		for _, th := range threads {
			var (
				count, unread int
				lastAt        time.Time
				lastID        string
				hasFiles      bool
				fromTeam      bool
				drafts        int
				newestDraft   time.Time
			)
			for _, m := range th.Edges.Messages {
				if m.OrderedAt.After(testNow) || m.OrderedAt.Before(earliest) {
					t.Errorf("thread %s: message %s at %v, outside the last 120 days", th.ID, m.ID, m.OrderedAt)
				}
				if m.IsDraft {
					drafts++
					if m.SentAt != nil || m.AuthorKind != message.AuthorKindVETERAN || len(m.Edges.Attachments) > 0 {
						t.Errorf("thread %s: draft %s has sent_at, attachments or a non-veteran author", th.ID, m.ID)
					}
					if m.OrderedAt.After(newestDraft) {
						newestDraft = m.OrderedAt
					}
					continue
				}
				if m.SentAt == nil || !m.SentAt.Equal(m.OrderedAt) {
					t.Errorf("thread %s: sent message %s has sent_at %v, ordered_at %v", th.ID, m.ID, m.SentAt, m.OrderedAt)
					continue
				}
				count++
				if m.AuthorKind != message.AuthorKindVETERAN {
					fromTeam = true
					if m.ReadAt == nil {
						unread++
					}
					if m.DeliveryStatus != nil || m.ClinicianReadAt != nil {
						t.Errorf("thread %s: care-team message %s has delivery state", th.ID, m.ID)
					}
				} else if m.DeliveryStatus == nil || *m.DeliveryStatus != message.DeliveryStatusDELIVERED {
					t.Errorf("thread %s: veteran message %s not DELIVERED", th.ID, m.ID)
				}
				if m.ReadAt != nil && m.ReadAt.Before(*m.SentAt) || m.ClinicianReadAt != nil && m.ClinicianReadAt.Before(*m.SentAt) {
					t.Errorf("thread %s: message %s read before it was sent", th.ID, m.ID)
				}
				if m.AuthorName == "" || m.Body == "" {
					t.Errorf("thread %s: message %s has no author name or body", th.ID, m.ID)
				}
				if lastID == "" || m.SentAt.After(lastAt) || m.SentAt.Equal(lastAt) && m.ID > lastID {
					lastAt, lastID = *m.SentAt, m.ID
				}
				hasFiles = hasFiles || len(m.Edges.Attachments) > 0
			}
			if count == 0 {
				lastAt = newestDraft
			}
			if th.MessageCount != count || th.UnreadCount != unread || th.HasAttachments != hasFiles || !th.LastMessageAt.Equal(lastAt) {
				t.Errorf("thread %s: stored count=%d unread=%d attachments=%v last_at=%v; recomputed %d %d %v %v",
					th.ID, th.MessageCount, th.UnreadCount, th.HasAttachments, th.LastMessageAt, count, unread, hasFiles, lastAt)
			}
			switch got := th.LastMessageID; {
			case count == 0 && got != nil:
				t.Errorf("thread %s: draft-only thread has last_message_id %s", th.ID, *got)
			case count > 0 && (got == nil || *got != lastID):
				t.Errorf("thread %s: last_message_id %v, want %s", th.ID, got, lastID)
			}
			if n := len([]rune(th.Subject)); n == 0 || n > inbox.MaxSubjectLength {
				t.Errorf("thread %s: subject length %d", th.ID, n)
			}

			// Folder rules.
			f := th.Edges.Folder
			var sys folder.System
			if f.System != nil {
				sys = *f.System
			}
			switch {
			case count == 0:
				if sys != folder.SystemDRAFTS || drafts != 1 {
					t.Errorf("thread %s: new-message draft in %s with %d drafts", th.ID, f.Name, drafts)
				}
			case sys == folder.SystemDRAFTS:
				t.Errorf("thread %s: sent thread in Drafts", th.ID)
			case sys == folder.SystemINBOX && !fromTeam:
				t.Errorf("thread %s: in Inbox without a care-team message", th.ID)
			case sys == folder.SystemSENT && fromTeam:
				t.Errorf("thread %s: in Sent with a care-team message", th.ID)
			}
			if f.VeteranID != th.VeteranID {
				t.Errorf("thread %s: folder of another veteran", th.ID)
			}
		}

		// Threads are with teams the veteran is (or was) associated with.
		for _, th := range threads {
			ok, err := c.Association.Query().Where(association.VeteranID(th.VeteranID), association.CareTeamID(th.CareTeamID)).Exist(ctx)
			if err != nil || !ok {
				t.Errorf("thread %s: veteran not associated with its care team (%v)", th.ID, err)
			}
		}
	})
}

// TestSeedVisibleToVeteran: Seed supplies the system viewer itself, and the
// seeded data is visible to its veteran through the privacy layer.
func TestSeedVisibleToVeteran(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s, sys := seeded(t, b)
		v1 := mustVeteran(t, sys, s.Client, Veteran1ICN)
		vctx := viewer.NewContext(context.Background(), viewer.Viewer{VeteranID: v1.ID, ICN: v1.Icn, Roles: []viewer.Role{viewer.RoleVeteran}})
		all, err := s.Client.Thread.Query().Count(vctx)
		if err != nil {
			t.Fatal(err)
		}
		own, err := s.Client.Thread.Query().Where(thread.VeteranID(v1.ID)).Count(sys)
		if err != nil || all != own {
			t.Errorf("veteran 1 sees %d threads, owns %d (%v)", all, own, err)
		}
		inboxFolder, err := inbox.SystemFolder(vctx, s.Client, v1.ID, folder.SystemINBOX)
		if err != nil || inboxFolder.Name != "Inbox" {
			t.Errorf("inbox folder: %v, %v", inboxFolder, err)
		}
	})
}

// TestSeedMatchesInboxRules: the seeded states show up through the inbox
// service's own rules (blocked team, paused facility, 45-day window).
func TestSeedMatchesInboxRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s, ctx := seeded(t, b)
		c := s.Client
		blocks := map[inbox.ReplyBlock]int{}
		for _, icn := range []string{Veteran1ICN, Veteran2ICN, Veteran3ICN} {
			v := mustVeteran(t, ctx, c, icn)
			assocs, err := c.Association.Query().Where(association.VeteranID(v.ID)).
				WithCareTeam(func(q *ent.CareTeamQuery) { q.WithFacility() }).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			teamBlock := map[string]inbox.ReplyBlock{}
			for _, a := range assocs {
				b := inbox.CareTeamBlock(a.Edges.CareTeam, a.Edges.CareTeam.Edges.Facility, a)
				teamBlock[a.CareTeamID] = b
				blocks[b]++
			}
			threads, err := c.Thread.Query().Where(thread.VeteranID(v.ID)).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, th := range threads {
				blocks["thread:"+inbox.ThreadReplyBlock(th, teamBlock[th.CareTeamID], testNow)]++
			}
		}
		t.Logf("reply blocks: %v", blocks)
		for _, want := range []inbox.ReplyBlock{inbox.BlockNone, inbox.BlockBlocked, inbox.BlockFacilityInTransition,
			"thread:" + inbox.BlockNone, "thread:" + inbox.BlockTooOld, "thread:" + inbox.BlockBlocked} {
			if blocks[want] == 0 {
				t.Errorf("no %q in the seeded data", want)
			}
		}
	})
}

// TestSeedWorksWithInboxService: a veteran can act on seeded threads through
// the inbox service, and the aggregates it maintains stay right.
func TestSeedWorksWithInboxService(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s, sys := seeded(t, b)
		v1 := mustVeteran(t, sys, s.Client, Veteran1ICN)
		ctx := viewer.NewContext(context.Background(), viewer.Viewer{VeteranID: v1.ID, ICN: v1.Icn, Roles: []viewer.Role{viewer.RoleVeteran}})
		svc := inbox.New(inbox.Config{Store: s, Clock: clock.Func(func() time.Time { return testNow })})
		th, err := s.Client.Thread.Query().Where(thread.Subject("Refill request for lisinopril")).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if th.UnreadCount != 1 {
			t.Fatalf("unread = %d, want 1", th.UnreadCount)
		}
		if th, err = svc.MarkThreadRead(ctx, th.ID); err != nil || th.UnreadCount != 0 {
			t.Fatalf("mark read: %v, unread %d", err, th.UnreadCount)
		}
		before := th.MessageCount
		th, msg, err := svc.ReplyToThread(ctx, inbox.Reply{ThreadID: th.ID, Body: "Thank you, I'll watch for it."})
		if err != nil {
			t.Fatalf("reply: %v", err)
		}
		if th.MessageCount != before+1 || th.LastMessageID == nil || *th.LastMessageID != msg.ID || !th.LastMessageAt.Equal(testNow) {
			t.Errorf("after reply: count %d (was %d), last %v at %v", th.MessageCount, before, th.LastMessageID, th.LastMessageAt)
		}
	})
}
