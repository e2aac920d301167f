package inbox

import (
	"context"
	"slices"
	"strings"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/association"
	"github.com/va/vams/ent/careteam"
	"github.com/va/vams/ent/facility"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/providers"
)

// ApplyCareTeams brings the veteran's care-team directory in line with the
// teams provider k lists for them: teams and their facilities are added or
// updated, the veteran's associations follow (blocked is the team's call,
// preferred the veteran's), and teams k no longer lists lose the
// association: old threads stay, new messages are refused.
func (s *Service) ApplyCareTeams(ctx context.Context, k providerkind.Kind, vid string, teams []providers.CareTeam) error {
	return s.store.InTx(ctx, func(tx *store.Tx) error {
		c := tx.Client
		listed := make([]string, 0, len(teams))
		for _, t := range teams {
			f, err := listedFacility(ctx, c, k, t)
			if err != nil {
				return err
			}
			ct, err := upsertCareTeam(ctx, c, k, f.ID, t)
			if err != nil {
				return err
			}
			if err := associate(ctx, c, vid, ct.ID, t); err != nil {
				return err
			}
			listed = append(listed, ct.ID)
		}
		_, err := c.Association.Delete().Where(association.VeteranID(vid), association.CareTeamIDNotIn(listed...),
			association.HasCareTeamWith(careteam.ProviderEQ(k))).Exec(ctx)
		return err
	})
}

// KnownCareTeam reports whether VAMS's directory has provider k's team ext.
func (s *Service) KnownCareTeam(ctx context.Context, k providerkind.Kind, ext string) (bool, error) {
	return s.store.Client.CareTeam.Query().Where(careteam.ProviderEQ(k), careteam.ProviderID(ext)).Exist(ctx)
}

// listedFacility returns the facility of a listed team, adding one VAMS has
// not seen: its EHR is the one of the provider that listed it.
func listedFacility(ctx context.Context, c *ent.Client, k providerkind.Kind, t providers.CareTeam) (*ent.Facility, error) {
	f, err := c.Facility.Query().Where(facility.StationNumber(t.StationNumber)).Only(ctx)
	if !ent.IsNotFound(err) {
		return f, err
	}
	ehr := facility.EhrVISTA
	if k == providerkind.OH {
		ehr = facility.EhrOH
	}
	return c.Facility.Create().SetStationNumber(t.StationNumber).SetName(t.FacilityName).
		SetHealthCareSystem(t.HealthCareSystem).SetEhr(ehr).Save(ctx)
}

// upsertCareTeam adds a listed team, or updates the one VAMS holds when the
// provider changed it.
func upsertCareTeam(ctx context.Context, c *ent.Client, k providerkind.Kind, facilityID string, t providers.CareTeam) (*ent.CareTeam, error) {
	display := teamDisplayName(t)
	ct, err := c.CareTeam.Query().Where(careteam.ProviderEQ(k), careteam.ProviderID(t.ExternalID)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return c.CareTeam.Create().SetProvider(k).SetProviderID(t.ExternalID).
			SetName(t.Name).SetDisplayName(display).SetFacilityID(facilityID).SetActive(t.Active).
			SetRequiresSignature(t.RequiresSignature).SetAlternateNames(t.AlternateNames).Save(ctx)
	case err == nil && (ct.DisplayName != display || ct.Name != t.Name || ct.Active != t.Active ||
		ct.RequiresSignature != t.RequiresSignature || !slices.Equal(ct.AlternateNames, t.AlternateNames)):
		return c.CareTeam.UpdateOne(ct).SetName(t.Name).SetDisplayName(display).SetActive(t.Active).
			SetRequiresSignature(t.RequiresSignature).SetAlternateNames(t.AlternateNames).Save(ctx)
	}
	return ct, err
}

// associate records the veteran's association with a listed team.
func associate(ctx context.Context, c *ent.Client, vid, careTeamID string, t providers.CareTeam) error {
	a, err := c.Association.Query().Where(association.VeteranID(vid), association.CareTeamID(careTeamID)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return c.Association.Create().SetVeteranID(vid).SetCareTeamID(careTeamID).SetBlocked(t.Blocked).SetPreferred(t.Preferred).Exec(ctx)
	case err == nil && a.Blocked != t.Blocked:
		// Preferred is the veteran's own choice in VAMS; blocked is the team's.
		return c.Association.UpdateOne(a).SetBlocked(t.Blocked).Exec(ctx)
	}
	return err
}

// teamDisplayName is the name veterans see: the provider's suggested display
// name without a repeated facility prefix ("Cheyenne VA Medical Center |
// Pharmacy" → "Pharmacy"; the facility is shown beside it), else its name.
func teamDisplayName(t providers.CareTeam) string {
	d := strings.TrimSpace(t.DisplayName)
	if d == "" {
		d = strings.TrimSpace(t.Name)
	}
	if t.FacilityName != "" {
		for _, sep := range []string{" | ", " - ", ": "} {
			if rest, ok := strings.CutPrefix(d, t.FacilityName+sep); ok && strings.TrimSpace(rest) != "" {
				return strings.TrimSpace(rest)
			}
		}
	}
	return d
}
