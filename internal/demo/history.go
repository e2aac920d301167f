package demo

import (
	"fmt"
	"time"

	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/providers/mhv/mhvsim"
	"github.com/va/vams/providers/oh/ohsim"
)

// historyBatch names the demo mailboxes in the simulators' state, so they
// are seeded once per state file.
const historyBatch = "demo-mailboxes-v1"

// mhvFolderDeleted is MHV's system folder for deleted messages.
const mhvFolderDeleted = "Deleted"

// timedMsg is a script message with its times decided.
type timedMsg struct {
	scriptMsg
	at     time.Time // sent (or, for a draft, saved)
	readAt time.Time // the reader's open: the veteran's for C, the team's for V; zero if unread
}

// timeline places a thread's messages before now: the thread starts daysAgo
// days back and each message follows the one before by its hours.
func (st scriptThread) timeline(now time.Time) ([]timedMsg, error) {
	if len([]rune(st.Subject)) > inbox.MaxSubjectLength || len(st.Messages) == 0 {
		return nil, fmt.Errorf("demo: script thread %q: bad subject or no messages", st.Subject)
	}
	at := now.Add(-time.Duration(st.DaysAgo * 24 * float64(time.Hour))).Truncate(time.Second)
	out := make([]timedMsg, len(st.Messages))
	for i, sm := range st.Messages {
		at = at.Add(time.Duration(sm.After * float64(time.Hour))).Truncate(time.Second)
		if at.After(now) {
			return nil, fmt.Errorf("demo: script thread %q: message %d is in the future", st.Subject, i)
		}
		tm := timedMsg{scriptMsg: sm, at: at}
		switch {
		case sm.By == byClinician && !sm.Unread:
			tm.readAt = minTime(at.Add(95*time.Minute), now)
		case sm.By == byVeteran && sm.Receipt:
			tm.readAt = minTime(at.Add(4*time.Hour), now)
		case sm.By == byDraft && len(sm.Files) > 0:
			return nil, fmt.Errorf("demo: script thread %q: drafts hold no attachments", st.Subject)
		}
		out[i] = tm
	}
	return out, nil
}

// sent reports whether a thread has a message a provider holds (drafts exist
// in VAMS only: VAMS never writes them to a provider).
func (st scriptThread) sent() bool {
	for _, m := range st.Messages {
		if m.By != byDraft {
			return true
		}
	}
	return false
}

// scriptThreads calls fn for every demo thread a provider of kind k holds,
// with its messages dated before now.
func scriptThreads(k providerkind.Kind, now time.Time, fn func(v DemoVeteran, team DemoCareTeam, st scriptThread, msgs []timedMsg)) error {
	now = now.UTC().Truncate(time.Second)
	for _, v := range Directory.Veterans {
		for _, st := range mailboxes[v.ICN] {
			team, ok := Directory.teamByID(st.Team)
			if !ok {
				return fmt.Errorf("demo: unknown care team %s", st.Team)
			}
			if team.Provider != k || !st.sent() {
				continue
			}
			msgs, err := st.timeline(now)
			if err != nil {
				return err
			}
			fn(v, team, st, msgs)
		}
	}
	return nil
}

// MHVHistory is the demo mailboxes as MHV holds them: threads in Inbox,
// Sent, Deleted (the script's Trash) or the custom folder Travel Claims;
// read states, read receipts, signed messages to teams that require a
// signature, attachments with their bytes.
func MHVHistory(now time.Time) ([]mhvsim.HistoryThread, error) {
	var out []mhvsim.HistoryThread
	err := scriptThreads(providerkind.MHV, now, func(v DemoVeteran, team DemoCareTeam, st scriptThread, msgs []timedMsg) {
		ht := mhvsim.HistoryThread{ICN: v.ICN, CareTeam: team.ProviderID, Category: string(st.Category), Subject: st.Subject}
		switch st.Folder {
		case folderTrash:
			ht.Folder = mhvFolderDeleted
		default:
			ht.Folder = st.Folder
		}
		for _, m := range msgs {
			if m.By == byDraft {
				continue
			}
			hm := mhvsim.HistoryMessage{FromVeteran: m.By == byVeteran, Author: m.Author, Body: m.Body, SentAt: m.at, ReadAt: m.readAt}
			if hm.FromVeteran && team.RequiresSignature {
				hm.Body = signed(m.Body, v.DisplayName, m.at)
			}
			for _, name := range m.Files {
				ct, data := demoFile(name)
				hm.Attachments = append(hm.Attachments, mhvsim.HistoryFile{Name: name, MimeType: ct, Data: data})
			}
			ht.Messages = append(ht.Messages, hm)
		}
		out = append(out, ht)
	})
	return out, err
}

// OHHistory is the demo mailboxes as OH holds them: OH has no folders, so
// the script's Trash is the veteran's delete and Travel Claims exists in
// VAMS only; attachments are listed by name.
func OHHistory(now time.Time) ([]ohsim.HistoryThread, error) {
	var out []ohsim.HistoryThread
	err := scriptThreads(providerkind.OH, now, func(v DemoVeteran, team DemoCareTeam, st scriptThread, msgs []timedMsg) {
		ht := ohsim.HistoryThread{ICN: v.ICN, CareTeam: team.ProviderID, Subject: st.Subject}
		for _, m := range msgs {
			if m.By == byDraft {
				continue
			}
			ht.Messages = append(ht.Messages, ohsim.HistoryMessage{FromVeteran: m.By == byVeteran, Author: m.Author, Body: m.Body,
				SentAt: m.at, Read: !m.readAt.IsZero(), Deleted: st.Folder == folderTrash, Attachments: m.Files})
		}
		out = append(out, ht)
	})
	return out, err
}

// SeedMHV adds the demo mailboxes to an MHV simulator once: a simulator
// whose state already holds them is left alone (added is false).
func SeedMHV(sim *mhvsim.Simulator, now time.Time) (added bool, err error) {
	threads, err := MHVHistory(now)
	if err != nil {
		return false, err
	}
	return sim.SeedHistory(historyBatch, threads)
}

// SeedOH adds the demo mailboxes to an OH simulator once.
func SeedOH(sim *ohsim.Simulator, now time.Time) (added bool, err error) {
	threads, err := OHHistory(now)
	if err != nil {
		return false, err
	}
	return sim.SeedHistory(historyBatch, threads)
}
