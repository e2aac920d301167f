package mhvsim

import (
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/va/vams/providers/simstate"
)

// stateVersion is the layout of the state file.
const stateVersion = 1

// savedState is what the state file holds: everything a patient or VAMS
// could observe across a restart except sessions (VAMS opens new ones).
// Patients and triage teams come from the Seed.
type savedState struct {
	NextID   int64                   `json:"nextId"`             // last id handed out (messages, threads, attachments, folders)
	Patients map[string]savedPatient `json:"patients,omitempty"` // by correlation id
	Messages []savedMessage          `json:"messages"`           // creation order
	Idem     map[string]int64        `json:"idempotencyKeys,omitempty"`
	Seeded   []string                `json:"seeded,omitempty"`
}

type savedPatient struct {
	Signature map[string]any `json:"signature,omitempty"`
	NotifyMe  string         `json:"notifyMe,omitempty"`
	Preferred map[int64]bool `json:"preferred,omitempty"`
	Folders   []savedFolder  `json:"folders,omitempty"`
}

type savedFolder struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type savedMessage struct {
	ID          int64             `json:"id"`
	ThreadID    int64             `json:"threadId"`
	Corr        string            `json:"correlationId"`
	TeamID      int64             `json:"teamId"`
	Dir         string            `json:"direction"`
	Category    string            `json:"category"`
	Subject     string            `json:"subject"`
	Body        string            `json:"body"`
	Author      string            `json:"author,omitempty"`
	SentAt      time.Time         `json:"sentAt,omitzero"`
	DraftAt     time.Time         `json:"draftAt,omitzero"`
	Folder      int64             `json:"folder"`
	VetReadAt   *time.Time        `json:"veteranReadAt,omitempty"`
	ClinReadAt  *time.Time        `json:"clinicianReadAt,omitempty"`
	InReplyTo   int64             `json:"inReplyTo,omitempty"`
	Attachments []savedAttachment `json:"attachments,omitempty"`
}

type savedAttachment struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	MIME string `json:"mimeType"`
	Data []byte `json:"data,omitempty"`
	Size int64  `json:"size"`
}

// Open builds a simulator whose state lives in seed.StateFile (required):
// it resumes from the file when it exists and saves every change to it.
// Call Close to save the last changes.
func Open(seed Seed) (s *Simulator, err error) {
	s = New(seed)
	var st savedState
	if s.state, err = simstate.Open(seed.StateFile, stateVersion, &st, func() { s.restore(st) }, s.snapshot, seed.SaveDelay, seed.Log); err != nil {
		return nil, fmt.Errorf("mhvsim: %w", err)
	}
	return s, nil
}

// Close saves the state file (if any) and stops its writer. The simulator
// keeps answering, but later changes are not saved.
func (s *Simulator) Close() error { return s.state.Close() }

// Save writes the state file now, if there is one and it changed.
func (s *Simulator) Save() error { return s.state.Flush() }

// changed schedules a save of the state. Callers hold s.mu.
func (s *Simulator) changed() { s.state.Changed() }

func timePtr(t time.Time, set bool) *time.Time {
	if !set {
		return nil
	}
	return &t
}

func (s *Simulator) snapshot() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := savedState{NextID: s.nextID, Patients: map[string]savedPatient{},
		Idem: s.idem, Messages: make([]savedMessage, 0, len(s.order)), Seeded: s.seeded.Names()}
	for corr, p := range s.patients {
		sp := savedPatient{Signature: p.signature, NotifyMe: p.notify, Preferred: p.preferred}
		for _, f := range p.folders {
			sp.Folders = append(sp.Folders, savedFolder{ID: f.id, Name: f.name})
		}
		st.Patients[corr] = sp
	}
	for _, id := range s.order {
		m := s.msgs[id]
		sm := savedMessage{ID: m.id, ThreadID: m.threadID, Corr: m.corr, TeamID: m.teamID, Dir: m.dir,
			Category: m.category, Subject: m.subject, Body: m.body, Author: m.author, SentAt: m.sentAt,
			DraftAt: m.draftAt, Folder: m.folder, VetReadAt: timePtr(m.vetReadAt, m.vetRead),
			ClinReadAt: timePtr(m.clinReadAt, m.clinRead), InReplyTo: m.inReplyTo}
		for _, a := range m.attachments {
			sm.Attachments = append(sm.Attachments, savedAttachment{ID: a.id, Name: a.name, MIME: a.mime, Data: a.data, Size: a.size})
		}
		st.Messages = append(st.Messages, sm)
	}
	// Marshalled here, under the lock, since the maps are the live ones.
	b, _ := json.Marshal(st) // no unmarshallable values
	return json.RawMessage(b)
}

// restore loads a saved state into a new simulator. Messages of patients no
// longer configured are dropped; the id counter never moves back.
func (s *Simulator) restore(st savedState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID = max(s.nextID, st.NextID)
	for corr, sp := range st.Patients {
		p := s.patients[corr]
		if p == nil {
			continue
		}
		if sp.Signature != nil {
			p.signature = sp.Signature
		}
		p.notify = sp.NotifyMe
		for id, v := range sp.Preferred {
			p.preferred[id] = v
		}
		for _, f := range sp.Folders {
			p.folders = append(p.folders, customFolder{id: f.ID, name: f.Name})
		}
	}
	for _, sm := range st.Messages {
		if s.patients[sm.Corr] == nil {
			continue
		}
		m := &message{id: sm.ID, threadID: sm.ThreadID, corr: sm.Corr, teamID: sm.TeamID, dir: sm.Dir,
			category: sm.Category, subject: sm.Subject, body: sm.Body, author: sm.Author, sentAt: sm.SentAt,
			draftAt: sm.DraftAt, folder: sm.Folder, inReplyTo: sm.InReplyTo}
		if sm.VetReadAt != nil {
			m.vetRead, m.vetReadAt = true, *sm.VetReadAt
		}
		if sm.ClinReadAt != nil {
			m.clinRead, m.clinReadAt = true, *sm.ClinReadAt
		}
		for _, a := range sm.Attachments {
			m.attachments = append(m.attachments, attachment{id: a.ID, name: a.Name, mime: a.MIME, data: a.Data, size: a.Size})
		}
		s.msgs[m.id] = m
		s.order = append(s.order, m.id)
		s.nextID = max(s.nextID, m.id, m.threadID)
	}
	maps.DeleteFunc(st.Idem, func(_ string, id int64) bool { return s.msgs[id] == nil })
	maps.Copy(s.idem, st.Idem)
	s.seeded.Add(st.Seeded...)
}

// Wipe simulates a loss of the provider's data: every message, draft and
// idempotency key is forgotten, but ids keep counting, so none is reused.
// Patients, teams, custom folders, preferences and seeding marks stay.
func (s *Simulator) Wipe() { s.lose(false) }

// ResetIDs simulates a loss that also restarted the provider's id sequence:
// Wipe, then new messages and threads get ids old ones had.
func (s *Simulator) ResetIDs() { s.lose(true) }

// lose forgets every message; ids go on, or start again with resetIDs.
func (s *Simulator) lose(resetIDs bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.msgs)
	clear(s.idem)
	s.order = nil
	if resetIDs {
		s.nextID = s.seed.FirstID
	}
	s.changed()
}
