package edge_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// An inbox page costs the same few SQL statements whether it shows 1, 20
// or 100 threads: every per-thread aggregate is batch-loaded.
func TestInboxPageCostsConstantStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		teams := []string{w.team, w.sig, w.CareTeam(w.vetA, vamstest.Team{Name: "Audiology"}), w.CareTeam(w.vetA, vamstest.Team{Name: "Pharmacy"})}
		var tag struct {
			CreateTag struct{ Tag struct{ ID string } }
		}
		w.MustDo(icnA, `mutation { createTag(input: {name: "Important"}) { tag { id } } }`, nil, &tag)
		start := w.Now().Add(-48 * time.Hour)
		for i := 0; i < 100; i++ {
			w.ClinicianWrites(w.vetA, teams[i%len(teams)], fmt.Sprintf("Thread %d", i), "Body", "", start.Add(time.Duration(i)*time.Minute))
		}
		var list struct {
			Viewer struct {
				Threads struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
		}
		w.MustDo(icnA, `{ viewer { threads(first: 100) { edges { node { id } } } } }`, nil, &list)
		for i, e := range list.Viewer.Threads.Edges {
			if i%3 == 0 {
				w.MustDo(icnA, `mutation($t: ID!, $g: ID!) { tagThread(input: {threadId: $t, tagId: $g}) { thread { id } } }`,
					map[string]any{"t": e.Node.ID, "g": tag.CreateTag.Tag.ID}, &struct{}{})
			}
		}
		const page = `query($n: Int) { viewer { threads(first: $n) { edges { cursor node {
			id subject category unreadCount messageCount hasAttachments updatedAt
			careTeam { id name facilityName } folder { id name } tags { id name }
			lastMessage { id body sentAt readAt author { kind displayName } } } }
			pageInfo { hasNextPage endCursor } } } }`
		counts := map[int]int{}
		for _, n := range []int{1, 20, 100} {
			// The first request also verifies the token and maps the ICN; measure warm.
			w.MustDo(icnA, page, map[string]any{"n": n}, &struct{}{})
			w.Counter.Reset()
			var out struct {
				Viewer struct {
					Threads struct {
						Edges []struct {
							Node struct{ Tags []struct{ Name string } }
						}
					}
				}
			}
			w.MustDo(icnA, page, map[string]any{"n": n}, &out)
			counts[n] = w.Counter.Count()
			if len(out.Viewer.Threads.Edges) != n {
				t.Fatalf("page of %d returned %d", n, len(out.Viewer.Threads.Edges))
			}
		}
		if counts[1] != counts[20] || counts[20] != counts[100] || counts[100] > 6 {
			t.Fatalf("statements per page of 1/20/100 threads = %d/%d/%d; want equal and at most 6", counts[1], counts[20], counts[100])
		}
		t.Logf("statements per inbox page: %d", counts[20])
	})
}

// A send costs at most 6 statements once the veteran is known to the
// process (the first also resolves immutable IDs: veteran, Sent folder).
func TestSendCostsAtMostSixStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		w.send(t, icnA, w.team, "Warm-up", "First message")
		w.Counter.Reset()
		w.MustDo(icnA, `mutation($c: ID!) { sendMessage(input: {careTeamId: $c, category: OTHER, subject: "Counted", body: "Second"}) { thread { id } message { id } } }`,
			map[string]any{"c": w.team}, &struct{}{})
		if n := w.Counter.Count(); n > 6 {
			t.Fatalf("send cost %d statements, want at most 6", n)
		} else {
			t.Logf("statements per send: %d", n)
		}
	})
}

// The names of the teams a care team replaced cost a statement of their own,
// spent only when a response asks for them (an inbox page does not).
func TestAlternateNamesAreLoadedOnlyWhenAsked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		count := func(q string) int {
			w.MustDo(icnA, q, nil, &struct{}{}) // warm: the veteran's first request maps the ICN
			w.Counter.Reset()
			w.MustDo(icnA, q, nil, &struct{}{})
			return w.Counter.Count()
		}
		without := count(`{ viewer { careTeams { id name facilityName canMessage } } }`)
		with := count(`{ viewer { careTeams { id name facilityName canMessage alternateNames } } }`)
		if with != without+1 {
			t.Fatalf("statements without alternateNames %d, with %d; want exactly one more with", without, with)
		}
	})
}

