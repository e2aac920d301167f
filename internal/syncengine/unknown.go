package syncengine

import (
	"context"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/providers"
)

// sentSkew widens the window in which an earlier attempt's copy is looked
// for: provider clocks and VAMS's differ, and the copy was stamped when the
// provider took it, after the veteran pressed send.
const sentSkew = 5 * time.Minute

// findSent asks provider p whether it already holds msg, whose last
// delivery attempt ended without a known outcome (a lost or late answer, a
// crash): a provider id VAMS learnt meanwhile (the echo of the send), else
// the veteran's sent messages at p since msg was written, matched by body
// fingerprint. Neither MHV nor OH honours an idempotency key, so this is
// what keeps a retry from delivering the message twice.
func (e *Engine) findSent(ctx context.Context, p providers.Provider, v providers.Veteran, msg *ent.Message, team *ent.CareTeam) (providers.Receipt, bool, error) {
	refs, err := e.inbox.MessageRefs(ctx, msg.ID)
	if err != nil {
		return providers.Receipt{}, false, err
	}
	for _, r := range refs {
		if r.Provider == p.Kind() {
			return providers.Receipt{ExternalID: r.ExternalID}, true, nil
		}
	}
	since := msg.OrderedAt
	if msg.SentAt != nil {
		since = *msg.SentAt
	}
	listed, err := p.ListMessages(ctx, v, providers.Window{Since: since.Add(-sentSkew), Until: e.clock.Now().Add(sentSkew)})
	if err != nil {
		return providers.Receipt{}, false, err
	}
	var candidates []providers.Message
	for _, m := range listed {
		if m.Direction != providers.ToClinician || m.CareTeamExternalID != "" && m.CareTeamExternalID != team.ProviderID {
			continue
		}
		if !m.BodyIncluded {
			if m, err = p.GetMessage(ctx, v, m.ExternalID); err != nil {
				return providers.Receipt{}, false, err
			}
		}
		candidates = append(candidates, m)
	}
	found, ok, err := e.inbox.SentCopy(ctx, p.Kind(), msg.ID, candidates)
	if err != nil || !ok {
		return providers.Receipt{}, false, err
	}
	return providers.Receipt{ExternalID: found.ExternalID, ThreadExternalID: found.ThreadExternalID, SentAt: found.SentAt}, true, nil
}

// recordFound records a delivery an earlier attempt made, found by findSent.
func (e *Engine) recordFound(ctx context.Context, k providerkind.Kind, msgID string, r providers.Receipt) error {
	e.log.InfoContext(ctx, "delivery found at provider after an unknown outcome; not sent again",
		"message_id", msgID, "provider", string(k))
	return e.inbox.RecordDelivery(ctx, k, msgID, r)
}
