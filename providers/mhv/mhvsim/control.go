package mhvsim

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The control API lets tests and VAMS's dev stack act as the clinician side
// and as the veteran's other portals, and inject outages. It is JSON under
// /control/ and never subject to outages.

func (s *Simulator) controlRoutes() {
	m := http.NewServeMux()
	m.HandleFunc("POST /control/clinician-messages", s.ctlClinicianMessage)
	m.HandleFunc("GET /control/messages", s.ctlMessages)
	m.HandleFunc("POST /control/status", s.ctlStatus)
	m.HandleFunc("POST /control/outage", s.ctlOutage)
	m.HandleFunc("GET /control/care-teams", s.ctlCareTeams)
	m.HandleFunc("POST /control/faults", s.faults.Control)
	for path, lose := range map[string]func(){"wipe": s.Wipe, "reset-ids": s.ResetIDs} {
		m.HandleFunc("POST /control/"+path, func(w http.ResponseWriter, _ *http.Request) { lose(); w.WriteHeader(http.StatusNoContent) })
	}
	s.control = m
}

func ctlError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(v); err != nil {
		ctlError(w, http.StatusBadRequest, "invalid JSON body")
		return false
	}
	return true
}

// ClinicianMessage is the body of POST /control/clinician-messages.
type ClinicianMessage struct {
	ICN       string `json:"icn"`
	CareTeam  string `json:"careTeam,omitempty"` // triage team id or name
	Subject   string `json:"subject,omitempty"`
	Body      string `json:"body"`
	InReplyTo string `json:"inReplyTo,omitempty"` // provider message id
	Category  string `json:"category,omitempty"`
}

func (s *Simulator) findTeam(ref string) *team {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		if t := s.teamByID[id]; t != nil {
			return t
		}
	}
	for _, t := range s.teams {
		if strings.EqualFold(t.Name, ref) {
			return t
		}
	}
	return nil
}

// ctlClinicianMessage: a clinician writes to the veteran. With inReplyTo the
// team, thread and subject come from that message.
func (s *Simulator) ctlClinicianMessage(w http.ResponseWriter, r *http.Request) {
	var in ClinicianMessage
	if !decodeBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.byICN[in.ICN]
	if p == nil {
		ctlError(w, http.StatusNotFound, "unknown icn")
		return
	}
	if strings.TrimSpace(in.Body) == "" {
		ctlError(w, http.StatusBadRequest, "body is required")
		return
	}
	m := &message{corr: p.CorrelationID, dir: dirToVeteran, body: in.Body, sentAt: s.now().UTC(), folder: folderInbox}
	if in.InReplyTo != "" {
		id, _ := strconv.ParseInt(in.InReplyTo, 10, 64)
		orig := s.msgs[id]
		if orig == nil || orig.corr != p.CorrelationID {
			ctlError(w, http.StatusNotFound, "unknown inReplyTo")
			return
		}
		m.teamID, m.threadID, m.subject, m.category, m.inReplyTo = orig.teamID, orig.threadID, orig.subject, orig.category, orig.id
		if in.Subject != "" {
			m.subject = in.Subject
		}
	} else {
		t := s.findTeam(in.CareTeam)
		if t == nil || !t.serves(p.CorrelationID) {
			ctlError(w, http.StatusBadRequest, "careTeam is required and must name one of the patient's triage teams")
			return
		}
		m.teamID, m.threadID, m.subject, m.category = t.ID, s.newID(), in.Subject, in.Category
		if m.subject == "" {
			m.subject = "Message from your care team"
		}
	}
	if m.category == "" {
		m.category = "OTHER"
	}
	if in.Category != "" {
		m.category = in.Category
	}
	m.id = s.newID()
	s.addMessage(m)
	writeJSON(w, http.StatusCreated, map[string]string{"id": strconv.FormatInt(m.id, 10)})
}

// ControlMessage is one element of GET /control/messages.
type ControlMessage struct {
	ID              string     `json:"id"`
	ThreadID        string     `json:"threadId"`
	Direction       string     `json:"direction"`
	CareTeam        string     `json:"careTeam"`
	CareTeamName    string     `json:"careTeamName"`
	Category        string     `json:"category"`
	Subject         string     `json:"subject"`
	Body            string     `json:"body"`
	Status          string     `json:"status"`
	InReplyTo       string     `json:"inReplyTo,omitempty"`
	SentAt          time.Time  `json:"sentAt"`
	ClinicianReadAt *time.Time `json:"clinicianReadAt,omitempty"`
	Attachments     int        `json:"attachments"`
}

