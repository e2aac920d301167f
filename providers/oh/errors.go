package oh

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/va/vams/providers"
)

// Veteran-readable reasons. They describe the situation, never the message,
// the patient or the care team.
const (
	reasonUnavailable = "Oracle Health messaging is not available right now. Please try again later."
	reasonNotFound    = "The message or care team could not be found in Oracle Health."
	reasonConflict    = "The message changed in Oracle Health while it was being updated. Please try again."
	reasonMoved       = "Your Oracle Health record was updated. Please try again."
	reasonRejected    = "Oracle Health did not accept this request."
	reasonSend        = "Oracle Health could not deliver this message to the care team. Check the message and try again."
	reasonNoPatient   = "Your Oracle Health record could not be identified."
	reasonAttachments = "Attachments cannot be sent to this care team yet."
	reasonStatus      = "This change cannot be made in Oracle Health."
	reasonCareTeam    = "The care team could not be identified."
	reasonTooMany     = "Too many messages were sent in too short a time to list them."
)

func perr(kind error, code, reason string) *providers.Error {
	return &providers.Error{Kind: kind, Code: code, Reason: reason}
}

// statusError maps an HTTP answer to *providers.Error. op selects a more
// specific reason for rejections.
func statusError(op string, resp *http.Response) error {
	code := strconv.Itoa(resp.StatusCode)
	switch {
	case resp.StatusCode == http.StatusMovedPermanently:
		pid := patientFromLocation(resp.Header.Get("Location"))
		if pid == "" {
			return perr(providers.ErrUnavailable, code, reasonUnavailable)
		}
		e := perr(providers.ErrMoved, code, reasonMoved)
		e.NewPatientID = pid
		return e
	case resp.StatusCode == http.StatusNotFound:
		return perr(providers.ErrNotFound, code, reasonNotFound)
	case resp.StatusCode == http.StatusConflict:
		return perr(providers.ErrConflict, code, reasonConflict)
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500,
		resp.StatusCode == http.StatusRequestTimeout:
		return perr(providers.ErrUnavailable, code, reasonUnavailable)
	case resp.StatusCode >= 400:
		if op == "send" && resp.StatusCode == http.StatusBadRequest {
			return perr(providers.ErrRejected, code, reasonSend)
		}
		return perr(providers.ErrRejected, code, reasonRejected)
	}
	// 1xx/3xx other than 301 are not part of the contract.
	return perr(providers.ErrUnavailable, code, reasonUnavailable)
}

// transportError maps a failed round trip (no HTTP answer) to ErrUnavailable.
func transportError(err error) error {
	code := "NETWORK"
	var ue *url.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ue) && ue.Timeout()) {
		code = "TIMEOUT"
	} else if errors.Is(err, context.Canceled) {
		code = "CANCELED"
	}
	e := perr(providers.ErrUnavailable, code, reasonUnavailable)
	e.MaybeApplied = true // the request may have arrived
	return e
}
