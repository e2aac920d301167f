package oh

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/providers"
	"github.com/va/vams/providers/oh/internal/wire"
)

// DefaultListCap is OH's limit on one list answer per date window.
const DefaultListCap = 1000

// IdempotencyHeader carries OutboundMessage.IdempotencyKey on sends. It is a
// VAMS convention the simulator honours (a repeat returns the original
// message). Real OH ignores unknown headers, so VAMS's sync engine must still
// match the Atom echo of its own sends to the pending send.
const IdempotencyHeader = wire.IdempotencyHeader

// PersonnelPrefix marks a care-team external id that names an individual
// (a PERSONNEL receiver) rather than a message pool, e.g. "personnel:1234".
// Plain numeric ids are pool ids.
const PersonnelPrefix = "personnel:"

// Credentials supplies the CareAware OAuth access token sent as
// "Authorization: Bearer <token>". The spec requires the token's authority
// to match the URI's authority.
type Credentials interface {
	Token(ctx context.Context) (string, error)
}

// BearerToken is a fixed access token.
type BearerToken string

// Token returns the token itself.
func (t BearerToken) Token(context.Context) (string, error) { return string(t), nil }

// Config configures a Client.
type Config struct {
	// BaseURL is the service root, e.g.
	// "https://host/messaging/va/service" or "http://host/sim/oh".
	BaseURL string
	// Authority is the OH tenant used when a Veteran has no OHAuthority.
	Authority   string
	Credentials Credentials // nil sends no Authorization header
	HTTPClient  *http.Client
	// ListCap is the per-window list limit (default DefaultListCap); a full
	// answer makes ListMessages halve the window.
	ListCap int
	// ConflictRetries is how many times a status write is re-applied after
	// a 409 before giving up with ErrConflict (default 2).
	ConflictRetries int
}

// Client is the OH provider: Millennium Messaging Web Services (REST 10.8).
type Client struct {
	base    string
	cfg     Config
	hc      *http.Client
	listCap int
	retries int
}

var _ providers.Provider = (*Client)(nil)

// New builds a Client.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("oh: invalid BaseURL")
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient // copy: we change redirect handling only for ourselves
		hc = &c
	}
	// A 301 means a patient merge; it must reach us, not be followed.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Client{base: strings.TrimRight(cfg.BaseURL, "/"), cfg: cfg, hc: hc, listCap: cfg.ListCap, retries: cfg.ConflictRetries}
	if c.listCap <= 0 {
		c.listCap = DefaultListCap
	}
	if c.retries <= 0 {
		c.retries = 2
	}
	return c, nil
}

// Kind reports providerkind.OH.
func (c *Client) Kind() providerkind.Kind { return providerkind.OH }

const (
	inbox  = "inbox"
	outbox = "outbox"
)

func (c *Client) authority(v providers.Veteran) string {
	if v.OHAuthority != "" {
		return v.OHAuthority
	}
	return c.cfg.Authority
}

func (c *Client) patientPath(v providers.Veteran) (string, error) {
	if v.OHPatientID == "" {
		return "", perr(providers.ErrRejected, "NO_PATIENT", reasonNoPatient)
	}
	return "/" + url.PathEscape(c.authority(v)) + "/patients/" + url.PathEscape(v.OHPatientID), nil
}

// maxBody bounds what we read from OH; lists of 1,000 lite messages are far
// below it.
const maxBody = 32 << 20