// Marking a thread read writes its messages and the thread and reads back
// nothing it wrote: the thread answered is the one read, with the count set.
func TestMarkReadCostsAtMostSixStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		for i := range 2 {
			w.ClinicianWrites(w.vetA, w.team, fmt.Sprintf("Unread %d", i), "Body", "", w.Now().Add(-time.Duration(i)*time.Hour))
		}
		var list struct {
			Viewer struct {
				Threads struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
		}
		w.MustDo(icnA, `{ viewer { threads(first: 2) { edges { node { id } } } } }`, nil, &list)
		ids := []string{list.Viewer.Threads.Edges[0].Node.ID, list.Viewer.Threads.Edges[1].Node.ID}
		const mark = `mutation($t: ID!) { markThreadRead(input: {threadId: $t}) { thread { id unreadCount } } }`
		var out struct {
			MarkThreadRead struct{ Thread struct{ UnreadCount int } }
		}
		w.MustDo(icnA, mark, map[string]any{"t": ids[0]}, &out) // warm, as a veteran's later requests are
		w.Counter.Reset()
		w.MustDo(icnA, mark, map[string]any{"t": ids[1]}, &out)
		t.Logf("statements per mark read: %d", w.Counter.Count())
		if n := w.Counter.Count(); n > 6 {
			t.Fatalf("mark read cost %d statements, want at most 6", n)
		}
		if out.MarkThreadRead.Thread.UnreadCount != 0 {
			t.Fatalf("unreadCount after mark read = %d, want 0", out.MarkThreadRead.Thread.UnreadCount)
		}
	})
}

// A send and a mark read are each one transaction of a fixed number of
// statements, whatever the thread holds, counted on the connections (so the
// job queue's are in): the writes of the change (message and thread, or
// messages and thread), the job queue's one insert, the change log's number
// and row (one statement on PostgreSQL, two on SQLite), the audit outbox
// row, and for a send the care-team check and for a mark read the thread it
// starts from; a keyed send adds its key's record. Nothing is read back,
// nothing runs before or after the transaction, and no job-insert
// notification is sent (the workers poll).
func TestSendAndMarkReadAreOneTransactionOfFixedStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		wantSend, wantMarkRead := 6, 6
		if b.Name != "postgres" {
			wantSend, wantMarkRead = 7, 7
		}
		// With production's send limit, whose check rides on the change
		// log's counter UPDATE.
		e := vamstest.New(t, b, vamstest.Options{Audit: true, JobQueue: true, SendLimit: inbox.DefaultSendLimit})
		// As the server runs it: read entries are queued, and the chain is
		// appended in the background, not during a request.
		e.Audit.Batch(time.Hour, slog.New(slog.DiscardHandler))
		t.Cleanup(func() { _ = e.Audit.Close(context.Background()) })
		vid := e.Veteran(icnA, "Alex Morgan")
		team := e.CareTeam(vid, vamstest.Team{Name: "Primary Care Team Blue", Preferred: true})
		counted := func(what, q string, vars map[string]any) (statements int) {
			t.Helper()
			e.SQL.Reset()
			e.MustDo(icnA, q, vars, &struct{}{})
			if n := e.SQL.Begins(); n != 1 {
				t.Errorf("%s began %d transactions, want 1", what, n)
			}
			if n := e.SQL.Outside(); n != 0 {
				t.Errorf("%s sent %d statements outside its transaction, want none", what, n)
			}
			return e.SQL.Count()
		}
		const sendQ = `mutation($c: ID!, $s: String!) { sendMessage(input: {careTeamId: $c, category: OTHER, subject: $s, body: "Hello"}) {
				thread { id subject messageCount unreadCount } message { id body sentAt } } }`
		// The veteran's first request maps the ICN and finds the Sent folder.
		e.MustDo(icnA, sendQ, map[string]any{"c": team, "s": "Warm-up"}, &struct{}{})
		if n := counted("send", sendQ, map[string]any{"c": team, "s": "Counted"}); n != wantSend {
			t.Errorf("send cost %d statements, want %d", n, wantSend)
		}
		// A keyed send (clientMutationId, as the apps send) adds its key's
		// record to the same transaction and reads nothing before it.
		const keyedQ = `mutation($c: ID!, $k: String!) { sendMessage(input: {careTeamId: $c, category: OTHER, subject: "Keyed", body: "Hello", clientMutationId: $k}) {
				thread { id } message { id } } }`
		if n := counted("keyed send", keyedQ, map[string]any{"c": team, "k": "send-1"}); n != wantSend+1 {
			t.Errorf("keyed send cost %d statements, want %d", n, wantSend+1)
		}
		// Threads with 1 and 3 unread messages, and one to warm up on.
		at := e.Now().Add(-time.Hour)
		var threads []string
		for _, unread := range []int{1, 1, 3} {
			first := e.ClinicianWrites(vid, team, fmt.Sprintf("%d unread", unread), "Body", "", at)
			for i := 1; i < unread; i++ {
				e.ClinicianWrites(vid, team, "", fmt.Sprintf("More %d", i), first, at.Add(time.Duration(i)*time.Minute))
			}
			th, err := e.Client().Thread.Query().Order(ent.Desc("created_at")).First(e.System())
			if err != nil {
				t.Fatal(err)
			}
			if th.UnreadCount != unread {
				t.Fatalf("thread has %d unread, want %d", th.UnreadCount, unread)
			}
			threads = append(threads, th.ID)
		}
		const mark = `mutation($t: ID!) { markThreadRead(input: {threadId: $t}) { thread { id unreadCount messageCount } } }`
		e.MustDo(icnA, mark, map[string]any{"t": threads[0]}, &struct{}{})
		for i, th := range threads[1:] {
			if n := counted("mark read", mark, map[string]any{"t": th}); n != wantMarkRead {
				t.Errorf("mark read of a thread with %d unread cost %d statements, want %d", []int{1, 3}[i], n, wantMarkRead)
			}
		}
	})
}

