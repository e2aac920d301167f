package syncengine_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/syncengine"
	"github.com/va/vams/internal/vamstest"
	"github.com/va/vams/providers/oh"
)

const vet1 = demo.Veteran1ICN

// Teams of veteran 1 on each provider (see demo.Directory).
const (
	mhvTeamName = "Primary Care Team Blue"
	ohTeamName  = "Primary Care Team Red"
)

type msgNode struct {
	ID             string
	Body           *string
	SentAt         string
	ReadAt         *string
	Author         struct{ Kind string }
	DeliveryStatus *string
}

type threadView struct {
	ID           string
	Subject      string
	MessageCount int
	UnreadCount  int
	CanReply     bool
	Folder       struct{ System *string }
	CareTeam     struct{ Name string }
	Messages     struct{ Edges []struct{ Node msgNode } }
}

const threadQuery = `query($id: ID!) { node(id: $id) { ... on Thread { id subject messageCount unreadCount canReply
	folder { system } careTeam { name }
	messages(first: 100) { edges { node { id body sentAt readAt author { kind } deliveryStatus } } } } } }`

func teamID(t *testing.T, s *vamstest.System, name string) string {
	t.Helper()
	var out struct {
		Viewer struct{ CareTeams []struct{ ID, Name string } }
	}
	s.MustDo(vet1, `{ viewer { careTeams { id name } } }`, nil, &out)
	for _, ct := range out.Viewer.CareTeams {
		if ct.Name == name {
			return ct.ID
		}
	}
	t.Fatalf("no care team %q in %+v", name, out)
	return ""
}

func send(t *testing.T, s *vamstest.System, team, subject, body string) (threadID, messageID string) {
	t.Helper()
	var out struct {
		SendMessage struct {
			Thread  struct{ ID string }
			Message struct{ ID string }
		}
	}
	s.MustDo(vet1, `mutation($in: SendMessageInput!) { sendMessage(input: $in) { thread { id } message { id } } }`,
		map[string]any{"in": map[string]any{"careTeamId": team, "category": "OTHER", "subject": subject, "body": body}}, &out)
	return out.SendMessage.Thread.ID, out.SendMessage.Message.ID
}

func reply(t *testing.T, s *vamstest.System, threadID, body string) string {
	t.Helper()
	var out struct {
		ReplyToThread struct{ Message struct{ ID string } }
	}
	s.MustDo(vet1, `mutation($t: ID!, $b: String!) { replyToThread(input: {threadId: $t, body: $b}) { message { id } } }`,
		map[string]any{"t": threadID, "b": body}, &out)
	return out.ReplyToThread.Message.ID
}

func thread(t *testing.T, s *vamstest.System, id string) threadView {
	t.Helper()
	var out struct{ Node threadView }
	s.MustDo(vet1, threadQuery, map[string]any{"id": id}, &out)
	return out.Node
}

func delivered(t *testing.T, s *vamstest.System, threadID, messageID string) bool {
	for _, e := range thread(t, s, threadID).Messages.Edges {
		if e.Node.ID == messageID && e.Node.DeliveryStatus != nil && *e.Node.DeliveryStatus == "DELIVERED" {
			return true
		}
	}
	return false
}

func simMessage(t *testing.T, s *vamstest.System, provider, subject, direction string) []vamstest.SimMessage {
	var out []vamstest.SimMessage
	for _, m := range s.SimMessages(provider, vet1) {
		if m.Subject == subject && m.Direction == direction {
			out = append(out, m)
		}
	}
	return out
}

func reconcile(t *testing.T, s *vamstest.System, k providerkind.Kind) {
	t.Helper()
	ctx := viewer.System(context.Background())
	v, err := s.App.Store.Client.Veteran.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range v {
		if x.Icn == vet1 {
			if err := s.App.Engine.Reconcile(ctx, x.ID, k); err != nil {
				t.Fatalf("reconcile %s: %v", k, err)
			}
		}
	}
}

