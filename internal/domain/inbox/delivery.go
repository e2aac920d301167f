package inbox

import (
	"context"
	"errors"

	"entgo.io/ent/dialect/sql"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/change"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/providerref"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/providers"
)

// reasonUndeliverable is what the veteran reads when delivery gave up
// without a provider's own reason.
const reasonUndeliverable = "We couldn't deliver this message to your care team. Please try again later or call your VA health facility."

// errNotFailed refuses an operator retry of a delivery that has not failed.
var errNotFailed = errors.New("only failed deliveries can be retried")

// ErrNotLeftUnknown refuses an operator recheck of a delivery that is not
// left with an unknown outcome (it is delivered, failed, queued, or an
// attempt is still running).
var ErrNotLeftUnknown = errors.New("only deliveries left with an unknown outcome can be rechecked")

// OutcomeUnknown marks (in delivery_error, while SENDING) a delivery whose
// attempts are spent without the provider saying whether it holds the
// message; operators see it as the reason in /ops/deliveries/unknown. The
// veteran still reads SENDING: it may have been delivered.
const OutcomeUnknown = "outcome unknown after the last attempt"

// StartDelivery records that a veteran's message is being handed to its
// provider.
func (s *Service) StartDelivery(ctx context.Context, messageID string) error {
	return s.setDeliveryStatus(ctx, messageID, message.DeliveryStatusSENDING, "")
}

// PostponeDelivery records that a delivery attempt did not get through and
// another will follow.
func (s *Service) PostponeDelivery(ctx context.Context, messageID string) error {
	return s.setDeliveryStatus(ctx, messageID, message.DeliveryStatusQUEUED, "")
}

// FailDelivery records that delivery gave up. providerReason is the
// provider's own explanation, shown to the veteran; without one they read a
// generic reason.
func (s *Service) FailDelivery(ctx context.Context, messageID, providerReason string) error {
	reason := providerReason
	if reason == "" {
		reason = reasonUndeliverable
	}
	return s.setDeliveryStatus(ctx, messageID, message.DeliveryStatusFAILED, reason)
}

// LeaveDeliveryUnknown records that no attempt is left for a delivery whose
// outcome nobody knows: it stays SENDING, marked for an operator's recheck.
func (s *Service) LeaveDeliveryUnknown(ctx context.Context, messageID string) error {
	return s.store.Client.Message.Update().Where(message.ID(messageID),
		message.DeliveryStatusEQ(message.DeliveryStatusSENDING)).SetDeliveryError(OutcomeUnknown).Exec(ctx)
}

// RecheckDelivery is an operator's answer to a delivery left unknown: it
// queues one more attempt, which asks the provider for its copy before it
// sends anything. The conditional update lets exactly one of several
// rechecks through; the message keeps SENDING, so the veteran sees nothing
// change. ErrNotLeftUnknown refuses any other state; an unknown id is
// ent's not-found.
func (s *Service) RecheckDelivery(ctx context.Context, messageID string) error {
	return s.store.InTx(ctx, func(tx *store.Tx) error {
		n, err := tx.Client.Message.Update().Where(message.ID(messageID), message.DeliveryStatusEQ(message.DeliveryStatusSENDING),
			message.DeliveryError(OutcomeUnknown)).ClearDeliveryError().Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			if _, err := tx.Client.Message.Get(ctx, messageID); err != nil {
				return err
			}
			return ErrNotLeftUnknown
		}
		if s.outbox == nil {
			return nil
		}
		return s.outbox.RedeliverMessage(ctx, tx, messageID)
	})
}

// Delivered reports whether a veteran's message reached its provider.
func Delivered(m *ent.Message) bool {
	return m.DeliveryStatus != nil && *m.DeliveryStatus == message.DeliveryStatusDELIVERED
}