// The folder list with its counts and the viewer's unread total, as the
// apps' folder pane asks for them, is one statement: the folders joined to
// their threads. Without counts the list still costs one, unjoined.
func TestFolderPaneCostsOneStatement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		start := w.Now().Add(-time.Hour)
		for i, s := range []string{"Lab results", "Appointment", "Refill", "Referral"} {
			w.ClinicianWrites(w.vetA, w.team, s, "Body", "", start.Add(time.Duration(i)*time.Minute))
		}
		w.ClinicianWrites(w.vetB, w.teamB, "Not Alex's", "Body", "", start)
		var folder struct {
			CreateFolder struct{ Folder struct{ ID string } }
		}
		w.MustDo(icnA, `mutation { createFolder(input: {name: "Benefits"}) { folder { id } } }`, nil, &folder)
		var list struct {
			Viewer struct {
				Threads struct {
					Edges []struct{ Node struct{ ID, Subject string } }
				}
			}
		}
		w.MustDo(icnA, `{ viewer { threads(first: 10) { edges { node { id subject } } } } }`, nil, &list)
		moved := map[string]bool{}
		for _, e := range list.Viewer.Threads.Edges {
			switch e.Node.Subject {
			case "Refill":
				w.MustDo(icnA, `mutation($t: ID!, $f: ID!) { moveThread(input: {threadId: $t, folderId: $f}) { thread { id } } }`,
					map[string]any{"t": e.Node.ID, "f": folder.CreateFolder.Folder.ID}, &struct{}{})
				moved[e.Node.Subject] = true
			case "Referral":
				w.MustDo(icnA, `mutation($t: ID!) { deleteThread(input: {threadId: $t}) { thread { id } } }`, map[string]any{"t": e.Node.ID}, &struct{}{})
				moved[e.Node.Subject] = true
			}
		}
		if len(moved) != 2 {
			t.Fatalf("moved %v; want Refill and Referral", moved)
		}
		type pane struct {
			Viewer struct {
				UnreadCount int
				Folders     []struct {
					Name                     string
					UnreadCount, ThreadCount int
				}
			}
		}
		// Inbox 2, Benefits 1, Trash 1 (left out of the total), Sent and Drafts 0.
		const wantTotal = 3
		wantFolders := "Inbox 2/2, Sent 0/0, Drafts 0/0, Trash 1/1, Benefits 1/1"
		cases := []struct {
			name, query   string
			statements    int
			total, counts bool
		}{
			{"folders with counts and the total", `{ viewer { unreadCount folders { id name system unreadCount threadCount } } }`, 1, true, true},
			{"folders with counts, aliased twice", `{ viewer { a: folders { name unreadCount threadCount } folders { name unreadCount threadCount } unreadCount } }`, 1, true, true},
			{"the total alone", `{ viewer { unreadCount } }`, 1, true, false},
			{"folders without counts", `{ viewer { folders { id name } } }`, 1, false, false},
			{"folders without counts beside the total", `{ viewer { unreadCount folders { id name } } }`, 2, true, false},
		}
		for _, c := range cases {
			w.MustDo(icnA, c.query, nil, &struct{}{}) // warm: token and ICN mapping
			w.Counter.Reset()
			var out pane
			w.MustDo(icnA, c.query, nil, &out)
			if n := w.Counter.Count(); n != c.statements {
				t.Errorf("%s: %d statements; want %d", c.name, n, c.statements)
			}
			if c.total && out.Viewer.UnreadCount != wantTotal {
				t.Errorf("%s: unread total %d; want %d", c.name, out.Viewer.UnreadCount, wantTotal)
			}
			if c.counts {
				var got []string
				for _, f := range out.Viewer.Folders {
					got = append(got, fmt.Sprintf("%s %d/%d", f.Name, f.ThreadCount, f.UnreadCount))
				}
				if g := strings.Join(got, ", "); g != wantFolders {
					t.Errorf("%s: folders %s; want %s", c.name, g, wantFolders)
				}
			}
		}
	})
}

