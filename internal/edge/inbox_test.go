package edge_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/va/vams/ent/association"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

const (
	icnA = "1000000101V000101"
	icnB = "1000000102V000102"
)

const threadFields = `id subject category messageCount unreadCount hasAttachments canReply replyBlockedReason
	folder { id name system } careTeam { id name } tags { id name }
	lastMessage { id body author { kind displayName } deliveryStatus }`

const sendMutation = `mutation($input: SendMessageInput!) { sendMessage(input: $input) {
	clientMutationId thread { ` + threadFields + ` } message { id body sentAt isDraft deliveryStatus author { kind } attachments { id filename contentType size downloadUrl } } } }`

const replyMutation = `mutation($input: ReplyToThreadInput!) { replyToThread(input: $input) {
	thread { id messageCount lastMessage { id } } message { id body deliveryStatus } } }`

type thread struct {
	ID                 string
	Subject            string
	Category           string
	MessageCount       int
	UnreadCount        int
	HasAttachments     bool
	CanReply           bool
	ReplyBlockedReason *string
	Folder             struct{ ID, Name, System string }
	CareTeam           struct{ ID, Name string }
	Tags               []struct{ ID, Name string }
	LastMessage        *struct {
		ID, Body       string
		Author         struct{ Kind, DisplayName string }
		DeliveryStatus *string
	}
}

type world struct {
	*vamstest.Env
	vetA, vetB                 string
	team, blocked, sig, paused string
	inactive, notAssoc, teamB  string
}

func setup(t *testing.T, b storetest.Backend) *world {
	e := vamstest.New(t, b)
	w := &world{Env: e}
	w.vetA = e.Veteran(icnA, "Alex Morgan")
	w.vetB = e.Veteran(icnB, "Blair Chen")
	w.team = e.CareTeam(w.vetA, vamstest.Team{Name: "Primary Care Team Blue", Preferred: true})
	w.blocked = e.CareTeam(w.vetA, vamstest.Team{Name: "Podiatry", Blocked: true})
	w.sig = e.CareTeam(w.vetA, vamstest.Team{Name: "Release of Information", RequiresSignature: true})
	w.paused = e.CareTeam(w.vetA, vamstest.Team{Name: "Cardiology", CutoverPhase: "p4"})
	w.inactive = e.CareTeam(w.vetA, vamstest.Team{Name: "Old Clinic", Inactive: true})
	w.notAssoc = e.CareTeam(w.vetA, vamstest.Team{Name: "Dermatology"})
	w.teamB = e.CareTeam(w.vetB, vamstest.Team{Name: "Mental Health Clinic"})
	return w
}

func (w *world) send(t *testing.T, icn, team, subject, body string) (thread, string) {
	t.Helper()
	var out struct {
		SendMessage struct {
			Thread  thread
			Message struct{ ID string }
		}
	}
	w.MustDo(icn, sendMutation, map[string]any{"input": map[string]any{
		"careTeamId": team, "category": "OTHER", "subject": subject, "body": body}}, &out)
	return out.SendMessage.Thread, out.SendMessage.Message.ID
}

func (w *world) threadCount(t *testing.T, icn string) int {
	t.Helper()
	var out struct {
		Viewer struct{ Folders []struct{ ThreadCount int } }
	}
	w.MustDo(icn, `{ viewer { folders { threadCount } } }`, nil, &out)
	n := 0
	for _, f := range out.Viewer.Folders {
		n += f.ThreadCount
	}
	return n
}

func TestUnauthenticatedIs401(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		r := w.Do("", `{ viewer { id } }`, nil)
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", r.Status)
		}
		req, _ := http.NewRequest(http.MethodPost, w.Server.URL+"/graphql", strings.NewReader(`{"query":"{viewer{id}}"}`))
		req.Header.Set("Authorization", "Bearer not-a-token")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("bad token: status %d, want 401", res.StatusCode)
		}
	})
}

func TestConversationLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		th, msgID := w.send(t, icnA, w.team, "Refill request", "Please refill my lisinopril.")
		if th.Folder.System != "SENT" || th.MessageCount != 1 || th.LastMessage.ID != msgID || *th.LastMessage.DeliveryStatus != "QUEUED" {
			t.Fatalf("after send: %+v", th)
		}
		if th.CareTeam.Name != "Primary Care Team Blue" || !th.CanReply {
			t.Fatalf("care team or reply state wrong: %+v", th)
		}

		// The care team answers: the thread comes to the Inbox, unread.
		ext := w.ClinicianWrites(w.vetA, w.team, "", "Your refill is on its way.", "", w.Now().Add(time.Minute))
		_ = ext
		var list struct {
			Viewer struct {
				UnreadCount int
				Threads     struct {
					Edges []struct {
						Cursor string
						Node   thread
					}
				}
			}
		}
		// The reply came without a provider thread link, so it starts its own
		// thread; link it through the veteran's message instead.
		w.MustDo(icnA, `{ viewer { unreadCount threads(first: 10) { edges { cursor node { `+threadFields+` } } } } }`, nil, &list)
		if list.Viewer.UnreadCount != 1 {
			t.Fatalf("unreadCount = %d, want 1", list.Viewer.UnreadCount)
		}

		// Reply, read, unread, move, tag, delete, restore.
		var rep struct {
			ReplyToThread struct {
				Thread struct {
					ID           string
					MessageCount int
				}
				Message struct{ ID, Body, DeliveryStatus string }
			}
		}
		w.MustDo(icnA, replyMutation, map[string]any{"input": map[string]any{"threadId": th.ID, "body": "Thank you!"}}, &rep)
		if rep.ReplyToThread.Thread.MessageCount != 2 || rep.ReplyToThread.Message.DeliveryStatus != "QUEUED" {
			t.Fatalf("reply: %+v", rep)
		}

		var folder struct {
			CreateFolder struct{ Folder struct{ ID, Name string } }
		}
		w.MustDo(icnA, `mutation { createFolder(input: {name: "Travel Claims"}) { folder { id name } } }`, nil, &folder)
		var moved struct {
			MoveThread struct{ Thread thread }
		}
		w.MustDo(icnA, `mutation($t: ID!, $f: ID!) { moveThread(input: {threadId: $t, folderId: $f}) { thread { `+threadFields+` } } }`,
			map[string]any{"t": th.ID, "f": folder.CreateFolder.Folder.ID}, &moved)
		if moved.MoveThread.Thread.Folder.Name != "Travel Claims" {
			t.Fatalf("move: %+v", moved)
		}

		var tag struct {
			CreateTag struct{ Tag struct{ ID string } }
		}
		w.MustDo(icnA, `mutation { createTag(input: {name: "Follow up"}) { tag { id } } }`, nil, &tag)
		var tagged struct {
			TagThread struct{ Thread thread }
		}
		w.MustDo(icnA, `mutation($t: ID!, $g: ID!) { tagThread(input: {threadId: $t, tagId: $g}) { thread { `+threadFields+` } } }`,
			map[string]any{"t": th.ID, "g": tag.CreateTag.Tag.ID}, &tagged)
		if len(tagged.TagThread.Thread.Tags) != 1 || tagged.TagThread.Thread.Tags[0].Name != "Follow up" {
			t.Fatalf("tag: %+v", tagged)
		}
		var filtered struct {
			Viewer struct {
				Threads struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
		}
		w.MustDo(icnA, `query($g: ID!) { viewer { threads(filter: {tagId: $g}) { edges { node { id } } } } }`, map[string]any{"g": tag.CreateTag.Tag.ID}, &filtered)
		if len(filtered.Viewer.Threads.Edges) != 1 || filtered.Viewer.Threads.Edges[0].Node.ID != th.ID {
			t.Fatalf("tag filter: %+v", filtered)
		}

		var del struct {
			DeleteThread struct{ Thread thread }
		}
		w.MustDo(icnA, `mutation($t: ID!) { deleteThread(input: {threadId: $t}) { thread { `+threadFields+` } } }`, map[string]any{"t": th.ID}, &del)
		if del.DeleteThread.Thread.Folder.System != "TRASH" {
			t.Fatalf("delete: %+v", del)
		}
		var res struct {
			RestoreThread struct{ Thread thread }
		}
		w.MustDo(icnA, `mutation($t: ID!) { restoreThread(input: {threadId: $t}) { thread { `+threadFields+` } } }`, map[string]any{"t": th.ID}, &res)
		if res.RestoreThread.Thread.Folder.System != "SENT" {
			t.Fatalf("restore of a thread only the veteran wrote in goes to Sent: %+v", res)
		}

		// The folder is empty again and can go.
		r := w.Do(icnA, `mutation($f: ID!) { deleteFolder(input: {folderId: $f}) { deletedFolderId } }`, map[string]any{"f": folder.CreateFolder.Folder.ID})
		if len(r.Errors) != 0 {
			t.Fatalf("delete empty folder: %+v", r.Errors)
		}
	})
}

