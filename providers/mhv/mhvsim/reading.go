package mhvsim

import (
	"net/http"
	"sort"
	"strconv"
)

// Reading one message or thread: read, history, messagesforthread,
// status and attachments.

// categories is what GET message/category answers (the VAMS category list).
var categories = []string{"OTHER", "COVID", "APPOINTMENTS", "MEDICATIONS", "TEST_RESULTS", "EDUCATION"}

func (s *Simulator) lookup(w http.ResponseWriter, r *http.Request, p *patient) *message {
	id, ok := pathInt(r, "id")
	m := s.msgs[id]
	if !ok || m == nil || m.corr != p.CorrelationID {
		notFoundMessage(w)
		return nil
	}
	return m
}

func (s *Simulator) categories(w http.ResponseWriter, _ *http.Request, _ *patient) {
	writeJSON(w, http.StatusOK, map[string]any{"messageCategoryType": categories})
}

// read returns the message and, as MHV does, marks it read for the veteran.
func (s *Simulator) read(w http.ResponseWriter, r *http.Request, p *patient) {
	m := s.lookup(w, r, p)
	if m == nil {
		return
	}
	if m.dir == dirToVeteran && !m.vetRead {
		m.vetRead, m.vetReadAt = true, s.now().UTC()
	}
	writeJSON(w, http.StatusOK, s.messageObject(m, p, false))
}

func (s *Simulator) history(w http.ResponseWriter, r *http.Request, p *patient) {
	m := s.lookup(w, r, p)
	if m == nil {
		return
	}
	out := []any{}
	if m.folder != folderDrafts || m.inReplyTo != 0 {
		thread := s.threadMsgs(m)
		for i := len(thread) - 1; i >= 0; i-- {
			if t := thread[i]; t.id != m.id && t.folder != folderDrafts {
				out = append(out, s.messageObject(t, p, false))
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"message": out})
}

func (s *Simulator) thread(full bool) func(http.ResponseWriter, *http.Request, *patient) {
	return func(w http.ResponseWriter, r *http.Request, p *patient) {
		m := s.lookup(w, r, p)
		if m == nil {
			return
		}
		thread := s.threadMsgs(m)
		sort.SliceStable(thread, func(i, j int) bool { return msgTime(thread[i]).After(msgTime(thread[j])) })
		out := []any{}
		for _, t := range thread {
			out = append(out, s.threadObject(t, p, full))
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func (s *Simulator) status(w http.ResponseWriter, r *http.Request, p *patient) {
	m := s.lookup(w, r, p)
	if m == nil {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"messageId": m.id, "status": "SENT", "isOhMessage": false, "ohSecureMessageId": nil})
}

func (s *Simulator) attachment(w http.ResponseWriter, r *http.Request, p *patient) {
	id, _ := pathInt(r, "id")
	aid, _ := pathInt(r, "att")
	m := s.msgs[id]
	if m == nil || m.corr != p.CorrelationID {
		entityNotFound(w)
		return
	}
	for _, a := range m.attachments {
		if a.id == aid {
			ct := a.mime
			if ct == "" {
				ct = "application/octet-stream"
			}
			w.Header().Set("Content-Type", ct)
			w.Header().Set("Content-Disposition", "attachment; filename="+strconv.Quote(a.name))
			_, _ = w.Write(a.data)
			return
		}
	}
	entityNotFound(w)
}
