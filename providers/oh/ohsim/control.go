package ohsim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/va/vams/providers/oh/internal/wire"
)

// ClinicianMessage is a care team writing to a veteran.
type ClinicianMessage struct {
	ICN string `json:"icn"`
	// CareTeam is a pool id or any of its names; ignored when InReplyTo is
	// set (the reply goes out from the original's pool).
	CareTeam string `json:"careTeam,omitempty"`
	Subject  string `json:"subject,omitempty"`
	Body     string `json:"body"`
	// InReplyTo is a provider message id (any version).
	InReplyTo string `json:"inReplyTo,omitempty"`
	// SentAt backdates the message (tests); zero means now.
	SentAt time.Time `json:"sentAt,omitzero"`
	// Author is the writing clinician's personnel id or "Family, Given"
	// name; empty means the pool's first clinician.
	Author string `json:"author,omitempty"`
}

// ControlMessage is a message as the control API lists it. Status is the
// recipient's: the veteran's for TO_VETERAN; for TO_CLINICIAN the care
// team's (READ once a clinician opened it), or DELETED when the veteran
// deleted it elsewhere.
type ControlMessage struct {
	ID        string    `json:"id"`
	Direction string    `json:"direction"`
	CareTeam  string    `json:"careTeam"`
	Subject   string    `json:"subject"`
	Body      string    `json:"body"`
	Status    string    `json:"status"`
	InReplyTo string    `json:"inReplyTo,omitempty"`
	SentAt    time.Time `json:"sentAt"`
}

// CareTeam is a pool as the control API lists it.
type CareTeam struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	ExternalNames    []string `json:"externalNames"`
	StationNumber    string   `json:"stationNumber,omitempty"`
	FacilityName     string   `json:"facilityName,omitempty"`
	HealthCareSystem string   `json:"healthCareSystem,omitempty"`
	BlockedFor       []string `json:"blockedFor,omitempty"`
	AssociatedWith   []string `json:"associatedWith,omitempty"` // empty: every patient
}

// ClinicianMessage stores a clinician's message to a veteran and pushes its
// Atom entry. It returns the provider message id.
func (s *Simulator) ClinicianMessage(in ClinicianMessage) (string, error) {
	if strings.TrimSpace(in.Body) == "" {
		return "", errors.Join(errBadRequest, errors.New("body is required"))
	}
	s.mu.Lock()
	p, ok := s.patients[in.ICN]
	if !ok {
		s.mu.Unlock()
		return "", errNotFound
	}
	body := wire.Normalize(in.Body)
	m := &msg{icn: in.ICN, box: inbox, subject: wire.Normalize(in.Subject), body: body,
		format: wire.FormatXHTML, raw: wire.EncodeXHTML(body), status: wire.StatusUnread,
		rcvStatus: wire.StatusUnread, created: s.now()}
	if !in.SentAt.IsZero() {
		m.created = in.SentAt.UTC().Truncate(time.Second)
	}
	if in.InReplyTo != "" {
		prev := s.findMsg(in.InReplyTo)
		if prev == nil || prev.icn != in.ICN {
			s.mu.Unlock()
			return "", errNotFound
		}
		m.poolID, m.prsnlID = prev.poolID, prev.prsnlID
		m.authorID = s.authorLocked(s.poolByID[m.poolID], in.Author)
		m.refs = append(append([]string(nil), prev.refs...), prev.canonical())
		if m.subject == "" {
			m.subject = prev.subject
			if !strings.HasPrefix(strings.ToUpper(m.subject), "RE:") {
				m.subject = "RE: " + m.subject
			}
		}
	} else {
		pl := s.findPool(in.CareTeam)
		if pl == nil || !pl.serves(in.ICN, p.PatientID) {
			s.mu.Unlock()
			return "", errors.Join(errBadRequest, errors.New("unknown care team, or not one of this patient's"))
		}
		m.poolID = pl.id
		m.authorID = s.authorLocked(pl, in.Author)
	}
	if strings.TrimSpace(m.subject) == "" {
		m.subject = "Message from your care team"
	}
	s.newMsg(m)
	entry := s.entryLocked(m, p.PatientID)
	id := m.canonical()
	s.mu.Unlock()
	s.publish(entry)
	return id, nil
}

func controlStatus(m *msg) string {
	st := m.status
	if m.box == outbox && st != wire.StatusDeleted {
		st = m.rcvStatus
	}
	switch st {
	case wire.StatusUnread:
		return "UNREAD"
	case wire.StatusDeleted:
		return "DELETED"
	}
	return "READ"
}