func TestReadAndUnread(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		first := w.ClinicianWrites(w.vetA, w.team, "Lab results", "Your results are normal.", "", w.Now())
		w.ClinicianWrites(w.vetA, w.team, "", "One more note.", first, w.Now().Add(time.Minute))
		var list struct {
			Viewer struct {
				UnreadCount int
				Threads     struct{ Edges []struct{ Node thread } }
			}
		}
		w.MustDo(icnA, `{ viewer { unreadCount threads { edges { node { `+threadFields+` } } } } }`, nil, &list)
		if list.Viewer.UnreadCount != 2 || len(list.Viewer.Threads.Edges) != 1 || list.Viewer.Threads.Edges[0].Node.Folder.System != "INBOX" {
			t.Fatalf("before read: %+v", list)
		}
		id := list.Viewer.Threads.Edges[0].Node.ID
		var read struct {
			MarkThreadRead struct{ Thread thread }
		}
		w.MustDo(icnA, `mutation($t: ID!) { markThreadRead(input: {threadId: $t}) { thread { `+threadFields+` } } }`, map[string]any{"t": id}, &read)
		if read.MarkThreadRead.Thread.UnreadCount != 0 {
			t.Fatalf("after read: %+v", read)
		}
		var unread struct {
			MarkThreadUnread struct{ Thread thread }
		}
		w.MustDo(icnA, `mutation($t: ID!) { markThreadUnread(input: {threadId: $t}) { thread { `+threadFields+` } } }`, map[string]any{"t": id}, &unread)
		if unread.MarkThreadUnread.Thread.UnreadCount != 1 {
			t.Fatalf("after unread: %+v", unread)
		}
		var only struct {
			Viewer struct {
				Threads struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
		}
		w.MustDo(icnA, `{ viewer { threads(filter: {unreadOnly: true}) { edges { node { id } } } } }`, nil, &only)
		if len(only.Viewer.Threads.Edges) != 1 {
			t.Fatalf("unreadOnly: %+v", only)
		}
	})
}

