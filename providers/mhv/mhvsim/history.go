package mhvsim

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/va/vams/providers/simstate"
)

// HistoryThread is a conversation MHV already holds when VAMS first looks
// (demo data, tests): its messages oldest first, each one answering the one
// before it.
type HistoryThread struct {
	ICN      string
	CareTeam string // triage team id or name; must serve the patient
	Category string // default OTHER
	Subject  string
	// Folder is where the veteran filed the thread: "" for each message's
	// home (the team's in Inbox, the veteran's in Sent, as MHV keeps them),
	// "Deleted", or the name of a custom folder, made if the patient has
	// none of that name.
	Folder   string
	Messages []HistoryMessage
}

// HistoryMessage is one message of a HistoryThread.
type HistoryMessage struct {
	FromVeteran bool
	Author      string // a clinician's name (default: the team's generic sender)
	Body        string
	SentAt      time.Time
	// ReadAt is when the reader opened it (the veteran a team's message,
	// the team the veteran's: a read receipt); zero means unread.
	ReadAt      time.Time
	Attachments []HistoryFile
}

// HistoryFile is an attachment with its bytes.
type HistoryFile struct {
	Name, MimeType string
	Data           []byte
}

// SeedHistory adds threads as one batch named name, unless the state
// already records that name (then it adds nothing and returns false).
// Either every thread is added or, on error, none.
func (s *Simulator) SeedHistory(name string, threads []HistoryThread) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seeded.Once(name, func() error {
		teams, err := s.historyTeams(threads)
		if err != nil {
			return err
		}
		for i, t := range threads {
			s.addHistoryThread(s.byICN[t.ICN], teams[i], t)
		}
		s.changed()
		return nil
	})
}

// historyTeams checks a history batch and returns each thread's team.
func (s *Simulator) historyTeams(threads []HistoryThread) ([]*team, error) {
	teams := make([]*team, len(threads))
	for i, t := range threads {
		p := s.byICN[t.ICN]
		if p != nil {
			teams[i] = s.findTeam(t.CareTeam)
		}
		err := simstate.CheckThread(t.Subject, len(t.Messages), func(j int) (string, time.Time) {
			return t.Messages[j].Body, t.Messages[j].SentAt
		})
		switch {
		case p == nil:
			err = errors.New("unknown patient")
		case teams[i] == nil || !teams[i].serves(p.CorrelationID):
			err = fmt.Errorf("care team %q is not the patient's", t.CareTeam)
		}
		if err != nil {
			return nil, fmt.Errorf("mhvsim: history thread %d: %w", i, err)
		}
	}
	return teams, nil
}

func (s *Simulator) addHistoryThread(p *patient, tm *team, t HistoryThread) {
	category := t.Category
	if category == "" {
		category = "OTHER"
	}
	threadID := s.newID()
	filed, folder := t.Folder != "", folderDeleted
	if filed && !strings.EqualFold(t.Folder, "Deleted") {
		folder = s.ensureFolder(p, t.Folder)
	}
	var prev int64
	for _, hm := range t.Messages {
		m := &message{id: s.newID(), threadID: threadID, corr: p.CorrelationID, teamID: tm.ID, dir: dirToVeteran,
			category: category, subject: t.Subject, body: hm.Body, author: hm.Author,
			sentAt: hm.SentAt.UTC().Truncate(time.Second), inReplyTo: prev}
		if hm.FromVeteran {
			m.dir, m.author = dirToClinician, ""
		}
		if !hm.ReadAt.IsZero() {
			at := hm.ReadAt.UTC().Truncate(time.Second)
			if hm.FromVeteran {
				m.clinRead, m.clinReadAt = true, at
			} else {
				m.vetRead, m.vetReadAt = true, at
			}
		}
		for _, f := range hm.Attachments {
			m.attachments = append(m.attachments, attachment{id: s.newID(), name: f.Name, mime: f.MimeType,
				data: f.Data, size: int64(len(f.Data))})
		}
		m.folder = homeFolder(m)
		if filed {
			m.folder = folder
		}
		s.addMessage(m)
		prev = m.id
	}
}

// ensureFolder returns the id of the patient's custom folder name, making
// it when missing. Callers hold s.mu.
func (s *Simulator) ensureFolder(p *patient, name string) int64 {
	if id, ok := p.customFolderID(name); ok {
		return id
	}
	f := customFolder{id: s.newID(), name: name}
	p.folders = append(p.folders, f)
	s.changed()
	return f.id
}

// customFolderID returns the id of the patient's custom folder name (any case).
func (p *patient) customFolderID(name string) (int64, bool) {
	for _, f := range p.folders {
		if strings.EqualFold(f.name, name) {
			return f.id, true
		}
	}
	return 0, false
}

// customFolderName returns the name of the patient's custom folder id.
func (p *patient) customFolderName(id int64) (string, bool) {
	for _, f := range p.folders {
		if f.id == id {
			return f.name, true
		}
	}
	return "", false
}
