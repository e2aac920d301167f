package auth

import "errors"

// Error is a token rejection. Its message is fixed per reason and never
// carries the token, its claims or the ICN, so it is safe to log.
type Error struct {
	code    string
	msg     string
	invalid bool // counts as ErrInvalidToken
}

func (e *Error) Error() string { return e.msg }

// Code is a short, stable reason code (e.g. "expired") for logs and metrics.
func (e *Error) Code() string { return e.code }

// Is makes every bad-token reason match ErrInvalidToken as well as itself, so
// callers can test either the umbrella or the precise reason.
func (e *Error) Is(target error) bool {
	return target == ErrInvalidToken && e.invalid
}

func newErr(code, msg string) *Error { return &Error{code: code, msg: "auth: " + msg, invalid: true} }

var (
	// ErrMissingToken: no bearer token was presented.
	ErrMissingToken = &Error{code: "missing_token", msg: "auth: missing bearer token"}
	// ErrInvalidToken is the umbrella every reason below matches with errors.Is.
	ErrInvalidToken = &Error{code: "invalid_token", msg: "auth: invalid token", invalid: true}

	ErrMalformedToken       = newErr("malformed", "malformed token")
	ErrUnsupportedAlgorithm = newErr("unsupported_alg", "unsupported signing algorithm")
	ErrMissingKeyID         = newErr("missing_kid", "token has no key id")
	ErrUnknownKey           = newErr("unknown_kid", "token signed by an unknown key")
	ErrBadSignature         = newErr("bad_signature", "token signature invalid")
	ErrExpired              = newErr("expired", "token expired")
	ErrNotYetValid          = newErr("not_yet_valid", "token not yet valid")
	ErrIssuedInFuture       = newErr("iat_in_future", "token issued in the future")
	ErrWrongIssuer          = newErr("wrong_issuer", "token issuer not accepted")
	ErrWrongAudience        = newErr("wrong_audience", "token audience not accepted")
	ErrMissingClaim         = newErr("missing_claim", "token lacks a required claim")
	ErrInvalidICN           = newErr("invalid_icn", "token has no valid ICN")

	// ErrJWKSUnavailable means the signing keys could not be fetched; it is a
	// server-side failure, not a bad token (it does not match ErrInvalidToken).
	// Returned errors wrap it together with the fetch error (which names the
	// JWKS URL, never the token).
	ErrJWKSUnavailable = &Error{code: "jwks_unavailable", msg: "auth: signing keys unavailable"}
)

// ErrorCode returns the reason code of an auth error, or "" if err is not one.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.code
	}
	return ""
}
