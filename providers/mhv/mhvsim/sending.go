package mhvsim

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// Sends, replies and drafts.

// sendReq is the JSON of POST message / reply / draft.
type sendReq struct {
	ID          any    `json:"id"`
	Category    string `json:"category"`
	Subject     string `json:"subject"`
	Body        string `json:"body"`
	RecipientID any    `json:"recipientId"`
}

const maxUpload = 6 << 20

// parseSend reads the JSON body, or for .../attach the multipart "message"
// part plus "uploads[]" files and "lgAttachments[]" descriptors.
func (s *Simulator) parseSend(w http.ResponseWriter, r *http.Request, multi bool) (sendReq, []attachment, bool) {
	var req sendReq
	if !multi {
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
			mhvError(w, http.StatusBadRequest, 100, "", "The message body cannot be blank")
			return req, nil, false
		}
		return req, nil, true
	}
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		mhvError(w, http.StatusBadRequest, 113, "", "Unable to read attachment")
		return req, nil, false
	}
	var raw []byte
	if v := r.MultipartForm.Value["message"]; len(v) > 0 {
		raw = []byte(v[0])
	} else if f := r.MultipartForm.File["message"]; len(f) > 0 {
		fh, err := f[0].Open()
		if err == nil {
			raw, _ = io.ReadAll(fh)
			fh.Close()
		}
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		mhvError(w, http.StatusBadRequest, 100, "", "The message body cannot be blank")
		return req, nil, false
	}
	var atts []attachment
	for _, fh := range r.MultipartForm.File["uploads[]"] {
		if fh.Size > maxUpload {
			mhvError(w, http.StatusRequestEntityTooLarge, 124, "", "The attachment file size exceeds the supported size limits")
			return req, nil, false
		}
		f, err := fh.Open()
		if err != nil {
			mhvError(w, http.StatusBadRequest, 113, "", "Unable to read attachment")
			return req, nil, false
		}
		data, _ := io.ReadAll(f)
		f.Close()
		atts = append(atts, attachment{name: fh.Filename, mime: fh.Header.Get("Content-Type"), data: data, size: int64(len(data))})
	}
	for _, v := range r.MultipartForm.Value["lgAttachments[]"] {
		var lg []struct {
			AttachmentName string `json:"attachmentName"`
			MimeType       string `json:"mimeType"`
			Size           int64  `json:"size"`
		}
		if json.Unmarshal([]byte(v), &lg) == nil {
			for _, a := range lg {
				atts = append(atts, attachment{name: a.AttachmentName, mime: a.MimeType, size: a.Size})
			}
		}
	}
	if len(atts) > 10 {
		mhvError(w, http.StatusBadRequest, 124, "", "The attachment file size exceeds the supported size limits")
		return req, nil, false
	}
	return req, atts, true
}

// readSend reads a send or draft request: for a reply the message replied
// to (which must exist), then the body.
func (s *Simulator) readSend(w http.ResponseWriter, r *http.Request, p *patient, reply, multi bool) (*message, sendReq, []attachment, bool) {
	var orig *message
	if reply {
		if orig = s.lookup(w, r, p); orig == nil {
			return nil, sendReq{}, nil, false
		}
	}
	req, atts, ok := s.parseSend(w, r, multi)
	return orig, req, atts, ok
}

// send serves POST message, message/{id}/reply and their /attach forms.
func (s *Simulator) send(reply, multi bool) func(http.ResponseWriter, *http.Request, *patient) {
	return func(w http.ResponseWriter, r *http.Request, p *patient) {
		key := r.Header.Get(IdempotencyHeader)
		if s.faults.IgnoreKeys() {
			key = ""
		}
		if key != "" {
			if id, ok := s.idem[p.CorrelationID+"\x00"+key]; ok {
				writeJSON(w, http.StatusOK, s.messageObject(s.msgs[id], p, false))
				return
			}
		}
		orig, req, atts, ok := s.readSend(w, r, p, reply, multi)
		if !ok {
			return
		}
		if strings.TrimSpace(req.Body) == "" {
			mhvError(w, http.StatusBadRequest, 100, "", "The message body cannot be blank")
			return
		}
		now := s.now().UTC()
		m := &message{corr: p.CorrelationID, dir: dirToClinician, body: req.Body, sentAt: now, folder: folderSent}
		if reply {
			ok = s.addressReply(w, p, m, orig)
		} else {
			ok = s.addressNew(w, p, m, req)
		}
		if !ok || !s.consumeDraft(w, p, m, flexInt(req.ID)) {
			return
		}
		m.id = s.newID()
		if m.threadID == 0 {
			m.threadID = s.newID()
		}
		for _, a := range atts {
			a.id = s.newID()
			m.attachments = append(m.attachments, a)
		}
		s.addMessage(m)
		if key != "" {
			s.idem[p.CorrelationID+"\x00"+key] = m.id
		}
		writeJSON(w, http.StatusOK, s.messageObject(m, p, false))
	}
}

