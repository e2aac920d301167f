package mhv

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/va/vams/providers"
)

// Reasons are fixed strings a veteran may read. MHV's own message text is
// never copied into them, so nothing MHV echoes back can leak into a Reason.
const (
	reasonUnavailable   = "Secure messaging is temporarily unavailable. Please try again later."
	reasonNotFound      = "The message or care team could not be found."
	reasonBlocked       = "You can't send messages to this care team. Contact your facility for help."
	reasonNoLongerAssoc = "You can't reply because you are no longer connected to this care team. " +
		"Start a new message to a care team in your list."
	reasonExpired       = "This conversation is too old to reply to. Start a new message instead."
	reasonNoTeam        = "This care team is not available for secure messaging."
	reasonNoAccount     = "Your My HealtheVet secure messaging account could not be found."
	reasonTerms         = "You need to accept the My HealtheVet terms and conditions to use secure messaging."
	reasonNoAccess      = "You do not have access to this message."
	reasonEmptyBody     = "The message body can't be blank."
	reasonAttachment    = "One of the attachments could not be accepted."
	reasonAttachTooBig  = "The attachments are too large to send."
	reasonRejected      = "Secure messaging could not accept this request."
	reasonUnsupported   = "My HealtheVet does not support this change."
	reasonMovedOrFolder = "The folder could not be found."
)

// codeRule maps one MHV errorCode to a typed error.
type codeRule struct {
	kind   error
	reason string
}

// mhvCodes follows the error table in vets-api's exceptions.en.yml and the
// recorded cassettes. Codes not listed fall back on the HTTP status.
var mhvCodes = map[int64]codeRule{
	99:  {providers.ErrUnavailable, reasonUnavailable}, // "Unknown application error", HTTP 500
	100: {providers.ErrRejected, reasonEmptyBody},
	101: {providers.ErrUnavailable, reasonUnavailable}, // application authentication: our config, not the veteran
	102: {providers.ErrUnavailable, reasonUnavailable},
	103: {providers.ErrUnavailable, reasonUnavailable}, // user credentials: session token refused twice
	104: {providers.ErrUnavailable, reasonUnavailable},
	105: {providers.ErrRejected, reasonNoAccount},
	106: {providers.ErrRejected, reasonBlocked},
	111: {providers.ErrRejected, reasonNoAccess},
	112: {providers.ErrRejected, reasonNoAccess},
	113: {providers.ErrRejected, reasonAttachment},
	114: {providers.ErrRejected, reasonRejected}, // unable to move message
	115: {providers.ErrNotFound, reasonNotFound}, // entity not found
	116: {providers.ErrRejected, reasonRejected},
	117: {providers.ErrUnavailable, reasonUnavailable}, // data integrity issue (502 in vets-api)
	118: {providers.ErrRejected, reasonRejected},
	119: {providers.ErrRejected, reasonNoTeam}, // triage team does not exist
	120: {providers.ErrRejected, reasonRejected},
	121: {providers.ErrRejected, reasonRejected},
	122: {providers.ErrRejected, reasonAttachment},
	123: {providers.ErrRejected, reasonAttachment},
	124: {providers.ErrRejected, reasonAttachTooBig},
	125: {providers.ErrRejected, reasonRejected},
	// 126 is "folder already exists" in vets-api's table. This adapter never
	// creates folders, so if MHV answers 126 to a send it is treated as a
	// permanent refusal of the care team, as VAMS's design expects.
	126: {providers.ErrRejected, reasonBlocked},
	127: {providers.ErrRejected, reasonRejected},
	128: {providers.ErrRejected, reasonRejected},
	129: {providers.ErrRejected, reasonNoLongerAssoc}, // no longer associated with the triage team
	130: {providers.ErrRejected, reasonExpired},       // source message expired
	131: {providers.ErrRejected, reasonRejected},
	133: {providers.ErrRejected, reasonRejected},
	134: {providers.ErrRejected, reasonRejected},
	135: {providers.ErrRejected, reasonTerms},
	151: {providers.ErrRejected, reasonBlocked}, // blocked from the facility
	152: {providers.ErrRejected, reasonRejected},
	154: {providers.ErrRejected, reasonRejected},
	172: {providers.ErrRejected, reasonAttachment}, // attachment scan failed
	900: {providers.ErrUnavailable, reasonUnavailable},
	901: {providers.ErrUnavailable, reasonUnavailable},
	902: {providers.ErrUnavailable, reasonUnavailable},
	903: {providers.ErrUnavailable, reasonUnavailable},
	904: {providers.ErrUnavailable, reasonUnavailable}, // "Message Service Error"; see mapMHVError for not-found
	910: {providers.ErrNotFound, reasonMovedOrFolder},  // folder doesn't exist
	915: {providers.ErrNotFound, reasonNotFound},       // no messages in folder (listings treat it as empty)
}

// mapMHVError turns an MHV error answer into *providers.Error.
func mapMHVError(status int, body []byte) *providers.Error {
	if e, ok := decodeError(body); ok {
		code := int64(e.ErrorCode)
		// 904 is MHV's generic message-service error; with developerMessage
		// "message.not.found" (recorded for unknown ids) it is a plain
		// not-found, which must not be retried forever.
		if code == 904 && strings.Contains(strings.ToLower(e.DeveloperMessage), "not.found") {
			return &providers.Error{Kind: providers.ErrNotFound, Code: "904", Reason: reasonNotFound}
		}
		if r, ok := mhvCodes[code]; ok {
			return &providers.Error{Kind: r.kind, Code: strconv.FormatInt(code, 10), Reason: r.reason}
		}
		pe := mapHTTPStatus(status)
		pe.Code = strconv.FormatInt(code, 10)
		return pe
	}
	return mapHTTPStatus(status)
}

func mapHTTPStatus(status int) *providers.Error {
	code := strconv.Itoa(status)
	switch {
	case status >= 500, status == http.StatusTooManyRequests, status == http.StatusRequestTimeout,
		status == http.StatusUnauthorized:
		// 401 reaches here only after a fresh session was refused too: a
		// credentials problem on our side, so retrying later is right.
		return &providers.Error{Kind: providers.ErrUnavailable, Code: code, Reason: reasonUnavailable}
	case status == http.StatusNotFound:
		return &providers.Error{Kind: providers.ErrNotFound, Code: code, Reason: reasonNotFound}
	case status == http.StatusForbidden:
		return &providers.Error{Kind: providers.ErrRejected, Code: code, Reason: reasonNoAccess}
	case status == http.StatusRequestEntityTooLarge:
		return &providers.Error{Kind: providers.ErrRejected, Code: code, Reason: reasonAttachTooBig}
	default:
		return &providers.Error{Kind: providers.ErrRejected, Code: code, Reason: reasonRejected}
	}
}

func unavailable(code string) *providers.Error {
	return &providers.Error{Kind: providers.ErrUnavailable, Code: code, Reason: reasonUnavailable}
}

// lostAnswer is an unavailable MHV whose answer went missing after the
// request went out: it may have acted (providers.OutcomeUnknown).
func lostAnswer(code string) *providers.Error {
	e := unavailable(code)
	e.MaybeApplied = true
	return e
}

func rejected(code, reason string) *providers.Error {
	return &providers.Error{Kind: providers.ErrRejected, Code: code, Reason: reason}
}

// isCode reports whether err is an MHV error with the given code.
func isCode(err error, code string) bool {
	var pe *providers.Error
	return errors.As(err, &pe) && pe.Code == code
}
