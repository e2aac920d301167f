package syncengine

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"github.com/sony/gobreaker/v2"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/notification"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/providers"
	"github.com/va/vams/providers/notify"
)

// NotificationService sends one notification (providers/notify.Client).
type NotificationService interface {
	Send(ctx context.Context, n notify.Notification) (string, error)
}

// defaultNotifyAttempts bounds a notification's failing attempts (with the
// engine's backoff, about a day) before it is FAILED for operators.
const defaultNotifyAttempts = 15

type notifyArgs struct {
	NotificationID string `json:"notification_id"`
}

func (notifyArgs) Kind() string { return "send_notification" }

// QueueNotification queues a notification's call in tx (inbox.Notifier).
// A repeat of the job is harmless: the worker skips settled notifications
// and the service deduplicates the reference.
func (o *Outbox) QueueNotification(ctx context.Context, tx *store.Tx, notificationID string) error {
	_, err := o.river.InsertTx(ctx, tx.SQL, notifyArgs{NotificationID: notificationID}, &river.InsertOpts{MaxAttempts: defaultNotifyAttempts})
	return err
}

// notifier is the notification service behind the engine's breaker.
type notifier struct {
	svc NotificationService
	cb  *gobreaker.CircuitBreaker[any]
}

func newNotifier(cfg Config) *notifier {
	if cfg.Notifications == nil {
		return nil
	}
	return &notifier{svc: cfg.Notifications, cb: newBreaker("notify", cfg, func(open bool) {
		if cfg.OnNotifyBreaker != nil {
			cfg.OnNotifyBreaker(open)
		}
	})}
}

func (n *notifier) send(ctx context.Context, x notify.Notification) (string, error) {
	v, err := n.cb.Execute(func() (any, error) { return n.svc.Send(ctx, x) })
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return "", errCircuitOpen
	}
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// NotificationCircuit is the notification service's breaker state
// ("closed", "open", "half-open"; "" when notifications are off).
func (e *Engine) NotificationCircuit() string {
	if e.notifier == nil {
		return ""
	}
	return e.notifier.cb.State().String()
}

// RetryNotification queues a FAILED notification again (operator action).
func (e *Engine) RetryNotification(ctx context.Context, id string) error {
	return e.inbox.RetryNotification(viewer.System(ctx), id)
}

func (e *Engine) workNotify(ctx context.Context, job *river.Job[notifyArgs]) error {
	ctx = viewer.System(ctx)
	n, err := e.inbox.NotificationToSend(ctx, job.Args.NotificationID)
	switch {
	case errors.Is(err, inbox.ErrNotificationDone):
		return nil
	case ent.IsNotFound(err):
		return river.JobCancel(err)
	case err != nil:
		return err
	case e.notifier == nil:
		// Notifications are off on this instance; the intent stays PENDING
		// for an operator to see.
		return river.JobCancel(errors.New("no notification service configured"))
	}
	id, err := e.notifier.send(ctx, toNotify(n))
	if err == nil {
		e.observeNotification(n.Channel, "sent")
		return e.inbox.RecordNotificationSent(ctx, n.ID, id)
	}
	code := errCode(err)
	switch {
	case e.notifier.cb.State() == gobreaker.StateOpen:
		// The service is down: wait without spending attempts.
		return river.JobSnooze(e.cfg.BreakerTimeout)
	case providers.Retryable(err) && job.Attempt < job.MaxAttempts:
		if rerr := e.inbox.NotificationAttemptFailed(ctx, n.ID, code); rerr != nil {
			return rerr
		}
		return err
	}
	e.log.WarnContext(ctx, "notification failed", "notification_id", n.ID, "channel", string(n.Channel), "code", code)
	e.observeNotification(n.Channel, "failed")
	return e.inbox.FailNotification(ctx, n.ID, code)
}

func (e *Engine) observeNotification(ch notification.Channel, outcome string) {
	if e.cfg.OnNotification != nil {
		e.cfg.OnNotification(string(ch), outcome)
	}
}

// toNotify is the call for a notification. Nothing of the message goes in
// it but its id, in the app's deep link: no subject, body, care team or
// clinician (the templates hold the only words the veteran reads).
func toNotify(n inbox.PendingNotification) notify.Notification {
	out := notify.Notification{ICN: n.ICN, Reference: n.Reference, Personalisation: map[string]string{}}
	switch {
	case n.Kind == notification.KindDIGEST:
		out.Kind = notify.DigestEmail
		out.Personalisation["count"] = strconv.Itoa(n.Count)
	case n.Channel == notification.ChannelPUSH:
		out.Kind = notify.NewMessagePush
		out.Personalisation["url"] = "vamobile://messages/" + *n.MessageID
	default:
		out.Kind = notify.NewMessageEmail
	}
	return out
}

// errCode is an error's code for operators: the service's status and error
// kind, never its message.
func errCode(err error) string {
	var pe *providers.Error
	if errors.As(err, &pe) && pe.Code != "" {
		return pe.Code
	}
	return "ERROR"
}

type emailPrefArgs struct {
	VeteranID string `json:"veteran_id"`
}

func (emailPrefArgs) Kind() string { return "write_email_preference" }

// WriteEmailPreference queues writing the veteran's email frequency through
// to the providers that email veterans themselves (inbox.Notifier). The
// worker writes the preference as it is when it runs, so jobs queued by
// quick successive changes all write the last one.
func (o *Outbox) WriteEmailPreference(ctx context.Context, tx *store.Tx, veteranID string) error {
	_, err := o.river.InsertTx(ctx, tx.SQL, emailPrefArgs{VeteranID: veteranID}, &river.InsertOpts{MaxAttempts: 10})
	return err
}

// providerFrequency is VAMS's preference as a provider's email frequency.
var providerFrequency = map[veteran.EmailFrequency]providers.EmailFrequency{veteran.EmailFrequencyEACH_MESSAGE: providers.EmailEachMessage,
	veteran.EmailFrequencyDAILY_DIGEST: providers.EmailDaily, veteran.EmailFrequencyNONE: providers.EmailNone}

func (e *Engine) workEmailPreference(ctx context.Context, job *river.Job[emailPrefArgs]) error {
	ctx = viewer.System(ctx)
	v, err := e.store.Client.Veteran.Get(ctx, job.Args.VeteranID)
	if err != nil {
		return err
	}
	pv := veteranOf(v)
	for k, g := range e.providers {
		w, ok := g.Provider.(providers.EmailPreferenceWriter)
		if !ok || !knows(k, pv) {
			continue
		}
		_, err := call(ctx, g, "set_email_frequency", func() (struct{}, error) {
			return struct{}{}, w.SetEmailFrequency(ctx, pv, providerFrequency[v.EmailFrequency])
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// digestEvery is how often digests are looked for: a digest goes within
// this long after the veteran's local digest hour.
const digestEvery = 15 * time.Minute

type digestArgs struct{}

func (digestArgs) Kind() string { return "queue_digests" }

func (e *Engine) workDigests(ctx context.Context, _ *river.Job[digestArgs]) error {
	n, err := e.inbox.QueueDigests(viewer.System(ctx), e.cfg.DigestHour)
	if n > 0 {
		e.log.InfoContext(ctx, "daily digests queued", "count", n)
	}
	return err
}
