package edge_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/store/storetest"
)

// keyed is one mutation that creates or sends, with an input and another
// input to try under the same key.
type keyed struct {
	name, query  string
	input, other map[string]any
}

// keyedMutations are the six mutations that take clientMutationId as an
// idempotency key, against w's fixtures.
func keyedMutations(t *testing.T, w *world) []keyed {
	t.Helper()
	th, _ := w.send(t, icnA, w.team, "Question", "Hello")
	draft := func(body string) string {
		var d struct {
			SaveDraft struct{ Draft struct{ ID string } }
		}
		w.MustDo(icnA, saveDraftMutation, map[string]any{"input": map[string]any{"careTeamId": w.team, "subject": "Later", "body": body}}, &d)
		return d.SaveDraft.Draft.ID
	}
	d1, d2 := draft("first draft"), draft("second draft")
	const sends = `thread { id messageCount folder { name } } message { id body isDraft deliveryStatus }`
	return []keyed{
		{"sendMessage", `mutation($input: SendMessageInput!) { sendMessage(input: $input) { clientMutationId ` + sends + ` } }`,
			map[string]any{"careTeamId": w.team, "category": "MEDICATIONS", "subject": "Refill", "body": "Please refill my lisinopril."},
			map[string]any{"careTeamId": w.team, "category": "MEDICATIONS", "subject": "Refill", "body": "Please refill my metformin."}},
		{"replyToThread", `mutation($input: ReplyToThreadInput!) { replyToThread(input: $input) { clientMutationId ` + sends + ` } }`,
			map[string]any{"threadId": th.ID, "body": "Thank you."},
			map[string]any{"threadId": th.ID, "body": "Thanks again."}},
		{"saveDraft", `mutation($input: SaveDraftInput!) { saveDraft(input: $input) { clientMutationId thread { id } draft { id body } } }`,
			map[string]any{"careTeamId": w.team, "subject": "Appointment", "body": "Can I move it?"},
			map[string]any{"careTeamId": w.team, "subject": "Appointment", "body": "Can I cancel it?"}},
		{"sendDraft", `mutation($input: SendDraftInput!) { sendDraft(input: $input) { clientMutationId ` + sends + ` } }`,
			map[string]any{"draftId": d1}, map[string]any{"draftId": d2}},
		{"createFolder", `mutation($input: CreateFolderInput!) { createFolder(input: $input) { clientMutationId folder { id name threadCount } } }`,
			map[string]any{"name": "Travel"}, map[string]any{"name": "Bills"}},
		{"createTag", `mutation($input: CreateTagInput!) { createTag(input: $input) { clientMutationId tag { id name } } }`,
			map[string]any{"name": "refills"}, map[string]any{"name": "labs"}},
	}
}

func withKey(in map[string]any, key string) map[string]any {
	out := map[string]any{"clientMutationId": key}
	for k, v := range in {
		out[k] = v
	}
	return map[string]any{"input": out}
}

// TestEveryKeyedMutationActsOnceAndAnswersTheSame: each of the six, sent
// three times with one key, writes once and answers the same each time; the
// same key with other input is IDEMPOTENCY_KEY_REUSED and changes nothing.
func TestEveryKeyedMutationActsOnceAndAnswersTheSame(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		for _, m := range keyedMutations(t, w) {
			t.Run(m.name, func(t *testing.T) {
				key := "retry-" + m.name
				first := w.Do(icnA, m.query, withKey(m.input, key))
				if len(first.Errors) > 0 {
					t.Fatalf("first call: %+v", first.Errors)
				}
				after := snapshot(t, w)
				for i := 0; i < 2; i++ {
					again := w.Do(icnA, m.query, withKey(m.input, key))
					if len(again.Errors) > 0 || string(again.Data) != string(first.Data) {
						t.Fatalf("repeat %d answered %s (%+v), first %s", i+1, again.Data, again.Errors, first.Data)
					}
				}
				if snapshot(t, w) != after {
					t.Fatal("a repeat wrote")
				}
				r := w.Do(icnA, m.query, withKey(m.other, key))
				if r.Code() != string(inbox.CodeIdempotencyKeyReused) || r.Errors[0].Extensions["field"] != "clientMutationId" {
					t.Fatalf("same key, other input: %+v, want IDEMPOTENCY_KEY_REUSED on clientMutationId", r.Errors)
				}
				if snapshot(t, w) != after {
					t.Fatal("a reused key wrote")
				}
			})
		}
	})
}

