package inbox_test

import (
	"strings"
	"testing"

	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/store/storetest"
)

// A push registration is one per name per veteran: registering twice keeps
// one, removing it leaves none, and a name that was never registered or
// cannot be stored is refused without changing anything.
func TestPushRegistrationsAreOnePerNameAndRefusalsChangeNothing(t *testing.T) {
	t.Parallel()
	type step struct {
		remove       bool
		registration string
		code         inbox.Code // "" for success
		devices      int        // after the step
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"registering twice keeps one", []step{{false, "apns:abc", "", 1}, {false, "apns:abc", "", 1}}},
		{"two names are two devices", []step{{false, "apns:abc", "", 1}, {false, "fcm:def", "", 2}}},
		{"removing leaves none", []step{{false, "apns:abc", "", 1}, {true, "apns:abc", "", 0}}},
		{"removing twice is not found the second time", []step{{false, "apns:abc", "", 1}, {true, "apns:abc", "", 0}, {true, "apns:abc", inbox.CodeNotFound, 0}}},
		{"removing another name changes nothing", []step{{false, "apns:abc", "", 1}, {true, "fcm:def", inbox.CodeNotFound, 1}}},
		{"blank is refused", []step{{false, "  ", inbox.CodeInvalidInput, 0}}},
		{"too long is refused", []step{{false, strings.Repeat("x", inbox.MaxPushRegistration+1), inbox.CodeInvalidInput, 0}}},
		{"NUL is refused on removal too", []step{{false, "apns:abc", "", 1}, {true, "apns:\x00", inbox.CodeInvalidText, 1}}},
	}
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				w := newWorld(t, b, 0)
				for i, s := range tc.steps {
					change := w.Inbox.RegisterPushDevice
					if s.remove {
						change = w.Inbox.RemovePushDevice
					}
					before := w.rows(t)
					p, err := change(w.ctx, s.registration)
					if s.code != "" {
						wantCode(t, err, s.code, "registration")
						if after := w.rows(t); after != before {
							t.Errorf("step %d: refused change wrote rows: before %+v, after %+v", i, before, after)
						}
					} else if err != nil {
						t.Fatalf("step %d: %v", i, err)
					} else if p.PushDeviceCount != s.devices {
						t.Errorf("step %d: answered %d devices, want %d", i, p.PushDeviceCount, s.devices)
					}
					got, err := w.Inbox.NotificationPreferences(w.ctx)
					if err != nil {
						t.Fatal(err)
					}
					if got.PushDeviceCount != s.devices {
						t.Errorf("step %d: %d devices stored, want %d", i, got.PushDeviceCount, s.devices)
					}
				}
			})
		}
	})
}