// roundTrip runs the MVP for one provider: the veteran writes, the clinician
// answers in the provider, and the answer lands in the veteran's inbox.
func roundTrip(t *testing.T, s *vamstest.System, provider, team string, arrive func()) threadView {
	subject := "Round trip via " + provider
	th, msg := send(t, s, teamID(t, s, team), subject, "Is my appointment still on Friday?")
	vamstest.Eventually(t, 10*time.Second, "delivery", func() bool { return delivered(t, s, th, msg) })
	sent := simMessage(t, s, provider, subject, "TO_CLINICIAN")
	if len(sent) != 1 {
		t.Fatalf("%s holds %d copies of the veteran's message, want 1", provider, len(sent))
	}
	var created struct{ ID string }
	s.Control(provider, http.MethodPost, "clinician-messages", map[string]any{"icn": vet1, "inReplyTo": sent[0].ID,
		"body": "Yes, Friday at 9:30."}, &created)
	arrive()
	var got threadView
	vamstest.Eventually(t, 10*time.Second, "the clinician's reply in the inbox", func() bool {
		got = thread(t, s, th)
		return got.MessageCount == 2
	})
	last := got.Messages.Edges[len(got.Messages.Edges)-1].Node
	if last.Author.Kind != "CLINICIAN" || last.Body == nil || *last.Body != "Yes, Friday at 9:30." || got.UnreadCount != 1 ||
		got.Folder.System == nil || *got.Folder.System != "INBOX" {
		t.Fatalf("after the reply: %+v", got)
	}
	return got
}

func TestRoundTripMHV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		// MHV pushes nothing: the reply arrives with the next scan.
		roundTrip(t, s, "mhv", mhvTeamName, func() { reconcile(t, s, providerkind.MHV) })
	})
}

func TestRoundTripOH(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		// OH announces the reply through its Atom publication.
		roundTrip(t, s, "oh", ohTeamName, func() {})
	})
}

func TestProviderDownDuringSendDeliversOnceAfterRecovery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		for _, c := range []struct{ provider, team string }{{"mhv", mhvTeamName}, {"oh", ohTeamName}} {
			t.Run(c.provider, func(t *testing.T) {
				s := vamstest.NewSystem(t, b)
				s.Control(c.provider, http.MethodPost, "outage", map[string]any{"down": true}, nil)
				subject := "Sent during an outage"
				th, msg := send(t, s, teamID(t, s, c.team), subject, "Please call me back.")
				time.Sleep(700 * time.Millisecond) // several retries and an open circuit
				got := thread(t, s, th)
				st := got.Messages.Edges[0].Node.DeliveryStatus
				if st == nil || (*st != "QUEUED" && *st != "SENDING") {
					t.Fatalf("during the outage the message is %v, want QUEUED", st)
				}
				if n := len(simMessage(t, s, c.provider, subject, "TO_CLINICIAN")); n != 0 {
					t.Fatalf("provider holds %d copies during its outage", n)
				}
				s.Control(c.provider, http.MethodPost, "outage", map[string]any{"down": false}, nil)
				vamstest.Eventually(t, 15*time.Second, "delivery after recovery", func() bool { return delivered(t, s, th, msg) })
				time.Sleep(300 * time.Millisecond)
				if n := len(simMessage(t, s, c.provider, subject, "TO_CLINICIAN")); n != 1 {
					t.Fatalf("provider holds %d copies after recovery, want exactly 1", n)
				}
			})
		}
	})
}