// Messages lists an ICN's messages, oldest first.
func (s *Simulator) Messages(icn string) []ControlMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []ControlMessage{}
	for _, m := range s.messagesFor(icn, "") {
		cm := ControlMessage{
			ID: m.canonical(), Direction: "TO_VETERAN", Subject: m.subject, Body: m.body,
			Status: controlStatus(m), SentAt: m.created,
		}
		if m.box == outbox {
			cm.Direction = "TO_CLINICIAN"
		}
		if m.poolID != 0 {
			cm.CareTeam = strconv.FormatInt(m.poolID, 10)
		} else {
			cm.CareTeam = "personnel:" + strconv.FormatInt(m.prsnlID, 10)
		}
		if n := len(m.refs); n > 0 {
			cm.InReplyTo = m.refs[n-1]
		}
		out = append(out, cm)
	}
	return out
}

// SetStatus records a change made outside VAMS: UNREAD, READ or DELETED.
// On a veteran's inbox message it is the veteran's own status (read or
// deleted in another portal; READ/UNREAD after DELETED restores). On a
// veteran-sent message READ/UNREAD is the care team opening it, DELETED the
// veteran removing it elsewhere. It bumps the version and pushes nothing.
func (s *Simulator) SetStatus(id, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.findMsg(id)
	if m == nil {
		return errNotFound
	}
	var st string
	switch strings.ToUpper(status) {
	case "UNREAD":
		st = wire.StatusUnread
	case "READ", wire.StatusOpened:
		st = wire.StatusOpened
	case "DELETED":
		st = wire.StatusDeleted
	default:
		return errBadRequest
	}
	if m.box == inbox || st == wire.StatusDeleted {
		s.setOwnerStatus(m, st)
		return nil
	}
	if m.status == wire.StatusDeleted {
		m.status = wire.StatusOpened
	}
	m.rcvStatus = st
	m.version++
	m.updated = s.now()
	s.changed()
	return nil
}

// CareTeams lists the configured pools.
func (s *Simulator) CareTeams() []CareTeam {
	out := []CareTeam{}
	for _, p := range s.pools {
		out = append(out, CareTeam{
			ID: strconv.FormatInt(p.id, 10), Name: p.Name, ExternalNames: s.poolNames(p),
			StationNumber: p.StationNumber, FacilityName: p.FacilityName,
			HealthCareSystem: p.HealthCareSystem, BlockedFor: p.BlockedFor, AssociatedWith: p.AssociatedWith,
		})
	}
	return out
}

func (s *Simulator) controlRoutes() {
	m := http.NewServeMux()
	m.HandleFunc("POST /control/clinician-messages", func(w http.ResponseWriter, r *http.Request) {
		var in ClinicianMessage
		if !decode(w, r, &in) {
			return
		}
		id, err := s.ClinicianMessage(in)
		if err != nil {
			controlError(w, err)
			return
		}
		writeJSON(w, http.StatusCreated, map[string]string{"id": id})
	})
	m.HandleFunc("GET /control/messages", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Messages(r.URL.Query().Get("icn")))
	})
	m.HandleFunc("POST /control/status", controlWrite(func(in struct{ ID, Status string }) error {
		return s.SetStatus(in.ID, in.Status)
	}))
	m.HandleFunc("POST /control/outage", controlWrite(func(in Outage) error {
		if in.ErrorRate < 0 || in.ErrorRate > 1 || in.LatencyMs < 0 {
			return errors.New("errorRate must be within [0,1], latencyMs >= 0")
		}
		s.SetOutage(in)
		return nil
	}))
	m.HandleFunc("POST /control/merge", controlWrite(func(in struct {
		ICN          string `json:"icn"`
		NewPatientID string `json:"newPatientId"`
	}) error {
		return s.Merge(in.ICN, in.NewPatientID)
	}))
	m.HandleFunc("POST /control/faults", s.faults.Control)
	m.HandleFunc("GET /control/care-teams", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.CareTeams())
	})
	for path, lose := range map[string]func(){"wipe": s.Wipe, "reset-ids": s.ResetIDs} {
		m.HandleFunc("POST /control/"+path, func(w http.ResponseWriter, _ *http.Request) { lose(); w.WriteHeader(http.StatusNoContent) })
	}
	s.ctrl = m
}

// controlWrite serves a control write: decode the JSON body as T, apply
// it, answer 204 or the error (controlError).
func controlWrite[T any](apply func(T) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in T
		if !decode(w, r, &in) {
			return
		}
		if err := apply(in); err != nil {
			controlError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxSendBody))
	if err := dec.Decode(v); err != nil {
		http.Error(w, "malformed JSON", http.StatusBadRequest)
		return false
	}
	return true
}

func controlError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, errNotFound):
		http.Error(w, "not found", http.StatusNotFound)
	default:
		http.Error(w, err.Error(), http.StatusBadRequest)
	}
}