// Every rule of the inbox, each with its code and the field at fault; a
// rejected mutation changes nothing.
func TestRulesRejectWithTypedErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		// A team the veteran wrote with before losing the association: still
		// visible through the old thread, but closed to new messages.
		w.ClinicianWrites(w.vetA, w.notAssoc, "Skin check", "See you soon.", "", w.Now().Add(-time.Hour))
		if _, err := w.Store.Client.Association.Delete().Where(association.CareTeamID(w.notAssoc)).Exec(w.System()); err != nil {
			t.Fatal(err)
		}
		old, _ := w.send(t, icnA, w.team, "Old question", "Hello")
		w.Advance(46 * 24 * time.Hour)
		fresh, _ := w.send(t, icnA, w.team, "New question", "Hello again")
		var f struct {
			CreateFolder struct{ Folder struct{ ID string } }
		}
		w.MustDo(icnA, `mutation { createFolder(input: {name: "Benefits"}) { folder { id } } }`, nil, &f)
		w.MustDo(icnA, `mutation($t: ID!, $f: ID!) { moveThread(input: {threadId: $t, folderId: $f}) { thread { id } } }`,
			map[string]any{"t": fresh.ID, "f": f.CreateFolder.Folder.ID}, &struct{}{})
		var folders struct {
			Viewer struct{ Folders []struct{ ID, System string } }
		}
		w.MustDo(icnA, `{ viewer { folders { id system } } }`, nil, &folders)
		sys := map[string]string{}
		for _, x := range folders.Viewer.Folders {
			sys[x.System] = x.ID
		}
		send := func(mod func(in map[string]any)) (string, map[string]any) {
			in := map[string]any{"careTeamId": w.team, "category": "OTHER", "subject": "Question", "body": "Hello"}
			mod(in)
			return sendMutation, map[string]any{"input": in}
		}
		type tc struct {
			name  string
			query string
			vars  map[string]any
			code  string
			field string
		}
		cases := []tc{}
		add := func(name, code, field string, q string, v map[string]any) {
			cases = append(cases, tc{name, q, v, code, field})
		}
		q, v := send(func(in map[string]any) { in["subject"] = "  " })
		add("empty subject", "SUBJECT_REQUIRED", "subject", q, v)
		q, v = send(func(in map[string]any) { in["subject"] = strings.Repeat("x", 51) })
		add("subject over 50", "SUBJECT_TOO_LONG", "subject", q, v)
		q, v = send(func(in map[string]any) { in["body"] = " \n " })
		add("empty body", "BODY_REQUIRED", "body", q, v)
		q, v = send(func(in map[string]any) { in["careTeamId"] = w.blocked })
		add("blocked team", "CARE_TEAM_BLOCKED", "careTeamId", q, v)
		q, v = send(func(in map[string]any) { in["careTeamId"] = w.notAssoc })
		add("unassociated team", "CARE_TEAM_NOT_ASSOCIATED", "careTeamId", q, v)
		q, v = send(func(in map[string]any) { in["careTeamId"] = w.inactive })
		add("inactive team", "CARE_TEAM_INACTIVE", "careTeamId", q, v)
		q, v = send(func(in map[string]any) { in["careTeamId"] = w.paused })
		add("facility in cutover", "FACILITY_IN_TRANSITION", "careTeamId", q, v)
		q, v = send(func(in map[string]any) { in["careTeamId"] = w.sig })
		add("e-signature missing", "ELECTRONIC_SIGNATURE_REQUIRED", "electronicSignature", q, v)
		q, v = send(func(in map[string]any) {
			in["careTeamId"] = w.sig
			in["electronicSignature"] = map[string]any{"fullName": "Alex <script>", "certified": true}
		})
		add("e-signature name with symbols", "ELECTRONIC_SIGNATURE_INVALID", "electronicSignature.fullName", q, v)
		q, v = send(func(in map[string]any) { in["careTeamId"] = w.teamB })
		add("another veteran's team", "NOT_FOUND", "careTeamId", q, v)
		q, v = send(func(in map[string]any) { in["careTeamId"] = "thr_01ABC" })
		add("wrong kind of id", "NOT_FOUND", "careTeamId", q, v)
		add("reply after 45 days", "REPLY_WINDOW_CLOSED", "threadId", replyMutation, map[string]any{"input": map[string]any{"threadId": old.ID, "body": "Hi"}})
		add("reply with empty body", "BODY_REQUIRED", "body", replyMutation, map[string]any{"input": map[string]any{"threadId": fresh.ID, "body": ""}})
		add("folder name with symbols", "FOLDER_NAME_INVALID", "name", `mutation { createFolder(input: {name: "Bills & Co"}) { folder { id } } }`, nil)
		add("folder name over 50", "FOLDER_NAME_INVALID", "name", fmt.Sprintf(`mutation { createFolder(input: {name: %q}) { folder { id } } }`, strings.Repeat("a", 51)), nil)
		add("duplicate folder name", "FOLDER_NAME_TAKEN", "name", `mutation { createFolder(input: {name: "benefits"}) { folder { id } } }`, nil)
		add("delete non-empty folder", "FOLDER_NOT_EMPTY", "folderId", `mutation($f: ID!) { deleteFolder(input: {folderId: $f}) { deletedFolderId } }`, map[string]any{"f": f.CreateFolder.Folder.ID})
		add("rename Inbox", "SYSTEM_FOLDER_IMMUTABLE", "folderId", `mutation($f: ID!) { renameFolder(input: {folderId: $f, name: "Mine"}) { folder { id } } }`, map[string]any{"f": sys["INBOX"]})
		add("delete Trash", "SYSTEM_FOLDER_IMMUTABLE", "folderId", `mutation($f: ID!) { deleteFolder(input: {folderId: $f}) { deletedFolderId } }`, map[string]any{"f": sys["TRASH"]})
		add("move into Drafts", "INVALID_MOVE", "folderId", `mutation($t: ID!, $f: ID!) { moveThread(input: {threadId: $t, folderId: $f}) { thread { id } } }`, map[string]any{"t": fresh.ID, "f": sys["DRAFTS"]})
		add("move into Sent", "INVALID_MOVE", "folderId", `mutation($t: ID!, $f: ID!) { moveThread(input: {threadId: $t, folderId: $f}) { thread { id } } }`, map[string]any{"t": fresh.ID, "f": sys["SENT"]})
		add("restore a thread not in Trash", "INVALID_MOVE", "threadId", `mutation($t: ID!) { restoreThread(input: {threadId: $t}) { thread { id } } }`, map[string]any{"t": fresh.ID})
		add("tag name with symbols", "TAG_NAME_INVALID", "name", `mutation { createTag(input: {name: "urgent!!"}) { tag { id } } }`, nil)
		add("no preferred team", "PREFERRED_CARE_TEAM_REQUIRED", "careTeamIds", `mutation { setPreferredCareTeams(input: {careTeamIds: []}) { careTeams { id } } }`, nil)
		add("signature without title", "SIGNATURE_FIELDS_REQUIRED", "title", `mutation { updateSignature(input: {name: "Alex", title: "", includeSignature: true}) { signature { name } } }`, nil)

		before := w.threadCount(t, icnA)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := w.Do(icnA, c.query, c.vars)
				if r.Code() != c.code {
					t.Fatalf("code = %q (%+v), want %s", r.Code(), r.Errors, c.code)
				}
				if got := r.Errors[0].Extensions["field"]; got != c.field {
					t.Fatalf("field = %v, want %s", got, c.field)
				}
				if r.Errors[0].Message == "" || strings.Contains(r.Errors[0].Message, "ent:") {
					t.Fatalf("message not veteran-readable: %q", r.Errors[0].Message)
				}
			})
		}
		if after := w.threadCount(t, icnA); after != before {
			t.Fatalf("rejected mutations changed the inbox: %d threads, was %d", after, before)
		}
	})
}

