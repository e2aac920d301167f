package syncengine_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/va/vams/ent/message"
	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/platform/clock"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
	"github.com/va/vams/providers/notify/notifysim"
)

func received(t *testing.T, s *vamstest.System) notifysim.Listing {
	t.Helper()
	var l notifysim.Listing
	s.Control("notify", http.MethodGet, "notifications", nil, &l)
	return l
}

func registerDevice(t *testing.T, s *vamstest.System, icn string) {
	t.Helper()
	var out struct {
		RegisterPushDevice struct{ NotificationPreferences struct{ PushDeviceCount int } }
	}
	s.MustDo(icn, `mutation { registerPushDevice(input: {registration: "apns-device-1"}) { notificationPreferences { pushDeviceCount } } }`, nil, &out)
	if out.RegisterPushDevice.NotificationPreferences.PushDeviceCount != 1 {
		t.Fatalf("after registering: %+v", out)
	}
}

// clinicianMessage has the OH simulator write to veteran 1 and returns
// VAMS's id of the message once it is ingested.
func clinicianMessage(t *testing.T, s *vamstest.System, provider, subject, body string) string {
	t.Helper()
	team := "300100"
	if provider == "mhv" {
		team = "1013"
	}
	s.Control(provider, http.MethodPost, "clinician-messages", map[string]any{"icn": vet1, "careTeam": team, "subject": subject, "body": body}, nil)
	if provider == "mhv" {
		reconcile(t, s, providerkind.MHV) // MHV pushes nothing
	}
	var id string
	vamstest.Eventually(t, 10*time.Second, "the clinician's message in VAMS", func() bool {
		m, err := s.App.Store.Client.Message.Query().Where(message.Body(body)).Only(viewer.System(context.Background()))
		if err == nil {
			id = m.ID
		}
		return err == nil
	})
	return id
}

// A care-team message notifies the veteran once per channel, over HTTP to
// the notification service: a push with VA's wording and a deep link, an
// email for a message MHV does not email itself; nothing of the message
// (subject, body, team, clinician) is in either, and scans that see the
// message again notify nobody.
func TestClinicianMessageNotifiesOncePerChannelWithoutPHI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		registerDevice(t, s, vet1)
		ohID := clinicianMessage(t, s, "oh", "Potassium result", "Your potassium is 5.9, call us")
		vamstest.Eventually(t, 10*time.Second, "push and email for the OH message", func() bool { return len(received(t, s).Notifications) == 2 })
		mhvID := clinicianMessage(t, s, "mhv", "Biopsy follow-up", "The biopsy showed no cancer")
		vamstest.Eventually(t, 10*time.Second, "a push for the MHV message", func() bool { return len(received(t, s).Notifications) == 3 })
		reconcile(t, s, providerkind.MHV)
		reconcile(t, s, providerkind.OH)
		// An intent is recorded with its message: scans that queued another
		// would have left a row.
		if n := intents(t, s); n != 3 {
			t.Fatalf("after rescans VAMS holds %d notifications, want 3", n)
		}
		l := received(t, s)
		byRef := map[string]notifysim.Notification{}
		for _, n := range l.Notifications {
			byRef[n.Reference] = n
		}
		if len(l.Notifications) != 3 || l.Duplicates != 0 {
			t.Fatalf("want push+email for OH and a push for MHV, once each: %+v", l)
		}
		for _, want := range []struct{ ref, channel, url string }{
			{"vams-" + ohID + "-push", "push", "vamobile://messages/" + ohID},
			{"vams-" + ohID + "-email", "email", ""},
			{"vams-" + mhvID + "-push", "push", "vamobile://messages/" + mhvID},
		} {
			n, ok := byRef[want.ref]
			if !ok || n.Channel != want.channel || n.Personalisation["url"] != want.url || n.Recipient.IDValue != vet1 {
				t.Fatalf("%s: %+v", want.ref, n)
			}
			if want.channel == "push" && (n.Subject != "New Secure Message" || n.Body != "Review your messages in the health care section of the VA app") {
				t.Fatalf("push wording: %+v", n)
			}
		}
		raw, _ := json.Marshal(l)
		for _, phi := range []string{"Potassium", "potassium", "Biopsy", "biopsy", "Primary Care", "Team Red", "Team Blue", "Cardiology"} {
			if strings.Contains(string(raw), phi) {
				t.Fatalf("a notification carries %q: %s", phi, raw)
			}
		}
	})
}

