package syncengine

import (
	"context"
	"errors"

	"github.com/riverqueue/river"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/providers"
)

type deliverArgs struct {
	MessageID string `json:"message_id"`
}

func (deliverArgs) Kind() string { return "deliver_message" }

// workDeliver delivers one veteran message. A message whose last attempt
// ended with an unknown outcome is first looked for at the provider
// (findSent), so a retry after a lost answer or a crash does not deliver it
// twice.
func (e *Engine) workDeliver(ctx context.Context, job *river.Job[deliverArgs]) error {
	ctx = viewer.System(ctx)
	c := e.store.Client
	msg, err := c.Message.Query().Where(message.ID(job.Args.MessageID)).WithAttachments().WithThread(func(q *ent.ThreadQuery) {
		q.WithCareTeam().WithVeteran()
	}).Only(ctx)
	if ent.IsNotFound(err) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if inbox.Delivered(msg) {
		return nil
	}
	th := msg.Edges.Thread
	team := th.Edges.CareTeam
	p, ok := e.providers[team.Provider]
	if !ok {
		return e.fail(ctx, msg.ID, "", errors.New("no provider configured for care team"))
	}
	v := veteranOf(th.Edges.Veteran)
	if inbox.InFlight(msg) {
		receipt, found, err := e.findSent(ctx, p, v, msg, team)
		if err != nil {
			return e.lookupFailed(ctx, job, p, msg.ID, th.VeteranID, err)
		}
		if found {
			return e.recordFound(ctx, p.Kind(), msg.ID, receipt)
		}
	}
	inReplyTo, err := e.inbox.ReplyTarget(ctx, team.Provider, th.ID, msg.ID)
	if err != nil {
		return err
	}
	if err := e.inbox.StartDelivery(ctx, msg.ID); err != nil {
		return err
	}
	out := providers.OutboundMessage{
		Veteran: v, CareTeamExternalID: team.ProviderID, Category: string(th.Category), Subject: th.Subject,
		Body: msg.Body, InReplyToExternalID: inReplyTo, IdempotencyKey: msg.ID,
	}
	for _, a := range msg.Edges.Attachments {
		out.Attachments = append(out.Attachments, providers.Attachment{Filename: a.Filename, ContentType: a.ContentType, Data: a.Data})
	}
	receipt, err := p.Send(ctx, out)
	if err == nil {
		return e.inbox.RecordDelivery(ctx, p.Kind(), msg.ID, receipt)
	}
	unknown := providers.OutcomeUnknown(err)
	if unknown && job.Attempt >= job.MaxAttempts && providers.Retryable(err) && !p.Open() {
		// The last attempt may have delivered it: ask once more before
		// giving up, so a message the provider holds is never FAILED.
		found, ok, lerr := e.findSent(ctx, p, v, msg, team)
		switch {
		case lerr == nil && ok:
			return e.recordFound(ctx, p.Kind(), msg.ID, found)
		case lerr == nil:
			return e.fail(ctx, msg.ID, "", err) // the provider says it does not hold it
		}
	}
	return e.sendFailed(ctx, job, p, msg.ID, th.VeteranID, err, unknown)
}

// sendFailed decides what a failed attempt means. unknown says the provider
// may hold the message: it then stays SENDING (the next attempt looks for it
// first) instead of going back to QUEUED.
func (e *Engine) sendFailed(ctx context.Context, job *river.Job[deliverArgs], p *guarded, msgID, veteranID string, err error, unknown bool) error {
	postpone := func() {
		if !unknown {
			_ = e.inbox.PostponeDelivery(ctx, msgID)
		}
	}
	switch {
	case e.rekey(ctx, veteranID, err):
		return err // retried under the veteran's new id
	case p.Open():
		// The provider is down: wait for it without spending attempts, so an
		// outage delays the message but never fails it.
		postpone()
		return river.JobSnooze(e.cfg.BreakerTimeout)
	case providers.Retryable(err):
		postpone()
		if job.Attempt >= job.MaxAttempts && unknown {
			return e.leaveUnknown(ctx, p, msgID, err)
		}
		if job.Attempt >= job.MaxAttempts {
			return e.fail(ctx, msgID, "", err)
		}
		return err
	default:
		reason := "" // the inbox's generic one
		var pe *providers.Error
		if errors.As(err, &pe) && pe.Reason != "" {
			reason = pe.Reason
		}
		return e.fail(ctx, msgID, reason, err)
	}
}