// addressReply puts m in orig's thread, refusing drafts, teams that no
// longer take the veteran and expired conversations.
func (s *Simulator) addressReply(w http.ResponseWriter, p *patient, m, orig *message) bool {
	if orig.folder == folderDrafts {
		mhvError(w, http.StatusBadRequest, 131, "", "Unable to reply to a message that is a draft")
		return false
	}
	if t := s.patientTeam(p, orig.teamID); t == nil || t.blocked[p.CorrelationID] {
		mhvError(w, http.StatusBadRequest, 129, "", "Unable to reply because you are no longer associated with this Triage Team")
		return false
	}
	if s.replyExpired(orig) {
		mhvError(w, http.StatusBadRequest, 130, "", "Unable to reply because the source message is expired")
		return false
	}
	m.teamID, m.threadID, m.subject, m.category, m.inReplyTo = orig.teamID, orig.threadID, orig.subject, orig.category, orig.id
	return true
}

// addressNew addresses a new conversation to the triage team req names.
func (s *Simulator) addressNew(w http.ResponseWriter, p *patient, m *message, req sendReq) bool {
	t := s.patientTeam(p, flexInt(req.RecipientID))
	if t == nil {
		mhvError(w, http.StatusBadRequest, 119, "", "Triage team does not exist")
		return false
	}
	if t.blocked[p.CorrelationID] {
		mhvError(w, http.StatusBadRequest, 106, "", "User is not eligible because they are blocked")
		return false
	}
	m.teamID, m.subject, m.category = t.ID, req.Subject, req.Category
	if m.category == "" {
		m.category = "OTHER"
	}
	return true
}

// consumeDraft handles sending a saved draft (draftID != 0): the sent
// message replaces the draft and, if it has none yet, takes its thread.
func (s *Simulator) consumeDraft(w http.ResponseWriter, p *patient, m *message, draftID int64) bool {
	if draftID == 0 {
		return true
	}
	d := s.msgs[draftID]
	if d == nil || d.corr != p.CorrelationID || d.folder != folderDrafts {
		mhvError(w, http.StatusBadRequest, 128, "", "The message you are attempting to send is not a draft")
		return false
	}
	delete(s.msgs, draftID)
	s.removeOrder(draftID)
	if m.threadID == 0 {
		m.threadID = d.threadID
	}
	return true
}

func (s *Simulator) removeOrder(id int64) {
	for i, x := range s.order {
		if x == id {
			s.order = append(s.order[:i], s.order[i+1:]...)
			return
		}
	}
}

// draft serves POST message/draft and message/{id}/replydraft.
func (s *Simulator) draft(reply bool) func(http.ResponseWriter, *http.Request, *patient) {
	return func(w http.ResponseWriter, r *http.Request, p *patient) {
		orig, req, _, ok := s.readSend(w, r, p, reply, false)
		if !ok {
			return
		}
		var d *message
		if did := flexInt(req.ID); did != 0 {
			d = s.msgs[did]
			if d == nil || d.corr != p.CorrelationID || d.folder != folderDrafts {
				mhvError(w, http.StatusBadRequest, 134, "", "The message you are attempting to save is not a draft")
				return
			}
		} else {
			d = &message{id: s.newID(), corr: p.CorrelationID, dir: dirToClinician, folder: folderDrafts}
			if reply {
				d.threadID, d.teamID, d.subject, d.category, d.inReplyTo = orig.threadID, orig.teamID, orig.subject, orig.category, orig.id
			} else {
				d.threadID = s.newID()
			}
			s.addMessage(d)
		}
		d.body, d.draftAt = req.Body, s.now().UTC()
		if !reply && d.inReplyTo == 0 {
			if t := s.patientTeam(p, flexInt(req.RecipientID)); t != nil {
				d.teamID = t.ID
			} else if flexInt(req.RecipientID) != 0 {
				mhvError(w, http.StatusBadRequest, 119, "", "Triage team does not exist")
				return
			}
			if req.Subject != "" {
				d.subject = req.Subject
			}
			if req.Category != "" {
				d.category = req.Category
			}
		}
		writeJSON(w, http.StatusOK, s.messageObject(d, p, false))
	}
}
