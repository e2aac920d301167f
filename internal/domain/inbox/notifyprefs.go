package inbox

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/va/vams/ent/pushdevice"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/store"
)

// DefaultTimeZone is a veteran's time zone until they set one.
const DefaultTimeZone = "America/New_York"

// defaultZone is DefaultTimeZone loaded (UTC only if the system has no zone
// data; package inbox embeds it, see tzdata.go).
var defaultZone = func() *time.Location {
	if l, err := time.LoadLocation(DefaultTimeZone); err == nil {
		return l
	}
	return time.UTC
}()

// MaxPushRegistration bounds a push registration's length.
const MaxPushRegistration = 512

// NotificationPreferences is a veteran's choice of notifications.
type NotificationPreferences struct {
	Email    veteran.EmailFrequency
	Push     bool
	TimeZone string
	// PushDeviceCount counts the registered push registrations.
	PushDeviceCount int
}

// NotificationPreferenceChange sets the fields given (nil: unchanged).
type NotificationPreferenceChange struct {
	Email    *veteran.EmailFrequency
	Push     *bool
	TimeZone *string
}

// NotificationPreferences reads the viewer's preferences.
func (s *Service) NotificationPreferences(ctx context.Context) (NotificationPreferences, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return NotificationPreferences{}, err
	}
	v, err := s.store.Client.Veteran.Get(ctx, vid)
	if err != nil {
		return NotificationPreferences{}, err
	}
	n, err := s.store.Client.PushDevice.Query().Where(pushdevice.VeteranID(vid)).Count(ctx)
	if err != nil {
		return NotificationPreferences{}, err
	}
	return NotificationPreferences{Email: v.EmailFrequency, Push: v.PushEnabled, TimeZone: v.TimeZone, PushDeviceCount: n}, nil
}

// SetNotificationPreferences changes the viewer's preferences. An email
// frequency that changes is written through to MHV (a queued job) in the
// same transaction. A time zone must be an IANA name (UNKNOWN_TIME_ZONE).
func (s *Service) SetNotificationPreferences(ctx context.Context, c NotificationPreferenceChange) (NotificationPreferences, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return NotificationPreferences{}, err
	}
	if c.TimeZone != nil {
		if err := checkTimeZone(*c.TimeZone); err != nil {
			return NotificationPreferences{}, err
		}
	}
	if c.Email != nil && veteran.EmailFrequencyValidator(*c.Email) != nil {
		return NotificationPreferences{}, newErr(CodeInvalidInput, "email", "Choose an email frequency.")
	}
	err = s.mutationTx(ctx, func(tx *store.Tx) error {
		v, err := tx.Client.Veteran.Get(ctx, vid)
		if err != nil {
			return err
		}
		up := tx.Client.Veteran.UpdateOne(v)
		if c.Push != nil {
			up.SetPushEnabled(*c.Push)
		}
		if c.TimeZone != nil {
			up.SetTimeZone(*c.TimeZone)
		}
		if c.Email != nil {
			up.SetEmailFrequency(*c.Email)
		}
		if err := up.Exec(ctx); err != nil {
			return err
		}
		if c.Email != nil && *c.Email != v.EmailFrequency && v.MhvCorrelationID != nil && s.notifier != nil {
			return s.notifier.WriteEmailPreference(ctx, tx, vid)
		}
		return nil
	})
	if err != nil {
		return NotificationPreferences{}, err
	}
	return s.NotificationPreferences(ctx)
}

// checkTimeZone accepts IANA zone names only ("Local" and "" are the
// server's, not the veteran's).
func checkTimeZone(tz string) error {
	if tz == "" || tz == "Local" || !utf8.ValidString(tz) || strings.ContainsRune(tz, 0) {
		return newErr(CodeUnknownTimeZone, "timeZone", "Choose a time zone such as America/New_York.")
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return newErr(CodeUnknownTimeZone, "timeZone", "Choose a time zone such as America/New_York.")
	}
	return nil
}

// RegisterPushDevice records the app's push registration for the viewer;
// registering it again changes nothing.
func (s *Service) RegisterPushDevice(ctx context.Context, registration string) (NotificationPreferences, error) {
	return s.changePushDevice(ctx, registration, func(tx *store.Tx, vid string) error {
		err := tx.Client.PushDevice.Create().SetVeteranID(vid).SetRegistration(registration).
			OnConflictColumns(pushdevice.FieldVeteranID, pushdevice.FieldRegistration).DoNothing().Exec(ctx)
		if isNoRows(err) { // registered already
			return nil
		}
		return err
	})
}

// RemovePushDevice forgets a push registration of the viewer (NOT_FOUND if
// they have none by that name).
func (s *Service) RemovePushDevice(ctx context.Context, registration string) (NotificationPreferences, error) {
	return s.changePushDevice(ctx, registration, func(tx *store.Tx, vid string) error {
		n, err := tx.Client.PushDevice.Delete().Where(pushdevice.VeteranID(vid), pushdevice.Registration(registration)).Exec(ctx)
		if err == nil && n == 0 {
			return notFound("registration")
		}
		return err
	})
}

// changePushDevice checks the registration, applies change in a mutation
// transaction and answers with the viewer's preferences after it.
func (s *Service) changePushDevice(ctx context.Context, registration string, change func(tx *store.Tx, vid string) error) (NotificationPreferences, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return NotificationPreferences{}, err
	}
	if err := checkRegistration(registration); err != nil {
		return NotificationPreferences{}, err
	}
	if err := s.mutationTx(ctx, func(tx *store.Tx) error { return change(tx, vid) }); err != nil {
		return NotificationPreferences{}, err
	}
	return s.NotificationPreferences(ctx)
}

func checkRegistration(r string) error {
	if !storable(r) {
		return newErr(CodeInvalidText, "registration", "The push registration has characters that cannot be stored.")
	}
	if strings.TrimSpace(r) == "" || len(r) > MaxPushRegistration {
		return newErr(CodeInvalidInput, "registration", "Give the app's push registration (at most %d bytes).", MaxPushRegistration)
	}
	return nil
}