// pushAtom posts a signed Atom publication the way OH does.
func pushAtom(t *testing.T, s *vamstest.System, entries []oh.AtomEntry, at time.Time) int {
	t.Helper()
	var buf bytes.Buffer
	if err := oh.WriteAtom(&buf, entries); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/intake/oh/atom", bytes.NewReader(buf.Bytes()))
	req.Header.Set("Content-Type", "application/atom+xml")
	req.Header.Set(oh.SignatureHeader, oh.SignPublication([]byte("demo-publication-secret"), at, buf.Bytes()))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestAtomDuplicatesAndDisorderMakeOneMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		subject := "Duplicate pushes"
		th, msg := send(t, s, teamID(t, s, ohTeamName), subject, "First question")
		vamstest.Eventually(t, 10*time.Second, "delivery", func() bool { return delivered(t, s, th, msg) })
		sent := simMessage(t, s, "oh", subject, "TO_CLINICIAN")[0]
		var a, b2 struct{ ID string }
		s.Control("oh", http.MethodPost, "clinician-messages", map[string]any{"icn": vet1, "inReplyTo": sent.ID, "body": "Answer one"}, &a)
		s.Control("oh", http.MethodPost, "clinician-messages", map[string]any{"icn": vet1, "inReplyTo": a.ID, "body": "Answer two"}, &b2)
		entry := func(id string) oh.AtomEntry {
			return oh.AtomEntry{EntryID: oh.EntryID("va", id), MessageID: id, PatientID: "20000001", Authority: "va", Mailbox: "inbox", Updated: time.Now()}
		}
		now := time.Now()
		// The newer entry three times, then the older one: out of order.
		for i := 0; i < 3; i++ {
			if code := pushAtom(t, s, []oh.AtomEntry{entry(b2.ID)}, now.Add(-time.Duration(i+1)*time.Second)); code != http.StatusAccepted {
				t.Fatalf("push %d: %d", i, code)
			}
		}
		if code := pushAtom(t, s, []oh.AtomEntry{entry(a.ID)}, now.Add(-5*time.Second)); code != http.StatusAccepted {
			t.Fatalf("push: %d", code)
		}
		var got threadView
		vamstest.Eventually(t, 10*time.Second, "both answers", func() bool {
			got = thread(t, s, th)
			return got.MessageCount >= 3
		})
		time.Sleep(500 * time.Millisecond) // let any duplicate processing finish
		got = thread(t, s, th)
		var bodies []string
		for _, e := range got.Messages.Edges {
			bodies = append(bodies, *e.Node.Body)
		}
		if strings.Join(bodies, "|") != "First question|Answer one|Answer two" {
			t.Fatalf("thread = %q, want each message once, in order", bodies)
		}
	})
}

func TestAtomIntakeRejectsUnsignedAndReplayed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		e := oh.AtomEntry{EntryID: "urn:oh:message:va:1.0.-4.prsnl", MessageID: "1.0.-4.prsnl", PatientID: "20000001", Authority: "va", Updated: time.Now()}
		var buf bytes.Buffer
		_ = oh.WriteAtom(&buf, []oh.AtomEntry{e})
		post := func(sig string) int {
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/intake/oh/atom", bytes.NewReader(buf.Bytes()))
			if sig != "" {
				req.Header.Set(oh.SignatureHeader, sig)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		good := oh.SignPublication([]byte("demo-publication-secret"), time.Now(), buf.Bytes())
		cases := []struct {
			name string
			sig  string
			want int
		}{
			{"unsigned", "", 401},
			{"wrong secret", oh.SignPublication([]byte("guess"), time.Now(), buf.Bytes()), 401},
			{"stale", oh.SignPublication([]byte("demo-publication-secret"), time.Now().Add(-time.Hour), buf.Bytes()), 401},
			{"valid", good, 202},
			{"replayed", good, 401},
		}
		for _, c := range cases {
			if got := post(c.sig); got != c.want {
				t.Fatalf("%s: %d, want %d", c.name, got, c.want)
			}
		}
		n, err := s.App.Store.Client.AtomEntry.Query().Count(viewer.System(context.Background()))
		if err != nil || n != 1 {
			t.Fatalf("stored entries = %d (%v), want 1 (only the valid push)", n, err)
		}
	})
}

