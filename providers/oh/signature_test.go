package oh

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPublicationSignature(t *testing.T) {
	secret := []byte("s3cret")
	body := []byte(`<feed xmlns="http://www.w3.org/2005/Atom"/>`)
	now := time.Unix(1_700_000_000, 0)
	h := SignPublication(secret, now, body)
	if !strings.HasPrefix(h, "t=1700000000,v1=") || len(h) != len("t=1700000000,v1=")+64 {
		t.Fatalf("header = %q", h)
	}
	const win = 5 * time.Minute
	tests := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"valid", secret, h, body, now, nil},
		{"valid within window", secret, h, body, now.Add(win), nil},
		{"valid, clock behind", secret, h, body, now.Add(-win), nil},
		{"tampered body", secret, h, append([]byte(nil), append(body, ' ')...), now, ErrSignatureMismatch},
		{"stale", secret, h, body, now.Add(win + time.Second), ErrSignatureStale},
		{"from the future", secret, h, body, now.Add(-win - time.Second), ErrSignatureStale},
		{"wrong secret", []byte("other"), h, body, now, ErrSignatureMismatch},
		{"timestamp swapped", secret, strings.Replace(h, "t=1700000000", "t=1700000001", 1), body, now, ErrSignatureMismatch},
		{"missing", secret, "", body, now, ErrSignatureMissing},
		{"garbage", secret, "garbage", body, now, ErrSignatureMalformed},
		{"no v1", secret, "t=1700000000", body, now, ErrSignatureMalformed},
		{"short mac", secret, "t=1700000000,v1=abcd", body, now, ErrSignatureMalformed},
		{"bad t", secret, "t=x,v1=" + strings.Repeat("0", 64), body, now, ErrSignatureMalformed},
		{"rotation: second v1 matches", secret, "t=1700000000,v1=" + strings.Repeat("0", 64) + "," + h[len("t=1700000000,"):], body, now, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyPublication(tc.secret, tc.header, tc.body, tc.now, win)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}
