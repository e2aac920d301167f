package inbox

import (
	"context"

	"entgo.io/ent/dialect/sql"

	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/providerref"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/providers"
)

// TombstoneUnlisted applies what a provider's listing says by leaving
// messages out: each message VAMS holds from provider k for the veteran,
// sent within w and not tombstoned yet, whose provider id is not in keep
// (the ids listed, and those whose local change is still on its way out)
// counts as deleted at the provider (docs/adr/0003-sync-conflict-policy.md).
func (s *Service) TombstoneUnlisted(ctx context.Context, k providerkind.Kind, vid string, w providers.Window, keep map[string]bool) error {
	exts, err := s.store.Client.ProviderRef.Query().Where(providerref.ProviderEQ(k),
		providerref.EntityTypeEQ(providerref.EntityTypeMESSAGE),
		func(sel *sql.Selector) {
			m := sql.Table(message.Table)
			sel.Join(m).On(sel.C(providerref.FieldEntityID), m.C(message.FieldID)).
				Where(sql.And(sql.EQ(m.C(message.FieldVeteranID), vid), sql.GTE(m.C(message.FieldSentAt), w.Since),
					sql.LT(m.C(message.FieldSentAt), w.Until), sql.IsNull(m.C(message.FieldProviderDeletedAt))))
		}).Select(providerref.FieldExternalID).Strings(ctx)
	if err != nil {
		return err
	}
	for _, ext := range exts {
		if keep[ext] {
			continue
		}
		gone := providers.Message{ExternalID: ext, Status: providers.StatusDeleted}
		if _, _, err := s.Ingest(ctx, Incoming{Provider: k, VeteranID: vid, Message: gone}); err != nil {
			return err
		}
	}
	return nil
}
