package mhv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/va/vams/providers"
)

// MHV system folders.
const (
	FolderInbox   int64 = 0
	FolderSent    int64 = -1
	FolderDrafts  int64 = -2
	FolderDeleted int64 = -3
)

// Standard (non-S3) attachment limits enforced by vets-api before calling MHV.
const (
	maxAttachments     = 4
	maxAttachmentBytes = 6 << 20
	maxTotalAttachment = 10 << 20
)

// threadPageSize is the largest thread-list page MHV documents ("max: 100").
const threadPageSize = 100

// maxThreadPages stops a runaway walk if MHV keeps returning full pages.
const maxThreadPages = 200

// Send delivers a new message (POST message) or, with InReplyToExternalID, a
// reply (POST message/{id}/reply); with attachments the multipart .../attach
// variants are used.
//
// Idempotency: MHV has no idempotency key, so a retried send could create a
// second message. The adapter (1) sends IdempotencyKey in IdempotencyHeader,
// which the simulator honours durably for its lifetime and which real MHV
// ignores, and (2) remembers receipts per key in-process so a retry within
// the same process returns the first receipt without calling MHV. Against
// real MHV a retry after a restart, of a send whose answer was lost, can still
// duplicate; VAMS's outbox should therefore only retry sends that failed with
// a retryable error, and must treat this residual risk as accepted.
func (c *Client) Send(ctx context.Context, m providers.OutboundMessage) (providers.Receipt, error) {
	memoKey := ""
	if m.IdempotencyKey != "" {
		memoKey = m.Veteran.MHVCorrelationID + "\x00" + m.IdempotencyKey
		if r, ok := c.sent.get(memoKey); ok {
			return r, nil
		}
	}
	if strings.TrimSpace(m.Body) == "" {
		return providers.Receipt{}, rejected("100", reasonEmptyBody)
	}
	if err := checkAttachments(m.Attachments); err != nil {
		return providers.Receipt{}, err
	}
	req := wireSendRequest{Body: m.Body, Subject: m.Subject, Category: m.Category}
	if req.Category == "" {
		req.Category = "OTHER"
	}
	if m.CareTeamExternalID != "" {
		id, err := strconv.ParseInt(m.CareTeamExternalID, 10, 64)
		if err != nil {
			return providers.Receipt{}, rejected("119", reasonNoTeam)
		}
		req.RecipientID = id
	}
	path := "message"
	if m.InReplyToExternalID != "" {
		if _, err := strconv.ParseInt(m.InReplyToExternalID, 10, 64); err != nil {
			return providers.Receipt{}, &providers.Error{Kind: providers.ErrNotFound, Code: "904", Reason: reasonNotFound}
		}
		path = "message/" + m.InReplyToExternalID + "/reply"
	} else if req.RecipientID == 0 {
		return providers.Receipt{}, rejected("119", reasonNoTeam)
	}
	jsonBody, err := json.Marshal(req)
	if err != nil {
		return providers.Receipt{}, err
	}
	cl := call{method: http.MethodPost, path: path, body: jsonBody, header: http.Header{}}
	if m.IdempotencyKey != "" {
		cl.header.Set(IdempotencyHeader, m.IdempotencyKey)
	}
	if len(m.Attachments) > 0 {
		cl.path = path + "/attach"
		cl.body, cl.contentType, err = multipartBody(jsonBody, m.Attachments)
		if err != nil {
			return providers.Receipt{}, err
		}
	}
	raw, _, err := c.do(ctx, m.Veteran.MHVCorrelationID, cl)
	if err != nil {
		return providers.Receipt{}, err
	}
	wm, err := decodeMessage(raw)
	if err != nil || wm.ID == 0 {
		// MHV accepted the message but we cannot read its id: report it as
		// unavailable so it is retried under the same idempotency key.
		return providers.Receipt{}, unavailable("decode")
	}
	r := providers.Receipt{ExternalID: wm.ID.String()}
	if t, err := parseMHVTime(wm.SentDate); err == nil {
		r.SentAt = t
	} else {
		r.SentAt = c.now().UTC()
	}
	// The message object has no threadId; ask the thread view for it. This is
	// best effort: the message is already delivered, and failing here would
	// make the caller retry a send that succeeded.
	if thread, err := c.threadDetails(ctx, m.Veteran, r.ExternalID, false); err == nil {
		for _, tm := range thread {
			if tm.MessageID == wm.ID {
				r.ThreadExternalID = tm.ThreadID.String()
				break
			}
		}
	}
	if memoKey != "" {
		c.sent.put(memoKey, r)
	}
	return r, nil
}

