package mhvsim

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// IdempotencyHeader is the optional request header the simulator honours on
// sends: a repeated key for the same patient returns the original message.
// Real MHV has no such header and ignores it.
const IdempotencyHeader = "X-Idempotency-Key"

const apiPrefix = "/v1/sm/patient/"

// categories is what GET message/category answers (the VAMS category list).
var categories = []string{"OTHER", "COVID", "APPOINTMENTS", "MEDICATIONS", "TEST_RESULTS", "EDUCATION"}

func (s *Simulator) routes() {
	m := http.NewServeMux()
	p := func(method, path string, h func(http.ResponseWriter, *http.Request, *patient)) {
		m.HandleFunc(method+" "+apiPrefix+path, s.authed(h))
	}
	m.HandleFunc("GET "+apiPrefix+"session", s.session)
	p("GET", "folder", s.folders)
	p("GET", "folder/{id}", s.folder)
	p("GET", "folder/threadlistview/{id}", s.threadList)
	p("GET", "folder/{id}/message/page/{page}/pageSize/{size}", s.folderMessages)
	p("GET", "message/category", s.categories)
	p("GET", "message/{id}/read", s.read)
	p("GET", "message/{id}/history", s.history)
	p("GET", "message/{id}/messagesforthread", s.thread(false))
	p("GET", "message/{id}/allmessagesforthread/{page}", s.thread(true))
	p("GET", "message/{id}/status", s.status)
	p("GET", "message/{id}/attachment/{att}", s.attachment)
	p("POST", "message", s.send(false, false))
	p("POST", "message/renewal", s.send(false, false))
	p("POST", "message/attach", s.send(false, true))
	p("POST", "message/{id}/reply", s.send(true, false))
	p("POST", "message/{id}/reply/attach", s.send(true, true))
	p("POST", "message/draft", s.draft(false))
	p("POST", "message/{id}/replydraft", s.draft(true))
	p("POST", "message/{id}/move/tofolder/{folder}", s.move(false))
	p("POST", "message/{id}/movethreadmessages/tofolder/{folder}", s.move(true))
	p("POST", "message/{id}", s.deleteMessage)
	p("GET", "triageteam", s.triageTeams)
	p("GET", "alltriageteams", s.allTriageTeams)
	p("GET", "preferences/signature", s.getSignature)
	p("POST", "preferences/signature", s.postSignature)
	p("POST", "preferences/patientpreferredtriagegroups", s.preferredTeams)
	s.api = m
	s.controlRoutes()
}

// --- session and auth -----------------------------------------------------

func (s *Simulator) checkAPIKey(w http.ResponseWriter, r *http.Request) bool {
	if s.seed.APIKey != "" && r.Header.Get("x-api-key") != s.seed.APIKey {
		mhvError(w, http.StatusUnauthorized, 101, "", "Application Authentication Failed")
		return false
	}
	return true
}

