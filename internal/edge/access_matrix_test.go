package edge_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/va/vams/ent"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// introspection reads every field's arguments and every input type's fields,
// so the matrix below is derived from the schema, not from a list kept by
// hand.
const introspection = `{ __schema {
	mutationType { name }
	types { name kind
		fields { name args { name type { ...T } } }
		inputFields { name type { ...T } } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`

type typeRef struct {
	Kind   string
	Name   *string
	OfType *typeRef
}

func (t typeRef) named() string {
	for r := &t; r != nil; r = r.OfType {
		if r.Name != nil {
			return *r.Name
		}
	}
	return ""
}

type schemaInfo struct {
	Schema struct {
		MutationType struct{ Name string }
		Types        []struct {
			Name   string
			Kind   string
			Fields []struct {
				Name string
				Args []struct {
					Name string
					Type typeRef
				}
			}
			InputFields []struct {
				Name string
				Type typeRef
			}
		}
	} `json:"__schema"`
}

// idOperations lists "Type.field" → the paths of its ID arguments
// ("input.threadId", "filter.tagId"), for every field of every object type
// (so nested connections such as Viewer.threads are covered, not only roots).
func idOperations(s schemaInfo) map[string][]string {
	inputs := map[string][]struct {
		Name string
		Type typeRef
	}{}
	for _, t := range s.Schema.Types {
		if t.Kind == "INPUT_OBJECT" {
			inputs[t.Name] = t.InputFields
		}
	}
	var idPaths func(prefix string, typ typeRef, depth int) []string
	idPaths = func(prefix string, typ typeRef, depth int) []string {
		n := typ.named()
		if n == "ID" {
			return []string{prefix}
		}
		fields, ok := inputs[n]
		if !ok || depth > 4 {
			return nil
		}
		var out []string
		for _, f := range fields {
			out = append(out, idPaths(prefix+"."+f.Name, f.Type, depth+1)...)
		}
		return out
	}
	ops := map[string][]string{}
	for _, t := range s.Schema.Types {
		if t.Kind != "OBJECT" || strings.HasPrefix(t.Name, "__") {
			continue
		}
		for _, f := range t.Fields {
			var paths []string
			for _, a := range f.Args {
				paths = append(paths, idPaths(a.Name, a.Type, 0)...)
			}
			if len(paths) > 0 {
				sort.Strings(paths)
				ops[t.Name+"."+f.Name] = paths
			}
		}
	}
	return ops
}

// bIDs are veteran B's objects, by kind.
type bIDs struct {
	thread, message, draft, folder, tag, team, attachment string
}

// kindOf says which of B's IDs an argument takes, by its name.
func (b bIDs) kindOf(path string) (string, bool) {
	name := path[strings.LastIndex(path, ".")+1:]
	switch name {
	case "threadId":
		return b.thread, true
	case "draftId":
		return b.draft, true
	case "folderId", "folder":
		return b.folder, true
	case "tagId":
		return b.tag, true
	case "careTeamId", "careTeamIds":
		return b.team, true
	}
	return "", false
}

// snapshot is everything both veterans own, as the database holds it.
func snapshot(t *testing.T, w *world) string {
	t.Helper()
	ctx := w.System()
	c := w.Client()
	var parts []any
	add := func(v any, err error) {
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, v)
	}
	add(c.Veteran.Query().Order(ent.Asc("id")).All(ctx))
	add(c.Thread.Query().WithTags().Order(ent.Asc("id")).All(ctx))
	add(c.Message.Query().Order(ent.Asc("id")).All(ctx))
	add(c.Folder.Query().Order(ent.Asc("id")).All(ctx))
	add(c.Tag.Query().Order(ent.Asc("id")).All(ctx))
	add(c.Association.Query().Order(ent.Asc("id")).All(ctx))
	add(c.Attachment.Query().Order(ent.Asc("id")).All(ctx))
	add(c.Change.Query().Count(ctx))
	b, err := json.Marshal(parts)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every operation that takes an ID, given veteran B's ID of the right kind,
