package demo

import (
	"regexp"
	"testing"

	"github.com/va/vams/internal/platform/providerkind"
)

// The directory is shared with the provider simulators: check it is
// internally consistent.
func TestDirectoryConsistent(t *testing.T) {
	icnRE := regexp.MustCompile(`^\d{10}V\d{6}$`)
	numeric := regexp.MustCompile(`^\d+$`)
	// VA.gov's rule for teams that need an electronic signature.
	roi := regexp.MustCompile(`(?i).*[\s_]*(Privacy Issue|Privacy Issues|Release of Information Medical Records|Record Amendment)[\s_]*Admin|.*[\s_]*Release[\s_]*of[\s_]*Information`)

	vets := map[string]DemoVeteran{}
	for _, v := range Directory.Veterans {
		if !icnRE.MatchString(v.ICN) || v.DisplayName == "" {
			t.Errorf("veteran %s: bad ICN or no name", v.ICN)
		}
		if (v.OHPatientID == "") != (v.OHAuthority == "") || v.OHPatientID != "" && !numeric.MatchString(v.OHPatientID) {
			t.Errorf("veteran %s: OH patient id and authority must be set together, id numeric", v.ICN)
		}
		vets[v.ICN] = v
	}
	if len(vets) != 3 {
		t.Fatalf("want 3 distinct veterans, got %d", len(vets))
	}
	stations := map[string]DemoFacility{}
	for _, f := range Directory.Facilities {
		if f.EHR != EHRVistA && f.EHR != EHROH {
			t.Errorf("facility %s: EHR %q", f.StationNumber, f.EHR)
		}
		stations[f.StationNumber] = f
	}
	seen := map[string]bool{}
	byVet := map[string]map[providerkind.Kind]bool{}
	for _, ct := range Directory.CareTeams {
		key := ct.ProviderID
		if seen[key] {
			t.Errorf("provider id %s used twice (Seed's script looks teams up by id alone)", key)
		}
		seen[key] = true
		f, ok := stations[ct.StationNumber]
		switch {
		case !ok:
			t.Errorf("team %s: unknown station %s", key, ct.StationNumber)
		case ct.Provider == providerkind.MHV && f.EHR != EHRVistA, ct.Provider == providerkind.OH && f.EHR != EHROH:
			t.Errorf("team %s: provider %s at a %s facility", key, ct.Provider, f.EHR)
		}
		if !numeric.MatchString(ct.ProviderID) {
			t.Errorf("team %s: provider ids are numeric for both MHV and OH", key)
		}
		if ct.Provider == providerkind.MHV && len(ct.AlternateNames) > 0 {
			t.Errorf("team %s: only OH pools have alternate names", key)
		}
		if roi.MatchString(ct.Name) != ct.RequiresSignature {
			t.Errorf("team %s: RequiresSignature=%v disagrees with its name", key, ct.RequiresSignature)
		}
		for _, icn := range append(append([]string{}, ct.PreferredBy...), ct.BlockedFor...) {
			if !contains(ct.AssociatedWith, icn) {
				t.Errorf("team %s: preferred/blocked veteran %s is not associated", key, icn)
			}
		}
		for _, icn := range ct.AssociatedWith {
			v, ok := vets[icn]
			if !ok {
				t.Errorf("team %s: unknown veteran %s", key, icn)
				continue
			}
			if ct.Provider == providerkind.MHV && v.MHVCorrelationID == "" || ct.Provider == providerkind.OH && v.OHPatientID == "" {
				t.Errorf("team %s: veteran %s has no %s identifier", key, icn, ct.Provider)
			}
			if byVet[icn] == nil {
				byVet[icn] = map[providerkind.Kind]bool{}
			}
			byVet[icn][ct.Provider] = true
		}
	}
	if !byVet[Veteran1ICN][providerkind.MHV] || !byVet[Veteran1ICN][providerkind.OH] {
		t.Error("veteran 1 needs teams of both providers")
	}
	if !byVet[Veteran2ICN][providerkind.MHV] || byVet[Veteran2ICN][providerkind.OH] {
		t.Error("veteran 2 needs MHV teams only")
	}
	if byVet[Veteran3ICN][providerkind.MHV] || !byVet[Veteran3ICN][providerkind.OH] {
		t.Error("veteran 3 needs OH teams only")
	}
	if _, ok := Directory.CareTeam(providerkind.OH, "300100"); !ok {
		t.Error("CareTeam lookup failed")
	}
	if n := len(Directory.TeamsFor(Veteran1ICN, providerkind.MHV)); n < 3 {
		t.Errorf("veteran 1 has %d MHV teams", n)
	}

	// Every script thread names a team its veteran is associated with.
	for icn, script := range mailboxes {
		for _, st := range script {
			ct, ok := Directory.teamByID(st.Team)
			if !ok || !contains(ct.AssociatedWith, icn) {
				t.Errorf("script thread %q of %s: team %s not associated", st.Subject, icn, st.Team)
			}
		}
	}
}
