package demo

import (
	"strconv"

	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/providers/mhv/mhvsim"
	"github.com/va/vams/providers/oh/ohsim"
)

// MHVSeed is the demo directory as the MHV simulator holds it, so the
// simulator and the seeded store agree on patients and triage groups.
func MHVSeed(appToken, apiKey string) mhvsim.Seed {
	s := mhvsim.Seed{AppToken: appToken, APIKey: apiKey}
	for _, v := range Directory.Veterans {
		if v.MHVCorrelationID != "" {
			s.Patients = append(s.Patients, mhvsim.Patient{ICN: v.ICN, CorrelationID: v.MHVCorrelationID, Name: v.DisplayName})
		}
	}
	for _, t := range Directory.CareTeams {
		if t.Provider != providerkind.MHV {
			continue
		}
		id, err := strconv.ParseInt(t.ProviderID, 10, 64)
		if err != nil {
			continue
		}
		f, _ := Directory.Facility(t.StationNumber)
		tt := mhvsim.TriageTeam{ID: id, Name: t.DisplayName, StationNumber: t.StationNumber, FacilityName: f.Name,
			HealthCareSystem: f.HealthCareSystem, RequiresSignature: t.RequiresSignature}
		for _, icn := range t.BlockedFor {
			if v, ok := Directory.Veteran(icn); ok {
				tt.BlockedFor = append(tt.BlockedFor, v.MHVCorrelationID)
			}
		}
		s.TriageTeams = append(s.TriageTeams, tt)
	}
	return s
}

// OHConfig is the demo directory as the OH simulator holds it; it pushes its
// Atom publication to publicationURL signed with secret.
func OHConfig(publicationURL string, secret []byte) ohsim.Config {
	c := ohsim.Config{Authority: OHAuthority, PublicationURL: publicationURL, PublicationSecret: secret}
	for _, v := range Directory.Veterans {
		if v.OHPatientID != "" {
			c.Patients = append(c.Patients, ohsim.Patient{ICN: v.ICN, PatientID: v.OHPatientID, Name: v.DisplayName})
		}
	}
	for _, t := range Directory.CareTeams {
		if t.Provider != providerkind.OH {
			continue
		}
		f, _ := Directory.Facility(t.StationNumber)
		c.Pools = append(c.Pools, ohsim.Pool{ID: t.ProviderID, Name: t.Name, ExternalNames: append([]string{t.DisplayName}, t.AlternateNames...),
			StationNumber: t.StationNumber, FacilityName: f.Name, HealthCareSystem: f.HealthCareSystem, BlockedFor: t.BlockedFor})
	}
	return c
}