// answers as if the object did not exist and changes nothing. The operations
// come from the schema: one that takes an ID and has no case here fails the
// test, so a new operation cannot ship unchecked.
func TestAccessMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)

		// A's objects: the valid half of every two-ID input.
		thA, _ := w.send(t, icnA, w.team, "A's question", "A's body")
		var fA, tA struct {
			CreateFolder struct{ Folder struct{ ID string } }
			CreateTag    struct{ Tag struct{ ID string } }
		}
		w.MustDo(icnA, `mutation { createFolder(input: {name: "A Folder"}) { folder { id } } }`, nil, &fA)
		w.MustDo(icnA, `mutation { createTag(input: {name: "A Tag"}) { tag { id } } }`, nil, &tA)
		var dA struct {
			SaveDraft struct{ Draft struct{ ID string } }
		}
		w.MustDo(icnA, `mutation($c: ID!) { saveDraft(input: {careTeamId: $c, subject: "A draft", body: "x"}) { draft { id } } }`,
			map[string]any{"c": w.team}, &dA)

		// B's objects: every kind of ID a veteran can hold.
		r := w.DoUpload(icnB, sendMutation, map[string]any{"input": map[string]any{"careTeamId": w.teamB, "category": "OTHER",
			"subject": "B's secret", "body": "B's body", "attachments": []any{nil}}},
			[]vamstest.Upload{{Var: "input.attachments.0", Filename: "b.png", Data: tinyPNG}})
		var sent struct {
			SendMessage struct {
				Thread  struct{ ID string }
				Message struct {
					ID          string
					Attachments []struct{ ID, DownloadURL string }
				}
			}
		}
		r.Decode(t, &sent)
		var fB, tB struct {
			CreateFolder struct{ Folder struct{ ID string } }
			CreateTag    struct{ Tag struct{ ID string } }
		}
		w.MustDo(icnB, `mutation { createFolder(input: {name: "B Folder"}) { folder { id } } }`, nil, &fB)
		w.MustDo(icnB, `mutation { createTag(input: {name: "B Tag"}) { tag { id } } }`, nil, &tB)
		var dB struct {
			SaveDraft struct{ Draft struct{ ID string } }
		}
		w.MustDo(icnB, `mutation($c: ID!) { saveDraft(input: {careTeamId: $c, subject: "B draft", body: "y"}) { draft { id } } }`,
			map[string]any{"c": w.teamB}, &dB)
		w.MustDo(icnB, `mutation($t: ID!, $g: ID!) { tagThread(input: {threadId: $t, tagId: $g}) { thread { id } } }`,
			map[string]any{"t": sent.SendMessage.Thread.ID, "g": tB.CreateTag.Tag.ID}, &struct{}{})
		bx := bIDs{thread: sent.SendMessage.Thread.ID, message: sent.SendMessage.Message.ID, draft: dB.SaveDraft.Draft.ID,
			folder: fB.CreateFolder.Folder.ID, tag: tB.CreateTag.Tag.ID, team: w.teamB, attachment: sent.SendMessage.Message.Attachments[0].ID}

		// Mutations: per ID field, an input that is valid for A apart from
		// that field, which the test fills with B's ID ("$B").
		const B = "$B"
		mutations := map[string]map[string]map[string]any{
			"sendMessage":   {"input.careTeamId": {"careTeamId": B, "category": "OTHER", "subject": "s", "body": "b"}},
			"replyToThread": {"input.threadId": {"threadId": B, "body": "b"}},
			"saveDraft": {
				"input.draftId":    {"draftId": B, "body": "b"},
				"input.careTeamId": {"draftId": dA.SaveDraft.Draft.ID, "careTeamId": B, "body": "b"},
				"input.threadId":   {"threadId": B, "body": "b"},
			},
			"deleteDraft":      {"input.draftId": {"draftId": B}},
			"sendDraft":        {"input.draftId": {"draftId": B}},
			"markThreadRead":   {"input.threadId": {"threadId": B}},
			"markThreadUnread": {"input.threadId": {"threadId": B}},
			"moveThread": {
				"input.threadId": {"threadId": B, "folderId": fA.CreateFolder.Folder.ID},
				"input.folderId": {"threadId": thA.ID, "folderId": B},
			},
			"deleteThread":  {"input.threadId": {"threadId": B}},
			"restoreThread": {"input.threadId": {"threadId": B}},
			"renameFolder":  {"input.folderId": {"folderId": B, "name": "Renamed"}},
			"deleteFolder":  {"input.folderId": {"folderId": B}},
			"renameTag":     {"input.tagId": {"tagId": B, "name": "Renamed"}},
			"deleteTag":     {"input.tagId": {"tagId": B}},
			"tagThread": {
				"input.threadId": {"threadId": B, "tagId": tA.CreateTag.Tag.ID},
				"input.tagId":    {"threadId": thA.ID, "tagId": B},
			},
			"untagThread": {
				"input.threadId": {"threadId": B, "tagId": tA.CreateTag.Tag.ID},
				"input.tagId":    {"threadId": thA.ID, "tagId": B},
			},
			"setPreferredCareTeams": {"input.careTeamIds": {"careTeamIds": []any{w.team, B}}},
		}

		var s schemaInfo
		w.MustDo(icnA, introspection, nil, &s)
		ops := idOperations(s)
		inputType := map[string]string{}
		for _, ty := range s.Schema.Types {
			if ty.Name != s.Schema.MutationType.Name {
				continue
			}
			for _, f := range ty.Fields {
				for _, a := range f.Args {
					if a.Name == "input" {
						inputType[f.Name] = a.Type.named()
					}
				}
			}
		}

		before := snapshot(t, w)
		covered := 0
		for _, op := range slices.Sorted(maps.Keys(ops)) {
			paths := ops[op]
			typ, field, _ := strings.Cut(op, ".")
			t.Run(op, func(t *testing.T) {
				switch {
				case typ == s.Schema.MutationType.Name:
					cases, ok := mutations[field]
					if !ok {
						t.Fatalf("mutation %s takes IDs %v but has no access-matrix case", field, paths)
					}
					for _, p := range paths {
						base, ok := cases[p]
						if !ok {
							t.Fatalf("%s: ID argument %s has no case", field, p)
						}
						bid, ok := bx.kindOf(p)
						if !ok {
							t.Fatalf("%s: no B ID of the kind %s takes", field, p)
						}
						in := map[string]any{}
						for k, v := range base {
							in[k] = v
							if v == B {
								in[k] = bid
							}
							if l, ok := v.([]any); ok {
								l = slices.Clone(l)
								l[slices.Index(l, any(B))] = bid
								in[k] = l
							}
						}
						q := fmt.Sprintf(`mutation($input: %s!) { %s(input: $input) { __typename } }`, inputType[field], field)
						r := w.Do(icnA, q, map[string]any{"input": in})
						want := p[strings.LastIndex(p, ".")+1:]
						if r.Code() != "NOT_FOUND" || r.Errors[0].Extensions["field"] != want {
							t.Errorf("%s with B's %s: %+v, want NOT_FOUND on %s", field, p, r.Errors, want)
						}
					}
				case op == "Query.node":
					for _, id := range []string{bx.thread, bx.message, bx.draft, bx.folder, bx.tag, bx.team, bx.attachment} {
						r := w.Do(icnA, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
						if r.Code() != "NOT_FOUND" || !strings.Contains(string(r.Data), `"node":null`) {
							t.Errorf("node(%s): %s %+v", id, r.Data, r.Errors)
						}
					}
				case op == "Query.nodes":
					// The schema promises null per missing ID; today any
					// missing ID nulls the whole list. Either way nothing of
					// B's may come back, even next to one of A's own IDs.
					all := []any{thA.ID, bx.thread, bx.message, bx.draft, bx.folder, bx.tag, bx.team, bx.attachment}
					r := w.Do(icnA, `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Thread { subject } } }`, map[string]any{"ids": all})
					if r.Code() != "NOT_FOUND" {
						t.Errorf("nodes: %s %+v", r.Data, r.Errors)
					}
					for _, id := range all[1:] {
						if strings.Contains(string(r.Data), id.(string)) || strings.Contains(string(r.Data), "B's") {
							t.Errorf("nodes returned B's %s: %s", id, r.Data)
						}
					}
				case op == "Viewer.threads":
					// A filter names no object to act on: B's ID must answer
					// exactly as an ID that exists nowhere.
					for _, p := range paths {
						bid, ok := bx.kindOf(p)
						if !ok {
							t.Fatalf("threads: no B ID of the kind %s takes", p)
						}
						ask := func(id string) vamstest.Response {
							vars := map[string]any{}
							if arg, sub, nested := strings.Cut(p, "."); nested {
								vars[arg] = map[string]any{sub: id}
							} else {
								vars[arg] = id
							}
							return w.Do(icnA, `query($folder: ID, $filter: ThreadFilter) { viewer { threads(folder: $folder, filter: $filter) {
								edges { node { id subject } } } } }`, vars)
						}
						got, none := ask(bid), ask(ids.Prefix(bid)+"_01J0000000000000000000000Z")
						if string(got.Data) != string(none.Data) || got.Code() != none.Code() || strings.Contains(string(got.Data), "B's") {
							t.Errorf("threads(%s: B's) = %s %+v; for a missing ID %s %+v", p, got.Data, got.Errors, none.Data, none.Errors)
						}
					}
				default:
					t.Fatalf("%s takes IDs %v but has no access-matrix case", op, paths)
				}
			})
			covered++
		}
		if covered < len(mutations)+3 {
			t.Fatalf("only %d operations with ID arguments found in the schema; introspection or matrix is wrong", covered)
		}
		for m := range mutations {
			if _, ok := ops[s.Schema.MutationType.Name+"."+m]; !ok {
				t.Errorf("case for %s, which the schema no longer has (or which takes no ID)", m)
			}
		}

		// Attachment download of B's file.
		req, _ := http.NewRequest(http.MethodGet, w.Server.URL+sent.SendMessage.Message.Attachments[0].DownloadURL, nil)
		req.Header.Set("Authorization", "Bearer "+w.Token(icnA))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("B's attachment as A: %d, want 404", res.StatusCode)
		}

		if after := snapshot(t, w); after != before {
			t.Fatalf("requests with B's IDs changed stored data")
		}
	})
}
