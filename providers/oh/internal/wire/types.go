package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Message statuses (Message.status, Receiver.status, and the status path
// parameter of PUT …/status/{status}).
const (
	StatusUnread  = "UNREAD"
	StatusOpened  = "OPENED"
	StatusOnHold  = "ONHOLD"
	StatusDeleted = "DELETED"
	StatusUnknown = "UNKNOWN"
	// FilterOpen is how the list endpoints' statuses filter spells OPENED.
	FilterOpen = "OPEN"
)

// Receiver types.
const (
	ReceiverPersonnel = "PERSONNEL"
	ReceiverPool      = "POOL"
	ReceiverPerson    = "PERSON"
	ReceiverEmail     = "EMAIL"
)

// Text format types.
const (
	FormatRTF   = "RTF"
	FormatXHTML = "XHTML"
)

// IdempotencyHeader is a VAMS extension honoured only by the simulator; real
// OH ignores unknown headers, which is why VAMS also matches echoes.
// It is deliberately not (X-)Idempotency-Key: Go's HTTP client replays a
// POST carrying that header when a kept-alive connection drops before the
// answer, which against a provider that ignores the header delivers the
// message twice.
const IdempotencyHeader = "X-Vams-Send-Key"

// EMail is the swagger's EMail.
type EMail struct {
	Address string `json:"address,omitempty"`
}

// Attachment is the swagger's Attachment (GET) and PostAttachment (POST).
type Attachment struct {
	Name            string `json:"name,omitempty"`
	MediaIdentifier string `json:"mediaIdentifier,omitempty"`
	MediaVersion    int32  `json:"mediaVersion,omitempty"`
}

// Receiver is the swagger's Receiver (GET) and PostReceiver (POST, without
// status).
type Receiver struct {
	ReceiverID int64  `json:"receiverId,omitempty"`
	Type       string `json:"type,omitempty"`
	Status     string `json:"status,omitempty"`
	Email      *EMail `json:"email,omitempty"`
}

// Sensitivity is the swagger's Sensitivity.
type Sensitivity struct {
	PortalUserUUIDs []string `json:"portalUserUUIDs,omitempty"`
}

// TextSection is the swagger's "Message Text".
type TextSection struct {
	Title      string `json:"title,omitempty"`
	FormatType string `json:"formatType,omitempty"`
	Text       string `json:"text,omitempty"`
}

// Message is the swagger's Message; lists return the MessageLite subset
// (no text, texts, referenceIds) through the same struct.
type Message struct {
	IDURL                  string        `json:"idUrl,omitempty"`
	ID                     string        `json:"id,omitempty"`
	Subject                string        `json:"subject,omitempty"`
	PersonSenderID         int64         `json:"personSenderId,omitempty"`
	PersonnelSenderID      int64         `json:"personnelSenderId,omitempty"`
	PoolSenderID           int64         `json:"poolSenderId,omitempty"`
	CreateDate             string        `json:"createDate,omitempty"`
	ReminderDate           string        `json:"reminderDate,omitempty"`
	MessageType            string        `json:"messageType,omitempty"`
	Priority               string        `json:"priority,omitempty"`
	Status                 string        `json:"status,omitempty"`
	Attachments            []Attachment  `json:"attachments,omitempty"`
	Receivers              []Receiver    `json:"receivers,omitempty"`
	CCReceivers            []Receiver    `json:"ccReceivers,omitempty"`
	ReferenceID            string        `json:"referenceId,omitempty"`
	EmailSender            *EMail        `json:"emailSender,omitempty"`
	Sensitivity            *Sensitivity  `json:"sensitivity,omitempty"`
	ResponsiblePersonnelID int64         `json:"responsiblePersonnelId,omitempty"`
	PatientID              int64         `json:"patientId,omitempty"`
	EncounterID            int64         `json:"encounterId,omitempty"`
	Text                   string        `json:"text,omitempty"`
	UpdateDate             string        `json:"updateDate,omitempty"`
	DueDate                string        `json:"dueDate,omitempty"`
	OpenURL                string        `json:"openUrl,omitempty"`
	DeleteURL              string        `json:"deleteUrl,omitempty"`
	UnreadURL              string        `json:"unreadUrl,omitempty"`
	ReplyURL               string        `json:"replyUrl,omitempty"`
	PreviousMessageID      string        `json:"previousMessageId,omitempty"`
	ReferenceIDs           []string      `json:"referenceIds,omitempty"`
	ResultSetID            int64         `json:"resultSetId,omitempty"`
	Texts                  []TextSection `json:"texts,omitempty"`
}

// Messages is the swagger's Messages (list responses).
type Messages struct {
	Messages []Message `json:"messages"`
}

// MessagesByID is the swagger's MessagesById (by-id responses).
type MessagesByID struct {
	MessagesByID map[string]Message `json:"messagesById"`
}

// SendMessage is the swagger's SendMessage (POST …/outbox/messages).
type SendMessage struct {
	PatientID              int64        `json:"patientId"`
	Receivers              []Receiver   `json:"receivers,omitempty"`
	CCReceivers            []Receiver   `json:"ccReceivers,omitempty"`
	PreviousMessageID      string       `json:"previousMessageId,omitempty"`
	Text                   string       `json:"text,omitempty"`
	FormatType             string       `json:"formatType,omitempty"`
	Subject                string       `json:"subject"`
	Attachments            []Attachment `json:"attachments,omitempty"`
	Sensitivity            *Sensitivity `json:"sensitivity,omitempty"`
	ResponsiblePersonnelID int64        `json:"responsiblePersonnelId,omitempty"`
}

// Pool is the swagger's Pool. StationNumber, FacilityName and
// HealthCareSystem are simulator extensions: the 10.8 schema has no facility
// data, so against real OH they stay empty and VAMS must map pools to
// facilities from its own configuration.
type Pool struct {
	ID               int64  `json:"id"`
	IDURL            string `json:"idUrl,omitempty"`
	Name             string `json:"name,omitempty"`
	StationNumber    string `json:"stationNumber,omitempty"`
	FacilityName     string `json:"facilityName,omitempty"`
	HealthCareSystem string `json:"healthCareSystem,omitempty"`
}

// PoolsByID is the swagger's PoolsById.
type PoolsByID struct {
	PoolsByID map[string]Pool `json:"poolsById"`
}

// NamedPool is one key of PoolsByName: the name a pool is found under (an
// external name) and the pool itself (whose Name is the internal name).
type NamedPool struct {
	Key  string
	Pool Pool
}

// RecipientAccessByPoolID is the swagger's RecipientAccessStatusByPoolId.
type RecipientAccessByPoolID struct {
	ByPoolID map[string]string `json:"recipientAccessStatusByPoolId"`
}

// Recipient access values.
const (
	AccessGranted = "GRANTED"
	AccessDenied  = "DENIED_CONFIGURATION"
)

// EncodePoolsByName writes a PoolsByName document keeping the key order,
// which the adapter uses to tell a pool's primary external name from its
// alternates (JSON objects are ordered on the wire even if maps are not).
func EncodePoolsByName(pools []NamedPool) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"poolsByName":{`)
	for i, p := range pools {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(p.Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(p.Pool)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteString(`}}`)
	return b.Bytes(), nil
}

// ErrMalformed reports a response body that is not the documented shape.
var ErrMalformed = errors.New("malformed OH response")

// DecodePoolsByName reads a PoolsByName document in key order.
func DecodePoolsByName(data []byte) ([]NamedPool, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	var out []NamedPool
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		key, _ := tok.(string)
		if key != "poolsByName" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
			}
			continue
		}
		tok, err = dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		if tok == nil { // "poolsByName": null
			continue
		}
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return nil, fmt.Errorf("%w: poolsByName is not an object", ErrMalformed)
		}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
			}
			k, ok := kt.(string)
			if !ok {
				return nil, fmt.Errorf("%w: pool key", ErrMalformed)
			}
			var p Pool
			if err := dec.Decode(&p); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
			}
			out = append(out, NamedPool{Key: k, Pool: p})
		}
		if err := expectDelim(dec, '}'); err != nil {
			return nil, err
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	return out, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("%w: expected %q", ErrMalformed, string(want))
	}
	return nil
}

// TimeLayout is the spec's "ISO 8601 combined date and time in UTC,
// excluding milliseconds".
const TimeLayout = "2006-01-02T15:04:05Z"

// FormatTime renders t the way the spec's date fields and filters expect.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// ParseTime accepts the spec's layout and, leniently, any RFC 3339 time.
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(TimeLayout, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: bad date", ErrMalformed)
	}
	return t.UTC(), nil
}

// idSuffix is the tail OH puts on personnel-authored message ids
// (e.g. 54282597705.0.-4.prsnl); the simulator uses it for every message.
const idSuffix = "-4.prsnl"

// FormatID builds a message id in the OH shape: entity.version.-4.prsnl.
// The second component is the version the 409 check compares.
func FormatID(entity int64, version int) string {
	return strconv.FormatInt(entity, 10) + "." + strconv.Itoa(version) + "." + idSuffix
}

// SplitID separates a dotted OH message id into its version-free canonical
// form (version 0, i.e. the id as first issued) and its version. Ids of any
// other shape (e.g. the colon form 2170961659:-6:0:0, whose parts are not
// documented) are returned unchanged with an empty version.
func SplitID(id string) (canonical, version string) {
	parts := strings.SplitN(id, ".", 3)
	if len(parts) != 3 || parts[0] == "" || parts[2] == "" {
		return id, ""
	}
	if _, err := strconv.ParseInt(parts[0], 10, 64); err != nil {
		return id, ""
	}
	if _, err := strconv.Atoi(parts[1]); err != nil {
		return id, ""
	}
	return parts[0] + ".0." + parts[2], parts[1]
}

// WithVersion puts version into a dotted id; other ids come back unchanged.
func WithVersion(id, version string) string {
	canon, v := SplitID(id)
	if v == "" || version == "" {
		return id
	}
	parts := strings.SplitN(canon, ".", 3)
	return parts[0] + "." + version + "." + parts[2]
}

// ParseEntity returns the numeric entity part of a dotted id.
func ParseEntity(id string) (int64, bool) {
	canon, v := SplitID(id)
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.SplitN(canon, ".", 2)[0], 10, 64)
	return n, err == nil
}
