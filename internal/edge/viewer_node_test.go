package edge_test

import (
	"encoding/json"
	"testing"

	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// The viewer is a Node like any other object: its own ID refetches it, and
// another veteran's viewer ID is as unknown as an ID that exists nowhere.
func TestViewerIsANode(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := vamstest.New(t, b)
		vetA := e.Veteran(icnA, "Alex Morgan")
		vetB := e.Veteran(icnB, "Blair Chen")

		var me struct{ Viewer struct{ ID string } }
		e.MustDo(icnA, `{ viewer { id } }`, nil, &me)
		if me.Viewer.ID != vetA {
			t.Fatalf("viewer.id = %q, want %q", me.Viewer.ID, vetA)
		}

		const nodeQuery = `query($id: ID!) { node(id: $id) { __typename id ... on Viewer { displayName } } }`
		for _, tc := range []struct {
			name, id string
			found    bool
		}{
			{"own viewer ID", vetA, true},
			{"another veteran's viewer ID", vetB, false},
			{"viewer ID that exists nowhere", "vet_01J0000000000000000000000Z", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.Do(icnA, nodeQuery, map[string]any{"id": tc.id})
				if !tc.found {
					if r.Code() != "NOT_FOUND" || string(r.Data) != `{"node":null}` {
						t.Fatalf("node(%s) = %s %+v, want null and NOT_FOUND", tc.id, r.Data, r.Errors)
					}
					return
				}
				var out struct {
					Node struct {
						Typename    string `json:"__typename"`
						ID          string
						DisplayName string
					}
				}
				r.Decode(t, &out)
				if out.Node.Typename != "Viewer" || out.Node.ID != vetA || out.Node.DisplayName != "Alex Morgan" {
					t.Fatalf("node(own viewer ID) = %+v", out.Node)
				}
			})
		}

		t.Run("nodes: own viewer resolves, another's is null with NOT_FOUND", func(t *testing.T) {
			r := e.Do(icnA, `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, map[string]any{"ids": []string{vetA, vetB}})
			var out struct {
				Nodes []*struct {
					Typename string `json:"__typename"`
					ID       string
				}
			}
			if err := json.Unmarshal(r.Data, &out); err != nil {
				t.Fatalf("decode %s: %v", r.Data, err)
			}
			if len(out.Nodes) != 2 || out.Nodes[0] == nil || out.Nodes[0].Typename != "Viewer" || out.Nodes[0].ID != vetA || out.Nodes[1] != nil {
				t.Fatalf("nodes = %s", r.Data)
			}
			if len(r.Errors) != 1 || r.Code() != "NOT_FOUND" {
				t.Fatalf("errors = %+v, want one NOT_FOUND", r.Errors)
			}
		})
	})
}
