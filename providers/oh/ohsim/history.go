package ohsim

import (
	"fmt"
	"time"

	"github.com/va/vams/providers/oh/internal/wire"
	"github.com/va/vams/providers/simstate"
)

// HistoryThread is a conversation OH already holds when VAMS first looks
// (demo data, tests): its messages oldest first, each one answering the one
// before it (its referenceIds are its predecessors).
type HistoryThread struct {
	ICN      string
	CareTeam string // pool id or any of its names; must serve the patient
	Subject  string
	Messages []HistoryMessage
}

// HistoryMessage is one message of a HistoryThread.
type HistoryMessage struct {
	FromVeteran bool
	Body        string
	SentAt      time.Time
	// Read: the veteran opened a care-team message, or the care team opened
	// the veteran's.
	Read bool
	// Deleted: the veteran deleted it.
	Deleted bool
	// Attachments are file names; OH media is listed, not served.
	Attachments []string
	// Author of a care team's message, as ClinicianMessage.Author.
	Author string
}

// SeedHistory adds threads as one batch named name, unless the state
// already records that name (then it adds nothing and returns false). It
// pushes no Atom entries: history is found by listing, as at a first import.
// Either every thread is added or, on error, none.
func (s *Simulator) SeedHistory(name string, threads []HistoryThread) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seeded.Once(name, func() error { return s.addHistory(threads) })
}

func (s *Simulator) addHistory(threads []HistoryThread) error {
	pools := make([]*pool, len(threads))
	for i, t := range threads {
		p, ok := s.patients[t.ICN]
		if !ok {
			return fmt.Errorf("ohsim: history thread %d: %w: patient", i, errNotFound)
		}
		if pools[i] = s.findPool(t.CareTeam); pools[i] == nil || !pools[i].serves(t.ICN, p.PatientID) {
			return fmt.Errorf("ohsim: history thread %d: %w: care team %q", i, errBadRequest, t.CareTeam)
		}
		msg := func(j int) (string, time.Time) { return t.Messages[j].Body, t.Messages[j].SentAt }
		if err := simstate.CheckThread(t.Subject, len(t.Messages), msg); err != nil {
			return fmt.Errorf("ohsim: history thread %d: %w: %w", i, errBadRequest, err)
		}
	}
	for i, t := range threads {
		var refs []string
		for _, hm := range t.Messages {
			m := s.historyMsg(t, pools[i].id, hm)
			if !hm.FromVeteran {
				m.authorID = s.authorLocked(pools[i], hm.Author)
			}
			m.refs = append([]string(nil), refs...)
			s.newMsg(m)
			for j, name := range hm.Attachments {
				m.files = append(m.files, wire.Attachment{Name: name,
					MediaIdentifier: fmt.Sprintf("%d-%d", m.entity, j+1), MediaVersion: 1})
			}
			refs = append(refs, m.canonical())
		}
	}
	s.changed()
	return nil
}

func (s *Simulator) historyMsg(t HistoryThread, poolID int64, hm HistoryMessage) *msg {
	body := wire.Normalize(hm.Body)
	at := hm.SentAt.UTC().Truncate(time.Second)
	m := &msg{icn: t.ICN, poolID: poolID, subject: wire.Normalize(t.Subject), body: body, created: at}
	if hm.FromVeteran {
		// The veteran's own copy is opened; the receiver's status is the team's.
		m.box, m.format, m.raw = outbox, wire.FormatRTF, wire.EncodeRTF(body)
		m.status, m.rcvStatus = wire.StatusOpened, wire.StatusUnread
		if hm.Read {
			m.rcvStatus = wire.StatusOpened
		}
	} else {
		m.box, m.format, m.raw = inbox, wire.FormatXHTML, wire.EncodeXHTML(body)
		m.status, m.rcvStatus = wire.StatusUnread, wire.StatusUnread
		if hm.Read {
			m.status = wire.StatusOpened
		}
	}
	if hm.Deleted {
		m.status = wire.StatusDeleted
	}
	return m
}