// session issues a token in the Token header and its expiry in Expires, with
// an empty body, as recorded (session.yml).
func (s *Simulator) session(w http.ResponseWriter, r *http.Request) {
	if !s.checkAPIKey(w, r) {
		return
	}
	if s.seed.AppToken != "" && r.Header.Get("appToken") != s.seed.AppToken {
		mhvError(w, http.StatusUnauthorized, 101, "", "Application Authentication Failed")
		return
	}
	corr := r.Header.Get("mhvCorrelationId")
	if corr == "" {
		mhvError(w, http.StatusBadRequest, 104, "", "Missing User Credentials")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.patients[corr]; !ok {
		mhvError(w, http.StatusBadRequest, 105, "", "User was not found")
		return
	}
	tok := newToken()
	exp := s.now().Add(s.ttl).UTC().Truncate(time.Second)
	s.tokens[tok] = tokenInfo{corr: corr, expires: exp}
	s.issued++
	w.Header().Set("Token", tok)
	w.Header().Set("Expires", exp.Format(http.TimeFormat))
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// authed resolves the Token header to a patient and holds the state lock
// for the handler. Expired or unknown tokens get 401 with code 103.
func (s *Simulator) authed(h func(http.ResponseWriter, *http.Request, *patient)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.checkAPIKey(w, r) {
			return
		}
		tok := r.Header.Get("Token")
		if tok == "" {
			mhvError(w, http.StatusUnauthorized, 104, "", "Missing User Credentials")
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		ti, ok := s.tokens[tok]
		if !ok || !s.now().Before(ti.expires) {
			delete(s.tokens, tok)
			mhvError(w, http.StatusUnauthorized, 103, "", "Invalid User Credentials")
			return
		}
		h(w, r, s.patients[ti.corr])
	}
}

// --- payload builders -----------------------------------------------------

func (s *Simulator) parties(m *message, p *patient) (senderID int64, senderName string, recipientID int64, recipientName string) {
	if m.dir == dirToClinician {
		return p.userID, p.Name, m.teamID, s.teamName(m.teamID)
	}
	return clinicianID(m.teamID), "CLINICIAN, " + strings.ToUpper(s.teamName(m.teamID)), p.userID, p.Name
}

func readReceipt(m *message) (any, time.Time) {
	if m.dir == dirToClinician && m.clinRead {
		return "READ", m.clinReadAt
	}
	if m.dir == dirToVeteran && m.vetRead {
		return "READ", m.vetReadAt
	}
	return nil, time.Time{}
}

// messageObject is the shape of message/{id}/read and send answers.
func (s *Simulator) messageObject(m *message, p *patient, listing bool) map[string]any {
	sid, sname, rid, rname := s.parties(m, p)
	rr, _ := readReceipt(m)
	atts := []any{}
	for _, a := range m.attachments {
		atts = append(atts, map[string]any{"id": a.id, "name": a.name, "attachmentSize": a.size})
	}
	var body, attachments any = m.body, map[string]any{"attachment": atts}
	if listing {
		body, attachments = nil, nil // folder listings omit both (recorded)
	}
	sent := fmtTime(m.sentAt, rfc1123GMT)
	if sent == nil {
		sent = "" // drafts carry an empty sentDate
	}
	return map[string]any{
		"id": m.id, "category": m.category, "subject": m.subject, "body": body,
		"attachment": len(m.attachments) > 0, "attachments": attachments,
		"sentDate": sent, "senderId": sid, "senderName": sname,
		"recipientId": rid, "recipientName": rname, "readReceipt": rr,
		"triageGroupId": m.teamID, "triageGroupName": s.teamName(m.teamID),
		"proxySenderName": nil, "proxySenderType": nil, "suggestedNameDisplay": nil,
		"isOhMessage": false,
	}
}

// threadObject is one element of messagesforthread (full=false) or
// allmessagesforthread (full=true, with attachment details).
func (s *Simulator) threadObject(m *message, p *patient, full bool) map[string]any {
	sid, sname, rid, rname := s.parties(m, p)
	rr, rrAt := readReceipt(m)
	o := map[string]any{
		"messageId": m.id, "threadId": m.threadID, "senderId": sid, "senderName": sname,
		"recipientId": rid, "recipientName": rname,
		"sentDate": fmtTime(m.sentAt, isoOffset), "draftDate": fmtTime(m.draftAt, isoOffset),
		"triageGroupName": s.teamName(m.teamID), "hasAttachments": len(m.attachments) > 0,
		"subject": m.subject, "category": m.category, "folderId": m.folder,
		"messageBody": m.body, "proxySenderName": nil, "readReceipt": rr,
		"readReceiptDate": fmtTime(rrAt, isoLocal), "isOhMessage": false,
	}
	if !full {
		o["replyDisabled"] = s.replyExpired(m)
		return o
	}
	o["suggestedNameDisplay"] = nil
	o["proxySenderType"] = nil
	if len(m.attachments) > 0 {
		var list []any
		for i, a := range m.attachments {
			list = append(list, map[string]any{
				"attachmentId": a.id, "attachmentName": a.name,
				"attachmentSize": a.size, "attachmentMimeType": a.mime,
			})
			if i < 4 {
				n := strconv.Itoa(i + 1)
				o["attachment"+n+"Id"] = a.id
				o["attachment"+n+"Name"] = a.name
				o["attachment"+n+"Size"] = a.size
				o["attachment"+n+"MimeType"] = a.mime
			}
		}
		o["attachments"] = list
	}
	return o
}

func (s *Simulator) replyExpired(m *message) bool {
	return s.seed.ReplyWindow > 0 && !m.sentAt.IsZero() && s.now().Sub(m.sentAt) > s.seed.ReplyWindow
}

// --- folders and threads --------------------------------------------------

var systemFolders = []struct {
	id   int64
	name string
}{{folderInbox, "Inbox"}, {folderDrafts, "Drafts"}, {folderSent, "Sent"}, {folderDeleted, "Deleted"}}

func (s *Simulator) folderObject(p *patient, id int64, name string) map[string]any {
	count, unread := 0, 0
	for _, mid := range s.order {
		m := s.msgs[mid]
		if m.corr != p.CorrelationID || m.folder != id {
			continue
		}
		count++
		if m.dir == dirToVeteran && !m.vetRead {
			unread++
		}
	}
	return map[string]any{"id": id, "name": name, "count": count, "unreadCount": unread, "systemFolder": true}
}

func (s *Simulator) folders(w http.ResponseWriter, _ *http.Request, p *patient) {
	var list []any
	for _, f := range systemFolders {
		list = append(list, s.folderObject(p, f.id, f.name))
	}
	writeJSON(w, http.StatusOK, map[string]any{"folder": list})
}

func (s *Simulator) folder(w http.ResponseWriter, r *http.Request, p *patient) {
	id, ok := pathInt(r, "id")
	for _, f := range systemFolders {
		if !ok {
			break
		}
		if f.id == id {
			writeJSON(w, http.StatusOK, s.folderObject(p, f.id, f.name))
			return
		}
	}
	entityNotFound(w)
}

func validFolder(id int64) bool {
	return id == folderInbox || id == folderSent || id == folderDrafts || id == folderDeleted
}

// threadList serves folder/threadlistview/{folderId}: one row per thread
// with a message in the folder, described by its latest such message.
func (s *Simulator) threadList(w http.ResponseWriter, r *http.Request, p *patient) {
	fid, ok := pathInt(r, "id")
	if !ok || !validFolder(fid) {
		entityNotFound(w)
		return
	}
	q := r.URL.Query()
	page, size := atoiDefault(q.Get("pageNumber"), 1), atoiDefault(q.Get("pageSize"), 10)
	if page < 1 {
		mhvError(w, http.StatusBadRequest, 120, "", "Page Number must be greater than zero")
		return
	}
	if size < 1 {
		mhvError(w, http.StatusBadRequest, 121, "", "Page Size must be greater than zero")
		return
	}
	if size > 100 {
		mhvError(w, http.StatusBadRequest, 133, "", "PageSize exceeds the maximum allowed limit")
		return
	}
	type row struct {
		latest *message
		all    []*message
	}
	rows := map[int64]*row{}
	var ids []int64
	for _, mid := range s.order {
		m := s.msgs[mid]
		if m.corr != p.CorrelationID || m.folder != fid {
			continue
		}
		rw, ok := rows[m.threadID]
		if !ok {
			rw = &row{}
			rows[m.threadID] = rw
			ids = append(ids, m.threadID)
		}
		if rw.latest == nil || msgTime(m).After(msgTime(rw.latest)) || msgTime(m).Equal(msgTime(rw.latest)) {
			rw.latest = m
		}
	}
	if len(ids) == 0 {
		mhvError(w, http.StatusBadRequest, 915, "", "No messages in the requested folder")
		return
	}
	sortField, desc := strings.ToUpper(q.Get("sortField")), !strings.EqualFold(q.Get("sortOrder"), "ASC")
	var list []*row
	for _, id := range ids {
		list = append(list, rows[id])
	}
	less := func(a, b *message) bool {
		switch sortField {
		case "SENDER_NAME", "RECIPIENT_NAME":
			_, an, _, ar := s.parties(a, p)
			_, bn, _, br := s.parties(b, p)
			if sortField == "SENDER_NAME" {
				return an < bn
			}
			return ar < br
		default: // SENT_DATE, DRAFT_DATE
			return msgTime(a).Before(msgTime(b))
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		if desc {
			return less(list[j].latest, list[i].latest)
		}
		return less(list[i].latest, list[j].latest)
	})
	out := []any{}
	start := (page - 1) * size
	for i := start; i < len(list) && i < start+size; i++ {
		m := list[i].latest
		thread := s.threadMsgs(m)
		sid, sname, rid, rname := s.parties(m, p)
		hasAtt, unsent, unread := false, false, false
		for _, t := range thread {
			hasAtt = hasAtt || len(t.attachments) > 0
			unsent = unsent || t.folder == folderDrafts
			unread = unread || (t.dir == dirToVeteran && !t.vetRead && t.folder != folderDeleted)
		}
		out = append(out, map[string]any{
			"threadId": m.threadID, "folderId": fid, "messageId": m.id,
			"threadPageSize": len(list), "messageCount": len(thread),
			"category": m.category, "subject": m.subject, "triageGroupName": s.teamName(m.teamID),
			"sentDate": fmtTime(m.sentAt, isoOffset), "draftDate": fmtTime(m.draftAt, isoOffset),
			"senderId": sid, "senderName": sname, "recipientName": rname, "recipientId": rid,
			"proxySenderName": nil, "hasAttachment": len(m.attachments) > 0, "threadHasAttachment": hasAtt,
			"unsentDrafts": unsent, "unreadMessages": unread, "isOhMessage": false, "suggestedNameDisplay": nil,
		})
	}
	writeJSON(w, http.StatusOK, out)
}

func msgTime(m *message) time.Time {
	if !m.sentAt.IsZero() {
		return m.sentAt
	}
	return m.draftAt
}

func atoiDefault(s string, d int) int {
	if s == "" {
		return d
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

// folderMessages serves the legacy folder/{id}/message/page/{n}/pageSize/{size}.
func (s *Simulator) folderMessages(w http.ResponseWriter, r *http.Request, p *patient) {
	fid, ok := pathInt(r, "id")
	if !ok || !validFolder(fid) {
		entityNotFound(w)
		return
	}
	page, _ := pathInt(r, "page")
	size, _ := pathInt(r, "size")
	if page < 1 || size < 1 {
		mhvError(w, http.StatusBadRequest, 121, "", "Page Size must be greater than zero")
		return
	}
	if size > 250 {
		mhvError(w, http.StatusBadRequest, 133, "", "PageSize exceeds the maximum allowed limit")
		return
	}
	var all []*message
	for i := len(s.order) - 1; i >= 0; i-- {
		m := s.msgs[s.order[i]]
		if m.corr == p.CorrelationID && m.folder == fid {
			all = append(all, m)
		}
	}
	out := []any{}
	for i := int((page - 1) * size); i < len(all) && i < int(page*size); i++ {
		out = append(out, s.messageObject(all[i], p, true))
	}
	writeJSON(w, http.StatusOK, map[string]any{"message": out})
}

// --- messages -------------------------------------------------------------

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

// send serves POST message, message/{id}/reply and their /attach forms.
func (s *Simulator) send(reply, multi bool) func(http.ResponseWriter, *http.Request, *patient) {
	return func(w http.ResponseWriter, r *http.Request, p *patient) {
		key := r.Header.Get(IdempotencyHeader)
		if key != "" {
			if id, ok := s.idem[p.CorrelationID+"\x00"+key]; ok {
				writeJSON(w, http.StatusOK, s.messageObject(s.msgs[id], p, false))
				return
			}
		}
		var orig *message
		if reply {
			if orig = s.lookup(w, r, p); orig == nil {
				return
			}
		}
		req, atts, ok := s.parseSend(w, r, multi)
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
			if orig.folder == folderDrafts {
				mhvError(w, http.StatusBadRequest, 131, "", "Unable to reply to a message that is a draft")
				return
			}
			if t := s.teamByID[orig.teamID]; t == nil || t.blocked[p.CorrelationID] {
				mhvError(w, http.StatusBadRequest, 129, "", "Unable to reply because you are no longer associated with this Triage Team")
				return
			}
			if s.replyExpired(orig) {
				mhvError(w, http.StatusBadRequest, 130, "", "Unable to reply because the source message is expired")
				return
			}
			m.teamID, m.threadID, m.subject, m.category, m.inReplyTo = orig.teamID, orig.threadID, orig.subject, orig.category, orig.id
		} else {
			t := s.teamByID[flexInt(req.RecipientID)]
			if t == nil {
				mhvError(w, http.StatusBadRequest, 119, "", "Triage team does not exist")
				return
			}
			if t.blocked[p.CorrelationID] {
				mhvError(w, http.StatusBadRequest, 106, "", "User is not eligible because they are blocked")
				return
			}
			m.teamID, m.subject, m.category = t.ID, req.Subject, req.Category
			if m.category == "" {
				m.category = "OTHER"
			}
		}
		// Sending a saved draft (id = draft id) replaces the draft.
		if did := flexInt(req.ID); did != 0 {
			if d := s.msgs[did]; d != nil && d.corr == p.CorrelationID && d.folder == folderDrafts {
				delete(s.msgs, did)
				s.removeOrder(did)
				if m.threadID == 0 {
					m.threadID = d.threadID
				}
			} else {
				mhvError(w, http.StatusBadRequest, 128, "", "The message you are attempting to send is not a draft")
				return
			}
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
		var orig *message
		if reply {
			if orig = s.lookup(w, r, p); orig == nil {
				return
			}
		}
		req, _, ok := s.parseSend(w, r, false)
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
			if t := s.teamByID[flexInt(req.RecipientID)]; t != nil {
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

func (s *Simulator) move(thread bool) func(http.ResponseWriter, *http.Request, *patient) {
	return func(w http.ResponseWriter, r *http.Request, p *patient) {
		m := s.lookup(w, r, p)
		if m == nil {
			return
		}
		fid, ok := pathInt(r, "folder")
		if !ok || !validFolder(fid) || fid == folderDrafts {
			mhvError(w, http.StatusBadRequest, 910, "", "Folder Doesn't exists")
			return
		}
		if !thread {
			if m.folder == folderDrafts {
				mhvError(w, http.StatusBadRequest, 118, "", "It is not possible to move a message from the DRAFTS folder")
				return
			}
			m.folder = fid
			success(w)
			return
		}
		for _, t := range s.threadMsgs(m) {
			if t.folder != folderDrafts {
				t.folder = fid
			}
		}
		success(w)
	}
}

// deleteMessage is MHV's soft delete: the message moves to Deleted.
func (s *Simulator) deleteMessage(w http.ResponseWriter, r *http.Request, p *patient) {
	m := s.lookup(w, r, p)
	if m == nil {
		return
	}
	if m.folder == folderDrafts {
		s.removeOrder(m.id)
		delete(s.msgs, m.id)
	} else {
		m.folder = folderDeleted
	}
	success(w)
}

// --- triage teams and preferences -----------------------------------------

func (s *Simulator) isPreferred(p *patient, t *team) bool {
	if v, ok := p.preferred[t.ID]; ok {
		return v
	}
	return t.Preferred
}

func (s *Simulator) triageTeams(w http.ResponseWriter, _ *http.Request, p *patient) {
	list := []any{}
	for _, t := range s.teams {
		list = append(list, map[string]any{
			"name": t.Name, "relationType": "PATIENT", "triageTeamId": t.ID, "preferredTeam": s.isPreferred(p, t),
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"triageTeam": list})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Simulator) allTriageTeams(w http.ResponseWriter, _ *http.Request, p *patient) {
	list := []any{}
	blocked := 0
	for _, t := range s.teams {
		b := t.blocked[p.CorrelationID]
		if b {
			blocked++
		}
		display := t.Name
		if t.FacilityName != "" {
			display = t.FacilityName + " | " + t.Name
		}
		list = append(list, map[string]any{
			"triageTeamId": t.ID, "name": t.Name, "stationNumber": t.StationNumber,
			"blockedStatus": b, "preferredTeam": s.isPreferred(p, t),
			"locationName": nullable(t.FacilityName), "leadProviderName": nil, "teamName": nil,
			"suggestedNameDisplay": display, "healthCareSystemName": nullable(t.HealthCareSystem),
			"groupTypeEnumVal": nil, "subGroupTypeEnumVal": nil,
			"groupTypePatientDisplay": nil, "subGroupTypePatientDisplay": nil,
			"relationType": "PATIENT", "active": true, "ohTriageGroup": false,
		})
	}
	writeJSON(w, http.StatusOK, []any{
		map[string]any{"associatedTriageGroups": len(s.teams), "friendlyTriageTeamPilotFacilities": "", "associatedBlockedTriageGroups": blocked},
		map[string]any{"triageTeam": list},
	})
}

func (s *Simulator) getSignature(w http.ResponseWriter, _ *http.Request, p *patient) {
	if p.signature == nil {
		writeJSON(w, http.StatusOK, map[string]any{})
		return
	}
	writeJSON(w, http.StatusOK, p.signature)
}

func (s *Simulator) postSignature(w http.ResponseWriter, r *http.Request, p *patient) {
	var in struct {
		SignatureName    string `json:"signatureName"`
		SignatureTitle   string `json:"signatureTitle"`
		IncludeSignature bool   `json:"includeSignature"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil || in.SignatureName == "" || in.SignatureTitle == "" {
		mhvError(w, http.StatusBadRequest, 154, "", "Email Signature Name and Title is required")
		return
	}
	p.signature = map[string]any{"signatureName": in.SignatureName, "includeSignature": in.IncludeSignature, "signatureTitle": in.SignatureTitle}
	writeJSON(w, http.StatusOK, p.signature)
}

func (s *Simulator) preferredTeams(w http.ResponseWriter, r *http.Request, p *patient) {
	var in []map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		mhvError(w, http.StatusInternalServerError, 99, "", "Unknown application error occurred")
		return
	}
	for _, e := range in {
		if s.teamByID[flexInt(e["triageTeamId"])] == nil {
			mhvError(w, http.StatusInternalServerError, 99, "", "Unknown application error occurred")
			return
		}
	}
	for _, e := range in {
		v := e["preferredTeam"]
		p.preferred[flexInt(e["triageTeamId"])] = v == true || v == "true"
	}
	success(w)
}
