package inbox

import (
	"context"

	"entgo.io/ent/dialect/sql"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/association"
	"github.com/va/vams/ent/careteam"
	"github.com/va/vams/ent/facility"
	"github.com/va/vams/internal/platform/providerkind"
)

// CareTeamInfo is a care team with what deciding and showing whether the
// veteran can message it needs: its facility and the veteran's association
// (nil when not associated).
type CareTeamInfo struct {
	Team        *ent.CareTeam
	Facility    *ent.Facility
	Association *ent.Association
}

// Block is whether the veteran can message the team, and why not.
func (i *CareTeamInfo) Block() ReplyBlock { return CareTeamBlock(i.Team, i.Facility, i.Association) }

// CanAttach reports whether files can go with a message to ct: whether the
// provider serving it declares it takes them.
func (s *Service) CanAttach(ct *ent.CareTeam) bool { return s.capabilities[ct.Provider].Attachments }

// checkCanAttach refuses files to a team that cannot take them, before
// anything is stored: queued, they could only fail delivery.
func (s *Service) checkCanAttach(ct *ent.CareTeam, files []checkedFile) error {
	if len(files) > 0 && !s.CanAttach(ct) {
		return newErr(CodeAttachmentsNotAccepted, "attachments", "This care team can't receive attachments. Send your message without them.")
	}
	return nil
}

// LoadCareTeams loads teams with their facilities and the veteran's
// associations in one statement.
func LoadCareTeams(ctx context.Context, client *ent.Client, vid string, ids []string) (map[string]*CareTeamInfo, error) {
	var rows []struct {
		ID                string            `sql:"id"`
		Name              string            `sql:"name"`
		DisplayName       string            `sql:"display_name"`
		FacilityID        string            `sql:"facility_id"`
		Provider          providerkind.Kind `sql:"provider"`
		ProviderID        string            `sql:"provider_id"`
		Active            bool              `sql:"active"`
		RequiresSignature bool              `sql:"requires_signature"`
		FacilityName      string            `sql:"facility_name"`
		StationNumber     string            `sql:"station_number"`
		HealthCareSystem  string            `sql:"health_care_system"`
		CutoverPhase      string            `sql:"cutover_phase"`
		AssociationID     sql.NullString    `sql:"association_id"`
		Preferred         sql.NullBool      `sql:"preferred"`
		Blocked           sql.NullBool      `sql:"blocked"`
	}
	err := client.CareTeam.Query().Where(careteam.IDIn(ids...)).Modify(func(s *sql.Selector) {
		f := sql.Table(facility.Table).As("f")
		a := sql.Table(association.Table).As("a")
		s.Join(f).On(s.C(careteam.FieldFacilityID), f.C(facility.FieldID)).
			LeftJoin(a).OnP(sql.And(sql.ColumnsEQ(a.C(association.FieldCareTeamID), s.C(careteam.FieldID)), sql.EQ(a.C(association.FieldVeteranID), vid)))
		s.Select(s.C(careteam.FieldID), s.C(careteam.FieldName), s.C(careteam.FieldDisplayName), s.C(careteam.FieldFacilityID),
			s.C(careteam.FieldProvider), s.C(careteam.FieldProviderID), s.C(careteam.FieldActive), s.C(careteam.FieldRequiresSignature)).
			AppendSelectAs(f.C(facility.FieldName), "facility_name").
			AppendSelect(f.C(facility.FieldStationNumber), f.C(facility.FieldHealthCareSystem), f.C(facility.FieldCutoverPhase)).
			AppendSelectAs(a.C(association.FieldID), "association_id").
			AppendSelect(a.C(association.FieldPreferred), a.C(association.FieldBlocked))
	}).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	found := make(map[string]*CareTeamInfo, len(rows))
	for _, r := range rows {
		info := &CareTeamInfo{
			Team: &ent.CareTeam{ID: r.ID, Name: r.Name, DisplayName: r.DisplayName, FacilityID: r.FacilityID,
				Provider: r.Provider, ProviderID: r.ProviderID, Active: r.Active, RequiresSignature: r.RequiresSignature},
			Facility: &ent.Facility{ID: r.FacilityID, Name: r.FacilityName, StationNumber: r.StationNumber,
				HealthCareSystem: r.HealthCareSystem, CutoverPhase: r.CutoverPhase},
		}
		if r.AssociationID.Valid {
			info.Association = &ent.Association{ID: r.AssociationID.String, VeteranID: vid, CareTeamID: r.ID,
				Preferred: r.Preferred.Bool, Blocked: r.Blocked.Bool}
		}
		found[r.ID] = info
	}
	return found, nil
}
