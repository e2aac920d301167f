package oh

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries the publication's HMAC. OH documents no
// publication authentication, so VAMS requires this of its intake; a real
// deployment needs it (or mutual TLS) agreed in the OH ICD.
const SignatureHeader = "X-OH-Signature"

// Signature verification errors.
var (
	ErrSignatureMissing   = errors.New("publication signature missing")
	ErrSignatureMalformed = errors.New("publication signature malformed")
	ErrSignatureStale     = errors.New("publication signature outside the allowed window")
	ErrSignatureMismatch  = errors.New("publication signature does not match")
)

// SignPublication returns the SignatureHeader value for body sent at ts:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<unix seconds>.<body>">". The
// timestamp is inside the MAC so a captured request cannot be replayed
// later with a fresh t.
func SignPublication(secret []byte, ts time.Time, body []byte) string {
	t := strconv.FormatInt(ts.Unix(), 10)
	return "t=" + t + ",v1=" + hex.EncodeToString(mac(secret, t, body))
}

func mac(secret []byte, t string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(t))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// VerifyPublication checks a SignatureHeader value against body. It rejects
// timestamps more than window away from now (either side) and compares MACs
// in constant time. Several v1 values are accepted so a secret can be
// rotated by signing with both.
func VerifyPublication(secret []byte, header string, body []byte, now time.Time, window time.Duration) error {
	_, _, err := verifyPublication(secret, header, body, now, window)
	return err
}

// verifyPublication is VerifyPublication, also returning what was signed,
// as the replay cache keys it: the hex MAC over timestamp and body, the
// same however the header spells it (order, spaces, case, repeated or
// extra parts), and the instant the signature goes stale.
func verifyPublication(secret []byte, header string, body []byte, now time.Time, window time.Duration) (key string, expires time.Time, err error) {
	header = strings.TrimSpace(header)
	if header == "" {
		return "", time.Time{}, ErrSignatureMissing
	}
	var (
		t    string
		sigs [][]byte
	)
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return "", time.Time{}, ErrSignatureMalformed
		}
		switch k {
		case "t":
			t = v
		case "v1":
			s, err := hex.DecodeString(v)
			if err != nil || len(s) != sha256.Size {
				return "", time.Time{}, ErrSignatureMalformed
			}
			sigs = append(sigs, s)
		}
	}
	if t == "" || len(sigs) == 0 {
		return "", time.Time{}, ErrSignatureMalformed
	}
	sec, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return "", time.Time{}, ErrSignatureMalformed
	}
	signed := time.Unix(sec, 0)
	d := now.Sub(signed)
	if d > window || d < -window {
		return "", time.Time{}, ErrSignatureStale
	}
	want := mac(secret, t, body)
	ok := false
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			ok = true
		}
	}
	if !ok {
		return "", time.Time{}, ErrSignatureMismatch
	}
	return hex.EncodeToString(want), signed.Add(window), nil
}
