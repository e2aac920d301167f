package demo

import "github.com/va/vams/internal/platform/providerkind"

// ICNs of the demo veterans.
const (
	// Veteran1ICN has care teams on both EHRs (two VistA facilities, one OH).
	Veteran1ICN = "1000000001V000001"
	// Veteran2ICN has MHV (VistA) care teams only.
	Veteran2ICN = "1000000002V000002"
	// Veteran3ICN has OH care teams only.
	Veteran3ICN = "1000000003V000003"
)

// OHAuthority is the OH authority (tenant) of every demo OH patient.
const OHAuthority = "va"

// EHRs of a facility, as stored in facilities.ehr.
const (
	EHRVistA = "VISTA"
	EHROH    = "OH"
)

// DemoVeteran is a fictional veteran. Empty identifiers mean the veteran is
// unknown to that provider.
type DemoVeteran struct {
	ICN              string
	DisplayName      string // "First Last"
	MHVCorrelationID string // "" when the veteran has no MHV teams
	OHPatientID      string // numeric OH person id; "" when no OH teams
	OHAuthority      string // "" when OHPatientID is ""
	SignatureName    string
	SignatureTitle   string
	IncludeSignature bool
}

// DemoFacility is a VA medical center identified by its station number.
type DemoFacility struct {
	StationNumber    string
	Name             string
	HealthCareSystem string
	EHR              string // "VISTA"|"OH"
	CutoverPhase     string // "p0"…"p7" while moving to OH, else ""
}

// DemoCareTeam is an MHV triage group or an OH message pool, with the
// veterans it serves.
type DemoCareTeam struct {
	Provider          providerkind.Kind
	ProviderID        string // MHV triage group id or OH pool id (numeric, as a string)
	Name              string // the provider's own name for the team
	DisplayName       string // what veterans see
	StationNumber     string // facility the team belongs to
	RequiresSignature bool   // name matches VA.gov's Release of Information rule
	AlternateNames    []string
	AssociatedWith    []string // ICNs associated with the team
	PreferredBy       []string // ICNs that marked the team preferred (subset of AssociatedWith)
	BlockedFor        []string // ICNs the team blocked (subset of AssociatedWith)
}

// DemoDirectory is the whole demo directory.
type DemoDirectory struct {
	Veterans   []DemoVeteran
	Facilities []DemoFacility
	CareTeams  []DemoCareTeam
}

// Veteran returns the veteran with icn.
func (d DemoDirectory) Veteran(icn string) (DemoVeteran, bool) {
	for _, v := range d.Veterans {
		if v.ICN == icn {
			return v, true
		}
	}
	return DemoVeteran{}, false
}

// Facility returns the facility with the station number.
func (d DemoDirectory) Facility(station string) (DemoFacility, bool) {
	for _, f := range d.Facilities {
		if f.StationNumber == station {
			return f, true
		}
	}
	return DemoFacility{}, false
}

// CareTeam returns the team a provider knows by providerID.
func (d DemoDirectory) CareTeam(provider providerkind.Kind, providerID string) (DemoCareTeam, bool) {
	for _, t := range d.CareTeams {
		if t.Provider == provider && t.ProviderID == providerID {
			return t, true
		}
	}
	return DemoCareTeam{}, false
}

// TeamsFor returns the teams associated with icn, optionally only those of
// one provider ("" for all).
func (d DemoDirectory) TeamsFor(icn string, provider providerkind.Kind) []DemoCareTeam {
	var out []DemoCareTeam
	for _, t := range d.CareTeams {
		if (provider == "" || t.Provider == provider) && contains(t.AssociatedWith, icn) {
			out = append(out, t)
		}
	}
	return out
}

// Blocks reports whether the team blocked icn.
func (t DemoCareTeam) Blocks(icn string) bool { return contains(t.BlockedFor, icn) }

