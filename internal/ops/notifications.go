package ops

import (
	"context"
	"errors"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/notification"
	"github.com/va/vams/internal/platform/viewer"
)

// FailedNotification is a notification that gave up: ids, channel and the
// service's error code, never what the message said.
type FailedNotification struct {
	ID        string    `json:"id"`
	VeteranID string    `json:"veteranId"`
	Channel   string    `json:"channel"`
	Kind      string    `json:"kind"`
	MessageID string    `json:"messageId,omitempty"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"lastError"`
	CreatedAt time.Time `json:"createdAt"`
}

// Notifications is the notification service's state for operators.
type Notifications struct {
	Circuit string               `json:"circuit"`
	Pending int                  `json:"pending"`
	Failed  []FailedNotification `json:"failed"`
}

// Notifications reports the breaker, how many notifications wait and up to
// MaxFailed failed ones, newest first.
func (v *View) Notifications(ctx context.Context) (Notifications, error) {
	ctx = viewer.System(ctx)
	out := Notifications{Failed: []FailedNotification{}}
	if v.NotifyCircuit != nil {
		out.Circuit = v.NotifyCircuit()
	}
	var err error
	if out.Pending, err = v.Client.Notification.Query().Where(notification.StatusEQ(notification.StatusPENDING)).Count(ctx); err != nil {
		return out, err
	}
	ns, err := v.Client.Notification.Query().Where(notification.StatusEQ(notification.StatusFAILED)).
		Order(ent.Desc(notification.FieldCreatedAt)).Limit(MaxFailed).All(ctx)
	if err != nil {
		return out, err
	}
	for _, n := range ns {
		f := FailedNotification{ID: n.ID, VeteranID: n.VeteranID, Channel: string(n.Channel), Kind: string(n.Kind),
			Attempts: n.Attempts, LastError: n.LastError, CreatedAt: n.CreatedAt}
		if n.MessageID != nil {
			f.MessageID = *n.MessageID
		}
		out.Failed = append(out.Failed, f)
	}
	return out, nil
}

// RetryNotification re-queues a failed notification with its reference:
// the service still sends it at most once. ErrNotFound and ErrNotRetryable
// are the operator's mistakes.
func (v *View) RetryNotification(ctx context.Context, id string) error {
	if v.RetryNotify == nil {
		return ErrNotFound
	}
	err := v.RetryNotify(ctx, id)
	if err == nil {
		return nil
	}
	n, gerr := v.Client.Notification.Get(viewer.System(ctx), id)
	switch {
	case ent.IsNotFound(gerr):
		return ErrNotFound
	case gerr == nil && n.Status != notification.StatusFAILED:
		return ErrNotRetryable
	}
	return errors.Join(err, gerr)
}
