package demo

import (
	"errors"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/providers/mhv/mhvsim"
	"github.com/va/vams/providers/notify/notifysim"
	"github.com/va/vams/providers/oh/ohsim"
)

// Names of the demo simulators' state files in the data directory.
const (
	MHVStateFile = "mhvsim.json"
	OHStateFile  = "ohsim.json"
)

// MHVSeed is the demo directory as the MHV simulator holds it, so the
// simulator and the store agree on patients and triage groups: each team
// serves, is preferred by and blocks exactly the veterans the directory says.
func MHVSeed(appToken, apiKey string) mhvsim.Seed {
	s := mhvsim.Seed{AppToken: appToken, APIKey: apiKey}
	corr := func(icns []string) []string {
		var out []string
		for _, icn := range icns {
			if v, ok := Directory.Veteran(icn); ok && v.MHVCorrelationID != "" {
				out = append(out, v.MHVCorrelationID)
			}
		}
		return out
	}
	for _, v := range Directory.Veterans {
		if v.MHVCorrelationID == "" {
			continue
		}
		p := mhvsim.Patient{ICN: v.ICN, CorrelationID: v.MHVCorrelationID, Name: v.DisplayName}
		if v.SignatureName != "" {
			p.Signature = &mhvsim.Signature{Name: v.SignatureName, Title: v.SignatureTitle, Include: v.IncludeSignature}
		}
		s.Patients = append(s.Patients, p)
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
		s.TriageTeams = append(s.TriageTeams, mhvsim.TriageTeam{ID: id, Name: t.DisplayName, StationNumber: t.StationNumber,
			FacilityName: f.Name, HealthCareSystem: f.HealthCareSystem, RequiresSignature: t.RequiresSignature,
			AssociatedWith: corr(t.AssociatedWith), PreferredBy: corr(t.PreferredBy), BlockedFor: corr(t.BlockedFor)})
	}
	return s
}

// OHConfig is the demo directory as the OH simulator holds it; it pushes its
// Atom publication to publicationURL signed with secret. Each pool serves
// the veterans the directory associates with it.
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
			StationNumber: t.StationNumber, FacilityName: f.Name, HealthCareSystem: f.HealthCareSystem,
			BlockedFor: t.BlockedFor, AssociatedWith: t.AssociatedWith, Staff: ohStaff(t.ProviderID)})
	}
	return c
}

// ohStaff is the clinicians who write from a pool in the demo script, with
// ids stable across starts (the state file holds them on messages).
func ohStaff(poolID string) []ohsim.Personnel {
	var names []string
	for _, threads := range mailboxes {
		for _, st := range threads {
			for _, m := range st.Messages {
				if st.Team == poolID && m.By == byClinician && !slices.Contains(names, m.Author) {
					names = append(names, m.Author)
				}
			}
		}
	}
	slices.Sort(names)
	out := make([]ohsim.Personnel, len(names))
	for i, n := range names {
		h := fnv.New32a()
		h.Write([]byte(n))
		out[i] = ohsim.Personnel{ID: 11000000 + int64(h.Sum32()%1000000), Text: n}
	}
	return out
}

// OpenMHV opens the demo MHV simulator on stateFile and, with history,
// adds the demo mailboxes the first time (dated before now).
func OpenMHV(stateFile string, seed mhvsim.Seed, history bool, now time.Time) (*mhvsim.Simulator, error) {
	seed.StateFile = stateFile
	sim, err := mhvsim.Open(seed)
	if err != nil || !history {
		return sim, err
	}
	if _, err := SeedMHV(sim, now); err != nil {
		return nil, errors.Join(err, sim.Close())
	}
	return sim, nil
}

// OpenOH opens the demo OH simulator on stateFile and, with history, adds
// the demo mailboxes the first time.
func OpenOH(stateFile string, cfg ohsim.Config, history bool, now time.Time) (*ohsim.Simulator, error) {
	cfg.StateFile = stateFile
	sim, err := ohsim.Open(cfg)
	if err == nil && history {
		if _, err = SeedOH(sim, now); err != nil {
			sim.Close()
		}
	}
	return sim, err
}

// NotifyStateFile is the demo notification simulator's state file.
const NotifyStateFile = "notifysim.json"

// The demo notification service's API key (VA Notify's
// "<name>-<service id>-<secret>" form) and its templates' ids; never used
// in production.
const (
	NotifyServiceID      = "5a1d0b2c-0000-4000-8000-00000000c0de"
	NotifySecret         = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
	NotifyAPIKey         = "vams-demo-" + NotifyServiceID + "-" + NotifySecret
	NotifyPushTemplate   = "7c0a5c47-3f1e-4b3a-9d55-5b1c2a9e0001"
	NotifyEmailTemplate  = "7c0a5c47-3f1e-4b3a-9d55-5b1c2a9e0002"
	NotifyDigestTemplate = "7c0a5c47-3f1e-4b3a-9d55-5b1c2a9e0003"
)

// NotifyConfig is the demo notification service: VA's wording of the
// secure-messaging push (features §1.7) and two emails that, like it, say
// nothing of the message.
func NotifyConfig() notifysim.Config {
	return notifysim.Config{ServiceID: NotifyServiceID, Secret: NotifySecret, Templates: []notifysim.Template{
		{ID: NotifyPushTemplate, Subject: "New Secure Message", Body: "Review your messages in the health care section of the VA app"},
		{ID: NotifyEmailTemplate, Subject: "You have a new secure message",
			Body: "You have a new secure message from your VA health care team. Sign in to VA.gov or the VA app to read it."},
		{ID: NotifyDigestTemplate, Subject: "Your new secure messages",
			Body: "You have ((count)) new secure messages from your VA health care team. Sign in to VA.gov or the VA app to read them."},
	}}
}
