package ohsim

import (
	"context"
	"errors"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/va/vams/providers/oh/internal/wire"
	"github.com/va/vams/providers/simfault"
	"github.com/va/vams/providers/simstate"
)

// Patient is a veteran known to the simulated OH authority.
type Patient struct {
	ICN       string
	PatientID string // numeric, as OH person ids are
	Name      string
}

// Pool is a message pool (care team). ExternalNames are the names veterans
// see, all routing to this pool; the first is the primary one.
type Pool struct {
	ID               string // numeric
	Name             string // internal name
	ExternalNames    []string
	StationNumber    string
	FacilityName     string
	HealthCareSystem string
	// BlockedFor lists ICNs or patient ids the pool does not accept
	// messages from.
	BlockedFor []string
	// Staff are the clinicians who answer from the pool; the first writes
	// when a message names no author. Their names are served as FHIR
	// Practitioners, as Cerner does, since Messaging REST carries only ids.
	Staff []Personnel
	// AssociatedWith lists the ICNs or patient ids the pool serves: only
	// they see it (GET pools?patientId=) and may write to it. Empty means
	// every patient (small test setups).
	AssociatedWith []string
}

// Personnel is a clinician (a Millennium personnel record). Text, when set,
// is the name as the EHR displays it; otherwise "Family, Given".
type Personnel struct {
	ID     int64
	Text   string
	Family string
	Given  []string
}

// Config configures a Simulator.
type Config struct {
	Authority         string
	Patients          []Patient
	Pools             []Pool
	PublicationURL    string // empty: no pushes
	PublicationSecret []byte
	DuplicateRate     float64 // probability of pushing an entry twice
	Seed              int64
	HTTPClient        *http.Client // for pushes; default 10s timeout

	// ListCap is the per-window list limit (default 1000, as OH).
	ListCap int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// RetryBase is the first push retry delay, doubled per attempt up to
	// 5s (default 100ms); MaxAttempts bounds attempts per push (default 12).
	RetryBase   time.Duration
	MaxAttempts int

	// StateFile, when set (with Open), keeps messages, id counter, merges
	// and idempotency keys in that file across restarts; see package
	// simstate for when it is written. SaveDelay is its debounce.
	StateFile string
	SaveDelay time.Duration
	// Log reports state-file failures (default slog.Default()).
	Log *slog.Logger
}

// Simulator is the simulated OH messaging service. It is safe for
// concurrent use.
type Simulator struct {
	cfg   Config
	hc    *http.Client
	rest  *http.ServeMux
	ctrl  *http.ServeMux
	ctx   context.Context // canceled by Close; bounds pushes
	stop  context.CancelFunc
	idGen int64

	mu       sync.Mutex
	rng      *rand.Rand
	patients map[string]*patient // by ICN
	byPID    map[string]string   // current patient id → ICN
	merged   map[string]string   // old patient id → new patient id
	pools    []*pool
	poolByID map[int64]*pool
	staff    map[int64]Personnel
	msgs     map[int64]*msg
	order    []*msg
	idem     map[string]int64 // ICN + "\x00" + key → entity
	outage   Outage
	faults   simfault.Faults // not part of the saved state
	pending  int
	closed   bool
	seeded   simstate.Seeds // SeedHistory batches applied
	state    *simstate.Writer
}

type patient struct {
	Patient
}

type pool struct {
	Pool
	id         int64
	blocked    map[string]bool
	associated map[string]bool // nil: every patient
}

type msg struct {
	entity    int64
	version   int
	icn       string
	box       string // "inbox" (to the veteran) or "outbox" (from the veteran)
	poolID    int64
	prsnlID   int64 // PERSONNEL receiver or sender when no pool
	authorID  int64 // the clinician who wrote an inbox message (0: unknown)
	subject   string
	body      string // plain text as stored
	format    string // format of raw
	raw       string // text as received (RTF or XHTML)
	status    string // the owner's (patient's) status
	rcvStatus string // the receiving care team's status (outbox)
	created   time.Time
	updated   time.Time
	refs      []string // canonical ids of predecessors, oldest first
	files     []wire.Attachment
}

func (m *msg) id() string        { return wire.FormatID(m.entity, m.version) }
func (m *msg) canonical() string { return wire.FormatID(m.entity, 0) }

// Outage configures injected failures of the REST (non-control) endpoints.
type Outage struct {
	Down      bool    `json:"down"`
	LatencyMs int     `json:"latencyMs"`
	ErrorRate float64 `json:"errorRate"`
}

// numericID parses a configured id, deriving a stable number from
// non-numeric ones so a typo does not break the simulator.
func numericID(s string) int64 {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		return n
	}
	h := fnv.New32a()
	h.Write([]byte(s))
	return int64(h.Sum32()) + 1
}

// firstID is where message entity ids start (and restart after ResetIDs).
const firstID int64 = 54282597705

// New builds an in-memory Simulator (cfg.StateFile is ignored: use Open).
// Call Close when done.
func New(cfg Config) *Simulator {
	if cfg.ListCap <= 0 {
		cfg.ListCap = 1000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = 100 * time.Millisecond
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 12
	}
	s := &Simulator{
		cfg:      cfg,
		hc:       cfg.HTTPClient,
		idGen:    firstID,
		rng:      rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5eed)),
		patients: map[string]*patient{},
		byPID:    map[string]string{},
		merged:   map[string]string{},
		poolByID: map[int64]*pool{},
		staff:    map[int64]Personnel{},
		msgs:     map[int64]*msg{},
		idem:     map[string]int64{},
		seeded:   simstate.Seeds{},
	}
	if s.hc == nil {
		s.hc = &http.Client{Timeout: 10 * time.Second}
	}
	s.ctx, s.stop = context.WithCancel(context.Background())
	for _, p := range cfg.Patients {
		s.patients[p.ICN] = &patient{p}
		s.byPID[p.PatientID] = p.ICN
	}
	for _, p := range cfg.Pools {
		pl := &pool{Pool: p, id: numericID(p.ID), blocked: map[string]bool{}}
		for _, b := range p.BlockedFor {
			pl.blocked[b] = true
		}
		if len(p.AssociatedWith) > 0 {
			pl.associated = map[string]bool{}
			for _, a := range p.AssociatedWith {
				pl.associated[a] = true
			}
		}
		s.pools = append(s.pools, pl)
		for _, st := range p.Staff {
			s.staff[st.ID] = st
		}
		s.poolByID[pl.id] = pl
	}
	s.routes()
	return s
}

