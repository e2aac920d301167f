package ohsim

import (
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/va/vams/providers/oh/internal/wire"
	"github.com/va/vams/providers/simstate"
)

// stateVersion is the layout of the state file.
const stateVersion = 1

// savedState is what the state file holds: everything a patient or VAMS
// could observe across a restart. Patients and pools come from Config.
type savedState struct {
	NextID     int64             `json:"nextId"`               // last entity id handed out
	PatientIDs map[string]string `json:"patientIds,omitempty"` // ICN → current patient id (after merges)
	Merged     map[string]string `json:"merged,omitempty"`     // old patient id → new
	Messages   []savedMsg        `json:"messages"`             // creation order
	Idem       map[string]int64  `json:"idempotencyKeys,omitempty"`
	Seeded     []string          `json:"seeded,omitempty"`
}

type savedMsg struct {
	Entity    int64             `json:"entity"`
	Version   int               `json:"version"`
	ICN       string            `json:"icn"`
	Box       string            `json:"box"`
	PoolID    int64             `json:"poolId,omitempty"`
	PrsnlID   int64             `json:"personnelId,omitempty"`
	AuthorID  int64             `json:"authorId,omitempty"`
	Subject   string            `json:"subject"`
	Body      string            `json:"body"`
	Format    string            `json:"format"`
	Raw       string            `json:"raw"`
	Status    string            `json:"status"`
	RcvStatus string            `json:"receiverStatus"`
	Created   time.Time         `json:"created"`
	Updated   time.Time         `json:"updated"`
	Refs      []string          `json:"refs,omitempty"`
	Files     []wire.Attachment `json:"attachments,omitempty"`
}

// Open builds a Simulator whose state lives in cfg.StateFile (required):
// it resumes from the file when it exists and saves every change to it.
func Open(cfg Config) (*Simulator, error) {
	s := New(cfg)
	var st savedState
	var err error
	s.state, err = simstate.Open(cfg.StateFile, stateVersion, &st, func() { s.restore(st) }, s.snapshot, cfg.SaveDelay, cfg.Log)
	if err != nil {
		s.Close() // New started the push machinery
		return nil, fmt.Errorf("ohsim: %w", err)
	}
	return s, nil
}

// changed schedules a save of the state. Callers hold s.mu.
func (s *Simulator) changed() { s.state.Changed() }

// Save writes the state file now, if there is one and it changed.
func (s *Simulator) Save() error { return s.state.Flush() }

func (s *Simulator) snapshot() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := savedState{NextID: s.idGen, PatientIDs: map[string]string{},
		Merged: s.merged, Idem: s.idem, Messages: make([]savedMsg, 0, len(s.order)), Seeded: s.seeded.Names()}
	for icn, p := range s.patients {
		st.PatientIDs[icn] = p.PatientID
	}
	for _, m := range s.order {
		st.Messages = append(st.Messages, savedMsg{Entity: m.entity, Version: m.version, ICN: m.icn, Box: m.box,
			PoolID: m.poolID, PrsnlID: m.prsnlID, AuthorID: m.authorID, Subject: m.subject, Body: m.body, Format: m.format, Raw: m.raw,
			Status: m.status, RcvStatus: m.rcvStatus, Created: m.created, Updated: m.updated, Refs: m.refs, Files: m.files})
	}
	// Marshalled under the lock: the maps are the live ones.
	b, _ := json.Marshal(st) // no unmarshallable values
	return json.RawMessage(b)
}

// restore loads a saved state into a new simulator. Messages of patients no
// longer configured are dropped; the id counter never moves back.
func (s *Simulator) restore(st savedState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for icn, pid := range st.PatientIDs {
		p, ok := s.patients[icn]
		if !ok || pid == p.PatientID {
			continue
		}
		delete(s.byPID, p.PatientID)
		p.PatientID = pid
		s.byPID[pid] = icn
	}
	for o, n := range st.Merged {
		s.merged[o] = n
	}
	s.idGen = max(s.idGen, st.NextID)
	for _, sm := range st.Messages {
		if _, ok := s.patients[sm.ICN]; !ok {
			continue
		}
		m := &msg{entity: sm.Entity, version: sm.Version, icn: sm.ICN, box: sm.Box, poolID: sm.PoolID,
			prsnlID: sm.PrsnlID, authorID: sm.AuthorID, subject: sm.Subject, body: sm.Body, format: sm.Format, raw: sm.Raw,
			status: sm.Status, rcvStatus: sm.RcvStatus, created: sm.Created, updated: sm.Updated,
			refs: sm.Refs, files: sm.Files}
		s.msgs[m.entity] = m
		s.order = append(s.order, m)
		s.idGen = max(s.idGen, m.entity)
	}
	maps.DeleteFunc(st.Idem, func(_ string, e int64) bool { return s.msgs[e] == nil })
	maps.Copy(s.idem, st.Idem)
	s.seeded.Add(st.Seeded...)
}
