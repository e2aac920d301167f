package providers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/va/vams/internal/platform/providerkind"
)

// Veteran is what a provider needs to act on a veteran's behalf. Each provider
// reads only its own identifier.
type Veteran struct {
	ICN              string
	MHVCorrelationID string // MHV
	OHPatientID      string // OH person id within OHAuthority
	OHAuthority      string // OH tenant, e.g. "va"
}

// Direction says who wrote a message.
type Direction string

const (
	ToClinician Direction = "TO_CLINICIAN" // written by the veteran
	ToVeteran   Direction = "TO_VETERAN"   // written by the care team
)

// Attachment is a file sent with a message.
type Attachment struct {
	Filename    string
	ContentType string
	Data        []byte
}

// AttachmentInfo describes a file a provider holds without its bytes.
type AttachmentInfo struct {
	ExternalID  string
	Filename    string
	ContentType string
	Size        int64
}

// OutboundMessage is a veteran's new message or reply to deliver.
type OutboundMessage struct {
	Veteran            Veteran
	CareTeamExternalID string
	Category           string // one of the VAMS categories (OTHER, COVID, ...)
	Subject            string
	Body               string
	Attachments        []Attachment
	// InReplyToExternalID is the provider id of the message replied to; empty
	// for a new conversation.
	InReplyToExternalID string
	// IdempotencyKey is stable across retries of the same delivery so that a
	// provider (or the adapter) can refuse to create the message twice.
	IdempotencyKey string
}

// Receipt is the provider's acknowledgement of a delivered message.
type Receipt struct {
	ExternalID       string
	ThreadExternalID string
	SentAt           time.Time
}

// Status is a message's state as a provider reports it.
type Status string

const (
	StatusUnread  Status = "UNREAD"
	StatusRead    Status = "READ"
	StatusDeleted Status = "DELETED"
)

// Message is a message as a provider holds it, in domain terms.
type Message struct {
	ExternalID          string
	ThreadExternalID    string
	InReplyToExternalID string
	CareTeamExternalID  string
	Direction           Direction
	AuthorName          string
	Subject             string
	Category            string
	Body                string
	// BodyIncluded is false when the provider's listing omitted the body; the
	// body must then be fetched with GetMessage.
	BodyIncluded bool
	SentAt       time.Time
	// Status is the veteran-side state (read or deleted in the provider's portal).
	Status Status
	// ClinicianReadAt is set once the care team has opened a veteran's message.
	ClinicianReadAt *time.Time
	Attachments     []AttachmentInfo
	// Version is the provider's optimistic-concurrency token, if any.
	Version string
}

// CareTeam is an MHV triage group or an OH message pool as a provider lists it.
type CareTeam struct {
	ExternalID        string
	Name              string // internal name
	DisplayName       string // what veterans see
	StationNumber     string
	FacilityName      string
	HealthCareSystem  string
	RequiresSignature bool
	Active            bool
	Blocked           bool // the team has blocked this veteran
	Preferred         bool
	AlternateNames    []string // OH external names that route to the same pool
}

// Window bounds a listing by sent time: [Since, Until).
type Window struct {
	Since time.Time
	Until time.Time
}

// Capabilities are what a provider takes with a veteran's message beyond
// its text. VAMS refuses up front what a provider cannot take, rather than
// queuing a message that can only fail delivery.
type Capabilities struct {
	// Attachments is whether files can go with a message.
	Attachments bool
	// Text is what the provider keeps of text it is sent (OH keeps only
	// Windows-1252); nil keeps it unchanged. Matching a provider's copy of
	// a veteran's message to VAMS's compares the two through it.
	Text func(string) string
}

// Kept is what the provider keeps of text s.
func (c Capabilities) Kept(s string) string {
	if c.Text == nil {
		return s
	}
	return c.Text(s)
}

// CapabilitySet is each provider kind's capabilities; a kind it lacks has
// none.
type CapabilitySet map[providerkind.Kind]Capabilities

// CapabilitiesOf collects what each of ps declares.
func CapabilitiesOf(ps ...Provider) CapabilitySet {
	set := make(CapabilitySet, len(ps))
	for _, p := range ps {
		set[p.Kind()] = p.Capabilities()
	}
	return set
}

