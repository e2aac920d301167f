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

// codeRule is what one MHV errorCode, or HTTP status, means to VAMS.
type codeRule struct {
	kind   error
	reason string
}

func (r codeRule) err(code string) *providers.Error {
	return &providers.Error{Kind: r.kind, Code: code, Reason: r.reason}
}

var (
	ruleUnavailable = codeRule{providers.ErrUnavailable, reasonUnavailable}
	ruleRejected    = codeRule{providers.ErrRejected, reasonRejected}
	ruleNotFound    = codeRule{providers.ErrNotFound, reasonNotFound}
	ruleNoAccess    = codeRule{providers.ErrRejected, reasonNoAccess}
	ruleBlocked     = codeRule{providers.ErrRejected, reasonBlocked}
	ruleAttachment  = codeRule{providers.ErrRejected, reasonAttachment}
	ruleTooBig      = codeRule{providers.ErrRejected, reasonAttachTooBig}
)

// mhvCodes follows the error table in vets-api's exceptions.en.yml and the
// recorded cassettes, grouped by what each code means to VAMS. Codes not
// listed fall back on the HTTP status.
var mhvCodes = byCode(map[codeRule][]int64{
	ruleUnavailable: {
		99,  // "Unknown application error", HTTP 500
		101, // application authentication: our config, not the veteran
		102,
		103, // user credentials: session token refused twice
		104,
		117, // data integrity issue (502 in vets-api)
		900, 901, 902, 903,
		904, // "Message Service Error"; see mapMHVError for not-found
	},
	ruleRejected: {
		114, // unable to move message
		116, 118, 120, 121, 125, 127, 128, 131, 133, 134, 152, 154,
	},
	ruleNotFound: {
		115, // entity not found
		915, // no messages in folder (listings treat it as empty)
	},
	ruleBlocked: {
		106,
		// 126 is "folder already exists" in vets-api's table. This adapter
		// never creates folders, so if MHV answers 126 to a send it is
		// treated as a permanent refusal of the care team, as VAMS's design
		// expects.
		126,
		151, // blocked from the facility
	},
	ruleAttachment: {
		113, 122, 123,
		172, // attachment scan failed
	},
	ruleNoAccess:                                 {111, 112},
	ruleTooBig:                                   {124},
	{providers.ErrRejected, reasonEmptyBody}:     {100},
	{providers.ErrRejected, reasonNoAccount}:     {105},
	{providers.ErrRejected, reasonNoTeam}:        {119}, // triage team does not exist
	{providers.ErrRejected, reasonNoLongerAssoc}: {129}, // no longer associated with the triage team
	{providers.ErrRejected, reasonExpired}:       {130}, // source message expired
	{providers.ErrRejected, reasonTerms}:         {135},
	{providers.ErrNotFound, reasonMovedOrFolder}: {910}, // folder doesn't exist
})

// byCode turns the rules' code lists into a lookup by code.
func byCode(rules map[codeRule][]int64) map[int64]codeRule {
	out := map[int64]codeRule{}
	for r, codes := range rules {
		for _, c := range codes {
			out[c] = r
		}
	}
	return out
}

// mapMHVError turns an MHV error answer into *providers.Error.
func mapMHVError(status int, body []byte) *providers.Error {
	if e, ok := decodeError(body); ok {
		code := int64(e.ErrorCode)
		// 904 is MHV's generic message-service error; with developerMessage
		// "message.not.found" (recorded for unknown ids) it is a plain
		// not-found, which must not be retried forever.
		if code == 904 && strings.Contains(strings.ToLower(e.DeveloperMessage), "not.found") {
			return ruleNotFound.err("904")
		}
		if r, ok := mhvCodes[code]; ok {
			return r.err(strconv.FormatInt(code, 10))
		}
		pe := mapHTTPStatus(status)
		pe.Code = strconv.FormatInt(code, 10)
		return pe
	}
	return mapHTTPStatus(status)
}

func mapHTTPStatus(status int) *providers.Error {
	r := ruleRejected
	switch {
	case status >= 500, status == http.StatusTooManyRequests, status == http.StatusRequestTimeout,
		status == http.StatusUnauthorized:
		// 401 reaches here only after a fresh session was refused too: a
		// credentials problem on our side, so retrying later is right.
		r = ruleUnavailable
	case status == http.StatusNotFound:
		r = ruleNotFound
	case status == http.StatusForbidden:
		r = ruleNoAccess
	case status == http.StatusRequestEntityTooLarge:
		r = ruleTooBig
	}
	return r.err(strconv.Itoa(status))
}

func unavailable(code string) *providers.Error { return ruleUnavailable.err(code) }

// lostAnswer is an unavailable MHV whose answer went missing after the
// request went out: it may have acted (providers.OutcomeUnknown).
func lostAnswer(code string) *providers.Error {
	e := unavailable(code)
	e.MaybeApplied = true
	return e
}

func rejected(code, reason string) *providers.Error {
	return codeRule{providers.ErrRejected, reason}.err(code)
}

// isCode reports whether err is an MHV error with the given code.
func isCode(err error, code string) bool {
	var pe *providers.Error
	return errors.As(err, &pe) && pe.Code == code
}