// PreferredByVeteran reports whether icn marked the team preferred.
func (t DemoCareTeam) PreferredByVeteran(icn string) bool { return contains(t.PreferredBy, icn) }

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Directory is the demo directory. Treat it as read-only.
var Directory = DemoDirectory{
	Veterans: []DemoVeteran{
		{
			ICN: Veteran1ICN, DisplayName: "Jordan Rivera",
			MHVCorrelationID: "10000001", OHPatientID: "20000001", OHAuthority: OHAuthority,
			SignatureName: "Jordan Rivera", SignatureTitle: "U.S. Army Veteran", IncludeSignature: true,
		},
		{
			ICN: Veteran2ICN, DisplayName: "Casey Morgan", MHVCorrelationID: "10000002",
			SignatureName: "Casey Morgan", SignatureTitle: "U.S. Navy Veteran",
		},
		{ICN: Veteran3ICN, DisplayName: "Avery Thompson", OHPatientID: "20000003", OHAuthority: OHAuthority},
	},
	Facilities: []DemoFacility{
		{StationNumber: "442", Name: "Cheyenne VA Medical Center", HealthCareSystem: "VA Cheyenne health care", EHR: EHRVistA},
		{StationNumber: "554", Name: "Rocky Mountain Regional VA Medical Center", HealthCareSystem: "VA Eastern Colorado health care", EHR: EHRVistA},
		// Moving to OH: phase p4 pauses new messages to its teams.
		{StationNumber: "463", Name: "Anchorage VA Medical Center", HealthCareSystem: "VA Alaska health care", EHR: EHRVistA, CutoverPhase: "p4"},
		{StationNumber: "668", Name: "Mann-Grandstaff VA Medical Center", HealthCareSystem: "VA Spokane health care", EHR: EHROH},
		{StationNumber: "687", Name: "Jonathan M. Wainwright Memorial VA Medical Center", HealthCareSystem: "VA Walla Walla health care", EHR: EHROH},
	},
	CareTeams: []DemoCareTeam{
		// MHV triage groups at VistA facilities.
		{
			Provider: providerkind.MHV, ProviderID: "1013", Name: "CHY_PCMH_BLUE_TEAM", DisplayName: "Primary Care Team Blue", StationNumber: "442",
			AssociatedWith: []string{Veteran1ICN, Veteran2ICN}, PreferredBy: []string{Veteran1ICN, Veteran2ICN},
		},
		{
			Provider: providerkind.MHV, ProviderID: "1014", Name: "CHY_PHARMACY", DisplayName: "Pharmacy", StationNumber: "442",
			AssociatedWith: []string{Veteran1ICN, Veteran2ICN}, PreferredBy: []string{Veteran1ICN},
		},
		{
			Provider: providerkind.MHV, ProviderID: "1015", Name: "CHY_Release_of_Information", DisplayName: "Release of Information", StationNumber: "442",
			RequiresSignature: true,
			AssociatedWith:    []string{Veteran1ICN, Veteran2ICN},
		},
		{
			Provider: providerkind.MHV, ProviderID: "1016", Name: "ECH_CARDIOLOGY_CLINIC", DisplayName: "Cardiology Clinic", StationNumber: "554",
			AssociatedWith: []string{Veteran1ICN}, PreferredBy: []string{Veteran1ICN},
		},
		{
			Provider: providerkind.MHV, ProviderID: "1017", Name: "ECH_AUDIOLOGY", DisplayName: "Audiology Clinic", StationNumber: "554",
			AssociatedWith: []string{Veteran1ICN}, BlockedFor: []string{Veteran1ICN},
		},
		{
			Provider: providerkind.MHV, ProviderID: "1018", Name: "ECH_MENTAL_HEALTH_CLINIC", DisplayName: "Mental Health Clinic", StationNumber: "554",
			AssociatedWith: []string{Veteran2ICN}, PreferredBy: []string{Veteran2ICN},
		},
		{
			Provider: providerkind.MHV, ProviderID: "1019", Name: "ANC_PC_GOLD_TEAM", DisplayName: "Primary Care Team Gold", StationNumber: "463",
			AssociatedWith: []string{Veteran2ICN},
		},
		// OH message pools at OH facilities.
		{
			Provider: providerkind.OH, ProviderID: "300100", Name: "SPO PC RED POOL", DisplayName: "Primary Care Team Red", StationNumber: "668",
			AlternateNames: []string{"Spokane Primary Care Red", "PC Red Team Nurse"},
			AssociatedWith: []string{Veteran1ICN, Veteran3ICN}, PreferredBy: []string{Veteran1ICN, Veteran3ICN},
		},
		{
			Provider: providerkind.OH, ProviderID: "300101", Name: "SPO PHARMACY POOL", DisplayName: "Pharmacy", StationNumber: "668",
			AlternateNames: []string{"Spokane Outpatient Pharmacy"},
			AssociatedWith: []string{Veteran1ICN, Veteran3ICN},
		},
		{
			Provider: providerkind.OH, ProviderID: "300102", Name: "SPO WOMENS HEALTH POOL", DisplayName: "Women's Health Clinic", StationNumber: "668",
			AlternateNames: []string{"Spokane Women Veterans Clinic"},
			AssociatedWith: []string{Veteran3ICN},
		},
		{
			Provider: providerkind.OH, ProviderID: "300200", Name: "WW PHYSICAL THERAPY POOL", DisplayName: "Physical Therapy", StationNumber: "687",
			AlternateNames: []string{"Walla Walla Physical Therapy", "WW Rehab Services"},
			AssociatedWith: []string{Veteran3ICN}, PreferredBy: []string{Veteran3ICN},
		},
	},
}
