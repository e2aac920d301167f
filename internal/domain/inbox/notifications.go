package inbox

import (
	"context"
	"errors"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/notification"
	"github.com/va/vams/ent/pushdevice"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/store"
)

// NotifyWindow is how recent a care-team message must be to notify: a first
// import that brings in two years of history notifies nobody of it.
const NotifyWindow = 24 * time.Hour

// References the notification service deduplicates on. They are derived
// from the message (or the veteran's local day), never random, so every
// retry, rescue or restart of one intent carries the same one.
func messageReference(messageID string, ch notification.Channel) string {
	return "vams-" + messageID + "-" + map[notification.Channel]string{notification.ChannelPUSH: "push", notification.ChannelEMAIL: "email"}[ch]
}

// recordNotifications records, in the message's own transaction, the
// notifications a new unread care-team message calls for: a push when the
// veteran takes pushes and has a registered device, and an email when they
// want one per message and the message came from a provider that sends no
// email of its own (MHV emails its own messages per the preference VAMS
// writes through to it). Ingest creates a message once, so this runs once
// per message; the unique reference makes sure of it.
func (s *Service) recordNotifications(ctx context.Context, tx *store.Tx, in Incoming, msgID string, sentAt time.Time) error {
	if s.notifier == nil || sentAt.Before(s.now().Add(-NotifyWindow)) {
		return nil
	}
	v, err := notifyPrefs(ctx, tx.Client, in.VeteranID)
	if err != nil {
		return err
	}
	var channels []notification.Channel
	if v.PushEnabled && v.Devices {
		channels = append(channels, notification.ChannelPUSH)
	}
	if v.EmailFrequency == veteran.EmailFrequencyEACH_MESSAGE && in.Provider != providerkind.MHV {
		channels = append(channels, notification.ChannelEMAIL)
	}
	for _, ch := range channels {
		id, err := tx.Client.Notification.Create().SetVeteranID(in.VeteranID).SetChannel(ch).SetKind(notification.KindMESSAGE).
			SetMessageID(msgID).SetReference(messageReference(msgID, ch)).OnConflictColumns(notification.FieldReference).DoNothing().ID(ctx)
		if isNoRows(err) {
			continue // already recorded
		}
		if err != nil {
			return err
		}
		if err := s.notifier.QueueNotification(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}

// notifyPrefsRow is what decides a message's notifications.
type notifyPrefsRow struct {
	PushEnabled    bool                   `json:"push_enabled"`
	EmailFrequency veteran.EmailFrequency `json:"email_frequency"`
	Devices        bool                   `json:"devices"` // a push registration exists
}

// notifyPrefs reads a veteran's notification preferences and whether they
// registered a device, in one statement.
func notifyPrefs(ctx context.Context, c *ent.Client, vid string) (notifyPrefsRow, error) {
	var rows []notifyPrefsRow
	err := c.Veteran.Query().Where(veteran.ID(vid)).Modify(func(s *sql.Selector) {
		d := sql.Table(pushdevice.Table)
		s.Select(s.C(veteran.FieldPushEnabled), s.C(veteran.FieldEmailFrequency)).
			AppendSelectExprAs(sql.Exists(sql.Select(d.C(pushdevice.FieldID)).From(d).
				Where(sql.ColumnsEQ(d.C(pushdevice.FieldVeteranID), s.C(veteran.FieldID)))), "devices")
	}).Scan(ctx, &rows)
	if err != nil {
		return notifyPrefsRow{}, err
	}
	if len(rows) != 1 {
		return notifyPrefsRow{}, &ent.NotFoundError{}
	}
	return rows[0], nil
}

// PendingNotification is what the job needs to make a notification's call.
type PendingNotification struct {
	*ent.Notification
	ICN string
}

// ErrNotificationDone means the notification was already sent or failed: a
// repeated job does nothing.
var ErrNotificationDone = errors.New("inbox: notification already settled")

// NotificationToSend loads a pending notification as the system.
func (s *Service) NotificationToSend(ctx context.Context, id string) (PendingNotification, error) {
	n, err := s.store.Client.Notification.Get(ctx, id)
	if err != nil {
		return PendingNotification{}, err
	}
	if n.Status != notification.StatusPENDING {
		return PendingNotification{}, ErrNotificationDone
	}
	v, err := s.store.Client.Veteran.Get(ctx, n.VeteranID)
	if err != nil {
		return PendingNotification{}, err
	}
	return PendingNotification{Notification: n, ICN: v.Icn}, nil
}

// RecordNotificationSent records the service's acceptance. Idempotent.
func (s *Service) RecordNotificationSent(ctx context.Context, id, serviceID string) error {
	return s.store.Client.Notification.Update().Where(notification.ID(id), notification.StatusEQ(notification.StatusPENDING)).
		SetStatus(notification.StatusSENT).SetServiceID(serviceID).SetSentAt(s.now()).AddAttempts(1).SetLastError("").Exec(ctx)
}

// NotificationAttemptFailed records a failed attempt that will be retried;
// code is the service's error code (no PHI).
func (s *Service) NotificationAttemptFailed(ctx context.Context, id, code string) error {
	return s.store.Client.Notification.Update().Where(notification.ID(id), notification.StatusEQ(notification.StatusPENDING)).
		AddAttempts(1).SetLastError(code).Exec(ctx)
}

// FailNotification records that a notification gave up: operators see it
// FAILED in /ops and may retry it.
func (s *Service) FailNotification(ctx context.Context, id, code string) error {
	return s.store.Client.Notification.Update().Where(notification.ID(id), notification.StatusEQ(notification.StatusPENDING)).
		SetStatus(notification.StatusFAILED).AddAttempts(1).SetLastError(code).Exec(ctx)
}

// RetryNotification queues a FAILED notification again with the same
// reference (an operator's retry): the service still sends it once.
func (s *Service) RetryNotification(ctx context.Context, id string) error {
	if s.notifier == nil {
		return errors.New("inbox: notifications are off")
	}
	return s.store.InTx(ctx, func(tx *store.Tx) error {
		n, err := tx.Client.Notification.Update().Where(notification.ID(id), notification.StatusEQ(notification.StatusFAILED)).
			SetStatus(notification.StatusPENDING).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errNotFailed
		}
		return s.notifier.QueueNotification(ctx, tx, id)
	})
}
