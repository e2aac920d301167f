package inbox

import (
	"context"

	"entgo.io/ent/dialect/sql"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/providerref"
	"github.com/va/vams/ent/syncstate"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/providers"
)

// TombstoneUnlisted applies what a provider's listing says by leaving
// messages out: each message VAMS holds from provider k for the veteran,
// sent within w and not tombstoned yet, whose provider id is not in keep
// (the ids listed, and those whose local change is still on its way out)
// counts as deleted at the provider (docs/adr/0003-sync-conflict-policy.md)
// — but only on evidence. A listing that leaves out more than ev allows is
// held instead: nothing is tombstoned, the veteran's EvidenceScope state
// becomes SUSPECT, and so does every later scan until an operator releases
// or discards it (ReleaseHeld). held is how many tombstones were held.
func (s *Service) TombstoneUnlisted(ctx context.Context, k providerkind.Kind, vid string, w providers.Window, keep map[string]bool, ev Evidence) (held int, err error) {
	exts, err := s.store.Client.ProviderRef.Query().Where(providerref.ProviderEQ(k),
		providerref.EntityTypeEQ(providerref.EntityTypeMESSAGE),
		func(sel *sql.Selector) {
			m := sql.Table(message.Table)
			sel.Join(m).On(sel.C(providerref.FieldEntityID), m.C(message.FieldID)).
				Where(sql.And(sql.EQ(m.C(message.FieldVeteranID), vid), sql.GTE(m.C(message.FieldSentAt), w.Since),
					sql.LT(m.C(message.FieldSentAt), w.Until), sql.IsNull(m.C(message.FieldProviderDeletedAt))))
		}).Select(providerref.FieldExternalID).Strings(ctx)
	if err != nil {
		return 0, err
	}
	st, err := s.store.Client.SyncState.Query().Where(syncstate.ProviderEQ(k), syncstate.VeteranID(vid),
		syncstate.Scope(EvidenceScope)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return 0, err
	}
	var h heldTombstones
	if st != nil {
		h = decodeHeld(st)
	}
	kept := make(map[string]bool, len(h.Kept))
	for _, ext := range h.Kept {
		kept[ext] = true
	}
	var gone []string
	for _, ext := range exts {
		if !keep[ext] && !kept[ext] {
			gone = append(gone, ext)
		}
	}
	if len(gone) == 0 {
		return 0, nil
	}
	if st != nil && Suspect(st) || ev.suspect(len(gone), len(exts)) {
		if st == nil {
			if st, err = s.SyncState(ctx, k, vid, EvidenceScope); err != nil {
				return 0, err
			}
		}
		return len(gone), s.hold(ctx, st, h, gone, len(exts), k, w)
	}
	for _, ext := range gone {
		if err := s.tombstone(ctx, k, vid, ext); err != nil {
			return 0, err
		}
	}
	return 0, nil
}