// Opening a thread none of whose messages has an attachment reads no
// attachments: the thread's mark says so. A thread with one still lists it.
func TestOpeningAThreadWithoutAttachmentsReadsNoneOfThem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		var plain, attached struct {
			SendMessage struct{ Thread struct{ ID string } }
		}
		send := `mutation($input: SendMessageInput!) { sendMessage(input: $input) { thread { id } } }`
		w.MustDo(icnA, send, map[string]any{"input": map[string]any{"careTeamId": w.team, "category": "OTHER",
			"subject": "No files", "body": "Just a question."}}, &plain)
		r := w.DoUpload(icnA, send, map[string]any{"input": map[string]any{"careTeamId": w.team, "category": "OTHER",
			"subject": "Photo", "body": "See attached.", "attachments": []any{nil}}},
			[]vamstest.Upload{{Var: "input.attachments.0", Filename: "rash.png", Data: tinyPNG}})
		if len(r.Errors) > 0 {
			t.Fatalf("send with an attachment: %+v", r.Errors)
		}
		if err := json.Unmarshal(r.Data, &attached); err != nil {
			t.Fatal(err)
		}
		const open = `query($id: ID!) { node(id: $id) { ... on Thread { id hasAttachments
			messages(first: 20) { edges { node { id attachments { filename } } } } } } }`
		count := func(id string) (int, []string) {
			w.MustDo(icnA, open, map[string]any{"id": id}, &struct{}{}) // warm
			w.Counter.Reset()
			var out struct {
				Node struct {
					Messages struct {
						Edges []struct {
							Node struct{ Attachments []struct{ Filename string } }
						}
					}
				}
			}
			w.MustDo(icnA, open, map[string]any{"id": id}, &out)
			var files []string
			for _, e := range out.Node.Messages.Edges {
				for _, a := range e.Node.Attachments {
					files = append(files, a.Filename)
				}
			}
			return w.Counter.Count(), files
		}
		nPlain, files := count(plain.SendMessage.Thread.ID)
		if len(files) != 0 {
			t.Fatalf("a thread without attachments listed %v", files)
		}
		nAttached, files := count(attached.SendMessage.Thread.ID)
		if len(files) != 1 || files[0] != "rash.png" {
			t.Fatalf("the thread with an attachment listed %v; want rash.png", files)
		}
		if nPlain != nAttached-1 {
			t.Fatalf("statements: %d without attachments, %d with; want one fewer without", nPlain, nAttached)
		}
	})
}

// Opening a thread reads its folder in the same statement: asking for the
// folder costs nothing more, for a system folder and for the veteran's own.
func TestOpeningAThreadReadsItsFolderWithIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		inInbox, _ := w.send(t, icnA, w.team, "Stays in Sent", "Body")
		moved, _ := w.send(t, icnA, w.team, "Moves", "Body")
		var folder struct {
			CreateFolder struct{ Folder struct{ ID string } }
		}
		w.MustDo(icnA, `mutation { createFolder(input: {name: "Benefits"}) { folder { id } } }`, nil, &folder)
		w.MustDo(icnA, `mutation($t: ID!, $f: ID!) { moveThread(input: {threadId: $t, folderId: $f}) { thread { id } } }`,
			map[string]any{"t": moved.ID, "f": folder.CreateFolder.Folder.ID}, &struct{}{})
		cases := []struct {
			name, thread, want string
		}{
			{"a system folder", inInbox.ID, "Sent SENT"},
			{"the veteran's own folder", moved.ID, "Benefits <nil>"},
		}
		for _, c := range cases {
			counts := map[bool]int{}
			var got string
			for _, withFolder := range []bool{false, true} {
				q := `query($id: ID!) { node(id: $id) { ... on Thread { id subject } } }`
				if withFolder {
					q = `query($id: ID!) { node(id: $id) { ... on Thread { id subject folder { id name system } } } }`
				}
				w.MustDo(icnA, q, map[string]any{"id": c.thread}, &struct{}{}) // warm
				w.Counter.Reset()
				var out struct {
					Node struct {
						Folder *struct {
							ID, Name string
							System   *string
						}
					}
				}
				w.MustDo(icnA, q, map[string]any{"id": c.thread}, &out)
				counts[withFolder] = w.Counter.Count()
				if withFolder {
					if out.Node.Folder == nil {
						t.Fatalf("%s: no folder", c.name)
					}
					sys := "<nil>"
					if out.Node.Folder.System != nil {
						sys = *out.Node.Folder.System
					}
					got = out.Node.Folder.Name + " " + sys
				}
			}
			if got != c.want {
				t.Errorf("%s: folder %q; want %q", c.name, got, c.want)
			}
			if counts[true] != counts[false] {
				t.Errorf("%s: %d statements with the folder, %d without; want the same", c.name, counts[true], counts[false])
			}
		}
	})
}
