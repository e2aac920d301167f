package oh

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/va/vams/providers"
	"github.com/va/vams/providers/oh/internal/wire"
)

// IdempotencyHeader carries OutboundMessage.IdempotencyKey on sends. It is a
// VAMS convention the simulator honours (a repeat returns the original
// message). Real OH ignores unknown headers, so VAMS's sync engine must still
// match the Atom echo of its own sends to the pending send, and look for a
// send whose outcome was unknown before sending it again.
const IdempotencyHeader = wire.IdempotencyHeader

// Send posts the veteran's message to POST …/patients/{pid}/outbox/messages
// with a POOL (or PERSONNEL) receiver and previousMessageId for replies.
func (c *Client) Send(ctx context.Context, m providers.OutboundMessage) (providers.Receipt, error) {
	pp, err := c.patientPath(m.Veteran)
	if err != nil {
		return providers.Receipt{}, err
	}
	pid, err := strconv.ParseInt(m.Veteran.OHPatientID, 10, 64)
	if err != nil {
		return providers.Receipt{}, perr(providers.ErrRejected, "NO_PATIENT", reasonNoPatient)
	}
	if len(m.Attachments) > 0 {
		// The spec posts attachments by media id, uploaded through a media
		// service outside this API.
		return providers.Receipt{}, perr(providers.ErrUnsupported, "ATTACHMENTS", reasonAttachments)
	}
	subject, team, parentThread, err := c.replyContext(ctx, m)
	if err != nil {
		return providers.Receipt{}, err
	}
	rcv, err := receiver(team)
	if err != nil {
		return providers.Receipt{}, err
	}
	subject = truncateRunes(subject, 255) // the spec requires < 256 characters
	body := wire.SendMessage{
		PatientID:         pid,
		Receivers:         []wire.Receiver{rcv},
		PreviousMessageID: m.InReplyToExternalID,
		Subject:           subject,
		Text:              wire.EncodeRTF(NormalizeText(m.Body)),
		FormatType:        wire.FormatRTF,
	}
	var hdr http.Header
	if m.IdempotencyKey != "" {
		hdr = http.Header{IdempotencyHeader: {m.IdempotencyKey}}
	}
	resp, _, err := c.do(ctx, "send", http.MethodPost, pp+"/outbox/messages", nil, body, hdr)
	if err != nil {
		return providers.Receipt{}, err
	}
	id := lastSegment(resp.Header.Get("Location"))
	if id == "" {
		// Created but unnamed: the outcome is unknown, so the retry first
		// looks for the message at OH.
		e := perr(providers.ErrUnavailable, "NO_LOCATION", reasonUnavailable)
		e.MaybeApplied = true
		return providers.Receipt{}, e
	}
	canon, _ := wire.SplitID(id)
	rec := providers.Receipt{ExternalID: canon, ThreadExternalID: parentThread, SentAt: time.Now().UTC()}
	if rec.ThreadExternalID == "" {
		rec.ThreadExternalID = canon
		if m.InReplyToExternalID != "" {
			rec.ThreadExternalID, _ = wire.SplitID(m.InReplyToExternalID)
		}
	}
	c.readBack(ctx, m.Veteran, id, &rec)
	return rec, nil
}

// replyContext gives a send its subject and care team. A reply missing
// either takes them from the message replied to ("RE: " + its subject),
// and then also learns the thread (parentThread).
func (c *Client) replyContext(ctx context.Context, m providers.OutboundMessage) (subject, team, parentThread string, err error) {
	subject = NormalizeText(m.Subject)
	team = m.CareTeamExternalID
	if m.InReplyToExternalID == "" || (strings.TrimSpace(subject) != "" && team != "") {
		return subject, team, "", nil
	}
	parent, box, err := c.fetchOne(ctx, m.Veteran, m.InReplyToExternalID)
	if err != nil {
		return "", "", "", err
	}
	pm := toDomain(parent, box, true)
	if team == "" {
		team = pm.CareTeamExternalID
	}
	if strings.TrimSpace(subject) == "" {
		subject = pm.Subject
		if !strings.HasPrefix(strings.ToUpper(subject), "RE:") {
			subject = "RE: " + subject
		}
	}
	return subject, team, pm.ThreadExternalID, nil
}

// readBack completes rec from the sent message id: the POST answers only
// with a Location, so the thread and timestamp come from reading it back.
// The send has happened, so a failed read-back must not fail it (a retry
// would duplicate the message).
func (c *Client) readBack(ctx context.Context, v providers.Veteran, id string, rec *providers.Receipt) {
	msgs, err := c.fetch(ctx, v, outbox, []string{id})
	if err != nil {
		return
	}
	for _, wm := range msgs {
		if mc, _ := wire.SplitID(wm.ID); mc == rec.ExternalID {
			dm := toDomain(wm, outbox, true)
			rec.ThreadExternalID = dm.ThreadExternalID
			if !dm.SentAt.IsZero() {
				rec.SentAt = dm.SentAt
			}
		}
	}
}

func receiver(team string) (wire.Receiver, error) {
	typ := wire.ReceiverPool
	idStr := team
	if strings.HasPrefix(team, PersonnelPrefix) {
		typ, idStr = wire.ReceiverPersonnel, strings.TrimPrefix(team, PersonnelPrefix)
	}
	id, err := strconv.ParseInt(idStr, 10, 64)
	if err != nil || id == 0 {
		return wire.Receiver{}, perr(providers.ErrRejected, "CARE_TEAM", reasonCareTeam)
	}
	return wire.Receiver{ReceiverID: id, Type: typ}, nil
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
