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
	"strconv"
	"strings"

	"github.com/va/vams/providers"
)

// IdempotencyHeader carries OutboundMessage.IdempotencyKey on sends. The MHV
// simulator (mhvsim) honours it: a repeated key returns the original message
// instead of creating a second one. Real MHV does not know this header and,
// like any HTTP service behind the API gateway, ignores unknown headers.
// It is deliberately not (X-)Idempotency-Key: Go's HTTP client replays a
// POST carrying that header when a kept-alive connection drops before the
// answer, which against a provider that ignores the header delivers the
// message twice.
const IdempotencyHeader = "X-Vams-Send-Key"

// Standard (non-S3) attachment limits enforced by vets-api before calling MHV.
const (
	maxAttachments     = 4
	maxAttachmentBytes = 6 << 20
	maxTotalAttachment = 10 << 20
)

// Send delivers a new message (POST message) or, with InReplyToExternalID, a
// reply (POST message/{id}/reply); with attachments the multipart .../attach
// variants are used.
//
// Idempotency: MHV has no idempotency key, so a retried send could create a
// second message. The adapter (1) sends IdempotencyKey in IdempotencyHeader,
// which the simulator honours (unless told to ignore it) and real MHV
// ignores, and (2) remembers receipts per key in-process so a retry within
// the same process returns the first receipt without calling MHV. What
// guards a retry against real MHV, after a lost answer or a crash, is the
// sync engine: a failure whose outcome is unknown (providers.OutcomeUnknown)
// makes the next attempt look for the message among the veteran's sent
// messages before sending again.
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
	cl, err := sendCall(m)
	if err != nil {
		return providers.Receipt{}, err
	}
	// An answer without a readable id (undecodable, or id 0) means MHV
	// accepted the message but we cannot name it: its outcome is unknown,
	// so the retry first looks for it at MHV.
	wm, err := fetchJSON(ctx, c, m.Veteran.MHVCorrelationID, cl, decodeMessage)
	var pe *providers.Error
	if err == nil && wm.ID == 0 || errors.As(err, &pe) && pe.Code == "decode" {
		err = lostAnswer("decode")
	}
	if err != nil {
		return providers.Receipt{}, err
	}
	r := c.receipt(ctx, m.Veteran, wm)
	if memoKey != "" {
		c.sent.put(memoKey, r)
	}
	return r, nil
}

// sendCall builds the POST for m: message or message/{id}/reply, with
// /attach and a multipart body when m has attachments.
func sendCall(m providers.OutboundMessage) (call, error) {
	req := wireSendRequest{Body: m.Body, Subject: m.Subject, Category: m.Category}
	if req.Category == "" {
		req.Category = "OTHER"
	}
	if m.CareTeamExternalID != "" {
		id, err := strconv.ParseInt(m.CareTeamExternalID, 10, 64)
		if err != nil {
			return call{}, rejected("119", reasonNoTeam)
		}
		req.RecipientID = id
	}
	path := "message"
	if m.InReplyToExternalID != "" {
		if _, err := strconv.ParseInt(m.InReplyToExternalID, 10, 64); err != nil {
			return call{}, &providers.Error{Kind: providers.ErrNotFound, Code: "904", Reason: reasonNotFound}
		}
		path = "message/" + m.InReplyToExternalID + "/reply"
	} else if req.RecipientID == 0 {
		return call{}, rejected("119", reasonNoTeam)
	}
	jsonBody, err := json.Marshal(req)
	if err != nil {
		return call{}, err
	}
	cl := call{method: http.MethodPost, path: path, body: jsonBody, header: http.Header{}}
	if m.IdempotencyKey != "" {
		cl.header.Set(IdempotencyHeader, m.IdempotencyKey)
	}
	if len(m.Attachments) > 0 {
		cl.path = path + "/attach"
		cl.body, cl.contentType, err = multipartBody(jsonBody, m.Attachments)
		if err != nil {
			return call{}, err
		}
	}
	return cl, nil
}

// receipt describes the sent message wm.
func (c *Client) receipt(ctx context.Context, v providers.Veteran, wm wireMessage) providers.Receipt {
	r := providers.Receipt{ExternalID: wm.ID.String()}
	if t, err := parseMHVTime(wm.SentDate); err == nil {
		r.SentAt = t
	} else {
		r.SentAt = c.now().UTC()
	}
	// The message object has no threadId; ask the thread view for it. This is
	// best effort: the message is already delivered, and failing here would
	// make the caller retry a send that succeeded.
	if thread, err := c.threadDetails(ctx, v, r.ExternalID, false); err == nil {
		for _, tm := range thread {
			if tm.MessageID == wm.ID {
				r.ThreadExternalID = tm.ThreadID.String()
				break
			}
		}
	}
	return r
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