// Preferences decide what is sent: email NONE and pushes off send nothing;
// a veteran without a registered device gets no push.
func TestNotificationPreferencesDecideChannels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		clinicianMessage(t, s, "oh", "First", "No device yet")
		vamstest.Eventually(t, 10*time.Second, "the email", func() bool { return len(received(t, s).Notifications) == 1 })
		if n := received(t, s).Notifications[0]; n.Channel != "email" {
			t.Fatalf("without a device: %+v", n)
		}
		registerDevice(t, s, vet1)
		var set struct {
			SetNotificationPreferences struct{ NotificationPreferences struct{ Email string } }
		}
		s.MustDo(vet1, `mutation { setNotificationPreferences(input: {email: NONE, push: false}) { notificationPreferences { email push } } }`, nil, &set)
		clinicianMessage(t, s, "oh", "Second", "Preferences say nothing")
		if n := intents(t, s); n != 1 {
			t.Fatalf("email NONE and push off: %d notifications, want still 1", n)
		}
	})
}

// A notification the service refuses is FAILED for operators (at
// /ops/notifications, counted in vams_notifications_failed_total), and an
// operator's retry sends it once.
func TestRefusedNotificationIsFailedAndRetryable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		s.Control("notify", http.MethodPost, "faults", map[string]any{"reject": true}, nil)
		clinicianMessage(t, s, "oh", "Refused", "The service refuses this one")
		op, err := s.App.Issuer.Issue(demo.Veteran2ICN, time.Hour, "operator")
		if err != nil {
			t.Fatal(err)
		}
		var view struct {
			Notifications struct {
				Circuit string
				Failed  []struct{ ID, Channel, LastError string }
			}
		}
		vamstest.Eventually(t, 10*time.Second, "FAILED at /ops/notifications", func() bool {
			s.Call(http.MethodGet, "/ops/notifications", op, &view)
			return len(view.Notifications.Failed) == 1
		})
		if f := view.Notifications.Failed[0]; f.Channel != "EMAIL" || f.LastError != "400 BadRequestError" {
			t.Fatalf("failed: %+v", f)
		}
		if !strings.Contains(scrape(t, s), `vams_notifications_failed_total{channel="EMAIL"} 1`) {
			t.Fatal("vams_notifications_failed_total not counted")
		}
		if code := s.Call(http.MethodPost, "/ops/notifications/"+view.Notifications.Failed[0].ID+"/retry", s.Token(vet1), nil); code != http.StatusForbidden {
			t.Fatalf("a veteran's retry: %d", code)
		}
		s.Control("notify", http.MethodPost, "faults", map[string]any{}, nil)
		if code := s.Call(http.MethodPost, "/ops/notifications/"+view.Notifications.Failed[0].ID+"/retry", op, nil); code != http.StatusAccepted {
			t.Fatalf("retry: %d", code)
		}
		vamstest.Eventually(t, 10*time.Second, "the retried email", func() bool { return len(received(t, s).Notifications) == 1 })
		if code := s.Call(http.MethodPost, "/ops/notifications/"+view.Notifications.Failed[0].ID+"/retry", op, nil); code != http.StatusConflict {
			t.Fatalf("retrying a sent notification: %d", code)
		}
	})
}

