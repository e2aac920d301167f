package ohsim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/va/vams/providers/oh"
	"github.com/va/vams/providers/oh/internal/wire"
)

const (
	inbox  = "inbox"
	outbox = "outbox"
)

func (s *Simulator) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /{authority}/pools", s.getPoolsByName)
	m.HandleFunc("GET /{authority}/pools/{poolIds}", s.getPoolsByID)
	m.HandleFunc("GET /{authority}/pools/{poolIds}/recipient-access", s.getPoolAccess)
	m.HandleFunc("GET /{authority}/patients/{patientId}/{box}/messages", s.listMessages)
	m.HandleFunc("GET /{authority}/patients/{patientId}/{box}/messages/{messageIds}", s.getMessages)
	m.Handle("POST /{authority}/patients/{patientId}/outbox/messages", s.faults.Send(http.HandlerFunc(s.sendMessage)))
	m.HandleFunc("DELETE /{authority}/patients/{patientId}/inbox/messages/{messageIds}", s.deleteMessages)
	m.HandleFunc("PUT /{authority}/patients/{patientId}/inbox/messages/{messageIds}/status/{status}", s.putStatus)
	s.fhirRoutes(m)
	s.rest = m
	s.controlRoutes()
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Simulator) authorityOK(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("authority") != s.cfg.Authority {
		http.Error(w, "unknown authority", http.StatusNotFound)
		return false
	}
	return true
}

// patientLocked resolves {patientId}; merged ids answer 301 with the same
// path under the new id, unknown ones 404. Callers hold s.mu.
func (s *Simulator) patientLocked(w http.ResponseWriter, r *http.Request) (icn, pid string, ok bool) {
	if !s.authorityOK(w, r) {
		return "", "", false
	}
	pid = r.PathValue("patientId")
	if icn, ok := s.byPID[pid]; ok {
		return icn, pid, true
	}
	if np, ok := s.merged[pid]; ok {
		segs := strings.Split(r.URL.Path, "/")
		for i := range segs {
			if segs[i] == "patients" && i+1 < len(segs) {
				segs[i+1] = url.PathEscape(np)
				break
			}
		}
		loc := strings.Join(segs, "/")
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		w.Header().Set("Location", loc)
		w.WriteHeader(http.StatusMovedPermanently)
		return "", "", false
	}
	http.Error(w, "unknown patient", http.StatusNotFound)
	return "", "", false
}