func checkAttachments(atts []providers.Attachment) error {
	if len(atts) > maxAttachments {
		return rejected("attachment-count", reasonAttachTooBig)
	}
	total := 0
	for _, a := range atts {
		if len(a.Data) > maxAttachmentBytes {
			return rejected("attachment-size", reasonAttachTooBig)
		}
		if a.Filename == "" {
			return rejected("123", reasonAttachment)
		}
		total += len(a.Data)
	}
	if total > maxTotalAttachment {
		return rejected("attachment-total", reasonAttachTooBig)
	}
	return nil
}

// multipartBody builds MHV's attach payload: a JSON part "message" followed
// by one "uploads[]" file part per attachment, as vets-api sends it.
func multipartBody(msg []byte, atts []providers.Attachment) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="message"; filename="message"`)
	h.Set("Content-Type", "application/json")
	p, err := w.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	if _, err := p.Write(msg); err != nil {
		return nil, "", err
	}
	for _, a := range atts {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="uploads[]"; filename=%q`, a.Filename))
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		p, err := w.CreatePart(h)
		if err != nil {
			return nil, "", err
		}
		if _, err := p.Write(a.Data); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// SetStatus writes the veteran's read or delete to MHV. READ fetches the
// message (GET message/{id}/read marks it read upstream); DELETED moves it to
// the Deleted folder; MHV has no way to mark a message unread.
func (c *Client) SetStatus(ctx context.Context, v providers.Veteran, externalID string, s providers.Status) error {
	if err := checkID(externalID); err != nil {
		return err
	}
	switch s {
	case providers.StatusRead:
		// READ also means "not deleted": a veteran restoring a thread from
		// Trash must take it out of MHV's Deleted folder, or the next scan
		// would see it deleted again.
		m, err := c.GetMessage(ctx, v, externalID)
		if err != nil {
			return err
		}
		if m.Status == providers.StatusDeleted {
			to := FolderInbox
			if m.Direction == providers.ToClinician {
				to = FolderSent
			}
			if err := c.Move(ctx, v, externalID, to); err != nil {
				return err
			}
		}
		_, _, err = c.do(ctx, v.MHVCorrelationID, call{method: http.MethodGet, path: "message/" + externalID + "/read"})
		return err
	case providers.StatusDeleted:
		return c.Move(ctx, v, externalID, FolderDeleted)
	case providers.StatusUnread:
		return &providers.Error{Kind: providers.ErrUnsupported, Code: "unread", Reason: reasonUnsupported}
	default:
		return &providers.Error{Kind: providers.ErrUnsupported, Code: string(s), Reason: reasonUnsupported}
	}
}

// GetMessage fetches one message with its body. It reads the thread view
// rather than message/{id}/read because reading there marks the message read
// in MHV, which only the veteran's own action should do. Only when the
// thread view omits the message does it fall back to message/{id}/read.
func (c *Client) GetMessage(ctx context.Context, v providers.Veteran, externalID string) (providers.Message, error) {
	if err := checkID(externalID); err != nil {
		return providers.Message{}, err
	}
	thread, err := c.GetThread(ctx, v, externalID)
	if err != nil && !errors.Is(err, providers.ErrNotFound) {
		return providers.Message{}, err
	}
	for _, m := range thread {
		if m.ExternalID == externalID {
			return m, nil
		}
	}
	raw, _, err := c.do(ctx, v.MHVCorrelationID, call{method: http.MethodGet, path: "message/" + externalID + "/read"})
	if err != nil {
		return providers.Message{}, err
	}
	wm, err := decodeMessage(raw)
	if err != nil {
		return providers.Message{}, unavailable("decode")
	}
	return messageFromWire(wm), nil
}

