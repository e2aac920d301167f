package vamstest

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/va/vams/ent/facility"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/providers"
)

var seq atomic.Int64

// Veteran enrolls a veteran with their system folders and returns the ID.
func (e *Env) Veteran(icn, name string) string {
	e.T.Helper()
	ctx := e.System()
	v, err := e.Store.Client.Veteran.Create().SetIcn(icn).SetDisplayName(name).
		SetMhvCorrelationID(fmt.Sprint(10_000_000 + seq.Add(1))).
		SetOhPatientID(fmt.Sprint(20_000_000 + seq.Add(1))).SetOhAuthority("va").Save(ctx)
	if err != nil {
		e.T.Fatal(err)
	}
	if err := inbox.EnsureSystemFolders(ctx, e.Store.Client, v.ID); err != nil {
		e.T.Fatal(err)
	}
	return v.ID
}

// Team describes a care team for a test.
type Team struct {
	Name              string
	Provider          providerkind.Kind // MHV by default
	ProviderID        string            // generated when empty
	RequiresSignature bool
	Inactive          bool
	CutoverPhase      string
	Blocked           bool
	Preferred         bool
	NotAssociated     bool
}

// CareTeam creates a team at its own facility and associates the veteran
// (unless NotAssociated); it returns the team's ID.
func (e *Env) CareTeam(veteranID string, t Team) string {
	e.T.Helper()
	ctx := e.System()
	n := seq.Add(1)
	if t.Provider == "" {
		t.Provider = providerkind.MHV
	}
	if t.ProviderID == "" {
		t.ProviderID = fmt.Sprint(5000 + n)
	}
	ehr := facility.EhrVISTA
	if t.Provider == providerkind.OH {
		ehr = facility.EhrOH
	}
	f, err := e.Store.Client.Facility.Create().SetStationNumber(fmt.Sprint(900 + n)).SetName(fmt.Sprintf("Test VA Medical Center %d", n)).
		SetHealthCareSystem("VA Test health care").SetEhr(ehr).SetCutoverPhase(t.CutoverPhase).Save(ctx)
	if err != nil {
		e.T.Fatal(err)
	}
	ct, err := e.Store.Client.CareTeam.Create().SetName(t.Name).SetDisplayName(t.Name).SetFacilityID(f.ID).
		SetProvider(t.Provider).SetProviderID(t.ProviderID).SetActive(!t.Inactive).
		SetRequiresSignature(t.RequiresSignature).Save(ctx)
	if err != nil {
		e.T.Fatal(err)
	}
	if !t.NotAssociated {
		if err := e.Store.Client.Association.Create().SetVeteranID(veteranID).SetCareTeamID(ct.ID).
			SetBlocked(t.Blocked).SetPreferred(t.Preferred).Exec(ctx); err != nil {
			e.T.Fatal(err)
		}
	}
	return ct.ID
}

// ClinicianWrites ingests a care-team message as a provider would deliver
// it; inReplyTo is a provider message id ("" starts a thread). It returns
// the provider id it used.
func (e *Env) ClinicianWrites(veteranID, careTeamID, subject, body, inReplyTo string, at time.Time) string {
	e.T.Helper()
	ctx := e.System()
	ct, err := e.Store.Client.CareTeam.Get(ctx, careTeamID)
	if err != nil {
		e.T.Fatal(err)
	}
	ext := fmt.Sprintf("ext-%d", seq.Add(1))
	_, _, err = e.Inbox.Ingest(ctx, inbox.Incoming{Provider: ct.Provider, VeteranID: veteranID, Message: providers.Message{
		ExternalID: ext, InReplyToExternalID: inReplyTo, CareTeamExternalID: ct.ProviderID, Direction: providers.ToVeteran,
		AuthorName: "Dr. Test Clinician", Subject: subject, Category: "OTHER", Body: body, BodyIncluded: true, SentAt: at,
		Status: providers.StatusUnread,
	}})
	if err != nil {
		e.T.Fatal(err)
	}
	return ext
}
