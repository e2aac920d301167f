package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/facility"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
)

// Seed loads into s, in one transaction and as the system, what of the demo
// exists in VAMS alone: the facilities (EHR, cutover phase) and the veterans
// (identities, signature preference) with their system folders. Care teams,
// associations and messages come from the providers (the simulators) through
// the first import; ApplyAfterImport adds the rest once it is done. Seed is
// idempotent: rows are created only when missing, never updated.
func Seed(ctx context.Context, s *store.Store, now time.Time) error {
	ctx = viewer.System(ctx)
	now = now.UTC().Truncate(time.Second)
	return s.InTx(ctx, func(tx *store.Tx) error {
		return seedDirectory(ctx, tx.Client, now)
	})
}

// seedDirectory creates missing facilities, veterans and their system
// folders.
func seedDirectory(ctx context.Context, c *ent.Client, now time.Time) error {
	created := now.AddDate(0, 0, -180)
	for _, f := range Directory.Facilities {
		_, err := c.Facility.Query().Where(facility.StationNumber(f.StationNumber)).OnlyID(ctx)
		if ent.IsNotFound(err) {
			err = c.Facility.Create().SetStationNumber(f.StationNumber).SetName(f.Name).
				SetHealthCareSystem(f.HealthCareSystem).SetEhr(facility.Ehr(f.EHR)).SetCutoverPhase(f.CutoverPhase).
				SetCreatedAt(created).SetUpdatedAt(created).Exec(ctx)
		}
		if err != nil {
			return fmt.Errorf("demo: facility %s: %w", f.StationNumber, err)
		}
	}

	for _, dv := range Directory.Veterans {
		vid, err := c.Veteran.Query().Where(veteran.Icn(dv.ICN)).OnlyID(ctx)
		if ent.IsNotFound(err) {
			create := c.Veteran.Create().SetIcn(dv.ICN).SetDisplayName(dv.DisplayName).
				SetSignatureName(dv.SignatureName).SetSignatureTitle(dv.SignatureTitle).SetIncludeSignature(dv.IncludeSignature).
				SetCreatedAt(created).SetUpdatedAt(created)
			if dv.MHVCorrelationID != "" {
				create.SetMhvCorrelationID(dv.MHVCorrelationID)
			}
			if dv.OHPatientID != "" {
				create.SetOhPatientID(dv.OHPatientID).SetOhAuthority(dv.OHAuthority)
			}
			var v *ent.Veteran
			if v, err = create.Save(ctx); err == nil {
				vid = v.ID
			}
		}
		if err != nil {
			return fmt.Errorf("demo: veteran: %w", err)
		}
		if err := inbox.EnsureSystemFolders(ctx, c, vid); err != nil {
			return fmt.Errorf("demo: folders of veteran %s: %w", vid, err)
		}
	}
	return nil
}

// signed appends VA.gov's electronic signature block, as sent to teams that
// require one.
func signed(body, name string, at time.Time) string {
	return body + "\n\n--------------------------------------------------\n\n" + name + "\nSigned electronically on " + at.Format("2006-01-02") + "."
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// teamByID finds a team by provider id alone (the demo's MHV and OH ids do
// not overlap).
func (d DemoDirectory) teamByID(providerID string) (DemoCareTeam, bool) {
	for _, t := range d.CareTeams {
		if t.ProviderID == providerID {
			return t, true
		}
	}
	return DemoCareTeam{}, false
}
