// Package ops is the operator view: sync status per provider, failed
// deliveries with their reasons, and retrying one. It reads across
// veterans, as VAMS itself, and answers with IDs, states and reasons, never
// message content. It has no HTTP: package edge serves it to operators.
package ops

import (
	"context"
	"errors"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/atomentry"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/syncstate"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
)

// MaxFailed bounds the failed deliveries listed.
const MaxFailed = 500

var (
	// ErrNotFound: no such message.
	ErrNotFound = errors.New("ops: no such message")
	// ErrNotRetryable: the message's delivery has not failed.
	ErrNotRetryable = errors.New("ops: only failed deliveries can be retried")
	// ErrNotHeld: no scan is held for that veteran and provider.
	ErrNotHeld = errors.New("ops: nothing is held for this veteran and provider")
)

// View answers the operator's questions.
type View struct {
	Client *ent.Client
	// Retry re-queues one failed delivery (Engine.RetryDelivery).
	Retry func(ctx context.Context, messageID string) error
	// Recheck queues one more attempt of a delivery left with an unknown
	// outcome (Engine.RecheckDelivery); it returns inbox.ErrNotLeftUnknown
	// for any other state.
	Recheck func(ctx context.Context, messageID string) error
	// Circuit returns each provider's circuit state, by provider kind.
	Circuit func() map[string]string
	// Release releases (or, with discard, discards) a veteran's held scans
	// with a provider (Engine.ReleaseHeld).
	Release func(ctx context.Context, provider, veteranID string, discard bool) error
	// NotifyCircuit is the notification service's circuit state and
	// RetryNotify re-queues a failed notification (Engine.RetryNotification);
	// both nil when notifications are off.
	NotifyCircuit func() string
	RetryNotify   func(ctx context.Context, id string) error
}

// HeldSync is a veteran whose scans with a provider are held (SUSPECT):
// the listing omitted too much of what VAMS holds to be taken as deletes.
type HeldSync struct {
	VeteranID string     `json:"veteranId"`
	Reason    string     `json:"reason"`
	Since     *time.Time `json:"since"`
}

// ProviderSync is one provider's sync status.
type ProviderSync struct {
	Provider     string     `json:"provider"`
	Veterans     int        `json:"veterans"`
	Errors       int        `json:"errors"`
	ImportsOpen  int        `json:"importsInProgress"`
	LastRunAt    *time.Time `json:"lastRunAt"`
	OldestRunAt  *time.Time `json:"oldestRunAt"`
	LastError    string     `json:"lastError,omitempty"`
	CircuitState string     `json:"circuit"`
	PendingAtom  int        `json:"pendingAnnouncements,omitempty"`
	Suspect      []HeldSync `json:"suspect"`
}

// Sync reports every provider's sync status, MHV then OH.
func (v *View) Sync(ctx context.Context) ([]*ProviderSync, error) {
	ctx = viewer.System(ctx)
	states, err := v.Client.SyncState.Query().All(ctx)
	if err != nil {
		return nil, err
	}
	circuits := map[string]string{}
	if v.Circuit != nil {
		circuits = v.Circuit()
	}
	by := map[string]*ProviderSync{}
	seen := map[string]map[string]bool{}
	for _, p := range []string{"MHV", "OH"} {
		by[p] = &ProviderSync{Provider: p, CircuitState: circuits[p], Suspect: []HeldSync{}}
		seen[p] = map[string]bool{}
	}
	for _, st := range states {
		p := by[string(st.Provider)]
		seen[string(st.Provider)][st.VeteranID] = true
		if st.Status == syncstate.StatusSUSPECT {
			p.Suspect = append(p.Suspect, HeldSync{VeteranID: st.VeteranID, Reason: st.LastError, Since: st.LastRunAt})
		}
		if st.Status == syncstate.StatusERROR {
			p.Errors++
			p.LastError = st.LastError
		}
		if st.Scope == "import" && st.Status != syncstate.StatusCOMPLETE {
			p.ImportsOpen++
		}
		if st.Scope == "fast_scan" && st.LastRunAt != nil {
			if p.LastRunAt == nil || st.LastRunAt.After(*p.LastRunAt) {
				p.LastRunAt = st.LastRunAt
			}
			if p.OldestRunAt == nil || st.LastRunAt.Before(*p.OldestRunAt) {
				p.OldestRunAt = st.LastRunAt
			}
		}
	}
	pending, err := v.Client.AtomEntry.Query().Where(atomentry.ProcessedAtIsNil()).Count(ctx)
	if err != nil {
		return nil, err
	}
	by["OH"].PendingAtom = pending
	out := []*ProviderSync{}
	for _, p := range []string{"MHV", "OH"} {
		by[p].Veterans = len(seen[p])
		out = append(out, by[p])
	}
	return out, nil
}