// ctlMessages lists what MHV holds for the veteran (drafts excluded).
// Status is the recipient's read state, or DELETED when the veteran deleted it.
func (s *Simulator) ctlMessages(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.byICN[r.URL.Query().Get("icn")]
	if p == nil {
		ctlError(w, http.StatusNotFound, "unknown icn")
		return
	}
	out := []ControlMessage{}
	for _, id := range s.order {
		m := s.msgs[id]
		if m.corr != p.CorrelationID || m.folder == folderDrafts {
			continue
		}
		cm := ControlMessage{
			ID: strconv.FormatInt(m.id, 10), ThreadID: strconv.FormatInt(m.threadID, 10),
			Direction: m.dir, CareTeam: strconv.FormatInt(m.teamID, 10), CareTeamName: s.teamName(m.teamID),
			Category: m.category, Subject: m.subject, Body: m.body, SentAt: m.sentAt,
			Status: "UNREAD", Attachments: len(m.attachments),
		}
		if m.inReplyTo != 0 {
			cm.InReplyTo = strconv.FormatInt(m.inReplyTo, 10)
		}
		switch {
		case m.folder == folderDeleted:
			cm.Status = "DELETED"
		case m.dir == dirToClinician && m.clinRead, m.dir == dirToVeteran && m.vetRead:
			cm.Status = "READ"
		}
		if m.clinRead {
			t := m.clinReadAt
			cm.ClinicianReadAt = &t
		}
		out = append(out, cm)
	}
	writeJSON(w, http.StatusOK, out)
}

// ctlStatus applies a change made outside VAMS: READ on a veteran's message
// is the clinician opening it (read receipt); READ/UNREAD/DELETED on a
// clinician's message is the veteran acting in another portal.
func (s *Simulator) ctlStatus(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := strconv.ParseInt(in.ID, 10, 64)
	m := s.msgs[id]
	if m == nil {
		ctlError(w, http.StatusNotFound, "unknown message")
		return
	}
	now := s.now().UTC()
	switch strings.ToUpper(in.Status) {
	case "READ":
		if m.dir == dirToClinician {
			m.clinRead, m.clinReadAt = true, now
		} else {
			m.vetRead, m.vetReadAt = true, now
		}
	case "UNREAD":
		if m.dir == dirToClinician {
			m.clinRead, m.clinReadAt = false, time.Time{}
		} else {
			m.vetRead, m.vetReadAt = false, time.Time{}
		}
		if m.folder == folderDeleted {
			m.folder = homeFolder(m)
		}
	case "DELETED":
		m.folder = folderDeleted
	default:
		ctlError(w, http.StatusBadRequest, "status must be READ, UNREAD or DELETED")
		return
	}
	s.changed()
	w.WriteHeader(http.StatusNoContent)
}

func homeFolder(m *message) int64 {
	if m.dir == dirToClinician {
		return folderSent
	}
	return folderInbox
}

// Outage is the body of POST /control/outage.
type Outage struct {
	Down      bool    `json:"down"`
	LatencyMs int     `json:"latencyMs"`
	ErrorRate float64 `json:"errorRate"`
}

func (s *Simulator) ctlOutage(w http.ResponseWriter, r *http.Request) {
	var in Outage
	if !decodeBody(w, r, &in) {
		return
	}
	if in.ErrorRate < 0 || in.ErrorRate > 1 || in.LatencyMs < 0 {
		ctlError(w, http.StatusBadRequest, "errorRate must be in [0,1] and latencyMs >= 0")
		return
	}
	s.SetOutage(in)
	writeJSON(w, http.StatusOK, in)
}

// SetOutage is the Go form of POST /control/outage.
func (s *Simulator) SetOutage(o Outage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down, s.latency, s.errorRate = o.Down, time.Duration(o.LatencyMs)*time.Millisecond, o.ErrorRate
}

// ControlCareTeam is one element of GET /control/care-teams.
type ControlCareTeam struct {
	ID                string   `json:"id"`
	Name              string   `json:"name"`
	StationNumber     string   `json:"stationNumber"`
	FacilityName      string   `json:"facilityName"`
	HealthCareSystem  string   `json:"healthCareSystem"`
	RequiresSignature bool     `json:"requiresSignature"`
	Preferred         bool     `json:"preferred"`
	BlockedFor        []string `json:"blockedFor"`
	AssociatedWith    []string `json:"associatedWith,omitempty"` // correlation ids; empty: every patient
}

func (s *Simulator) ctlCareTeams(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []ControlCareTeam{}
	for _, t := range s.teams {
		blocked := []string{}
		for c := range t.blocked {
			blocked = append(blocked, c)
		}
		out = append(out, ControlCareTeam{
			ID: strconv.FormatInt(t.ID, 10), Name: t.Name, StationNumber: t.StationNumber,
			FacilityName: t.FacilityName, HealthCareSystem: t.HealthCareSystem,
			RequiresSignature: t.RequiresSignature, Preferred: t.Preferred, BlockedFor: blocked,
			AssociatedWith: t.AssociatedWith,
		})
	}
	writeJSON(w, http.StatusOK, out)
}
