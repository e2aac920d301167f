package notify_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/va/vams/providers"
	"github.com/va/vams/providers/notify"
	"github.com/va/vams/providers/notify/notifysim"
)

const (
	serviceID = "11111111-2222-4333-8444-555555555555"
	secret    = "66666666-7777-4888-8999-aaaaaaaaaaaa"
	pushTpl   = "00000000-0000-4000-8000-000000000001"
	digestTpl = "00000000-0000-4000-8000-000000000003"
)

func newSim(t *testing.T, state string) (*notifysim.Simulator, *httptest.Server) {
	t.Helper()
	sim, err := notifysim.Open(notifysim.Config{ServiceID: serviceID, Secret: secret, StateFile: state, Templates: []notifysim.Template{
		{ID: pushTpl, Subject: "New Secure Message", Body: "Review your messages in the health care section of the VA app"},
		{ID: digestTpl, Subject: "Digest", Body: "You have ((count)) new messages."}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { srv.Close(); _ = sim.Close() })
	return sim, srv
}

func newClient(t *testing.T, url, key string) *notify.Client {
	t.Helper()
	c, err := notify.New(notify.Config{BaseURL: url, APIKey: key, PushTemplateID: pushTpl, DigestTemplateID: digestTpl})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func faults(t *testing.T, url, body string) {
	t.Helper()
	resp, err := http.Post(url+"/control/faults", "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("arming faults %s: %v %v", body, err, resp)
	}
	resp.Body.Close()
}

var push = notify.Notification{Kind: notify.NewMessagePush, ICN: "1012845331V153043", Reference: "vams-msg_1-push",
	Personalisation: map[string]string{"url": "vamobile://messages/msg_1"}}

func TestSend_ServiceRendersTemplateAndDedupesOnReference(t *testing.T) {
	sim, srv := newSim(t, "")
	c := newClient(t, srv.URL, "vams-"+serviceID+"-"+secret)
	id1, err := c.Send(context.Background(), push)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := c.Send(context.Background(), push)
	if err != nil || id2 != id1 {
		t.Fatalf("repeat of a reference: id %q (first %q), %v", id2, id1, err)
	}
	got := sim.Received()
	if len(got) != 1 || got[0].Channel != "push" || got[0].Subject != "New Secure Message" ||
		got[0].Recipient.IDType != "ICN" || got[0].Personalisation["url"] != "vamobile://messages/msg_1" || got[0].MobileApp != "VA_FLAGSHIP_APP" {
		t.Fatalf("received %+v", got)
	}
}

func TestSend_ErrorsClassified(t *testing.T) {
	tests := []struct {
		name      string
		key       string
		faults    string
		n         notify.Notification
		retryable bool
		maybe     bool
	}{
		{name: "outage is retryable", faults: `{"outage":true}`, n: push, retryable: true},
		{name: "every call failing is retryable", faults: `{"errorRate":1}`, n: push, retryable: true},
		{name: "a lost answer may have been applied", faults: `{"loseAnswers":1}`, n: push, retryable: true, maybe: true},
		{name: "a wrong secret is rejected", key: "vams-" + serviceID + "-" + strings.Repeat("0", 8) + secret[8:], n: push},
		{name: "missing personalisation is rejected", n: notify.Notification{Kind: notify.DigestEmail, ICN: "1", Reference: "r"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, srv := newSim(t, "")
			if tt.faults != "" {
				faults(t, srv.URL, tt.faults)
			}
			key := tt.key
			if key == "" {
				key = "vams-" + serviceID + "-" + secret
			}
			_, err := newClient(t, srv.URL, key).Send(context.Background(), tt.n)
			var pe *providers.Error
			if !errors.As(err, &pe) || providers.Retryable(err) != tt.retryable || pe.MaybeApplied != tt.maybe {
				t.Fatalf("err %v (%+v), want retryable %v maybeApplied %v", err, pe, tt.retryable, tt.maybe)
			}
			if want := map[bool]int{true: 1, false: 0}[tt.maybe]; len(sim.Received()) != want {
				t.Fatalf("received %d, want %d", len(sim.Received()), want)
			}
		})
	}
}

func TestSend_LostAnswerRetriedSendsOnceAcrossSimulatorRestart(t *testing.T) {
	state := filepath.Join(t.TempDir(), "notifysim.json")
	sim, srv := newSim(t, state)
	faults(t, srv.URL, `{"loseAnswers":1}`)
	c := newClient(t, srv.URL, "vams-"+serviceID+"-"+secret)
	if _, err := c.Send(context.Background(), push); err == nil {
		t.Fatal("lost answer reported success")
	}
	srv.Close()
	if err := sim.Close(); err != nil {
		t.Fatal(err)
	}
	sim2, srv2 := newSim(t, state)
	if _, err := newClient(t, srv2.URL, "vams-"+serviceID+"-"+secret).Send(context.Background(), push); err != nil {
		t.Fatal(err)
	}
	if n := len(sim2.Received()); n != 1 {
		t.Fatalf("after a lost answer, a restart and a retry: %d notifications, want 1", n)
	}
}

func TestParseAPIKey_RejectsOtherForms(t *testing.T) {
	for _, key := range []string{"", "secret", serviceID + "-" + secret} {
		if _, _, err := notify.ParseAPIKey(key); err == nil {
			t.Errorf("%q accepted", key)
		}
	}
}
