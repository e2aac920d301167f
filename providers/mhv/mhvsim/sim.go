package mhvsim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"math"
	mrand "math/rand"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/va/vams/providers/simfault"
	"github.com/va/vams/providers/simstate"
)

// Patient is a veteran known to the simulator.
type Patient struct {
	ICN           string
	CorrelationID string // MHV correlation id, sent as mhvCorrelationId
	Name          string // "LAST, FIRST" as MHV shows senders
	// Signature is the patient's initial signature preference (nil: none,
	// GET preferences/signature answers {}).
	Signature *Signature
}

// Signature is a patient's message signature preference.
type Signature struct {
	Name, Title string
	Include     bool
}

// TriageTeam is a care team (MHV triage group).
type TriageTeam struct {
	ID               int64
	Name             string
	StationNumber    string
	FacilityName     string // MHV locationName
	HealthCareSystem string // MHV healthCareSystemName
	// RequiresSignature is reported by the control API only: MHV's wire has
	// no such field (vets-api derives it from the team name, as the adapter does).
	RequiresSignature bool
	Preferred         bool     // preferred by every patient until they say otherwise
	PreferredBy       []string // correlation ids of patients who marked it preferred
	BlockedFor        []string // correlation ids of patients this team blocked
	// AssociatedWith lists the correlation ids of the patients the team
	// serves: only they see it and may write to it. Empty means every
	// patient (small test setups).
	AssociatedWith []string
}

// Seed is the simulator's initial state and behaviour.
type Seed struct {
	Patients    []Patient
	TriageTeams []TriageTeam
	// AppToken and APIKey, when set, must match the appToken and x-api-key headers.
	AppToken string
	APIKey   string
	// TokenTTL is how long session tokens live (default 1 h, as recorded).
	TokenTTL time.Duration
	// ReplyWindow, when set, makes replies to older messages fail with 130.
	ReplyWindow time.Duration
	// Now defaults to time.Now.
	Now func() time.Time
	// RandSeed seeds the error-rate generator so outages are reproducible.
	RandSeed int64
	// FirstID is the first message/thread id handed out (default 7000000),
	// and where ids restart after ResetIDs.
	FirstID int64

	// StateFile, when set (with Open), keeps messages, the id counter,
	// custom folders, preferences and signatures in that file across
	// restarts; see package simstate for when it is written. SaveDelay is
	// its debounce.
	StateFile string
	SaveDelay time.Duration
	// Log reports state-file failures (default slog.Default()).
	Log *slog.Logger
}

// Simulator is an in-memory MHV secure-messaging service. It is an
// http.Handler serving the MHV patient API under /v1/sm/patient/ and a
// JSON control API under /control/.
type Simulator struct {
	mu       sync.Mutex
	seed     Seed
	now      func() time.Time
	ttl      time.Duration
	patients map[string]*patient // by correlation id
	byICN    map[string]*patient
	teams    []*team
	teamByID map[int64]*team
	msgs     map[int64]*message
	order    []int64 // message ids in creation order
	nextID   int64
	tokens   map[string]tokenInfo
	issued   int
	idem     map[string]int64 // correlation id + key -> message id

	down      bool
	latency   time.Duration
	errorRate float64
	rnd       *mrand.Rand
	faults    simfault.Faults // not part of the saved state

	seeded simstate.Seeds // SeedHistory batches applied
	state  *simstate.Writer

	api      *http.ServeMux
	control  *http.ServeMux
	requests sync.Map // route → *atomic.Int64 (requests.go)
}

type patient struct {
	Patient
	userID    int64
	signature map[string]any
	// notify is MHV's email notification frequency (notifyMe: "None",
	// "Each message", "Once daily"; "" reads as "Each message").
	notify    string
	preferred map[int64]bool
	folders   []customFolder // in creation order
}

// customFolder is a folder the patient made (positive id).
type customFolder struct {
	id   int64
	name string
}

type team struct {
	TriageTeam
	blocked     map[string]bool
	preferredBy map[string]bool
	associated  map[string]bool // nil: every patient
}

// serves reports whether the team is associated with the patient.
func (t *team) serves(corr string) bool { return t.associated == nil || t.associated[corr] }

type tokenInfo struct {
	corr    string
	expires time.Time
}

const (
	dirToClinician = "TO_CLINICIAN"
	dirToVeteran   = "TO_VETERAN"

	folderInbox   int64 = 0
	folderSent    int64 = -1
	folderDrafts  int64 = -2
	folderDeleted int64 = -3
)

type message struct {
	id, threadID int64
	corr         string
	teamID       int64
	dir          string
	category     string
	subject      string
	body         string
	sentAt       time.Time // zero for drafts
	draftAt      time.Time
	folder       int64 // where the veteran sees it
	vetRead      bool
	vetReadAt    time.Time
	clinRead     bool
	clinReadAt   time.Time
	inReplyTo    int64
	attachments  []attachment
	author       string // clinician's name; "" for the team's generic sender
}