func TestRestartMidSyncLosesAndDuplicatesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		ohTeam, mhvTeam := teamID(t, s, ohTeamName), teamID(t, s, mhvTeamName)
		// Both providers are down: work piles up in the outbox and intake.
		s.Control("oh", http.MethodPost, "outage", map[string]any{"down": true}, nil)
		s.Control("mhv", http.MethodPost, "outage", map[string]any{"down": true}, nil)
		thOH, msgOH := send(t, s, ohTeam, "Before the restart OH", "Queued for OH")
		thMHV, msgMHV := send(t, s, mhvTeam, "Before the restart MHV", "Queued for MHV")
		var clin struct{ ID string }
		s.Control("oh", http.MethodPost, "clinician-messages", map[string]any{"icn": vet1, "careTeam": "300100",
			"subject": "Lab follow-up", "body": "Please schedule a lab draw."}, &clin)
		vamstest.Eventually(t, 5*time.Second, "the announcement to be stored", func() bool {
			n, _ := s.App.Store.Client.AtomEntry.Query().Count(viewer.System(context.Background()))
			return n >= 1
		})
		time.Sleep(300 * time.Millisecond)

		s.Restart(syncengine.Config{})
		s.Control("oh", http.MethodPost, "outage", map[string]any{"down": false}, nil)
		s.Control("mhv", http.MethodPost, "outage", map[string]any{"down": false}, nil)
		vamstest.Eventually(t, 15*time.Second, "both deliveries", func() bool {
			return delivered(t, s, thOH, msgOH) && delivered(t, s, thMHV, msgMHV)
		})
		var inbox struct {
			Viewer struct {
				Threads struct {
					Edges []struct {
						Node struct {
							Subject      string
							MessageCount int
						}
					}
				}
			}
		}
		vamstest.Eventually(t, 15*time.Second, "the clinician's message", func() bool {
			s.MustDo(vet1, `{ viewer { threads(first: 100, filter: {search: "Lab follow-up"}) { edges { node { subject messageCount } } } } }`, nil, &inbox)
			return len(inbox.Viewer.Threads.Edges) > 0
		})
		time.Sleep(400 * time.Millisecond)
		s.MustDo(vet1, `{ viewer { threads(first: 100, filter: {search: "Lab follow-up"}) { edges { node { subject messageCount } } } } }`, nil, &inbox)
		if e := inbox.Viewer.Threads.Edges; len(e) != 1 || e[0].Node.MessageCount != 1 {
			t.Fatalf("clinician message after restart: %+v", inbox)
		}
		for _, c := range []struct{ p, subject string }{{"oh", "Before the restart OH"}, {"mhv", "Before the restart MHV"}} {
			if n := len(simMessage(t, s, c.p, c.subject, "TO_CLINICIAN")); n != 1 {
				t.Fatalf("%s holds %d copies, want 1", c.p, n)
			}
		}
	})
}

func TestReconciliationFindsReadsDeletesAndRestores(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		var clin struct{ ID string }
		s.Control("oh", http.MethodPost, "clinician-messages", map[string]any{"icn": vet1, "careTeam": "300100",
			"subject": "Zoster vaccine walk-in", "body": "Walk-in zoster vaccines start Monday."}, &clin)
		var th threadView
		find := func() bool {
			var out struct {
				Viewer struct {
					Threads struct {
						Edges []struct{ Node struct{ ID string } }
					}
				}
			}
			s.MustDo(vet1, `{ viewer { threads(first: 5, filter: {search: "Zoster vaccine walk-in"}) { edges { node { id } } } } }`, nil, &out)
			if len(out.Viewer.Threads.Edges) == 0 {
				return false
			}
			th = thread(t, s, out.Viewer.Threads.Edges[0].Node.ID)
			return true
		}
		vamstest.Eventually(t, 10*time.Second, "the clinician's message", find)
		if th.UnreadCount != 1 {
			t.Fatalf("new message should be unread: %+v", th)
		}
		// The veteran reads it in another portal: no feed says so.
		s.Control("oh", http.MethodPost, "status", map[string]any{"id": clin.ID, "status": "READ"}, nil)
		reconcile(t, s, providerkind.OH)
		if th = thread(t, s, th.ID); th.UnreadCount != 0 {
			t.Fatalf("read elsewhere should show after reconciliation: %+v", th)
		}
		// Deleted elsewhere: the thread goes to Trash.
		s.Control("oh", http.MethodPost, "status", map[string]any{"id": clin.ID, "status": "DELETED"}, nil)
		reconcile(t, s, providerkind.OH)
		if th = thread(t, s, th.ID); th.Folder.System == nil || *th.Folder.System != "TRASH" {
			t.Fatalf("deleted elsewhere should be in Trash: %+v", th.Folder)
		}
		// It reappears (OH allows Deleted → Opened): restored.
		s.Control("oh", http.MethodPost, "status", map[string]any{"id": clin.ID, "status": "READ"}, nil)
		reconcile(t, s, providerkind.OH)
		if th = thread(t, s, th.ID); th.Folder.System == nil || *th.Folder.System != "INBOX" || th.MessageCount != 1 {
			t.Fatalf("reappearing message should be restored: %+v", th)
		}
	})
}

func TestThreadInterleavesBySentTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		th, m1 := send(t, s, teamID(t, s, mhvTeamName), "Interleaving", "Veteran one")
		vamstest.Eventually(t, 10*time.Second, "delivery", func() bool { return delivered(t, s, th, m1) })
		sent := simMessage(t, s, "mhv", "Interleaving", "TO_CLINICIAN")[0]
		// Providers keep sent times to the second; a second apart keeps the
		// expected order unambiguous.
		time.Sleep(1100 * time.Millisecond)
		var c1 struct{ ID string }
		s.Control("mhv", http.MethodPost, "clinician-messages", map[string]any{"icn": vet1, "inReplyTo": sent.ID, "body": "Clinician one"}, &c1)
		time.Sleep(1100 * time.Millisecond)
		m2 := reply(t, s, th, "Veteran two")
		vamstest.Eventually(t, 10*time.Second, "second delivery", func() bool { return delivered(t, s, th, m2) })
		// The clinician's message is picked up only now, after the veteran's
		// later reply was stored: the timeline still follows sent time.
		reconcile(t, s, providerkind.MHV)
		got := thread(t, s, th)
		var order []string
		var times []string
		for _, e := range got.Messages.Edges {
			order = append(order, *e.Node.Body)
			times = append(times, e.Node.SentAt)
		}
		if strings.Join(order, "|") != "Veteran one|Clinician one|Veteran two" || !sort.StringsAreSorted(times) {
			t.Fatalf("timeline = %v at %v", order, times)
		}
	})
}

// The same scenario against an MHV triage group and an OH pool gives the
// same API behaviour and shapes: nothing tells the veteran which is which.
func TestParityAcrossProviders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		shape := func(provider, team string) string {
			got := roundTrip(t, s, provider, team, func() {
				if provider == "mhv" {
					reconcile(t, s, providerkind.MHV)
				}
			})
			var steps []string
			steps = append(steps, fmt.Sprintf("count=%d unread=%d folder=%s canReply=%v", got.MessageCount, got.UnreadCount, *got.Folder.System, got.CanReply))
			run := func(q string) string {
				r := s.Do(vet1, q, map[string]any{"t": got.ID})
				return fmt.Sprintf("%s %s", r.Code(), r.Data)
			}
			steps = append(steps, run(`mutation($t: ID!) { markThreadRead(input: {threadId: $t}) { thread { unreadCount messageCount } } }`))
			steps = append(steps, run(`mutation($t: ID!) { deleteThread(input: {threadId: $t}) { thread { folder { system } canReply } } }`))
			steps = append(steps, run(`mutation($t: ID!) { restoreThread(input: {threadId: $t}) { thread { folder { system } unreadCount } } }`))
			steps = append(steps, run(`mutation($t: ID!) { markThreadUnread(input: {threadId: $t}) { thread { unreadCount } } }`))
			return strings.Join(steps, "\n")
		}
		m, o := shape("mhv", mhvTeamName), shape("oh", ohTeamName)
		if m != o {
			t.Fatalf("MHV and OH behave differently:\nMHV:\n%s\nOH:\n%s", m, o)
		}
	})
}