// do performs one request and returns the body of a 2xx answer; anything
// else becomes a *providers.Error.
func (c *Client) do(ctx context.Context, op, method, path string, q url.Values, body any, hdr http.Header) (*http.Response, []byte, error) {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rdr io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, nil, err
		}
		rdr = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rdr)
	if err != nil {
		return nil, nil, perr(providers.ErrRejected, "BAD_REQUEST", reasonRejected)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	if c.cfg.Credentials != nil {
		tok, err := c.cfg.Credentials.Token(ctx)
		if err != nil {
			return nil, nil, perr(providers.ErrUnavailable, "AUTH", reasonUnavailable)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, transportError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, nil, transportError(err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, nil, statusError(op, resp)
	}
	return resp, data, nil
}

// decodeMessages decodes a list answer (swagger Messages). It is the REST
// response decoder the fuzz test drives; malformed input is ErrMalformed.
func decodeMessages(data []byte) ([]wire.Message, error) {
	var m wire.Messages
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", wire.ErrMalformed, err)
	}
	return m.Messages, nil
}

// decodeMessagesByID decodes a by-id answer (swagger MessagesById).
func decodeMessagesByID(data []byte) ([]wire.Message, error) {
	var m wire.MessagesByID
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", wire.ErrMalformed, err)
	}
	out := make([]wire.Message, 0, len(m.MessagesByID))
	for k, msg := range m.MessagesByID {
		if msg.ID == "" {
			msg.ID = k
		}
		out = append(out, msg)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func malformed() error { return perr(providers.ErrUnavailable, "MALFORMED", reasonUnavailable) }

// fetch gets messages by id from one mailbox with their references.
func (c *Client) fetch(ctx context.Context, v providers.Veteran, box string, ids []string) ([]wire.Message, error) {
	pp, err := c.patientPath(v)
	if err != nil {
		return nil, err
	}
	esc := make([]string, len(ids))
	for i, id := range ids {
		esc[i] = url.PathEscape(id)
	}
	_, data, err := c.do(ctx, "get", http.MethodGet, pp+"/"+box+"/messages/"+strings.Join(esc, ","),
		url.Values{"loadReferences": {"true"}}, nil, nil)
	if err != nil {
		return nil, err
	}
	msgs, err := decodeMessagesByID(data)
	if err != nil {
		return nil, malformed()
	}
	return msgs, nil
}

// fetchOne finds one message in the inbox, then the outbox.
func (c *Client) fetchOne(ctx context.Context, v providers.Veteran, id string) (wire.Message, string, error) {
	canon, _ := wire.SplitID(id)
	for _, box := range []string{inbox, outbox} {
		msgs, err := c.fetch(ctx, v, box, []string{id})
		if err != nil && !errors.Is(err, providers.ErrNotFound) {
			return wire.Message{}, "", err
		}
		for _, m := range msgs {
			if mc, _ := wire.SplitID(m.ID); mc == canon {
				return m, box, nil
			}
		}
		if err != nil && errors.Is(err, providers.ErrNotFound) {
			// 404 is also how OH reports an unknown patient; keep looking in
			// the other mailbox before deciding.
			continue
		}
	}
	return wire.Message{}, "", perr(providers.ErrNotFound, "404", reasonNotFound)
}

// teamOf names the other party: the sending pool of an inbox message, the
// receiving pool of an outbox message (personnel as PersonnelPrefix ids).
func teamOf(m wire.Message, box string) string {
	if box == inbox {
		if m.PoolSenderID != 0 {
			return strconv.FormatInt(m.PoolSenderID, 10)
		}
		if m.PersonnelSenderID != 0 {
			return PersonnelPrefix + strconv.FormatInt(m.PersonnelSenderID, 10)
		}
		return ""
	}
	all := append(append([]wire.Receiver{}, m.Receivers...), m.CCReceivers...)
	for _, r := range all {
		if r.Type == wire.ReceiverPool && r.ReceiverID != 0 {
			return strconv.FormatInt(r.ReceiverID, 10)
		}
	}
	for _, r := range all {
		if r.Type == wire.ReceiverPersonnel && r.ReceiverID != 0 {
			return PersonnelPrefix + strconv.FormatInt(r.ReceiverID, 10)
		}
	}
	return ""
}

// toDomain maps a wire message. withBody is true for by-id answers, whose
// text and references lists omit.
func toDomain(m wire.Message, box string, withBody bool) providers.Message {
	canon, ver := wire.SplitID(m.ID)
	out := providers.Message{
		ExternalID:         canon,
		CareTeamExternalID: teamOf(m, box),
		Subject:            m.Subject,
		Version:            ver,
		BodyIncluded:       withBody,
	}
	if t, err := wire.ParseTime(m.CreateDate); err == nil {
		out.SentAt = t
	}
	if withBody {
		out.Body = wire.DecodeBody(m)
		out.ThreadExternalID = canon
		if n := len(m.ReferenceIDs); n > 0 {
			// referenceIds run oldest first and exclude the message itself.
			// [Inference] The simulator makes reference ids equal message
			// ids; real OH may not, which would need a lookup here.
			out.ThreadExternalID, _ = wire.SplitID(m.ReferenceIDs[0])
			out.InReplyToExternalID, _ = wire.SplitID(m.ReferenceIDs[n-1])
		}
	}
	for _, a := range m.Attachments {
		out.Attachments = append(out.Attachments, providers.AttachmentInfo{ExternalID: a.MediaIdentifier, Filename: a.Name})
	}
	if box == inbox {
		out.Direction = providers.ToVeteran
		switch m.Status {
		case wire.StatusOpened, wire.StatusOnHold:
			out.Status = providers.StatusRead
		case wire.StatusDeleted:
			out.Status = providers.StatusDeleted
		default:
			out.Status = providers.StatusUnread
		}
		return out
	}
	out.Direction = providers.ToClinician
	out.Status = providers.StatusRead
	if m.Status == wire.StatusDeleted {
		out.Status = providers.StatusDeleted
	}
	// Receivers carry the care team's own status. OH records no read time,
	// so the last update stands in for it once a receiver has opened it.
	for _, r := range append(append([]wire.Receiver{}, m.Receivers...), m.CCReceivers...) {
		if r.Status == wire.StatusOpened || r.Status == wire.StatusOnHold {
			t, err := wire.ParseTime(m.UpdateDate)
			if err != nil {
				t = out.SentAt
			}
			out.ClinicianReadAt = &t
			break
		}
	}
	return out
}

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
	subject := NormalizeText(m.Subject)
	team := m.CareTeamExternalID
	var parentThread string
	if m.InReplyToExternalID != "" && (strings.TrimSpace(subject) == "" || team == "") {
		parent, box, err := c.fetchOne(ctx, m.Veteran, m.InReplyToExternalID)
		if err != nil {
			return providers.Receipt{}, err
		}
		pm := toDomain(parent, box, true)
		parentThread = pm.ThreadExternalID
		if team == "" {
			team = pm.CareTeamExternalID
		}
		if strings.TrimSpace(subject) == "" {
			subject = pm.Subject
			if !strings.HasPrefix(strings.ToUpper(subject), "RE:") {
				subject = "RE: " + subject
			}
		}
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
		// Created but unnamed: report it as transient so the outbox retries;
		// the echo matcher absorbs a duplicate.
		return providers.Receipt{}, perr(providers.ErrUnavailable, "NO_LOCATION", reasonUnavailable)
	}
	canon, _ := wire.SplitID(id)
	rec := providers.Receipt{ExternalID: canon, ThreadExternalID: parentThread, SentAt: time.Now().UTC()}
	if rec.ThreadExternalID == "" {
		rec.ThreadExternalID = canon
		if m.InReplyToExternalID != "" {
			rec.ThreadExternalID, _ = wire.SplitID(m.InReplyToExternalID)
		}
	}
	// The POST answers only with a Location; read the message back for its
	// thread and timestamp. The send has happened, so a failed read-back
	// must not fail it (a retry would duplicate the message).
	if msgs, err := c.fetch(ctx, m.Veteran, outbox, []string{id}); err == nil {
		for _, wm := range msgs {
			if mc, _ := wire.SplitID(wm.ID); mc == canon {
				dm := toDomain(wm, outbox, true)
				rec.ThreadExternalID = dm.ThreadExternalID
				if !dm.SentAt.IsZero() {
					rec.SentAt = dm.SentAt
				}
			}
		}
	}
	return rec, nil
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

func lastSegment(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return ""
	}
	p := strings.TrimRight(u.EscapedPath(), "/")
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return ""
	}
	s, err := url.PathUnescape(p[i+1:])
	if err != nil {
		return ""
	}
	return s
}

