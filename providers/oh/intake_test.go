package oh

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/va/vams/providers"
)

// respell writes a valid signature header differently: what was signed is
// the same, so each is a replay of the original.
func respell(h string) map[string]string {
	t, v1, _ := strings.Cut(strings.TrimPrefix(h, "t="), ",v1=")
	other := strings.Repeat("ab", 32)
	return map[string]string{
		"parts reordered":     "v1=" + v1 + ",t=" + t,
		"spaces added":        " t=" + t + " , v1=" + v1 + " ",
		"hex upper-cased":     "t=" + t + ",v1=" + strings.ToUpper(v1),
		"v1 repeated":         "t=" + t + ",v1=" + v1 + ",v1=" + v1,
		"another v1 added":    "t=" + t + ",v1=" + other + ",v1=" + v1,
		"an unknown key":      "t=" + t + ",v1=" + v1 + ",v0=" + other,
		"timestamp repeated":  "t=" + t + ",t=" + t + ",v1=" + v1,
		"the original itself": h,
	}
}

// A replay is refused however its signature header is spelled: the cache
// keys on what was signed, not on the header's text.
func TestIntakeRefusesEveryRespellingOfASeenSignature(t *testing.T) {
	secret := []byte("s3cret")
	now := time.Unix(1_700_000_000, 0)
	var buf bytes.Buffer
	_ = WriteAtom(&buf, []AtomEntry{{EntryID: "urn:oh:message:va:1", MessageID: "1", PatientID: "2", Authority: "va", Updated: now}})
	body := buf.Bytes()
	stored := 0
	h := PublicationHandler(PublicationConfig{Secret: secret, Now: func() time.Time { return now },
		Store: func(context.Context, []providers.Announcement) error { stored++; return nil },
		Log:   slog.New(slog.NewTextHandler(io.Discard, nil))})
	post := func(sig string) int {
		req := httptest.NewRequest(http.MethodPost, "/intake/oh/atom", bytes.NewReader(body))
		req.Header.Set(SignatureHeader, sig)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	good := SignPublication(secret, now, body)
	if code := post(good); code != http.StatusAccepted {
		t.Fatalf("first push: %d", code)
	}
	for name, sig := range respell(good) {
		if code := post(sig); code != http.StatusUnauthorized {
			t.Errorf("%s (%q): %d, want 401", name, sig, code)
		}
	}
	// The same body signed at another second is a new push.
	if code := post(SignPublication(secret, now.Add(time.Second), body)); code != http.StatusAccepted {
		t.Errorf("a fresh signature of the same body: %d, want 202", code)
	}
	if stored != 2 {
		t.Fatalf("stored %d pushes, want 2", stored)
	}
}

// A push whose announcements could not be stored is forgotten, so the
// provider's retry of it is accepted.
func TestIntakeForgetsAPushItCouldNotStore(t *testing.T) {
	secret := []byte("s3cret")
	now := time.Unix(1_700_000_000, 0)
	var buf bytes.Buffer
	_ = WriteAtom(&buf, []AtomEntry{{EntryID: "urn:oh:message:va:1", MessageID: "1", PatientID: "2", Authority: "va", Updated: now}})
	fail := true
	h := PublicationHandler(PublicationConfig{Secret: secret, Now: func() time.Time { return now },
		Store: func(context.Context, []providers.Announcement) error {
			if fail {
				return errors.New("database down")
			}
			return nil
		},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	sig := SignPublication(secret, now, buf.Bytes())
	for _, want := range []int{http.StatusServiceUnavailable, http.StatusAccepted, http.StatusUnauthorized} {
		req := httptest.NewRequest(http.MethodPost, "/intake/oh/atom", bytes.NewReader(buf.Bytes()))
		req.Header.Set(SignatureHeader, sig)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Fatalf("%d, want %d", rec.Code, want)
		}
		fail = false
	}
}
