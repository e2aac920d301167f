package app_test

import (
	"testing"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// TestCanAttachComesFromTheProviderAdapters: on the real assembly each care
// team's canAttach is what its provider's adapter declares (the OH adapter
// takes no files, MHV does), and files to a team that cannot take them are
// refused up front instead of failing delivery later.
func TestCanAttachComesFromTheProviderAdapters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		var out struct {
			Viewer struct {
				CareTeams []struct {
					ID, Name  string
					CanAttach bool
				}
			}
		}
		s.MustDo(demo.Veteran1ICN, `{ viewer { careTeams { id name canAttach } } }`, nil, &out)
		byName := map[string]bool{}
		ids := map[string]string{}
		for _, ct := range out.Viewer.CareTeams {
			byName[ct.Name], ids[ct.Name] = ct.CanAttach, ct.ID
		}
		const mhvTeam, ohTeam = "Primary Care Team Blue", "Primary Care Team Red"
		if can, ok := byName[mhvTeam]; !ok || !can {
			t.Errorf("%s (MHV): canAttach %v, want true", mhvTeam, can)
		}
		if can, ok := byName[ohTeam]; !ok || can {
			t.Errorf("%s (OH): canAttach %v (listed %v), want false", ohTeam, can, ok)
		}
		r := s.DoUpload(demo.Veteran1ICN, `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { id } } }`,
			map[string]any{"in": map[string]any{"careTeamId": ids[ohTeam], "category": "OTHER", "subject": "Photo", "body": "See attached.",
				"attachments": []any{nil}}},
			[]vamstest.Upload{{Var: "in.attachments.0", Filename: "notes.txt", Data: []byte("itchy since Monday")}})
		if r.Code() != "ATTACHMENTS_NOT_ACCEPTED" {
			t.Fatalf("files to the OH team: %+v, want ATTACHMENTS_NOT_ACCEPTED", r.Errors)
		}
	})
}