// SetStatus writes READ (OPENED), UNREAD or DELETED with the version-checked
// PUT …/inbox/messages/{id}/status/{status}. A 409 means the message moved
// on; the current version is re-read and the change re-applied (unless it
// already holds) up to ConflictRetries times. The veteran's own sent
// messages have no status to write: READ is a no-op, others ErrUnsupported.
func (c *Client) SetStatus(ctx context.Context, v providers.Veteran, externalID string, s providers.Status) error {
	var target string
	switch s {
	case providers.StatusRead:
		target = wire.StatusOpened
	case providers.StatusUnread:
		target = wire.StatusUnread
	case providers.StatusDeleted:
		target = wire.StatusDeleted
	default:
		return perr(providers.ErrRejected, "BAD_STATUS", reasonStatus)
	}
	pp, err := c.patientPath(v)
	if err != nil {
		return err
	}
	id := externalID
	for attempt := 0; ; attempt++ {
		_, _, err := c.do(ctx, "status", http.MethodPut,
			pp+"/inbox/messages/"+url.PathEscape(id)+"/status/"+target, nil, nil, nil)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, providers.ErrNotFound):
			return c.statusOutbox(ctx, v, externalID, s, err)
		case !errors.Is(err, providers.ErrConflict):
			return err
		}
		if attempt >= c.retries {
			return err
		}
		cur, box, ferr := c.fetchOne(ctx, v, externalID)
		if ferr != nil {
			return ferr
		}
		if box != inbox {
			return c.statusOutbox(ctx, v, externalID, s, err)
		}
		if satisfied(cur.Status, target) {
			return nil
		}
		id = cur.ID
	}
}