// GetThread fetches every sent message of the conversation externalID
// belongs to (message/{id}/allmessagesforthread/1: bodies and attachments).
// Unsent drafts are left out.
func (c *Client) GetThread(ctx context.Context, v providers.Veteran, externalID string) ([]providers.Message, error) {
	if err := checkID(externalID); err != nil {
		return nil, err
	}
	thread, err := c.threadDetails(ctx, v, externalID, true)
	if err != nil {
		return nil, err
	}
	teams := &teamLookup{c: c, v: v}
	return threadToMessages(ctx, thread, teams, providers.Window{}), nil
}

func (c *Client) threadDetails(ctx context.Context, v providers.Veteran, id string, full bool) ([]wireThreadMessage, error) {
	path := "message/" + id + "/messagesforthread"
	if full {
		path = "message/" + id + "/allmessagesforthread/1"
	}
	raw, _, err := c.do(ctx, v.MHVCorrelationID, call{method: http.MethodGet, path: path})
	if err != nil {
		return nil, err
	}
	thread, err := decodeThread(raw)
	if err != nil {
		return nil, unavailable("decode")
	}
	return thread, nil
}

// ListMessages walks the Inbox, Sent, Deleted and custom-folder thread lists
// newest first, page by page, stops at threads whose latest activity precedes
// w.Since, and then reads each remaining thread's messages, keeping those
// sent within w. Messages living in Deleted come back with StatusDeleted.
// Custom folders count: a message the veteran filed in MHV's own portal is
// not gone.
func (c *Client) ListMessages(ctx context.Context, v providers.Veteran, w providers.Window) ([]providers.Message, error) {
	var anchors []string
	seen := map[flexID]bool{}
	folders := []int64{FolderInbox, FolderSent, FolderDeleted}
	all, err := c.Folders(ctx, v)
	if err != nil {
		return nil, err
	}
	for _, f := range all {
		if f.ID > 0 {
			folders = append(folders, f.ID)
		}
	}
	for _, folder := range folders {
		rows, err := c.threadsSince(ctx, v, folder, w.Since)
		if err != nil {
			return nil, err
		}
		for _, t := range rows {
			if seen[t.ThreadID] {
				continue
			}
			seen[t.ThreadID] = true
			anchors = append(anchors, t.MessageID.String())
		}
	}
	teams := &teamLookup{c: c, v: v}
	var out []providers.Message
	got := map[string]bool{}
	for _, id := range anchors {
		thread, err := c.threadDetails(ctx, v, id, false)
		if errors.Is(err, providers.ErrNotFound) {
			continue // deleted for good between the two calls
		}
		if err != nil {
			return nil, err
		}
		for _, m := range threadToMessages(ctx, thread, teams, w) {
			if !got[m.ExternalID] {
				got[m.ExternalID] = true
				// messagesforthread is MHV's summary view: vets-api asks
				// allmessagesforthread for full bodies. Listings therefore
				// report no body; GetThread reads the full ones.
				m.Body, m.BodyIncluded = "", false
				out = append(out, m)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].SentAt.Before(out[j].SentAt) })
	return out, nil
}

// threadsSince returns the folder's thread rows whose sentDate is at or after
// since (all rows when since is zero).
func (c *Client) threadsSince(ctx context.Context, v providers.Veteran, folder int64, since time.Time) ([]wireThreadSummary, error) {
	var out []wireThreadSummary
	for page := 1; page <= maxThreadPages; page++ {
		rows, err := c.threadPage(ctx, v, folder, page, threadPageSize)
		if err != nil {
			return nil, err
		}
		stop := len(rows) < threadPageSize
		for _, t := range rows {
			ts, ok := parseMHVTimePtr(t.SentDate)
			if !ok {
				continue // unsent draft-only thread
			}
			if !since.IsZero() && ts.Before(since) {
				stop = true // sorted newest first: the rest is older
				break
			}
			out = append(out, t)
		}
		if stop {
			return out, nil
		}
	}
	return out, nil
}

