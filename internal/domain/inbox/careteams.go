package inbox

import (
	"context"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/association"
	"github.com/va/vams/ent/careteam"
	"github.com/va/vams/ent/cutoverschedule"
	"github.com/va/vams/ent/facility"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/store"
)

// CareTeamInfo is a care team with what deciding and showing whether the
// veteran can message it needs: its facility (CutoverPhase is the phase in
// force when loaded), the veteran's association (nil when not associated),
// and the facility's transition (nil unless one is under way).
type CareTeamInfo struct {
	Team        *ent.CareTeam
	Facility    *ent.Facility
	Association *ent.Association
	Transition  *Transition
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

// LoadCareTeams loads teams with their facilities, cutover schedules and the
// veteran's associations in one statement (the names of the teams they
// replaced are PreviousNames, loaded only when asked for). The phase in force is computed from the schedule at
// now; a facility without one keeps the phase its row holds.
func LoadCareTeams(ctx context.Context, client *ent.Client, vid string, ids []string, now time.Time) (map[string]*CareTeamInfo, error) {
	var rows []struct {
		ID                string            `sql:"id"`
		Name              string            `sql:"name"`
		DisplayName       string            `sql:"display_name"`
		FacilityID        string            `sql:"facility_id"`
		Provider          providerkind.Kind `sql:"provider"`
		ProviderID        string            `sql:"provider_id"`
		Active            bool              `sql:"active"`
		RequiresSignature bool              `sql:"requires_signature"`
		ReplacedByID      sql.NullString    `sql:"replaced_by_id"`
		FacilityName      string            `sql:"facility_name"`
		StationNumber     string            `sql:"station_number"`
		HealthCareSystem  string            `sql:"health_care_system"`
		CutoverPhase      string            `sql:"cutover_phase"`
		Schedule          sql.NullString    `sql:"schedule"`
		AssociationID     sql.NullString    `sql:"association_id"`
		Preferred         sql.NullBool      `sql:"preferred"`
		Blocked           sql.NullBool      `sql:"blocked"`
	}
	err := client.CareTeam.Query().Where(careteam.IDIn(ids...)).Modify(func(s *sql.Selector) {
		f := sql.Table(facility.Table).As("f")
		a := sql.Table(association.Table).As("a")
		cs := sql.Table(cutoverschedule.Table).As("cs")
		s.Join(f).On(s.C(careteam.FieldFacilityID), f.C(facility.FieldID)).
			LeftJoin(cs).On(cs.C(cutoverschedule.FieldStationNumber), f.C(facility.FieldStationNumber)).
			LeftJoin(a).OnP(sql.And(sql.ColumnsEQ(a.C(association.FieldCareTeamID), s.C(careteam.FieldID)), sql.EQ(a.C(association.FieldVeteranID), vid)))
		s.Select(s.C(careteam.FieldID), s.C(careteam.FieldName), s.C(careteam.FieldDisplayName), s.C(careteam.FieldFacilityID),
			s.C(careteam.FieldProvider), s.C(careteam.FieldProviderID), s.C(careteam.FieldActive), s.C(careteam.FieldRequiresSignature),
			s.C(careteam.FieldReplacedByID)).
			AppendSelectAs(f.C(facility.FieldName), "facility_name").
			AppendSelect(f.C(facility.FieldStationNumber), f.C(facility.FieldHealthCareSystem), f.C(facility.FieldCutoverPhase)).
			AppendSelect(cs.C(cutoverschedule.FieldSchedule)).
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
				Provider: r.Provider, ProviderID: r.ProviderID, Active: r.Active, RequiresSignature: r.RequiresSignature,
				ReplacedByID: nullString(r.ReplacedByID)},
			Facility: &ent.Facility{ID: r.FacilityID, Name: r.FacilityName, StationNumber: r.StationNumber,
				HealthCareSystem: r.HealthCareSystem, CutoverPhase: r.CutoverPhase},
		}
		if r.Schedule.Valid {
			c, err := storedCutover(r.Schedule.String)
			if err != nil {
				return nil, err
			}
			info.Facility.CutoverPhase = c.PhaseAt(now)
			info.Transition = c.transitionAt(info.Facility.CutoverPhase)
		}
		if r.AssociationID.Valid {
			info.Association = &ent.Association{ID: r.AssociationID.String, VeteranID: vid, CareTeamID: r.ID,
				Preferred: r.Preferred.Bool, Blocked: r.Blocked.Bool}
		}
		found[r.ID] = info
	}
	return found, nil
}

// PreviousNames returns, per team ID, the names of the teams it replaced at a
// cutover that the viewer in ctx may see, in name order.
func PreviousNames(ctx context.Context, client *ent.Client, ids []string) (map[string][]string, error) {
	old, err := client.CareTeam.Query().Where(careteam.ReplacedByIDIn(ids...)).
		Order(ent.Asc(careteam.FieldDisplayName)).Select(careteam.FieldReplacedByID, careteam.FieldDisplayName).All(ctx)
	out := make(map[string][]string, len(ids))
	for _, o := range old {
		out[*o.ReplacedByID] = append(out[*o.ReplacedByID], o.DisplayName)
	}
	return out, err
}

func nullString(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

// careTeamID returns the VAMS id of provider k's care team ext. Teams are
// never deleted and keep their provider id, so the answer never changes
// once the team exists: it is kept once the transaction that read it
// commits (a team created in a transaction that rolls back is not).
func (s *Service) careTeamID(ctx context.Context, tx *store.Tx, k providerkind.Kind, ext string) (string, error) {
	key := string(k) + "/" + ext
	if id, ok := s.careTeams.Load(key); ok {
		return id.(string), nil
	}
	id, err := tx.Client.CareTeam.Query().Where(careteam.ProviderEQ(k), careteam.ProviderID(ext)).OnlyID(ctx)
	if err != nil {
		return "", mapNotFound(err, "careTeam")
	}
	tx.OnCommit(func() { s.careTeams.Store(key, id) })
	return id, nil
}
