package inbox

import (
	"errors"
	"fmt"

	"github.com/va/vams/ent"
)

// Code is a stable, documented error code; clients switch on it
// (GraphQL `extensions.code`).
type Code string

const (
	CodeNotFound                  Code = "NOT_FOUND"
	CodeInvalidInput              Code = "INVALID_INPUT"
	CodeInvalidCursor             Code = "INVALID_CURSOR"
	CodeSubjectRequired           Code = "SUBJECT_REQUIRED"
	CodeSubjectTooLong            Code = "SUBJECT_TOO_LONG"
	CodeBodyRequired              Code = "BODY_REQUIRED"
	CodeBodyTooLong               Code = "BODY_TOO_LONG"
	CodeInvalidCategory           Code = "INVALID_CATEGORY"
	CodeTooManyAttachments        Code = "TOO_MANY_ATTACHMENTS"
	CodeAttachmentTooLarge        Code = "ATTACHMENT_TOO_LARGE"
	CodeAttachmentsTooLarge       Code = "ATTACHMENTS_TOO_LARGE"
	CodeAttachmentTypeNotAllowed  Code = "ATTACHMENT_TYPE_NOT_ALLOWED"
	CodeAttachmentEmpty           Code = "ATTACHMENT_EMPTY"
	CodeAttachmentDuplicate       Code = "ATTACHMENT_DUPLICATE"
	CodeAttachmentsNotAccepted    Code = "ATTACHMENTS_NOT_ACCEPTED"
	CodeReplyWindowClosed         Code = "REPLY_WINDOW_CLOSED"
	CodeCareTeamBlocked           Code = "CARE_TEAM_BLOCKED"
	CodeCareTeamNotAssociated     Code = "CARE_TEAM_NOT_ASSOCIATED"
	CodeCareTeamInactive          Code = "CARE_TEAM_INACTIVE"
	CodeFacilityInTransition      Code = "FACILITY_IN_TRANSITION"
	CodeSignatureRequired         Code = "ELECTRONIC_SIGNATURE_REQUIRED"
	CodeSignatureInvalid          Code = "ELECTRONIC_SIGNATURE_INVALID"
	CodeFolderNameInvalid         Code = "FOLDER_NAME_INVALID"
	CodeFolderNameTaken           Code = "FOLDER_NAME_TAKEN"
	CodeFolderNotEmpty            Code = "FOLDER_NOT_EMPTY"
	CodeSystemFolder              Code = "SYSTEM_FOLDER_IMMUTABLE"
	CodeInvalidMove               Code = "INVALID_MOVE"
	CodeTagNameInvalid            Code = "TAG_NAME_INVALID"
	CodeTagNameTaken              Code = "TAG_NAME_TAKEN"
	CodeNotDraft                  Code = "NOT_A_DRAFT"
	CodeSignatureFieldsRequired   Code = "SIGNATURE_FIELDS_REQUIRED"
	CodePreferredCareTeamRequired Code = "PREFERRED_CARE_TEAM_REQUIRED"
	CodeRateLimited               Code = "RATE_LIMITED"
	CodeInvalidText               Code = "INVALID_TEXT"
	CodeIdempotencyKeyReused      Code = "IDEMPOTENCY_KEY_REUSED"
	CodeUnknownTimeZone           Code = "UNKNOWN_TIME_ZONE"
)

// Error is a rule the veteran's request broke. Message is safe to show and
// never echoes what the veteran wrote; Field names the offending input field.
type Error struct {
	Code    Code
	Message string
	Field   string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

func newErr(code Code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// notFound is what every missing or foreign ID becomes: the two must be
// indistinguishable.
func notFound(field string) *Error {
	return newErr(CodeNotFound, field, "No such item.")
}

// mapNotFound turns ent's not-found into the typed error for field.
func mapNotFound(err error, field string) error {
	if ent.IsNotFound(err) {
		return notFound(field)
	}
	return err
}

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