func TestSchemaNamesNoProvider(t *testing.T) {
	s := vamstest.NewSystem(t, storetest.Backends(t)[0])
	var out struct {
		Schema struct {
			Types []struct {
				Name        string
				Fields      []struct{ Name string }
				EnumValues  []struct{ Name string }
				InputFields []struct{ Name string }
			}
		} `json:"__schema"`
	}
	s.MustDo(vet1, `{ __schema { types { name fields { name } enumValues { name } inputFields { name } } } }`, nil, &out)
	banned := []string{"mhv", "oracle", "cerner", "vista", "provider", "triage", "pool", "ehr", "external", "atom"}
	n := 0
	for _, ty := range out.Schema.Types {
		if strings.HasPrefix(ty.Name, "__") {
			continue
		}
		names := []string{ty.Name}
		for _, f := range ty.Fields {
			names = append(names, ty.Name+"."+f.Name)
		}
		for _, f := range ty.InputFields {
			names = append(names, ty.Name+"."+f.Name)
		}
		for _, v := range ty.EnumValues {
			names = append(names, ty.Name+"."+v.Name)
		}
		for _, name := range names {
			n++
			for _, w := range banned {
				if strings.Contains(strings.ToLower(name), w) {
					t.Errorf("%s reveals the provider (%q)", name, w)
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("checked only %d names; introspection incomplete?", n)
	}
}

// A thread the veteran trashes and restores stays restored after the next
// scan: the restore is written back, and until it is, the local change wins.
func TestTrashAndRestoreSurviveReconciliation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		for _, c := range []struct {
			provider, team string
			kind           providerkind.Kind
		}{{"mhv", mhvTeamName, providerkind.MHV}, {"oh", ohTeamName, providerkind.OH}} {
			t.Run(c.provider, func(t *testing.T) {
				s := vamstest.NewSystem(t, b)
				got := roundTrip(t, s, c.provider, c.team, func() {
					if c.kind == providerkind.MHV {
						reconcile(t, s, providerkind.MHV)
					}
				})
				statusAt := func(want string) func() bool {
					return func() bool {
						for _, m := range s.SimMessages(c.provider, vet1) {
							if m.Direction == "TO_VETERAN" && m.Body == "Yes, Friday at 9:30." {
								return (m.Status == "DELETED") == (want == "DELETED")
							}
						}
						return false
					}
				}
				s.MustDo(vet1, `mutation($t: ID!) { deleteThread(input: {threadId: $t}) { thread { id } } }`, map[string]any{"t": got.ID}, &struct{}{})
				vamstest.Eventually(t, 10*time.Second, "delete written back", statusAt("DELETED"))
				s.MustDo(vet1, `mutation($t: ID!) { restoreThread(input: {threadId: $t}) { thread { id } } }`, map[string]any{"t": got.ID}, &struct{}{})
				vamstest.Eventually(t, 10*time.Second, "restore written back", statusAt("READ"))
				reconcile(t, s, c.kind)
				if th := thread(t, s, got.ID); th.Folder.System == nil || *th.Folder.System != "INBOX" {
					t.Fatalf("restored thread moved by reconciliation to %v", th.Folder.System)
				}
			})
		}
	})
}

// OH answers 301 for a merged patient: VAMS re-keys the veteran and goes on.
func TestPatientMergeRekeysVeteran(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		s.Control("oh", http.MethodPost, "merge", map[string]any{"icn": vet1, "newPatientId": "29999999"}, nil)
		th, msg := send(t, s, teamID(t, s, ohTeamName), "After the merge", "Still reaching you?")
		vamstest.Eventually(t, 10*time.Second, "delivery under the new id", func() bool { return delivered(t, s, th, msg) })
		v, err := s.App.Store.Client.Veteran.Query().All(viewer.System(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range v {
			if x.Icn == vet1 && (x.OhPatientID == nil || *x.OhPatientID != "29999999") {
				t.Fatalf("veteran not re-keyed: %v", x.OhPatientID)
			}
		}
		if n := len(simMessage(t, s, "oh", "After the merge", "TO_CLINICIAN")); n != 1 {
			t.Fatalf("OH holds %d copies, want 1", n)
		}
	})
}
