package mhvsim

import (
	"strconv"
	"strings"
	"time"
)

// The message and thread objects MHV answers with, built from state.

func (s *Simulator) parties(m *message, p *patient) (senderID int64, senderName string, recipientID int64, recipientName string) {
	if m.dir == dirToClinician {
		return p.userID, p.Name, m.teamID, s.teamName(m.teamID)
	}
	name := m.author // a named clinician (seeded history)
	if name == "" {
		name = "CLINICIAN, " + strings.ToUpper(s.teamName(m.teamID))
	}
	return clinicianID(m.teamID), name, p.userID, p.Name
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
