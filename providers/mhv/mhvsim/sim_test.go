package mhvsim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestControlAndSessionBasics(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	sim := New(Seed{
		Patients:    []Patient{{ICN: "1012845331V153043", CorrelationID: "1", Name: "A, B"}},
		TriageTeams: []TriageTeam{{ID: 10, Name: "Team"}},
		AppToken:    "app", TokenTTL: time.Minute, Now: func() time.Time { return now },
	})
	do := func(method, path, body string, hdr map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		http.StripPrefix("/sim/mhv", sim).ServeHTTP(rec, req)
		return rec
	}
	cases := []struct {
		method, path, body string
		hdr                map[string]string
		want               int
	}{
		{"POST", "/sim/mhv/control/clinician-messages", `{"icn":"nope","body":"x","careTeam":"10"}`, nil, 404},
		{"POST", "/sim/mhv/control/clinician-messages", `{"icn":"1012845331V153043","body":"x","careTeam":"Team"}`, nil, 201},
		{"POST", "/sim/mhv/control/outage", `{"errorRate":2}`, nil, 400},
		{"POST", "/sim/mhv/control/status", `{"id":"1","status":"READ"}`, nil, 404},
		{"GET", "/sim/mhv/v1/sm/patient/session", "", map[string]string{"appToken": "bad", "mhvCorrelationId": "1"}, 401},
		{"GET", "/sim/mhv/v1/sm/patient/session", "", map[string]string{"appToken": "app", "mhvCorrelationId": "9"}, 400},
		{"GET", "/sim/mhv/v1/sm/patient/folder", "", map[string]string{"Token": "forged"}, 401},
	}
	for _, c := range cases {
		if got := do(c.method, c.path, c.body, c.hdr).Code; got != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, got, c.want)
		}
	}
	s := do("GET", "/sim/mhv/v1/sm/patient/session", "", map[string]string{"appToken": "app", "mhvCorrelationId": "1"})
	tok := s.Header().Get("Token")
	if s.Code != 200 || tok == "" || s.Header().Get("Expires") != now.Add(time.Minute).Format(http.TimeFormat) {
		t.Fatalf("session = %d %v", s.Code, s.Header())
	}
	if got := do("GET", "/sim/mhv/v1/sm/patient/folder", "", map[string]string{"Token": tok}).Code; got != 200 {
		t.Fatalf("fresh token: %d", got)
	}
	now = now.Add(time.Minute) // expired exactly at Expires
	rec := do("GET", "/sim/mhv/v1/sm/patient/folder", "", map[string]string{"Token": tok})
	if rec.Code != 401 || !strings.Contains(rec.Body.String(), `"errorCode":103`) {
		t.Fatalf("expired token: %d %s", rec.Code, rec.Body)
	}
}