// withPatient runs h holding s.mu once {patientId} resolves (see
// patientLocked, which has answered when it does not).
func (s *Simulator) withPatient(w http.ResponseWriter, r *http.Request, h func(icn, pid string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if icn, pid, ok := s.patientLocked(w, r); ok {
		h(icn, pid)
	}
}

// boxOf reads {box}: inbox or outbox, else 404.
func boxOf(w http.ResponseWriter, r *http.Request) (string, bool) {
	box := r.PathValue("box")
	if box != inbox && box != outbox {
		http.NotFound(w, r)
		return "", false
	}
	return box, true
}

func (s *Simulator) poolNames(p *pool) []string {
	if len(p.ExternalNames) > 0 {
		return p.ExternalNames
	}
	return []string{p.Name}
}

func (s *Simulator) wirePool(p *pool) wire.Pool {
	return wire.Pool{
		ID: p.id, IDURL: "/" + s.cfg.Authority + "/pools/" + strconv.FormatInt(p.id, 10), Name: p.Name,
		StationNumber: p.StationNumber, FacilityName: p.FacilityName, HealthCareSystem: p.HealthCareSystem,
	}
}

// getPoolsByName keys each pool by every external name, in configured
// order, with the case-insensitive "starts with" filter of the spec. The
// optional patientId query (a simulator extension: OH itself has no
// patient-to-pool mapping, VA filters by facility) keeps the pools that
// serve that patient.
func (s *Simulator) getPoolsByName(w http.ResponseWriter, r *http.Request) {
	if !s.authorityOK(w, r) {
		return
	}
	prefix := strings.ToLower(r.URL.Query().Get("name"))
	pid := r.URL.Query().Get("patientId")
	icn := s.icnOf(pid)
	var out []wire.NamedPool
	for _, p := range s.pools { // pools are immutable after New
		if pid != "" && !p.serves(icn, pid) {
			continue
		}
		for _, n := range s.poolNames(p) {
			if strings.HasPrefix(strings.ToLower(n), prefix) {
				out = append(out, wire.NamedPool{Key: n, Pool: s.wirePool(p)})
			}
		}
	}
	b, err := wire.EncodePoolsByName(out)
	if err != nil {
		http.Error(w, "encode", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_, _ = w.Write(b)
}

// poolsFromPath resolves {authority} and then {poolIds}, leaving out
// unknown pools; a bad authority or a malformed id is a 404.
func (s *Simulator) poolsFromPath(w http.ResponseWriter, r *http.Request) ([]*pool, bool) {
	if !s.authorityOK(w, r) {
		return nil, false
	}
	var out []*pool
	for _, idS := range strings.Split(r.PathValue("poolIds"), ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(idS), 10, 64)
		if err != nil {
			http.Error(w, "malformed pool id", http.StatusNotFound)
			return nil, false
		}
		if p := s.poolByID[id]; p != nil {
			out = append(out, p)
		}
	}
	return out, true
}

func (s *Simulator) getPoolsByID(w http.ResponseWriter, r *http.Request) {
	ps, ok := s.poolsFromPath(w, r)
	if !ok {
		return
	}
	if len(ps) == 0 {
		http.Error(w, "no pools", http.StatusNotFound)
		return
	}
	out := wire.PoolsByID{PoolsByID: map[string]wire.Pool{}}
	for _, p := range ps {
		out.PoolsByID[strconv.FormatInt(p.id, 10)] = s.wirePool(p)
	}
	writeJSON(w, http.StatusOK, out)
}

// getPoolAccess answers GRANTED or DENIED_CONFIGURATION per pool. The
// optional patientId query (a simulator extension) reports the pool's
// block of that patient.
func (s *Simulator) getPoolAccess(w http.ResponseWriter, r *http.Request) {
	ps, ok := s.poolsFromPath(w, r)
	if !ok {
		return
	}
	pid := r.URL.Query().Get("patientId")
	icn := s.icnOf(pid)
	out := wire.RecipientAccessByPoolID{ByPoolID: map[string]string{}}
	for _, p := range ps {
		v := wire.AccessGranted
		if pid != "" && (p.blocked[pid] || (icn != "" && p.blocked[icn]) || !p.serves(icn, pid)) {
			v = wire.AccessDenied
		}
		out.ByPoolID[strconv.FormatInt(p.id, 10)] = v
	}
	writeJSON(w, http.StatusOK, out)
}

// toWire renders a message as the patient identified by pid sees it. full
// adds the by-id fields lists leave out (text, texts, referenceIds).
func (s *Simulator) toWire(m *msg, pid string, full bool) wire.Message {
	pidN, _ := strconv.ParseInt(pid, 10, 64)
	base := "/" + s.cfg.Authority + "/patients/" + pid + "/" + m.box + "/messages/"
	out := wire.Message{
		ID:          m.id(),
		IDURL:       base + m.id(),
		Subject:     m.subject,
		CreateDate:  wire.FormatTime(m.created),
		UpdateDate:  wire.FormatTime(m.updated),
		MessageType: "MESSAGE",
		Priority:    "ROUTINE",
		Status:      m.status,
		ReferenceID: m.canonical(),
		PatientID:   pidN,
	}
	if m.box == inbox {
		out.PoolSenderID = m.poolID
		out.PersonnelSenderID = m.authorID
		if m.poolID == 0 {
			out.PersonnelSenderID = m.prsnlID
		}
		out.Receivers = []wire.Receiver{{ReceiverID: pidN, Type: wire.ReceiverPerson, Status: m.status}}
		out.OpenURL = base + m.id() + "/status/OPENED"
		out.UnreadURL = base + m.id() + "/status/UNREAD"
		out.DeleteURL = base + m.id()
	} else {
		out.PersonSenderID = pidN
		if m.poolID != 0 {
			out.Receivers = []wire.Receiver{{ReceiverID: m.poolID, Type: wire.ReceiverPool, Status: m.rcvStatus}}
		} else {
			out.Receivers = []wire.Receiver{{ReceiverID: m.prsnlID, Type: wire.ReceiverPersonnel, Status: m.rcvStatus}}
		}
	}
	if full {
		out.Text = m.raw
		if m.format != wire.FormatRTF {
			out.Text = wire.EncodeRTF(m.body)
		}
		out.Texts = []wire.TextSection{{FormatType: m.format, Text: m.raw}}
		out.ReferenceIDs = append([]string(nil), m.refs...)
	}
	out.Attachments = append([]wire.Attachment(nil), m.files...)
	return out
}

// icnOf resolves a patient id, current or merged away, to its ICN ("" when
// unknown).
func (s *Simulator) icnOf(pid string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if np, ok := s.merged[pid]; ok {
		pid = np
	}
	return s.byPID[pid]
}

// serves reports whether the pool is associated with the patient.
func (p *pool) serves(icn, pid string) bool {
	return p.associated == nil || p.associated[icn] || (pid != "" && p.associated[pid])
}

func parseStatuses(q string) (map[string]bool, bool) {
	if strings.TrimSpace(q) == "" {
		q = "UNREAD,OPEN,ONHOLD"
	}
	out := map[string]bool{}
	for _, s := range strings.Split(q, ",") {
		switch s = strings.ToUpper(strings.TrimSpace(s)); s {
		case wire.FilterOpen, wire.StatusOpened:
			out[wire.StatusOpened] = true
		case wire.StatusUnread, wire.StatusOnHold, wire.StatusDeleted:
			out[s] = true
		default:
			return nil, false
		}
	}
	return out, true
}

func (s *Simulator) listMessages(w http.ResponseWriter, r *http.Request) {
	box, ok := boxOf(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	statuses, ok := parseStatuses(q.Get("statuses"))
	if !ok {
		http.Error(w, "bad statuses", http.StatusBadRequest)
		return
	}
	end := s.now()
	begin := end.Add(-90 * 24 * time.Hour)
	var err error
	if v := q.Get("beginDate"); v != "" {
		if begin, err = wire.ParseTime(v); err != nil {
			http.Error(w, "bad beginDate", http.StatusBadRequest)
			return
		}
	}
	if v := q.Get("endDate"); v != "" {
		if end, err = wire.ParseTime(v); err != nil {
			http.Error(w, "bad endDate", http.StatusBadRequest)
			return
		}
	}
	if end.Before(begin) {
		http.Error(w, "beginDate after endDate", http.StatusBadRequest)
		return
	}
	s.withPatient(w, r, func(icn, pid string) {
		out := wire.Messages{Messages: []wire.Message{}}
		for _, m := range s.messagesFor(icn, box) {
			if m.created.Before(begin) || m.created.After(end) || !statuses[m.status] {
				continue
			}
			if len(out.Messages) == s.cfg.ListCap {
				break // OH's cap: the caller must narrow the window
			}
			out.Messages = append(out.Messages, s.toWire(m, pid, false))
		}
		writeJSON(w, http.StatusOK, out)
	})
}

func (s *Simulator) getMessages(w http.ResponseWriter, r *http.Request) {
	box, ok := boxOf(w, r)
	if !ok {
		return
	}
	full := r.URL.Query().Get("loadReferences") == "true"
	s.withPatient(w, r, func(icn, pid string) {
		out := wire.MessagesByID{MessagesByID: map[string]wire.Message{}}
		for _, id := range strings.Split(r.PathValue("messageIds"), ",") {
			m := s.findMsg(strings.TrimSpace(id))
			if m == nil || m.icn != icn || m.box != box {
				continue
			}
			wm := s.toWire(m, pid, true)
			if !full {
				wm.ReferenceIDs = nil
			}
			out.MessagesByID[wm.ID] = wm
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// deleteMessages is the spec's inactivateInboxMessage: no version check.
func (s *Simulator) deleteMessages(w http.ResponseWriter, r *http.Request) {
	s.withInboxMsgs(w, r, func(ms []*msg, _ []string) {
		for _, m := range ms {
			s.setOwnerStatus(m, wire.StatusDeleted)
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func (s *Simulator) setOwnerStatus(m *msg, st string) {
	m.status = st
	m.version++
	m.updated = s.now()
	s.changed()
}

// putStatus is updateInboxMessageStatus: every id must carry the message's
// current version, else 409 and nothing changes.
func (s *Simulator) putStatus(w http.ResponseWriter, r *http.Request) {
	st := strings.ToUpper(r.PathValue("status"))
	switch st {
	case wire.StatusUnread, wire.StatusOpened, wire.StatusOnHold, wire.StatusDeleted:
	default:
		http.Error(w, "bad status", http.StatusBadRequest)
		return
	}
	s.withInboxMsgs(w, r, func(ms []*msg, ids []string) {
		for i, m := range ms {
			if _, v := wire.SplitID(ids[i]); v != strconv.Itoa(m.version) {
				http.Error(w, "version mismatch", http.StatusConflict)
				return
			}
		}
		for _, m := range ms {
			s.setOwnerStatus(m, st)
		}
		w.WriteHeader(http.StatusOK)
	})
}

// withInboxMsgs resolves the messageIds path value (versioned ids, comma
// separated) to the patient's inbox messages and runs h with them, in order,
// and the trimmed ids, holding s.mu. Any unknown id is a 404 and h does not
// run.
func (s *Simulator) withInboxMsgs(w http.ResponseWriter, r *http.Request, h func(ms []*msg, ids []string)) {
	s.withPatient(w, r, func(icn, _ string) {
		ids := strings.Split(r.PathValue("messageIds"), ",")
		ms := make([]*msg, 0, len(ids))
		for i, id := range ids {
			ids[i] = strings.TrimSpace(id)
			m := s.findMsg(ids[i])
			if m == nil || m.icn != icn || m.box != inbox {
				http.Error(w, "unknown message", http.StatusNotFound)
				return
			}
			ms = append(ms, m)
		}
		h(ms, ids)
	})
}

const maxSendBody = 1 << 20

func (s *Simulator) sendMessage(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxSendBody+1))
	if err != nil || len(data) > maxSendBody {
		http.Error(w, "body too large", http.StatusBadRequest)
		return
	}
	var in wire.SendMessage
	if err := json.Unmarshal(data, &in); err != nil {
		http.Error(w, "malformed body", http.StatusBadRequest)
		return
	}
	key := r.Header.Get(wire.IdempotencyHeader)
	if s.faults.IgnoreKeys() {
		key = ""
	}
	s.mu.Lock()
	icn, pid, ok := s.patientLocked(w, r)
	if !ok {
		s.mu.Unlock()
		return
	}
	loc := func(m *msg) string {
		return "/" + s.cfg.Authority + "/patients/" + pid + "/outbox/messages/" + m.canonical()
	}
	if key != "" {
		if e, ok := s.idem[icn+"\x00"+key]; ok {
			m := s.msgs[e]
			s.mu.Unlock()
			w.Header().Set("Location", loc(m))
			w.WriteHeader(http.StatusCreated)
			return
		}
	}
	m, msgErr := s.validateSend(icn, pid, in)
	if msgErr != "" {
		s.mu.Unlock()
		http.Error(w, msgErr, http.StatusBadRequest)
		return
	}
	s.newMsg(m)
	if key != "" {
		s.idem[icn+"\x00"+key] = m.entity
		s.changed()
	}
	entry := s.entryLocked(m, pid)
	s.mu.Unlock()
	s.publish(entry)
	w.Header().Set("Location", loc(m))
	w.WriteHeader(http.StatusCreated)
}

// validateSend applies the swagger's SendMessage rules. Callers hold s.mu.
func (s *Simulator) validateSend(icn, pid string, in wire.SendMessage) (*msg, string) {
	if strconv.FormatInt(in.PatientID, 10) != pid {
		return nil, "patientId does not match the URI"
	}
	if strings.TrimSpace(in.Subject) == "" || utf8.RuneCountInString(in.Subject) >= 256 {
		return nil, "subject must be non-blank and under 256 characters"
	}
	if len(in.Attachments) > 0 {
		return nil, "attachments are not supported by the simulator"
	}
	if in.FormatType != "" && in.Text == "" {
		return nil, "formatType without text"
	}
	format := strings.ToUpper(in.FormatType)
	switch format {
	case "":
		format = wire.FormatRTF
	case wire.FormatRTF, wire.FormatXHTML:
	default:
		return nil, "formatType must be RTF or XHTML"
	}
	rcv := append(append([]wire.Receiver{}, in.Receivers...), in.CCReceivers...)
	if len(rcv) == 0 {
		return nil, "at least one receiver is required"
	}
	m := &msg{icn: icn, box: outbox, subject: in.Subject, format: format, raw: in.Text,
		status: wire.StatusOpened, rcvStatus: wire.StatusUnread, created: s.now()}
	for _, r := range rcv {
		if r.ReceiverID == 0 {
			return nil, "receiverId is required"
		}
		switch r.Type {
		case wire.ReceiverPool:
			p := s.poolByID[r.ReceiverID]
			if p == nil || !p.serves(icn, pid) {
				return nil, "unknown pool"
			}
			if p.blocked[icn] || p.blocked[pid] {
				return nil, "pool does not accept messages from this patient"
			}
			if m.poolID == 0 {
				m.poolID = p.id
			}
		case wire.ReceiverPersonnel:
			if m.prsnlID == 0 {
				m.prsnlID = r.ReceiverID
			}
		default:
			return nil, "receiver type must be POOL or PERSONNEL"
		}
	}
	if format == wire.FormatXHTML {
		m.body = wire.DecodeXHTML(in.Text)
	} else {
		m.body = wire.DecodeRTF(in.Text)
	}
	if in.PreviousMessageID != "" {
		prev := s.findMsg(in.PreviousMessageID)
		if prev == nil || prev.icn != icn {
			return nil, "previous message cannot be read"
		}
		m.refs = append(append([]string(nil), prev.refs...), prev.canonical())
	}
	return m, ""
}

func (s *Simulator) entryLocked(m *msg, pid string) oh.AtomEntry {
	return oh.AtomEntry{
		EntryID:   oh.EntryID(s.cfg.Authority, m.canonical()),
		MessageID: m.canonical(),
		PatientID: pid,
		Authority: s.cfg.Authority,
		Mailbox:   m.box,
		Updated:   m.created,
	}
}