// TestWithoutAKeyEveryCallActs: no clientMutationId, no idempotency.
func TestWithoutAKeyEveryCallActs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		a, _ := w.send(t, icnA, w.team, "Refill", "Please refill.")
		c, _ := w.send(t, icnA, w.team, "Refill", "Please refill.")
		if a.ID == c.ID {
			t.Fatal("two unkeyed sends made one thread")
		}
	})
}

// TestKeysAreEachMutationsOwnInOneRequest: a request with several mutations
// keys each by its own clientMutationId, and a retry of the whole request
// writes nothing.
func TestKeysAreEachMutationsOwnInOneRequest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		const doc = `mutation($a: SendMessageInput!, $b: SendMessageInput!, $c: SendMessageInput!) {
			a: sendMessage(input: $a) { message { id } } b: sendMessage(input: $b) { message { id } } c: sendMessage(input: $c) { message { id } } }`
		in := func(key, body string) map[string]any {
			return map[string]any{"careTeamId": w.team, "category": "OTHER", "subject": "Two things", "body": body, "clientMutationId": key}
		}
		// a and c share a key and an input: c is a's retry within the request.
		vars := map[string]any{"a": in("k-1", "First thing."), "b": in("k-2", "Second thing."), "c": in("k-1", "First thing.")}
		type ids struct {
			A, B, C struct{ Message struct{ ID string } }
		}
		var first, again ids
		w.MustDo(icnA, doc, vars, &first)
		if first.A.Message.ID == first.B.Message.ID || first.C.Message.ID != first.A.Message.ID {
			t.Fatalf("one request, keys k-1, k-2, k-1: %+v", first)
		}
		threads := w.threadCount(t, icnA)
		w.MustDo(icnA, doc, vars, &again)
		if again != first || w.threadCount(t, icnA) != threads || threads != 2 {
			t.Fatalf("retried request: %+v (first %+v), %d threads, want 2", again, first, threads)
		}
	})
}

// TestRacingDuplicatesWriteOnce: identical keyed requests at once make one
// write, and every one of them answers with it.
func TestRacingDuplicatesWriteOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		cases := []struct {
			name, query string
			input       map[string]any
			id          func(json.RawMessage) string
		}{
			{"sendMessage", `mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }`,
				map[string]any{"careTeamId": w.team, "category": "OTHER", "subject": "Once", "body": "Only once, please."},
				func(d json.RawMessage) string {
					var out struct {
						SendMessage struct{ Message struct{ ID string } }
					}
					_ = json.Unmarshal(d, &out)
					return out.SendMessage.Message.ID
				}},
			{"createFolder", `mutation($input: CreateFolderInput!) { createFolder(input: $input) { folder { id } } }`,
				map[string]any{"name": "Racing"},
				func(d json.RawMessage) string {
					var out struct {
						CreateFolder struct{ Folder struct{ ID string } }
					}
					_ = json.Unmarshal(d, &out)
					return out.CreateFolder.Folder.ID
				}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				const n = 8
				got := make([]string, n)
				var wg sync.WaitGroup
				for i := range n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						r := w.Do(icnA, c.query, withKey(c.input, "race-"+c.name))
						if len(r.Errors) > 0 {
							got[i] = fmt.Sprintf("error %+v", r.Errors)
							return
						}
						got[i] = c.id(r.Data)
					}()
				}
				wg.Wait()
				for _, id := range got[1:] {
					if id != got[0] || id == "" || strings.HasPrefix(id, "error") {
						t.Fatalf("racing duplicates answered %q", got)
					}
				}
			})
		}
		racing := 0
		var folders struct {
			Viewer struct{ Folders []struct{ Name string } }
		}
		w.MustDo(icnA, `{ viewer { folders { name } } }`, nil, &folders)
		for _, f := range folders.Viewer.Folders {
			if f.Name == "Racing" {
				racing++
			}
		}
		if n, err := w.Client().Message.Query().Count(w.System()); err != nil || n != 1 || racing != 1 {
			t.Fatalf("%d messages (%v) and %d folders named Racing, want 1 and 1", n, err, racing)
		}
	})
}