// Provider is one clinical messaging system behind VAMS. Implementations own
// their wire formats; nothing outside their package sees them.
type Provider interface {
	Kind() providerkind.Kind
	// Capabilities declares what the provider takes beyond text.
	Capabilities() Capabilities
	// Send delivers a veteran's new message or reply.
	Send(ctx context.Context, m OutboundMessage) (Receipt, error)
	// SetStatus writes the veteran's read or delete back where supported;
	// ErrUnsupported otherwise.
	SetStatus(ctx context.Context, v Veteran, externalID string, s Status) error
	// GetMessage fetches one message with its body.
	GetMessage(ctx context.Context, v Veteran, externalID string) (Message, error)
	// GetThread fetches every message of the conversation that externalID belongs to.
	GetThread(ctx context.Context, v Veteran, externalID string) ([]Message, error)
	// ListMessages lists the veteran's messages in both directions sent within
	// w, including deleted ones, for reconciliation. Bodies may be omitted.
	ListMessages(ctx context.Context, v Veteran, w Window) ([]Message, error)
	// CareTeams lists the teams the veteran may see.
	CareTeams(ctx context.Context, v Veteran) ([]CareTeam, error)
	// Health reports whether the provider answers.
	Health(ctx context.Context) error
}

// Typed errors. Adapters wrap them with *Error so callers can decide between
// retrying and failing for good.
var (
	ErrUnavailable = errors.New("provider unavailable")  // retry later
	ErrRejected    = errors.New("provider rejected")     // permanent
	ErrNotFound    = errors.New("not found at provider") // permanent
	ErrConflict    = errors.New("version conflict")      // re-read, re-apply
	ErrUnsupported = errors.New("not supported by provider")
	// ErrMoved means the provider re-keyed the veteran (OH patient merge);
	// Error.NewPatientID carries the new key.
	ErrMoved = errors.New("patient moved")
)

// Error is a provider failure with its code and a reason a veteran can read.
type Error struct {
	Kind   error  // one of the Err* values above
	Code   string // provider's own code, e.g. MHV "126", HTTP "503"
	Reason string // safe to show to the veteran; never contains PHI
	// NewPatientID is set with ErrMoved.
	NewPatientID string
	// MaybeApplied is set when the request may have taken effect although
	// no answer said so: the connection failed or timed out after the
	// request went out, or the answer to a write could not be read.
	MaybeApplied bool
}

func (e *Error) Error() string { return fmt.Sprintf("%v (code %s): %s", e.Kind, e.Code, e.Reason) }
func (e *Error) Unwrap() error { return e.Kind }

// Retryable reports whether err is worth trying again later.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) || errors.Is(err, ErrConflict) {
		return true
	}
	var pe *Error
	// Errors that are not provider errors (network, timeout) are transient.
	return !errors.As(err, &pe)
}

// OutcomeUnknown reports whether a failed call may still have taken effect
// at the provider. A failure that is not a provider's answer (a cancelled
// call) counts as unknown too. A delivery retried after one first asks the
// provider whether it already holds the message, as neither MHV nor OH
// honours an idempotency key.
func OutcomeUnknown(err error) bool {
	if err == nil {
		return false
	}
	var pe *Error
	if errors.As(err, &pe) {
		return pe.MaybeApplied
	}
	return true
}

// Announcement is a provider's notice that a new message exists (OH's Atom
// publication entries). It carries ids only; the message is fetched later.
type Announcement struct {
	EntryID   string // unique per announced message; duplicates share it
	MessageID string
	PatientID string
	Authority string
	Updated   time.Time
}

// EmailFrequency is how often a provider that emails veterans itself does
// so about new messages.
type EmailFrequency string

const (
	EmailEachMessage EmailFrequency = "each_message"
	EmailDaily       EmailFrequency = "daily"
	EmailNone        EmailFrequency = "none"
)

// EmailPreferenceWriter is a provider that emails the veteran about its own
// new messages (MHV): VAMS writes the veteran's one preference through to
// it, so its email and VAMS's never both fire.
type EmailPreferenceWriter interface {
	SetEmailFrequency(ctx context.Context, v Veteran, f EmailFrequency) error
}
