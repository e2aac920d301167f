package mhv

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/va/vams/providers"
)

// threadDirection decides who wrote a thread-view message. The folder says
// it for Sent/Drafts/Inbox; elsewhere (Deleted, custom folders) the veteran's
// messages are the ones addressed to the triage group itself.
func threadDirection(m wireThreadMessage) providers.Direction {
	switch int64(m.FolderID) {
	case FolderSent, FolderDrafts:
		return providers.ToClinician
	case FolderInbox:
		return providers.ToVeteran
	}
	if m.TriageGroupName != nil && strings.EqualFold(strings.TrimSpace(m.RecipientName), strings.TrimSpace(*m.TriageGroupName)) {
		return providers.ToClinician
	}
	return providers.ToVeteran
}

// threadToMessages maps thread-view rows to domain messages, dropping unsent
// drafts and, when w is non-zero, messages sent outside it.
func threadToMessages(ctx context.Context, thread []wireThreadMessage, teams *teamLookup, w providers.Window) []providers.Message {
	teamID := threadTeamID(thread)
	var out []providers.Message
	for _, m := range thread {
		if int64(m.FolderID) == FolderDrafts {
			continue
		}
		sent, ok := parseMHVTimePtr(m.SentDate)
		if !ok {
			continue
		}
		if !w.Since.IsZero() && sent.Before(w.Since) {
			continue
		}
		if !w.Until.IsZero() && !sent.Before(w.Until) {
			continue
		}
		pm := threadMessage(m, sent)
		pm.CareTeamExternalID = teamID
		if pm.CareTeamExternalID == "" {
			pm.CareTeamExternalID = teams.id(ctx, strOrEmpty(m.TriageGroupName))
		}
		out = append(out, pm)
	}
	// Replies chain to the previous message of the thread, as MHV threads
	// are linear.
	sort.SliceStable(out, func(i, j int) bool { return out[i].SentAt.Before(out[j].SentAt) })
	for i := 1; i < len(out); i++ {
		out[i].InReplyToExternalID = out[i-1].ExternalID
	}
	return out
}

// threadTeamID finds the thread's care team: the veteran's messages are
// addressed to the triage group, so their recipientId is the team id for
// the whole thread. It is "" when the veteran wrote none.
func threadTeamID(thread []wireThreadMessage) string {
	for _, m := range thread {
		if threadDirection(m) == providers.ToClinician && m.RecipientID != 0 {
			return m.RecipientID.String()
		}
	}
	return ""
}

// threadMessage maps one sent thread-view row, care team left to the caller.
func threadMessage(m wireThreadMessage, sent time.Time) providers.Message {
	dir := threadDirection(m)
	pm := providers.Message{
		ExternalID:       m.MessageID.String(),
		ThreadExternalID: m.ThreadID.String(),
		Direction:        dir,
		AuthorName:       m.SenderName,
		Subject:          cleanText(m.Subject),
		Category:         normalizeCategory(m.Category),
		SentAt:           sent,
	}
	if m.MessageBody != nil {
		pm.Body = cleanText(*m.MessageBody)
		pm.BodyIncluded = true
	}
	read := m.ReadReceipt != nil && strings.EqualFold(*m.ReadReceipt, "READ")
	switch {
	case int64(m.FolderID) == FolderDeleted:
		pm.Status = providers.StatusDeleted
	case dir == providers.ToClinician:
		pm.Status = providers.StatusRead // the veteran wrote it
	case read:
		pm.Status = providers.StatusRead
	default:
		pm.Status = providers.StatusUnread
	}
	if dir == providers.ToClinician && read {
		// MHV sometimes records READ without a date; the send time is
		// then the best lower bound we have.
		t, ok := parseMHVTimePtr(m.ReadReceiptDate)
		if !ok {
			t = sent
		}
		pm.ClinicianReadAt = &t
	}
	for _, a := range m.Attachments {
		pm.Attachments = append(pm.Attachments, providers.AttachmentInfo{
			ExternalID:  a.AttachmentID.String(),
			Filename:    a.AttachmentName,
			ContentType: a.AttachmentMimeType,
			Size:        a.AttachmentSize,
		})
	}
	return pm
}

// messageFromWire maps a message object (message/{id}/read). It has no
// folder, so the direction comes from whether the recipient is the triage
// group the message belongs to.
func messageFromWire(m wireMessage) providers.Message {
	dir := providers.ToVeteran
	if m.TriageGroupID != 0 && m.RecipientID == m.TriageGroupID {
		dir = providers.ToClinician
	}
	pm := providers.Message{
		ExternalID: m.ID.String(),
		Direction:  dir,
		AuthorName: m.SenderName,
		Subject:    cleanText(m.Subject),
		Category:   normalizeCategory(m.Category),
	}
	if m.TriageGroupID != 0 {
		pm.CareTeamExternalID = m.TriageGroupID.String()
	}
	if m.Body != nil {
		pm.Body = cleanText(*m.Body)
		pm.BodyIncluded = true
	}
	if t, err := parseMHVTime(m.SentDate); err == nil {
		pm.SentAt = t
	}
	read := m.ReadReceipt != nil && strings.EqualFold(*m.ReadReceipt, "READ")
	if dir == providers.ToClinician || read {
		pm.Status = providers.StatusRead
	} else {
		pm.Status = providers.StatusUnread
	}
	if dir == providers.ToClinician && read {
		t := pm.SentAt
		pm.ClinicianReadAt = &t
	}
	if m.Attachments != nil {
		for _, a := range m.Attachments.Attachment {
			pm.Attachments = append(pm.Attachments, providers.AttachmentInfo{
				ExternalID: a.ID.String(),
				Filename:   a.Name,
				Size:       a.AttachmentSize,
			})
		}
	}
	return pm
}