func TestElectronicSignatureIsAppended(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		var out struct {
			SendMessage struct{ Message struct{ Body string } }
		}
		w.MustDo(icnA, sendMutation, map[string]any{"input": map[string]any{
			"careTeamId": w.sig, "category": "OTHER", "subject": "Records request", "body": "Please send my records.",
			"electronicSignature": map[string]any{"fullName": "Alex Morgan", "certified": true}}}, &out)
		want := "Please send my records.\n\n--------------------------------------------------\n\nAlex Morgan\nSigned electronically on " + w.Now().Format("2006-01-02") + "."
		if out.SendMessage.Message.Body != want {
			t.Fatalf("body = %q\nwant   %q", out.SendMessage.Message.Body, want)
		}
	})
}

// Another veteran's objects are indistinguishable from ones that do not exist.
func TestOtherVeteransDataIsNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		thB, msgB := w.send(t, icnB, w.teamB, "Private", "Only mine")
		for _, id := range []string{thB.ID, msgB, w.teamB, thB.Folder.ID, "thr_01J0000000000000000000000"} {
			r := w.Do(icnA, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
			if r.Code() != "NOT_FOUND" || !strings.Contains(string(r.Data), `"node":null`) {
				t.Fatalf("node(%s) as A: %s %+v", id, r.Data, r.Errors)
			}
		}
		muts := []struct {
			q string
			v map[string]any
		}{
			{replyMutation, map[string]any{"input": map[string]any{"threadId": thB.ID, "body": "hi"}}},
			{`mutation($t: ID!) { markThreadRead(input: {threadId: $t}) { thread { id } } }`, map[string]any{"t": thB.ID}},
			{`mutation($t: ID!) { deleteThread(input: {threadId: $t}) { thread { id } } }`, map[string]any{"t": thB.ID}},
			{`mutation($t: ID!, $f: ID!) { moveThread(input: {threadId: $t, folderId: $f}) { thread { id } } }`, map[string]any{"t": thB.ID, "f": thB.Folder.ID}},
		}
		for _, m := range muts {
			if r := w.Do(icnA, m.q, m.v); r.Code() != "NOT_FOUND" {
				t.Fatalf("%s as A: %+v", m.q, r.Errors)
			}
		}
		var own struct {
			Node struct {
				Subject string
				Folder  struct{ System string }
			}
		}
		w.MustDo(icnB, `query($id: ID!) { node(id: $id) { ... on Thread { subject folder { system } } } }`, map[string]any{"id": thB.ID}, &own)
		if own.Node.Subject != "Private" || own.Node.Folder.System != "SENT" {
			t.Fatalf("B's own thread changed: %+v", own)
		}
	})
}

var tinyPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

func TestAttachmentsUploadAndDownload(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		vars := map[string]any{"input": map[string]any{"careTeamId": w.team, "category": "OTHER", "subject": "Photo of rash",
			"body": "See attached.", "attachments": []any{nil, nil}}}
		r := w.DoUpload(icnA, sendMutation, vars, []vamstest.Upload{
			{Var: "input.attachments.0", Filename: "rash.png", Data: tinyPNG},
			{Var: "input.attachments.1", Filename: "notes.txt", Data: []byte("itchy since Monday")},
		})
		var out struct {
			SendMessage struct {
				Thread  thread
				Message struct {
					Attachments []struct {
						ID, Filename, ContentType, DownloadURL string
						Size                                   int
					}
				}
			}
		}
		r.Decode(t, &out)
		atts := out.SendMessage.Message.Attachments
		if len(atts) != 2 || atts[0].ContentType != "image/png" || atts[0].Size != len(tinyPNG) || !out.SendMessage.Thread.HasAttachments {
			t.Fatalf("attachments: %+v", out)
		}
		get := func(icn string) (int, []byte) {
			req, _ := http.NewRequest(http.MethodGet, w.Server.URL+atts[0].DownloadURL, nil)
			req.Header.Set("Authorization", "Bearer "+w.Token(icn))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			return res.StatusCode, body
		}
		if code, body := get(icnA); code != 200 || !bytes.Equal(body, tinyPNG) {
			t.Fatalf("owner download: %d", code)
		}
		if code, _ := get(icnB); code != 404 {
			t.Fatalf("other veteran's download: %d, want 404", code)
		}

		cases := []struct {
			name  string
			files []vamstest.Upload
			code  string
		}{
			{"exe renamed to pdf", []vamstest.Upload{{Filename: "scan.pdf", Data: []byte("MZ\x90\x00 this is not a pdf")}}, "ATTACHMENT_TYPE_NOT_ALLOWED"},
			{"disallowed extension", []vamstest.Upload{{Filename: "run.exe", Data: []byte("MZ")}}, "ATTACHMENT_TYPE_NOT_ALLOWED"},
			{"empty file", []vamstest.Upload{{Filename: "empty.txt", Data: nil}}, "ATTACHMENT_EMPTY"},
			{"over 6 MB", []vamstest.Upload{{Filename: "big.txt", Data: bytes.Repeat([]byte("a"), 6*1024*1024+1)}}, "ATTACHMENT_TOO_LARGE"},
			{"over 10 MB total", []vamstest.Upload{
				{Filename: "a.txt", Data: bytes.Repeat([]byte("a"), 5*1024*1024)},
				{Filename: "b.txt", Data: bytes.Repeat([]byte("b"), 5*1024*1024)},
				{Filename: "c.txt", Data: bytes.Repeat([]byte("c"), 1024)}}, "ATTACHMENTS_TOO_LARGE"},
			{"five files", []vamstest.Upload{{Filename: "1.txt", Data: []byte("1")}, {Filename: "2.txt", Data: []byte("2")},
				{Filename: "3.txt", Data: []byte("3")}, {Filename: "4.txt", Data: []byte("4")}, {Filename: "5.txt", Data: []byte("5")}}, "TOO_MANY_ATTACHMENTS"},
		}
		before := w.threadCount(t, icnA)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				list := make([]any, len(c.files))
				for i := range c.files {
					c.files[i].Var = fmt.Sprintf("input.attachments.%d", i)
				}
				vars := map[string]any{"input": map[string]any{"careTeamId": w.team, "category": "OTHER", "subject": "x", "body": "y", "attachments": list}}
				if r := w.DoUpload(icnA, sendMutation, vars, c.files); r.Code() != c.code {
					t.Fatalf("code %q (%+v), want %s", r.Code(), r.Errors, c.code)
				}
			})
		}
		if after := w.threadCount(t, icnA); after != before {
			t.Fatalf("rejected uploads stored threads: %d → %d", before, after)
		}
	})
}