// RecordDelivery marks a veteran's message delivered and remembers the
// provider's ids, so the echo of the send is recognised. Idempotent. The
// provider has just said what its ids name: one VAMS held for another
// message is taken over (an id reset, counted as a conflict).
func (s *Service) RecordDelivery(ctx context.Context, provider providerkind.Kind, messageID string, r providers.Receipt) error {
	var conflict *IDConflict
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		c := tx.Client
		conflict = nil
		msg, err := c.Message.Get(ctx, messageID)
		if err != nil {
			return err
		}
		ref, err := providerRef(ctx, c, provider, providerref.EntityTypeMESSAGE, r.ExternalID)
		if err != nil {
			return err
		}
		if ref != nil && ref.EntityID != messageID {
			conflict = &IDConflict{Provider: provider, VeteranID: msg.VeteranID, ExternalID: r.ExternalID, Old: ref.EntityID, New: messageID}
			if err := s.markIDReset(ctx, c, provider, msg.VeteranID, r.ExternalID); err != nil {
				return err
			}
		}
		if err := repoint(ctx, c, provider, providerref.EntityTypeMESSAGE, r.ExternalID, messageID); err != nil {
			return err
		}
		if r.ThreadExternalID != "" && conflict != nil {
			if err := repoint(ctx, c, provider, providerref.EntityTypeTHREAD, r.ThreadExternalID, msg.ThreadID); err != nil {
				return err
			}
		} else if r.ThreadExternalID != "" {
			err = c.ProviderRef.Create().SetProvider(provider).SetEntityType(providerref.EntityTypeTHREAD).
				SetEntityID(msg.ThreadID).SetExternalID(r.ThreadExternalID).OnConflict().DoNothing().Exec(ctx)
			if err != nil && !isNoRows(err) {
				return err
			}
		}
		if Delivered(msg) {
			return nil
		}
		if err := c.Message.UpdateOne(msg).SetDeliveryStatus(message.DeliveryStatusDELIVERED).ClearDeliveryError().Exec(ctx); err != nil {
			return err
		}
		return s.change(ctx, tx, msg.VeteranID, EntityMessage, msg.ID, change.OpUPDATED,
			events.Event{Kind: events.DeliveryChanged, ThreadID: msg.ThreadID, MessageID: msg.ID})
	})
	if err == nil && conflict != nil && s.onIDConflict != nil {
		s.onIDConflict(ctx, *conflict)
	}
	return err
}

// setDeliveryStatus records a delivery attempt's outcome; reason is shown to
// the veteran when the status is FAILED.
func (s *Service) setDeliveryStatus(ctx context.Context, messageID string, st message.DeliveryStatus, reason string) error {
	return s.store.InTx(ctx, func(tx *store.Tx) error {
		msg, err := tx.Client.Message.Get(ctx, messageID)
		if err != nil {
			return err
		}
		if Delivered(msg) {
			return nil // never step back from delivered
		}
		up := tx.Client.Message.UpdateOne(msg).SetDeliveryStatus(st)
		if reason != "" {
			up.SetDeliveryError(reason)
		} else {
			up.ClearDeliveryError()
		}
		if err := up.Exec(ctx); err != nil {
			return err
		}
		return s.change(ctx, tx, msg.VeteranID, EntityMessage, msg.ID, change.OpUPDATED,
			events.Event{Kind: events.DeliveryChanged, ThreadID: msg.ThreadID, MessageID: msg.ID})
	})
}

// RetryDelivery queues a failed delivery again (operator action).
func (s *Service) RetryDelivery(ctx context.Context, messageID string) error {
	return s.store.InTx(ctx, func(tx *store.Tx) error {
		msg, err := tx.Client.Message.Get(ctx, messageID)
		if err != nil {
			return err
		}
		if msg.DeliveryStatus == nil || *msg.DeliveryStatus != message.DeliveryStatusFAILED {
			return errNotFailed
		}
		if err := tx.Client.Message.UpdateOne(msg).SetDeliveryStatus(message.DeliveryStatusQUEUED).ClearDeliveryError().Exec(ctx); err != nil {
			return err
		}
		if err := s.change(ctx, tx, msg.VeteranID, EntityMessage, msg.ID, change.OpUPDATED,
			events.Event{Kind: events.DeliveryChanged, ThreadID: msg.ThreadID, MessageID: msg.ID}); err != nil {
			return err
		}
		if s.outbox == nil {
			return nil
		}
		return s.outbox.RedeliverMessage(ctx, tx, messageID)
	})
}

// ReplyTarget is provider k's id of the message a reply in a thread
// answers: the newest other message of the thread that k knows, or "" when
// k knows none and the reply starts the conversation there.
func (s *Service) ReplyTarget(ctx context.Context, k providerkind.Kind, threadID, replyID string) (string, error) {
	var rows []struct {
		ExternalID string `sql:"external_id"`
	}
	err := s.store.Client.ProviderRef.Query().Where(providerref.ProviderEQ(k),
		providerref.EntityTypeEQ(providerref.EntityTypeMESSAGE)).Modify(func(sel *sql.Selector) {
		m := sql.Table(message.Table)
		sel.Join(m).On(sel.C(providerref.FieldEntityID), m.C(message.FieldID)).
			Where(sql.And(sql.EQ(m.C(message.FieldThreadID), threadID), sql.NEQ(m.C(message.FieldID), replyID),
				sql.EQ(m.C(message.FieldIsDraft), false))).
			// Ties (one second; one message known twice) go to the later row.
			OrderBy(sql.Desc(m.C(message.FieldOrderedAt)), sql.Desc(m.C(message.FieldID)), sql.Desc(sel.C(providerref.FieldID))).
			Limit(1).Select(sel.C(providerref.FieldExternalID))
	}).Scan(ctx, &rows)
	if err != nil || len(rows) == 0 {
		return "", err
	}
	return rows[0].ExternalID, nil
}
