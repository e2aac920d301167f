package inbox

import (
	"context"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/providerref"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/providers"
)

// InFlight reports whether an earlier delivery attempt of m may have reached
// its provider without VAMS learning the outcome: it was handed over
// (SENDING) and neither delivered nor put back in the queue. Such a message
// is looked for at the provider before it is sent again.
func InFlight(m *ent.Message) bool {
	return m.DeliveryStatus != nil && *m.DeliveryStatus == message.DeliveryStatusSENDING
}

// SentCopy finds, among the messages provider k lists for the veteran, the
// copy an earlier attempt left of the local message messageID: veteran-sent,
// the same body fingerprint as echo matching uses, and not yet known to VAMS
// as any message (so an identical earlier message is not taken for it).
// Listed messages without their body cannot match.
func (s *Service) SentCopy(ctx context.Context, k providerkind.Kind, messageID string, listed []providers.Message) (providers.Message, bool, error) {
	msg, err := s.store.Client.Message.Get(ctx, messageID)
	if err != nil {
		return providers.Message{}, false, err
	}
	fp := s.bodyPrint(k, msg.Body)
	if fp == "" {
		return providers.Message{}, false, nil
	}
	for _, m := range listed {
		if m.Direction != providers.ToClinician || !m.BodyIncluded || fingerprint(m.Body) != fp {
			continue
		}
		ref, err := providerRef(ctx, s.store.Client, k, providerref.EntityTypeMESSAGE, m.ExternalID)
		if err != nil {
			return providers.Message{}, false, err
		}
		if ref == nil || ref.EntityID == messageID {
			return m, true, nil
		}
	}
	return providers.Message{}, false, nil
}