func satisfied(cur, target string) bool {
	if target == wire.StatusOpened {
		return cur == wire.StatusOpened || cur == wire.StatusOnHold
	}
	return cur == target
}

// statusOutbox handles a status write for a message absent from the inbox.
func (c *Client) statusOutbox(ctx context.Context, v providers.Veteran, id string, s providers.Status, inboxErr error) error {
	msgs, err := c.fetch(ctx, v, outbox, []string{id})
	if err != nil {
		if errors.Is(err, providers.ErrNotFound) {
			return inboxErr
		}
		return err
	}
	canon, _ := wire.SplitID(id)
	for _, m := range msgs {
		if mc, _ := wire.SplitID(m.ID); mc == canon {
			if s == providers.StatusRead {
				return nil
			}
			return perr(providers.ErrUnsupported, "OUTBOX_STATUS", reasonStatus)
		}
	}
	return inboxErr
}

// GetMessage fetches one message with its body and references.
func (c *Client) GetMessage(ctx context.Context, v providers.Veteran, externalID string) (providers.Message, error) {
	m, box, err := c.fetchOne(ctx, v, externalID)
	if err != nil {
		return providers.Message{}, err
	}
	return toDomain(m, box, true), nil
}

// fetchBatch bounds the id list of one by-id request (URL length).
const fetchBatch = 50

