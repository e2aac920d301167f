package inbox

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/association"
	"github.com/va/vams/ent/careteam"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/store"
)

// UpdateSignature saves the veteran's message signature.
func (s *Service) UpdateSignature(ctx context.Context, name, title string, include bool) (*ent.Veteran, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkText("name", name); err != nil {
		return nil, err
	}
	if err := checkText("title", title); err != nil {
		return nil, err
	}
	name, title = strings.TrimSpace(name), strings.TrimSpace(title)
	if include && (name == "" || title == "") {
		field := "name"
		if name != "" {
			field = "title"
		}
		return nil, newErr(CodeSignatureFieldsRequired, field, "Enter both a name and a title to include a signature.")
	}
	if utf8.RuneCountInString(name) > MaxSignatureFieldSize || utf8.RuneCountInString(title) > MaxSignatureFieldSize {
		return nil, newErr(CodeInvalidInput, "name", "Signature fields can be at most %d characters.", MaxSignatureFieldSize)
	}
	var v *ent.Veteran
	err = s.mutationTx(ctx, func(tx *store.Tx) error {
		v, err = tx.Client.Veteran.UpdateOneID(vid).SetSignatureName(name).SetSignatureTitle(title).SetIncludeSignature(include).Save(ctx)
		return err
	})
	return v, err
}

// SetPreferredCareTeams replaces the veteran's preferred teams.
func (s *Service) SetPreferredCareTeams(ctx context.Context, careTeamIDs []string) ([]*ent.CareTeam, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	if len(careTeamIDs) == 0 {
		return nil, newErr(CodePreferredCareTeamRequired, "careTeamIds", "Select at least one care team.")
	}
	for _, id := range careTeamIDs {
		if err := checkID(id, ids.CareTeam, "careTeamIds"); err != nil {
			return nil, err
		}
	}
	var teams []*ent.CareTeam
	err = s.mutationTx(ctx, func(tx *store.Tx) error {
		n, err := tx.Client.Association.Query().Where(association.VeteranID(vid), association.CareTeamIDIn(careTeamIDs...)).Count(ctx)
		if err != nil {
			return err
		}
		if n != len(dedupe(careTeamIDs)) {
			return notFound("careTeamIds")
		}
		if err := tx.Client.Association.Update().Where(association.VeteranID(vid)).SetPreferred(false).Exec(ctx); err != nil {
			return err
		}
		if err := tx.Client.Association.Update().Where(association.VeteranID(vid), association.CareTeamIDIn(careTeamIDs...)).
			SetPreferred(true).Exec(ctx); err != nil {
			return err
		}
		teams, err = tx.Client.CareTeam.Query().Where(careteam.IDIn(careTeamIDs...)).All(ctx)
		return err
	})
	return teams, err
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