// lookupFailed: the provider could not say whether it already holds the
// message. It is never sent blind; a lookup the provider refuses is tried
// again like a transient failure until the attempts are spent, and then
// the delivery is left unknown, never FAILED.
func (e *Engine) lookupFailed(ctx context.Context, job *river.Job[deliverArgs], p *guarded, msgID, veteranID string, err error) error {
	if providers.Retryable(err) || errors.Is(err, providers.ErrMoved) {
		return e.sendFailed(ctx, job, p, msgID, veteranID, err, true)
	}
	if job.Attempt >= job.MaxAttempts {
		return e.leaveUnknown(ctx, p, msgID, err)
	}
	return err
}

// leaveUnknown stops retrying a delivery whose outcome nobody knows: the
// attempts are spent and the provider could not say whether it holds the
// message. It is not FAILED (it may have been delivered) but stays SENDING,
// where a scan's echo matching still records the provider's copy, and
// operators find it at /ops/deliveries/unknown and may recheck it.
func (e *Engine) leaveUnknown(ctx context.Context, p *guarded, messageID string, cause error) error {
	e.log.WarnContext(ctx, "delivery outcome unknown after the last attempt; left SENDING",
		"message_id", messageID, "provider", string(p.Kind()), "error", cause.Error())
	if err := e.inbox.LeaveDeliveryUnknown(ctx, messageID); err != nil {
		return err
	}
	return river.JobCancel(cause)
}

// fail gives up on a delivery; providerReason, when the provider gave one,
// is what the veteran reads.
func (e *Engine) fail(ctx context.Context, messageID, providerReason string, cause error) error {
	e.log.WarnContext(ctx, "delivery failed", "message_id", messageID, "error", cause.Error())
	if err := e.inbox.FailDelivery(ctx, messageID, providerReason); err != nil {
		return err
	}
	return river.JobCancel(cause)
}

type statusArgs struct {
	MessageID string           `json:"message_id"`
	Status    providers.Status `json:"status"`
}

func (statusArgs) Kind() string { return "write_status" }

// workStatus writes a read, delete or restore back to the provider that carried
// the message. Providers that cannot take the write keep their state; VAMS
// stays the source of truth.
func (e *Engine) workStatus(ctx context.Context, job *river.Job[statusArgs]) error {
	ctx = viewer.System(ctx)
	refs, err := e.inbox.MessageRefs(ctx, job.Args.MessageID)
	if err != nil || len(refs) == 0 {
		return err // a message no provider holds yet has nothing to write back
	}
	msg, err := e.store.Client.Message.Query().Where(message.ID(job.Args.MessageID)).WithThread(func(q *ent.ThreadQuery) { q.WithVeteran() }).Only(ctx)
	if err != nil {
		return err
	}
	v := veteranOf(msg.Edges.Thread.Edges.Veteran)
	for _, ref := range refs {
		p, ok := e.providers[ref.Provider]
		if !ok {
			continue
		}
		err := p.SetStatus(ctx, v, ref.ExternalID, job.Args.Status)
		switch {
		case e.rekey(ctx, msg.VeteranID, err):
			return err
		case err == nil, errors.Is(err, providers.ErrUnsupported), errors.Is(err, providers.ErrNotFound):
		case p.Open():
			return river.JobSnooze(e.cfg.BreakerTimeout)
		case providers.Retryable(err):
			return err
		default:
			e.log.WarnContext(ctx, "status write-back rejected", "message_id", msg.ID, "provider", string(ref.Provider), "error", err.Error())
		}
	}
	return nil
}
