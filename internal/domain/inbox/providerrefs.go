package inbox

import (
	"context"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/providerref"
	"github.com/va/vams/internal/platform/providerkind"
)

// providerRef is the one lookup of what VAMS holds under a provider's id:
// provider k's reference of kind t known there as ext, or nil when VAMS
// holds none.
func providerRef(ctx context.Context, c *ent.Client, k providerkind.Kind, t providerref.EntityType, ext string) (*ent.ProviderRef, error) {
	ref, err := c.ProviderRef.Query().Where(providerref.ProviderEQ(k), providerref.EntityTypeEQ(t), providerref.ExternalID(ext)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return ref, err
}

// heldRefs finds, in one statement, the references VAMS holds for a
// provider message's own id and for its thread id (threadExt may be "").
func heldRefs(ctx context.Context, c *ent.Client, k providerkind.Kind, msgExt, threadExt string) (msg, thread *ent.ProviderRef, err error) {
	which := providerref.And(providerref.EntityTypeEQ(providerref.EntityTypeMESSAGE), providerref.ExternalID(msgExt))
	if threadExt != "" {
		which = providerref.Or(which, providerref.And(providerref.EntityTypeEQ(providerref.EntityTypeTHREAD), providerref.ExternalID(threadExt)))
	}
	refs, err := c.ProviderRef.Query().Where(providerref.ProviderEQ(k), which).All(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range refs {
		if r.EntityType == providerref.EntityTypeMESSAGE {
			msg = r
		} else {
			thread = r
		}
	}
	return msg, thread, nil
}

// KnownMessage returns the VAMS message that provider k knows as ext, or ""
// when VAMS does not hold that message yet.
func (s *Service) KnownMessage(ctx context.Context, k providerkind.Kind, ext string) (string, error) {
	ref, err := providerRef(ctx, s.store.Client, k, providerref.EntityTypeMESSAGE, ext)
	if err != nil || ref == nil {
		return "", err
	}
	return ref.EntityID, nil
}

// MessageRefs returns every provider's references of the messages: where
// each one is known, and as what.
func (s *Service) MessageRefs(ctx context.Context, messageIDs ...string) ([]*ent.ProviderRef, error) {
	return s.store.Client.ProviderRef.Query().Where(providerref.EntityTypeEQ(providerref.EntityTypeMESSAGE),
		providerref.EntityIDIn(messageIDs...)).All(ctx)
}