// GetThread returns the conversation of externalID, oldest first. OH gives
// each message its predecessors (referenceIds, oldest first) but no way to
// find its successors, so the thread is: the root's whole chain, plus every
// later message with the same care team whose chain starts at the root.
func (c *Client) GetThread(ctx context.Context, v providers.Veteran, externalID string) ([]providers.Message, error) {
	start, err := c.GetMessage(ctx, v, externalID)
	if err != nil {
		return nil, err
	}
	root := start.ThreadExternalID
	byID := map[string]providers.Message{start.ExternalID: start}
	var rootMsg providers.Message
	if root == start.ExternalID {
		rootMsg = start
	} else {
		rootMsg, err = c.GetMessage(ctx, v, root)
		if err != nil {
			return nil, err
		}
		byID[rootMsg.ExternalID] = rootMsg
	}
	from := rootMsg.SentAt
	if from.IsZero() {
		from = start.SentAt
	}
	listed, err := c.ListMessages(ctx, v, providers.Window{Since: from, Until: time.Now().Add(time.Minute)})
	if err != nil {
		return nil, err
	}
	want := map[string][]string{} // mailbox → ids to fetch
	for _, lm := range listed {
		if _, ok := byID[lm.ExternalID]; ok || lm.CareTeamExternalID != start.CareTeamExternalID {
			continue
		}
		box := inbox
		if lm.Direction == providers.ToClinician {
			box = outbox
		}
		want[box] = append(want[box], lm.ExternalID)
	}
	for _, box := range []string{inbox, outbox} {
		ids := want[box]
		for len(ids) > 0 {
			n := min(len(ids), fetchBatch)
			msgs, err := c.fetch(ctx, v, box, ids[:n])
			if err != nil {
				return nil, err
			}
			ids = ids[n:]
			for _, wm := range msgs {
				dm := toDomain(wm, box, true)
				if dm.ThreadExternalID == root {
					byID[dm.ExternalID] = dm
				}
			}
		}
	}
	out := make([]providers.Message, 0, len(byID))
	for _, m := range byID {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].SentAt.Equal(out[j].SentAt) {
			return out[i].SentAt.Before(out[j].SentAt)
		}
		return out[i].ExternalID < out[j].ExternalID
	})
	return out, nil
}

// ListMessages lists inbox and outbox messages created in w, DELETED
// included, without bodies or references. OH filters by create date at
// whole seconds, inclusive at both ends, and returns at most ListCap
// messages per window; a full answer is split in halves until it is not.
func (c *Client) ListMessages(ctx context.Context, v providers.Veteran, w providers.Window) ([]providers.Message, error) {
	if _, err := c.patientPath(v); err != nil {
		return nil, err
	}
	from := w.Since.UTC().Truncate(time.Second)
	to := w.Until.UTC()
	if t := to.Truncate(time.Second); !t.Equal(to) {
		to = t.Add(time.Second)
	}
	seen := map[string]bool{}
	var out []providers.Message
	for _, box := range []string{inbox, outbox} {
		msgs, err := c.listWindow(ctx, v, box, from, to)
		if err != nil {
			return nil, err
		}
		for _, wm := range msgs {
			dm := toDomain(wm, box, false)
			if seen[dm.ExternalID] || dm.SentAt.Before(w.Since) || !dm.SentAt.Before(w.Until) {
				continue
			}
			seen[dm.ExternalID] = true
			out = append(out, dm)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].SentAt.Equal(out[j].SentAt) {
			return out[i].SentAt.Before(out[j].SentAt)
		}
		return out[i].ExternalID < out[j].ExternalID
	})
	return out, nil
}