// ServeHTTP serves the REST and control endpoints.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/control" || strings.HasPrefix(r.URL.Path, "/control/") {
		s.ctrl.ServeHTTP(w, r)
		return
	}
	if !s.injectOutage(w, r) {
		return
	}
	s.rest.ServeHTTP(w, r)
}

// injectOutage applies the configured outage; false means it answered.
func (s *Simulator) injectOutage(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	o := s.outage
	fail := o.ErrorRate > 0 && s.rng.Float64() < o.ErrorRate
	s.mu.Unlock()
	if !simfault.Wait(r.Context(), time.Duration(o.LatencyMs)*time.Millisecond) {
		return false
	}
	if o.Down || fail {
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return false
	}
	return true
}

// SetOutage replaces the outage settings.
func (s *Simulator) SetOutage(o Outage) {
	s.mu.Lock()
	s.outage = o
	s.mu.Unlock()
}

// Merge combines a patient into a new patient id: the old id then answers
// 301 pointing at the new one, and messages move with the patient.
func (s *Simulator) Merge(icn, newPatientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.patients[icn]
	if !ok {
		return errNotFound
	}
	if newPatientID == "" || newPatientID == p.PatientID {
		return errBadRequest
	}
	if other, taken := s.byPID[newPatientID]; taken && other != icn {
		return errBadRequest
	}
	old := p.PatientID
	delete(s.byPID, old)
	for o, n := range s.merged { // keep chains pointing at the newest id
		if n == old {
			s.merged[o] = newPatientID
		}
	}
	s.merged[old] = newPatientID
	p.PatientID = newPatientID
	s.byPID[newPatientID] = icn
	delete(s.merged, newPatientID)
	s.changed()
	return nil
}

// Wipe simulates a loss of the provider's data: every message and
// idempotency key is forgotten, but ids keep counting, so none is reused.
// Patients, pools, merges and seeding marks stay.
func (s *Simulator) Wipe() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wipeLocked()
}

// ResetIDs simulates a loss that also restarted the provider's id
// sequence: Wipe, then new messages get ids old ones had.
func (s *Simulator) ResetIDs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.idGen = firstID
	s.wipeLocked()
}

func (s *Simulator) wipeLocked() {
	s.msgs, s.order, s.idem = map[int64]*msg{}, nil, map[string]int64{}
	s.changed()
}

var (
	errNotFound   = errors.New("not found")
	errBadRequest = errors.New("bad request")
)

// Close stops background pushes (pending ones are abandoned), waits for
// their goroutines to end and saves the state file.
func (s *Simulator) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.stop()
	_ = s.Flush(context.Background())
	_ = s.state.Close() // logs a failure
}

// Flush waits until no push is pending (delivered, given up, or abandoned
// by Close) or ctx ends.
func (s *Simulator) Flush(ctx context.Context) error {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for {
		s.mu.Lock()
		n := s.pending
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (s *Simulator) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Second) }

// findPool resolves a pool id or any of its names (case-insensitive).
func (s *Simulator) findPool(ref string) *pool {
	if n, err := strconv.ParseInt(ref, 10, 64); err == nil {
		if p := s.poolByID[n]; p != nil {
			return p
		}
	}
	for _, p := range s.pools {
		if strings.EqualFold(p.Name, ref) || strings.EqualFold(p.ID, ref) {
			return p
		}
		for _, n := range p.ExternalNames {
			if strings.EqualFold(n, ref) {
				return p
			}
		}
	}
	return nil
}

// findMsg resolves a message id of any version.
func (s *Simulator) findMsg(id string) *msg {
	n, ok := wire.ParseEntity(id)
	if !ok {
		return nil
	}
	return s.msgs[n]
}

func (s *Simulator) newMsg(m *msg) *msg {
	s.idGen += 7 // OH ids are sparse; keep them looking that way
	m.entity = s.idGen
	m.updated = m.created
	s.msgs[m.entity] = m
	s.order = append(s.order, m)
	s.changed()
	return m
}

// messagesFor returns an ICN's messages of one box, oldest first.
func (s *Simulator) messagesFor(icn, box string) []*msg {
	var out []*msg
	for _, m := range s.order {
		if m.icn == icn && (box == "" || m.box == box) {
			out = append(out, m)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].created.Before(out[j].created) })
	return out
}

// authorLocked picks who writes a care team's message: ref (a personnel id
// or "Family, Given" name) when given, else the pool's first clinician.
// Callers hold s.mu.
func (s *Simulator) authorLocked(p *pool, ref string) int64 {
	if ref == "" {
		if p != nil && len(p.Staff) > 0 {
			return p.Staff[0].ID
		}
		return 0
	}
	if n, err := strconv.ParseInt(ref, 10, 64); err == nil {
		if _, ok := s.staff[n]; ok {
			return n
		}
	}
	for id, st := range s.staff {
		if strings.EqualFold(practitioner(st).DisplayName(), ref) {
			return id
		}
	}
	return 0
}