func TestDrafts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		var saved struct {
			SaveDraft struct {
				Thread thread
				Draft  struct {
					ID, Body string
					IsDraft  bool
					SentAt   *string
				}
			}
		}
		w.MustDo(icnA, `mutation($c: ID!) { saveDraft(input: {careTeamId: $c, category: MEDICATIONS, subject: "Refill", body: "Draft one"}) {
			thread { `+threadFields+` } draft { id body isDraft sentAt } } }`, map[string]any{"c": w.team}, &saved)
		d := saved.SaveDraft
		if d.Thread.Folder.System != "DRAFTS" || !d.Draft.IsDraft || d.Draft.SentAt != nil || d.Thread.MessageCount != 0 {
			t.Fatalf("new draft: %+v", d)
		}
		w.MustDo(icnA, `mutation($d: ID!) { saveDraft(input: {draftId: $d, body: "Draft two"}) { draft { id body } thread { id } } }`,
			map[string]any{"d": d.Draft.ID}, &saved)
		if saved.SaveDraft.Draft.Body != "Draft two" {
			t.Fatalf("update draft: %+v", saved)
		}
		if r := w.Do(icnA, `mutation($t: ID!) { deleteThread(input: {threadId: $t}) { thread { id } } }`, map[string]any{"t": d.Thread.ID}); r.Code() != "INVALID_MOVE" {
			t.Fatalf("trashing a draft: %+v", r.Errors)
		}
		var sent struct {
			SendDraft struct {
				Thread  thread
				Message struct {
					ID, Body string
					IsDraft  bool
				}
			}
		}
		w.MustDo(icnA, `mutation($d: ID!) { sendDraft(input: {draftId: $d}) { thread { `+threadFields+` } message { id body isDraft } } }`,
			map[string]any{"d": d.Draft.ID}, &sent)
		if sent.SendDraft.Thread.Folder.System != "SENT" || sent.SendDraft.Message.IsDraft || sent.SendDraft.Thread.MessageCount != 1 || sent.SendDraft.Thread.Category != "MEDICATIONS" {
			t.Fatalf("send draft: %+v", sent)
		}
		// A reply draft lives in its thread and can be deleted for good.
		var rd struct {
			SaveDraft struct{ Draft struct{ ID string } }
		}
		w.MustDo(icnA, `mutation($t: ID!) { saveDraft(input: {threadId: $t, body: "Reply draft"}) { draft { id } } }`, map[string]any{"t": sent.SendDraft.Thread.ID}, &rd)
		var msgs struct {
			Node struct {
				Messages struct {
					Edges []struct {
						Node struct {
							ID      string
							IsDraft bool
						}
					}
				}
			}
		}
		w.MustDo(icnA, `query($t: ID!) { node(id: $t) { ... on Thread { messages { edges { node { id isDraft } } } } } }`, map[string]any{"t": sent.SendDraft.Thread.ID}, &msgs)
		if e := msgs.Node.Messages.Edges; len(e) != 2 || e[0].Node.IsDraft || !e[1].Node.IsDraft {
			t.Fatalf("timeline should end with the draft: %+v", msgs)
		}
		var dd struct {
			DeleteDraft struct {
				DeletedDraftID string
				Thread         *struct{ ID string }
			}
		}
		w.MustDo(icnA, `mutation($d: ID!) { deleteDraft(input: {draftId: $d}) { deletedDraftId thread { id } } }`, map[string]any{"d": rd.SaveDraft.Draft.ID}, &dd)
		if dd.DeleteDraft.Thread == nil || dd.DeleteDraft.Thread.ID != sent.SendDraft.Thread.ID {
			t.Fatalf("delete reply draft: %+v", dd)
		}
		if r := w.Do(icnA, `mutation($d: ID!) { deleteDraft(input: {draftId: $d}) { deletedDraftId } }`, map[string]any{"d": sent.SendDraft.Message.ID}); r.Code() != "NOT_A_DRAFT" {
			t.Fatalf("deleting a sent message as a draft: %+v", r.Errors)
		}
	})
}

