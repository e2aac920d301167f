package mhvsim

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Folder and thread listings: folder, folder/{id}, threadlistview and the
// legacy paged folder view; and custom folders (POST folder).

var systemFolders = []struct {
	id   int64
	name string
}{{folderInbox, "Inbox"}, {folderDrafts, "Drafts"}, {folderSent, "Sent"}, {folderDeleted, "Deleted"}}

func (s *Simulator) folderObject(p *patient, id int64, name string, system bool) map[string]any {
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
	return map[string]any{"id": id, "name": name, "count": count, "unreadCount": unread, "systemFolder": system}
}

// folders lists the system folders, then the patient's own.
func (s *Simulator) folders(w http.ResponseWriter, _ *http.Request, p *patient) {
	var list []any
	for _, f := range systemFolders {
		list = append(list, s.folderObject(p, f.id, f.name, true))
	}
	for _, f := range p.folders {
		list = append(list, s.folderObject(p, f.id, f.name, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"folder": list})
}

func (s *Simulator) folder(w http.ResponseWriter, r *http.Request, p *patient) {
	id, ok := pathInt(r, "id")
	if !ok {
		entityNotFound(w)
		return
	}
	for _, f := range systemFolders {
		if f.id == id {
			writeJSON(w, http.StatusOK, s.folderObject(p, f.id, f.name, true))
			return
		}
	}
	if name, ok := p.customFolderName(id); ok {
		writeJSON(w, http.StatusOK, s.folderObject(p, id, name, false))
		return
	}
	entityNotFound(w)
}

// createFolder serves POST folder {"name"}: a custom folder, refused (126)
// when the patient already has one of that name.
func (s *Simulator) createFolder(w http.ResponseWriter, r *http.Request, p *patient) {
	var in struct{ Name string }
	if !decodeBody(w, r, &in) {
		return
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 50 {
		mhvError(w, http.StatusBadRequest, 125, "", "Folder name is invalid")
		return
	}
	for _, f := range systemFolders {
		if strings.EqualFold(f.name, name) {
			mhvError(w, http.StatusBadRequest, 126, "", "Folder already exists with the requested name")
			return
		}
	}
	if _, taken := p.customFolderID(name); taken {
		mhvError(w, http.StatusBadRequest, 126, "", "Folder already exists with the requested name")
		return
	}
	id := s.ensureFolder(p, name)
	writeJSON(w, http.StatusOK, s.folderObject(p, id, name, false))
}

// folderOK reports whether id is a system folder or one of the patient's.
func folderOK(p *patient, id int64) bool {
	if id == folderInbox || id == folderSent || id == folderDrafts || id == folderDeleted {
		return true
	}
	_, ok := p.customFolderName(id)
	return ok
}

// pathFolder reads a listing's {id} folder; one that is neither a system
// folder nor the patient's is MHV's entity not found.
func pathFolder(w http.ResponseWriter, r *http.Request, p *patient) (int64, bool) {
	fid, ok := pathInt(r, "id")
	if !ok || !folderOK(p, fid) {
		entityNotFound(w)
		return 0, false
	}
	return fid, true
}

// threadList serves folder/threadlistview/{folderId}: one row per thread
// with a message in the folder, described by its latest such message.
func (s *Simulator) threadList(w http.ResponseWriter, r *http.Request, p *patient) {
	fid, ok := pathFolder(w, r, p)
	if !ok {
		return
	}
	q := r.URL.Query()
	page, size, ok := threadPaging(w, q)
	if !ok {
		return
	}
	latest := s.latestPerThread(p, fid)
	if len(latest) == 0 {
		mhvError(w, http.StatusBadRequest, 915, "", "No messages in the requested folder")
		return
	}
	s.sortThreads(latest, p, strings.ToUpper(q.Get("sortField")), !strings.EqualFold(q.Get("sortOrder"), "ASC"))
	out := []any{}
	start := (page - 1) * size
	for i := start; i < len(latest) && i < start+size; i++ {
		out = append(out, s.threadRow(latest[i], p, fid, len(latest)))
	}
	writeJSON(w, http.StatusOK, out)
}

// threadPaging reads pageNumber and pageSize (defaults 1 and 10, at most 100).
func threadPaging(w http.ResponseWriter, q url.Values) (page, size int, ok bool) {
	page, size = atoiDefault(q.Get("pageNumber"), 1), atoiDefault(q.Get("pageSize"), 10)
	switch {
	case page < 1:
		mhvError(w, http.StatusBadRequest, 120, "", "Page Number must be greater than zero")
	case size < 1:
		mhvError(w, http.StatusBadRequest, 121, "", "Page Size must be greater than zero")
	case size > 100:
		mhvError(w, http.StatusBadRequest, 133, "", "PageSize exceeds the maximum allowed limit")
	default:
		return page, size, true
	}
	return 0, 0, false
}

// latestPerThread returns, per thread with a message in the folder, its
// latest such message (the last created on a tie), threads in order of
// their first message there.
func (s *Simulator) latestPerThread(p *patient, fid int64) []*message {
	idx := map[int64]int{}
	var out []*message
	for _, mid := range s.order {
		m := s.msgs[mid]
		if m.corr != p.CorrelationID || m.folder != fid {
			continue
		}
		i, ok := idx[m.threadID]
		if !ok {
			idx[m.threadID] = len(out)
			out = append(out, m)
			continue
		}
		if !msgTime(m).Before(msgTime(out[i])) {
			out[i] = m
		}
	}
	return out
}

// sortThreads orders thread rows by sortField (SENDER_NAME, RECIPIENT_NAME,
// else the date), stable so equal rows keep their folder order.
func (s *Simulator) sortThreads(list []*message, p *patient, sortField string, desc bool) {
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
			return less(list[j], list[i])
		}
		return less(list[i], list[j])
	})
}

// threadRow is one element of threadlistview, describing the thread of m.
func (s *Simulator) threadRow(m *message, p *patient, fid int64, threads int) map[string]any {
	thread := s.threadMsgs(m)
	sid, sname, rid, rname := s.parties(m, p)
	hasAtt, unsent, unread := false, false, false
	for _, t := range thread {
		hasAtt = hasAtt || len(t.attachments) > 0
		unsent = unsent || t.folder == folderDrafts
		unread = unread || (t.dir == dirToVeteran && !t.vetRead && t.folder != folderDeleted)
	}
	return map[string]any{
		"threadId": m.threadID, "folderId": fid, "messageId": m.id,
		"threadPageSize": threads, "messageCount": len(thread),
		"category": m.category, "subject": m.subject, "triageGroupName": s.teamName(m.teamID),
		"sentDate": fmtTime(m.sentAt, isoOffset), "draftDate": fmtTime(m.draftAt, isoOffset),
		"senderId": sid, "senderName": sname, "recipientName": rname, "recipientId": rid,
		"proxySenderName": nil, "hasAttachment": len(m.attachments) > 0, "threadHasAttachment": hasAtt,
		"unsentDrafts": unsent, "unreadMessages": unread, "isOhMessage": false, "suggestedNameDisplay": nil,
	}
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
	fid, ok := pathFolder(w, r, p)
	if !ok {
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