// threadPage returns one page of a folder's thread list, newest first.
// MHV's "No messages in the requested folder" (915) is an empty page.
func (c *Client) threadPage(ctx context.Context, v providers.Veteran, folder int64, page, size int) ([]wireThreadSummary, error) {
	q := url.Values{}
	q.Set("pageNumber", strconv.Itoa(page))
	q.Set("pageSize", strconv.Itoa(size))
	q.Set("sortField", "SENT_DATE")
	q.Set("sortOrder", "DESC")
	raw, _, err := c.do(ctx, v.MHVCorrelationID, call{
		method: http.MethodGet,
		path:   "folder/threadlistview/" + strconv.FormatInt(folder, 10),
		query:  q,
	})
	if isCode(err, "915") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rows, err := decodeThreadList(raw)
	if err != nil {
		return nil, unavailable("decode")
	}
	return rows, nil
}

// CareTeams lists the veteran's triage teams from alltriageteams, which
// carries station, facility, health-care system, blocked and preferred flags.
func (c *Client) CareTeams(ctx context.Context, v providers.Veteran) ([]providers.CareTeam, error) {
	raw, _, err := c.do(ctx, v.MHVCorrelationID, call{method: http.MethodGet, path: "alltriageteams"})
	if err != nil {
		return nil, err
	}
	_, teams, err := decodeAllTriageTeams(raw)
	if err != nil {
		return nil, unavailable("decode")
	}
	return careTeamsFromWire(teams), nil
}

func careTeamsFromWire(teams []wireTriageTeam) []providers.CareTeam {
	var out []providers.CareTeam
	idx := map[flexID]int{}
	for _, t := range teams {
		// MHV may list a team twice (once blocked); a block on either wins.
		if i, ok := idx[t.TriageTeamID]; ok {
			out[i].Blocked = out[i].Blocked || t.BlockedStatus
			out[i].Preferred = out[i].Preferred || t.PreferredTeam
			continue
		}
		ct := providers.CareTeam{
			ExternalID:        t.TriageTeamID.String(),
			Name:              t.Name,
			DisplayName:       strOrEmpty(t.SuggestedNameDisplay),
			StationNumber:     strOrEmpty(t.StationNumber),
			FacilityName:      strOrEmpty(t.LocationName),
			HealthCareSystem:  strOrEmpty(t.HealthCareSystemName),
			RequiresSignature: signatureRequired(t.Name),
			Active:            t.Active == nil || *t.Active,
			Blocked:           t.BlockedStatus,
			Preferred:         t.PreferredTeam,
		}
		if ct.DisplayName == "" {
			ct.DisplayName = t.Name
		}
		idx[t.TriageTeamID] = len(out)
		out = append(out, ct)
	}
	return out
}

// --- mapping --------------------------------------------------------------

// teamLookup resolves a triage group name to its id, fetching the team list
// at most once per operation: the thread view names the team but gives its
// id only as the recipient of the veteran's own messages.
type teamLookup struct {
	c      *Client
	v      providers.Veteran
	loaded bool
	byName map[string]string
}

func (t *teamLookup) id(ctx context.Context, name string) string {
	if name == "" || t == nil || t.c == nil {
		return ""
	}
	if !t.loaded {
		t.loaded = true
		t.byName = map[string]string{}
		if teams, err := t.c.CareTeams(ctx, t.v); err == nil {
			for _, ct := range teams {
				t.byName[ct.Name] = ct.ExternalID
			}
		}
	}
	return t.byName[name]
}

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
	// The veteran's messages are addressed to the triage group: their
	// recipientId is the team id for the whole thread.
	teamID := ""
	for _, m := range thread {
		if threadDirection(m) == providers.ToClinician && m.RecipientID != 0 {
			teamID = m.RecipientID.String()
			break
		}
	}
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
		pm.CareTeamExternalID = teamID
		if pm.CareTeamExternalID == "" {
			pm.CareTeamExternalID = teams.id(ctx, strOrEmpty(m.TriageGroupName))
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

func checkID(id string) error {
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return &providers.Error{Kind: providers.ErrNotFound, Code: "115", Reason: reasonNotFound}
	}
	return nil
}