func TestPaginationAndOrdering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		other := w.CareTeam(w.vetA, vamstest.Team{Name: "Audiology"})
		base := w.Now().Add(-10 * 24 * time.Hour)
		for i := 0; i < 25; i++ {
			team := w.team
			if i%5 == 0 {
				team = other
			}
			w.ClinicianWrites(w.vetA, team, fmt.Sprintf("Subject %02d", i), fmt.Sprintf("Body number %d", i), "", base.Add(time.Duration(i)*time.Hour))
		}
		type page struct {
			Viewer struct {
				Threads struct {
					Edges []struct {
						Cursor string
						Node   struct {
							Subject  string
							CareTeam struct{ Name string }
						}
					}
					PageInfo struct {
						HasNextPage, HasPreviousPage bool
						EndCursor, StartCursor       string
					}
				}
			}
		}
		var seen []string
		after := any(nil)
		for {
			var p page
			w.MustDo(icnA, `query($a: Cursor) { viewer { threads(first: 10, after: $a) { edges { cursor node { subject careTeam { name } } }
				pageInfo { hasNextPage hasPreviousPage endCursor startCursor } } } }`, map[string]any{"a": after}, &p)
			for _, e := range p.Viewer.Threads.Edges {
				seen = append(seen, e.Node.Subject)
			}
			if !p.Viewer.Threads.PageInfo.HasNextPage {
				break
			}
			after = p.Viewer.Threads.PageInfo.EndCursor
		}
		if len(seen) != 25 || seen[0] != "Subject 24" || seen[24] != "Subject 00" {
			t.Fatalf("newest first over pages: %v", seen)
		}
		var back page
		w.MustDo(icnA, `{ viewer { threads(last: 3) { edges { node { subject } } pageInfo { hasPreviousPage } } } }`, nil, &back)
		if e := back.Viewer.Threads.Edges; len(e) != 3 || e[0].Node.Subject != "Subject 02" || e[2].Node.Subject != "Subject 00" || !back.Viewer.Threads.PageInfo.HasPreviousPage {
			t.Fatalf("last 3: %+v", back)
		}
		var oldest page
		w.MustDo(icnA, `{ viewer { threads(orderBy: OLDEST_FIRST, first: 2) { edges { node { subject } } } } }`, nil, &oldest)
		if e := oldest.Viewer.Threads.Edges; e[0].Node.Subject != "Subject 00" || e[1].Node.Subject != "Subject 01" {
			t.Fatalf("oldest first: %+v", oldest)
		}
		var byTeam []string
		after = nil
		for {
			var p page
			w.MustDo(icnA, `query($a: Cursor) { viewer { threads(orderBy: CARE_TEAM_NAME, first: 4, after: $a) { edges { node { subject careTeam { name } } } pageInfo { hasNextPage endCursor } } } }`,
				map[string]any{"a": after}, &p)
			for _, e := range p.Viewer.Threads.Edges {
				byTeam = append(byTeam, e.Node.CareTeam.Name+"/"+e.Node.Subject)
			}
			if !p.Viewer.Threads.PageInfo.HasNextPage {
				break
			}
			after = p.Viewer.Threads.PageInfo.EndCursor
		}
		if len(byTeam) != 25 || byTeam[0] != "Audiology/Subject 20" || byTeam[4] != "Audiology/Subject 00" || byTeam[5] != "Primary Care Team Blue/Subject 24" {
			t.Fatalf("by care team: %v", byTeam)
		}
		var searched page
		w.MustDo(icnA, `{ viewer { threads(filter: {search: "NUMBER 13"}) { edges { node { subject } } } } }`, nil, &searched)
		if e := searched.Viewer.Threads.Edges; len(e) != 1 || e[0].Node.Subject != "Subject 13" {
			t.Fatalf("server-side search over bodies: %+v", searched)
		}
		var clamped page
		w.MustDo(icnA, `{ viewer { threads(first: 1000) { edges { node { subject } } } } }`, nil, &clamped)
		if len(clamped.Viewer.Threads.Edges) != 25 {
			t.Fatalf("first: 1000 should be clamped, not rejected: %d", len(clamped.Viewer.Threads.Edges))
		}
	})
}