// FailedDelivery is a message a provider refused for good.
type FailedDelivery struct {
	MessageID string    `json:"messageId"`
	ThreadID  string    `json:"threadId"`
	VeteranID string    `json:"veteranId"`
	SentAt    time.Time `json:"sentAt"`
	Reason    string    `json:"reason"`
}

// FailedDeliveries lists up to MaxFailed failed deliveries, newest first.
func (v *View) FailedDeliveries(ctx context.Context) ([]FailedDelivery, error) {
	return v.deliveries(ctx, message.DeliveryStatusFAILED)
}

// UnknownDeliveries lists up to MaxFailed messages handed to a provider
// whose outcome VAMS does not know (SENDING), newest first. One is SENDING
// for seconds while a delivery runs; one still listed minutes later had its
// attempts spent without the provider saying whether it holds it, and is
// left SENDING (never FAILED: it may have been delivered) until a scan finds
// the provider's copy or an operator rechecks it; Reason is then
// inbox.OutcomeUnknown, and empty while an attempt runs.
func (v *View) UnknownDeliveries(ctx context.Context) ([]FailedDelivery, error) {
	return v.deliveries(ctx, message.DeliveryStatusSENDING)
}

func (v *View) deliveries(ctx context.Context, st message.DeliveryStatus) ([]FailedDelivery, error) {
	msgs, err := v.Client.Message.Query().Where(message.DeliveryStatusEQ(st)).
		Select(message.FieldID, message.FieldThreadID, message.FieldVeteranID, message.FieldSentAt, message.FieldDeliveryError).
		Order(ent.Desc(message.FieldSentAt)).Limit(MaxFailed).All(viewer.System(ctx))
	if err != nil {
		return nil, err
	}
	out := make([]FailedDelivery, 0, len(msgs))
	for _, m := range msgs {
		d := FailedDelivery{MessageID: m.ID, ThreadID: m.ThreadID, VeteranID: m.VeteranID}
		if m.SentAt != nil {
			d.SentAt = *m.SentAt
		}
		if m.DeliveryError != nil {
			d.Reason = *m.DeliveryError
		}
		out = append(out, d)
	}
	return out, nil
}

// RetryDelivery re-queues one failed delivery. It returns ErrNotFound or
// ErrNotRetryable for the operator's mistakes; any other error is VAMS's.
func (v *View) RetryDelivery(ctx context.Context, messageID string) error {
	err := v.Retry(ctx, messageID)
	if err == nil {
		return nil
	}
	if ent.IsNotFound(err) {
		return ErrNotFound
	}
	// Retry refuses a delivery that has not failed; the message's state
	// tells that refusal apart from a failure to retry.
	m, gerr := v.Client.Message.Query().Where(message.ID(messageID)).Select(message.FieldDeliveryStatus).Only(viewer.System(ctx))
	if gerr == nil && (m.DeliveryStatus == nil || *m.DeliveryStatus != message.DeliveryStatusFAILED) {
		return ErrNotRetryable
	}
	return err
}

// RecheckDelivery queues one more attempt of a delivery left with an
// unknown outcome, which asks the provider before sending. It returns
// ErrNotFound or ErrNotRetryable for the operator's mistakes.
func (v *View) RecheckDelivery(ctx context.Context, messageID string) error {
	err := v.Recheck(ctx, messageID)
	switch {
	case ent.IsNotFound(err):
		return ErrNotFound
	case errors.Is(err, inbox.ErrNotLeftUnknown):
		return ErrNotRetryable
	}
	return err
}

// ReleaseHeld is the operator's release or discard of a veteran's held
// scans with provider ("MHV" or "OH"). It returns ErrNotFound for an
// unknown provider and ErrNotHeld when nothing is held.
func (v *View) ReleaseHeld(ctx context.Context, provider, veteranID string, discard bool) error {
	if provider != "MHV" && provider != "OH" {
		return ErrNotFound
	}
	err := v.Release(ctx, provider, veteranID, discard)
	if err == nil {
		return nil
	}
	n, cerr := v.Client.SyncState.Query().Where(syncstate.ProviderEQ(providerkind.Kind(provider)),
		syncstate.VeteranID(veteranID), syncstate.StatusEQ(syncstate.StatusSUSPECT)).Count(viewer.System(ctx))
	if cerr == nil && n == 0 {
		return ErrNotHeld
	}
	return err
}