// listWindow lists [from, to) (whole seconds) of one mailbox.
func (c *Client) listWindow(ctx context.Context, v providers.Veteran, box string, from, to time.Time) ([]wire.Message, error) {
	if !from.Before(to) {
		return nil, nil
	}
	pp, _ := c.patientPath(v)
	q := url.Values{
		"beginDate": {wire.FormatTime(from)},
		"endDate":   {wire.FormatTime(to.Add(-time.Second))},
		// The filter spells OPENED as OPEN; DELETED must be asked for.
		"statuses": {"UNREAD,OPEN,ONHOLD,DELETED"},
		"types":    {"MESSAGE"},
	}
	if box == inbox {
		q.Set("types", "MESSAGE,REMINDER")
	}
	_, data, err := c.do(ctx, "list", http.MethodGet, pp+"/"+box+"/messages", q, nil, nil)
	if err != nil {
		return nil, err
	}
	msgs, err := decodeMessages(data)
	if err != nil {
		return nil, malformed()
	}
	if len(msgs) < c.listCap {
		return msgs, nil
	}
	span := to.Sub(from)
	if span <= time.Second {
		return nil, perr(providers.ErrRejected, "LIST_CAP", reasonTooMany)
	}
	mid := from.Add(span / 2).Truncate(time.Second)
	if !mid.After(from) {
		mid = from.Add(time.Second)
	}
	a, err := c.listWindow(ctx, v, box, from, mid)
	if err != nil {
		return nil, err
	}
	b, err := c.listWindow(ctx, v, box, mid, to)
	if err != nil {
		return nil, err
	}
	return append(a, b...), nil
}

// CareTeams lists the authority's message pools. A pool found under
// several names (PoolsByName keys are the names veterans see) becomes one
// team: the first name is DisplayName, the rest AlternateNames, and the
// pool's own name is the internal Name. Blocking comes from
// pools/{ids}/recipient-access; the patientId query on it is a simulator
// extension (the 10.8 endpoint is not patient-scoped), so against real OH
// Blocked reflects only pool-wide denial.
func (c *Client) CareTeams(ctx context.Context, v providers.Veteran) ([]providers.CareTeam, error) {
	auth := "/" + url.PathEscape(c.authority(v))
	_, data, err := c.do(ctx, "pools", http.MethodGet, auth+"/pools", nil, nil, nil)
	if err != nil {
		return nil, err
	}
	named, err := wire.DecodePoolsByName(data)
	if err != nil {
		return nil, malformed()
	}
	var (
		teams []providers.CareTeam
		idx   = map[int64]int{}
	)
	for _, np := range named {
		if i, ok := idx[np.Pool.ID]; ok {
			if np.Key != teams[i].DisplayName {
				teams[i].AlternateNames = append(teams[i].AlternateNames, np.Key)
			}
			continue
		}
		idx[np.Pool.ID] = len(teams)
		teams = append(teams, providers.CareTeam{
			ExternalID:       strconv.FormatInt(np.Pool.ID, 10),
			Name:             np.Pool.Name,
			DisplayName:      np.Key,
			StationNumber:    np.Pool.StationNumber,
			FacilityName:     np.Pool.FacilityName,
			HealthCareSystem: np.Pool.HealthCareSystem,
			Active:           true,
		})
	}
	if len(teams) == 0 {
		return teams, nil
	}
	ids := make([]string, len(teams))
	for i, t := range teams {
		ids[i] = t.ExternalID
	}
	q := url.Values{}
	if v.OHPatientID != "" {
		q.Set("patientId", v.OHPatientID)
	}
	_, data, err = c.do(ctx, "pools", http.MethodGet, auth+"/pools/"+strings.Join(ids, ",")+"/recipient-access", q, nil, nil)
	switch {
	case err == nil:
		var ra wire.RecipientAccessByPoolID
		if json.Unmarshal(data, &ra) != nil {
			return nil, malformed()
		}
		for i := range teams {
			if ra.ByPoolID[teams[i].ExternalID] == wire.AccessDenied {
				teams[i].Blocked = true
			}
		}
	case errors.Is(err, providers.ErrUnavailable):
		return nil, err
	}
	// Other failures leave blocking unknown rather than hide every team.
	return teams, nil
}

// Health asks for pools by a name no pool has: cheap, authenticated, and
// exercising the authority.
func (c *Client) Health(ctx context.Context) error {
	_, _, err := c.do(ctx, "health", http.MethodGet, "/"+url.PathEscape(c.cfg.Authority)+"/pools",
		url.Values{"name": {"vams-health-check"}}, nil, nil)
	return err
}