// intents counts the notifications VAMS recorded.
func intents(t *testing.T, s *vamstest.System) int {
	t.Helper()
	n, err := s.App.Store.Client.Notification.Query().Count(viewer.System(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func scrape(t *testing.T, s *vamstest.System) string {
	t.Helper()
	res, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// The daily digest goes once, at the digest hour in the veteran's time
// zone (an injected clock), counting the messages waiting; choosing it is
// written through to MHV's own email preference ("Once daily"), and an
// unknown time zone is a typed error that changes nothing.
func TestDailyDigestAtLocalHourAndWrittenThroughToMHV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		var skew atomic.Int64
		clk := clock.Func(func() time.Time { return time.Now().Add(time.Duration(skew.Load())) })
		s := vamstest.NewSystem(t, b, vamstest.SystemOptions{Clock: clk})
		// The engine's own digest round runs once at start, as soon as this
		// instance leads, at whatever hour this harness's engine is given: let
		// it pass before the veteran wants a digest, or on a slow machine it
		// takes the day (with nothing to send yet) before the test's rounds.
		vamstest.Eventually(t, 30*time.Second, "the engine's start-up digest round", func() bool {
			var n int
			if err := s.App.Store.DB.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'queue_digests' AND state = 'completed'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n > 0
		})
		if r := s.Do(vet1, `mutation { setNotificationPreferences(input: {timeZone: "Mars/Olympus_Mons", email: DAILY_DIGEST}) { clientMutationId } }`, nil); r.Code() != "UNKNOWN_TIME_ZONE" {
			t.Fatalf("unknown time zone: %+v", r)
		}
		var prefs struct {
			Viewer struct {
				NotificationPreferences struct{ Email, TimeZone string }
			}
		}
		s.MustDo(vet1, `{ viewer { notificationPreferences { email timeZone } } }`, nil, &prefs)
		if p := prefs.Viewer.NotificationPreferences; p.Email != "EACH_MESSAGE" || p.TimeZone != "America/New_York" {
			t.Fatalf("a refused change changed %+v", p)
		}
		s.MustDo(vet1, `mutation { setNotificationPreferences(input: {timeZone: "Asia/Tokyo", email: DAILY_DIGEST}) { clientMutationId } }`, nil, &struct{}{})
		v, _ := demo.Directory.Veteran(vet1)
		vamstest.Eventually(t, 10*time.Second, "MHV's preference written through", func() bool { return s.MHV().NotifyMe(v.MHVCorrelationID) == "Once daily" })

		tokyo, _ := time.LoadLocation("Asia/Tokyo")
		arrived := time.Now().In(tokyo)
		clinicianMessage(t, s, "oh", "Digest me", "Waiting for the digest")
		if n := intents(t, s); n != 0 {
			t.Fatalf("a digest veteran got %d notifications on arrival", n)
		}
		// The digest is the first 08:00 in Tokyo after the message arrived,
		// less than a day after it, so the message is of that digest's day
		// whatever the time of day the test runs. (A fixed "next 07:30 from
		// now, then an hour on" was more than a day after a message that
		// arrived between 07:30 and 08:30 there.) Two seconds' margin: the
		// provider may stamp the message to the second.
		base := arrived.Add(-2 * time.Second)
		at := time.Date(base.Year(), base.Month(), base.Day(), 8, 0, 0, 0, tokyo)
		if !at.After(base) {
			at = at.AddDate(0, 0, 1)
		}
		skew.Store(int64(time.Until(at.Add(-time.Minute)))) // a minute before the hour
		ctx := viewer.System(context.Background())
		// A round of digests, and the digests queued so far: the engine's own
		// periodic round (run on start, once this instance leads) reads the
		// same clock and may be the one that queues it.
		digest := func() int {
			if _, err := s.App.Inbox.QueueDigests(ctx, 8); err != nil {
				t.Fatal(err)
			}
			return intents(t, s)
		}
		if n := digest(); n != 0 {
			t.Fatalf("before the hour: %d digests", n)
		}
		skew.Store(int64(time.Until(at))) // the hour
		if n := digest(); n != 1 {
			t.Fatalf("at the hour: %d digests, want 1", n)
		}
		if n := digest(); n != 1 {
			t.Fatalf("the same day again: %d digests, want still 1", n)
		}
		vamstest.Eventually(t, 10*time.Second, "the digest at the service", func() bool { return len(received(t, s).Notifications) == 1 })
		if n := received(t, s).Notifications[0]; n.Channel != "email" || n.Personalisation["count"] != "1" || strings.Contains(n.Body, "Digest me") {
			t.Fatalf("digest: %+v", n)
		}
	})
}