// TestKeysExpireAfterTheWindow: a key is remembered for 24 hours; after
// that the same request acts again.
func TestKeysExpireAfterTheWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		in := withKey(map[string]any{"careTeamId": w.team, "category": "OTHER", "subject": "Daily", "body": "Same as yesterday."}, "daily")
		send := func() string {
			var out struct {
				SendMessage struct{ Message struct{ ID string } }
			}
			w.MustDo(icnA, `mutation($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }`, in, &out)
			return out.SendMessage.Message.ID
		}
		first := send()
		w.Advance(inbox.IdempotencyWindow - time.Second)
		if again := send(); again != first {
			t.Fatalf("within the window: %s, first %s", again, first)
		}
		w.Advance(time.Second)
		later := send()
		if later == first {
			t.Fatal("after the window the key still answered")
		}
		if again := send(); again != later {
			t.Fatalf("the renewed key: %s, want %s", again, later)
		}
	})
}

// TestKeysMustBeStorableText: a clientMutationId is text like any other.
func TestKeysMustBeStorableText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		for key, code := range map[string]string{"a\x00b": "INVALID_TEXT", strings.Repeat("k", inbox.MaxKeyLength+1): "INVALID_INPUT"} {
			r := w.Do(icnA, `mutation($input: CreateTagInput!) { createTag(input: $input) { tag { id } } }`, withKey(map[string]any{"name": "labs"}, key))
			if r.Code() != code || r.Errors[0].Extensions["field"] != "clientMutationId" {
				t.Errorf("key of %d bytes: %+v, want %s on clientMutationId", len(key), r.Errors, code)
			}
		}
	})
}

// TestIdempotencyKeyHeaderKeysARequestWithOneMutation: over HTTP, the
// Idempotency-Key header keys a request's one mutation as clientMutationId
// does (a repeat answers the same and writes nothing, other input under it
// is IDEMPOTENCY_KEY_REUSED); a clientMutationId in the input wins over the
// header; a header on a request with several mutations is refused for each
// that has no clientMutationId of its own, and nothing is written.
func TestIdempotencyKeyHeaderKeysARequestWithOneMutation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		const one = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { thread { id } message { id } } }`
		in := func(body string) map[string]any {
			return map[string]any{"input": map[string]any{"careTeamId": w.team, "category": "OTHER", "subject": "Header key", "body": body}}
		}
		first := w.DoWithHeader(icnA, one, in("Refill, please."), "Idempotency-Key", "hdr-1")
		if len(first.Errors) > 0 {
			t.Fatalf("first: %+v", first.Errors)
		}
		after := snapshot(t, w)
		for i := range 2 {
			again := w.DoWithHeader(icnA, one, in("Refill, please."), "Idempotency-Key", "hdr-1")
			if len(again.Errors) > 0 || string(again.Data) != string(first.Data) {
				t.Fatalf("repeat %d: %s (%+v), first %s", i+1, again.Data, again.Errors, first.Data)
			}
		}
		if snapshot(t, w) != after {
			t.Fatal("a repeat under the header wrote")
		}
		if r := w.DoWithHeader(icnA, one, in("Something else."), "Idempotency-Key", "hdr-1"); r.Code() != string(inbox.CodeIdempotencyKeyReused) {
			t.Fatalf("other input under the header's key: %+v, want IDEMPOTENCY_KEY_REUSED", r.Errors)
		}
		// The input's own key wins: the header's key is not consulted.
		own := in("Refill, please.")
		own["input"].(map[string]any)["clientMutationId"] = "own-1"
		if r := w.DoWithHeader(icnA, one, own, "Idempotency-Key", "hdr-1"); len(r.Errors) > 0 || string(r.Data) == string(first.Data) {
			t.Fatalf("clientMutationId with the header: %s (%+v); want a new send under its own key", r.Data, r.Errors)
		}
		after = snapshot(t, w)
		const two = `mutation($a: SendMessageInput!, $b: SendMessageInput!) {
			a: sendMessage(input: $a) { message { id } } b: sendMessage(input: $b) { message { id } } }`
		vars := map[string]any{"a": in("One.")["input"], "b": in("Two.")["input"]}
		r := w.DoWithHeader(icnA, two, vars, "Idempotency-Key", "hdr-2")
		if len(r.Errors) != 2 || r.Code() != string(inbox.CodeInvalidInput) || r.Errors[0].Extensions["field"] != "clientMutationId" {
			t.Fatalf("header on two mutations: %+v, want INVALID_INPUT on clientMutationId for each", r.Errors)
		}
		if snapshot(t, w) != after {
			t.Fatal("a refused header wrote")
		}
	})
}