type attachment struct {
	id   int64
	name string
	mime string
	data []byte
	size int64
}

// New builds an in-memory simulator from seed (seed.StateFile is ignored:
// use Open).
func New(seed Seed) *Simulator {
	s := &Simulator{
		seed:     seed,
		now:      seed.Now,
		ttl:      seed.TokenTTL,
		patients: map[string]*patient{},
		byICN:    map[string]*patient{},
		teamByID: map[int64]*team{},
		msgs:     map[int64]*message{},
		nextID:   seed.FirstID,
		tokens:   map[string]tokenInfo{},
		idem:     map[string]int64{},
		rnd:      mrand.New(mrand.NewSource(seed.RandSeed)),
		seeded:   simstate.Seeds{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.ttl <= 0 {
		s.ttl = time.Hour
	}
	if s.nextID == 0 {
		s.nextID = 7000000
	}
	s.seed.FirstID = s.nextID
	for i, p := range seed.Patients {
		pp := &patient{Patient: p, userID: 3000000 + int64(i), preferred: map[int64]bool{}}
		if sg := p.Signature; sg != nil {
			pp.signature = signatureObject(sg.Name, sg.Title, sg.Include)
		}
		s.patients[p.CorrelationID] = pp
		s.byICN[p.ICN] = pp
	}
	set := func(xs []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range xs {
			m[x] = true
		}
		return m
	}
	for _, t := range seed.TriageTeams {
		tt := &team{TriageTeam: t, blocked: set(t.BlockedFor), preferredBy: set(t.PreferredBy)}
		if len(t.AssociatedWith) > 0 {
			tt.associated = set(t.AssociatedWith)
		}
		s.teams = append(s.teams, tt)
		s.teamByID[t.ID] = tt
	}
	s.routes()
	return s
}

// SessionsIssued reports how many session tokens were handed out.
func (s *Simulator) SessionsIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// ServeHTTP serves /control/... always and the MHV API unless an outage is set.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/control/") {
		s.control.ServeHTTP(w, r)
		return
	}
	s.mu.Lock()
	down, lat, rate := s.down, s.latency, s.errorRate
	fail := rate > 0 && s.rnd.Float64() < rate
	s.mu.Unlock()
	if !simfault.Wait(r.Context(), lat) {
		return
	}
	if down || fail {
		// Recorded MHV outage: 503 with an empty body (session_error.yml).
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	s.api.ServeHTTP(w, r)
}

// --- helpers --------------------------------------------------------------

func (s *Simulator) newID() int64 {
	s.nextID++
	s.changed()
	return s.nextID
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// mhvError writes MHV's error body.
func mhvError(w http.ResponseWriter, status int, code int, dev, msg string) {
	writeJSON(w, status, map[string]any{"errorCode": code, "developerMessage": dev, "message": msg})
}

func notFoundMessage(w http.ResponseWriter) {
	mhvError(w, http.StatusBadRequest, 904, "Severity[Error]:message.not.found;", "Message Service Error")
}

func entityNotFound(w http.ResponseWriter) {
	mhvError(w, http.StatusBadRequest, 115, "", "Entity Not Found")
}

func success(w http.ResponseWriter) {
	// MHV answers "Success" as text under a JSON content type (recorded).
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("Success"))
}

func pathInt(r *http.Request, name string) (int64, bool) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return n, err == nil
}

// flexInt reads a JSON number or numeric string.
func flexInt(v any) int64 {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0
		}
		return int64(x)
	case string:
		n, _ := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n
	case json.Number:
		n, _ := x.Int64()
		return n
	}
	return 0
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

const (
	rfc1123GMT = "Mon, 02 Jan 2006 15:04:05 GMT"
	isoOffset  = "2006-01-02T15:04:05.000+00:00"
	isoLocal   = "2006-01-02T15:04:05"
)

func fmtTime(t time.Time, layout string) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(layout)
}

func (s *Simulator) teamName(id int64) string {
	if t, ok := s.teamByID[id]; ok {
		return t.Name
	}
	return ""
}

func clinicianID(teamID int64) int64 { return 9000000000 + teamID }

// signatureObject is the wire shape of a signature preference.
func signatureObject(name, title string, include bool) map[string]any {
	return map[string]any{"signatureName": name, "includeSignature": include, "signatureTitle": title}
}

func (s *Simulator) threadMsgs(m *message) []*message {
	var out []*message
	for _, id := range s.order {
		x := s.msgs[id]
		if x.threadID == m.threadID && x.corr == m.corr {
			out = append(out, x)
		}
	}
	return out
}

func (s *Simulator) addMessage(m *message) {
	s.msgs[m.id] = m
	s.order = append(s.order, m.id)
	s.changed()
}
