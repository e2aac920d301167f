package inbox

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/providerref"
	"github.com/va/vams/ent/syncstate"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/providers"
)

// A provider's id is not the whole of a message's identity: a provider
// restored from a backup or whose id sequence restarted hands out ids VAMS
// already holds for other messages. A known id whose content differs is a
// conflict, not a duplicate (docs/adr/0003-sync-conflict-policy.md).

// IDConflict is a provider message that arrived under an id VAMS holds for a
// different message. Ids only: it is logged and counted.
type IDConflict struct {
	Provider   providerkind.Kind
	VeteranID  string
	ExternalID string
	// Old is the message VAMS held under the id (left as it was); New is
	// the message stored for what the provider now holds under it.
	Old, New  string
	oldThread string
}

// sentTolerance absorbs providers' rounding of a sent time between a
// listing and a read of the same message.
const sentTolerance = time.Minute

// fingerprint compares bodies across providers' text handling once both
// went through the provider's keeping (Capabilities.Kept): letters and
// digits of any script, lower-cased, symbols beyond ASCII (emoji) and '?'
// (what OH keeps of characters it cannot store); spacing, punctuation and
// marks are left out. A body of emoji or of another script has one too.
func fingerprint(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '?' || r >= 128 && unicode.IsSymbol(r) {
			b.WriteRune(r)
		}
		if b.Len() >= 200 {
			break
		}
	}
	return b.String()
}

// bodyPrint is the fingerprint of a body as provider k keeps it: VAMS's copy
// of a veteran's message holds what the veteran wrote, the provider's what
// it could store.
func (s *Service) bodyPrint(k providerkind.Kind, body string) string {
	return fingerprint(s.capabilities[k].Kept(body))
}

// sameMessage reports whether provider k's message m is the message VAMS
// holds as msg: the same writer (veteran or care team), the same body
// fingerprint when both bodies are at hand, and for a care team's message
// the same sent time. A veteran's message sent through VAMS carries VAMS's
// time, not the provider's, and writers' names are resolved late (OH), so
// neither is compared. An incoming status without content (a tombstone)
// is the same message.
func (s *Service) sameMessage(k providerkind.Kind, msg *ent.Message, m providers.Message) bool {
	if m.SentAt.IsZero() {
		return true
	}
	veteran := msg.AuthorKind == message.AuthorKindVETERAN
	if veteran != (m.Direction == providers.ToClinician) {
		return false
	}
	if m.BodyIncluded && msg.BodyLoaded {
		if held, got := s.bodyPrint(k, msg.Body), fingerprint(m.Body); held != "" && got != "" && held != got {
			return false
		}
	}
	if !veteran && msg.SentAt != nil {
		d := msg.SentAt.Sub(m.SentAt)
		if d < -sentTolerance || d > sentTolerance {
			return false
		}
	}
	return true
}

// supersede takes provider k's id ref away from the message it named, which
// is left as it was, so the id can name the message the provider now holds
// under it; and records the reset as evidence (markIDReset).
func (s *Service) supersede(ctx context.Context, tx *store.Tx, in Incoming, ref *ent.ProviderRef) error {
	if err := tx.Client.ProviderRef.DeleteOne(ref).Exec(ctx); err != nil {
		return err
	}
	return s.markIDReset(ctx, tx.Client, in.Provider, in.VeteranID, in.Message.ExternalID)
}

// markIDReset makes the veteran's EvidenceScope state with provider k
// SUSPECT: a provider that reuses ids lost what it held, so what its
// listings leave out is held, not taken as deleted, until an operator
// decides (ReleaseHeld). Messages keep arriving meanwhile.
func (s *Service) markIDReset(ctx context.Context, c *ent.Client, k providerkind.Kind, vid, ext string) error {
	err := c.SyncState.Create().SetProvider(k).SetVeteranID(vid).SetScope(EvidenceScope).
		OnConflictColumns(syncstate.FieldProvider, syncstate.FieldVeteranID, syncstate.FieldScope).DoNothing().Exec(ctx)
	if err != nil && !isNoRows(err) {
		return err
	}
	st, err := c.SyncState.Query().Where(syncstate.ProviderEQ(k), syncstate.VeteranID(vid), syncstate.Scope(EvidenceScope)).Only(ctx)
	if err != nil || Suspect(st) {
		return err
	}
	reason := fmt.Sprintf("a %s id reset: message id %s came back with different content", k, ext)
	return c.SyncState.UpdateOne(st).SetStatus(syncstate.StatusSUSPECT).SetLastError(reason).
		SetLastRunAt(s.clock.Now().UTC()).Exec(ctx)
}

// repoint makes provider k's id ext of kind t name entityID, taking it from
// whatever it named before (a reused id).
func repoint(ctx context.Context, c *ent.Client, k providerkind.Kind, t providerref.EntityType, ext, entityID string) error {
	if _, err := c.ProviderRef.Delete().Where(providerref.ProviderEQ(k), providerref.EntityTypeEQ(t),
		providerref.ExternalID(ext), providerref.EntityIDNEQ(entityID)).Exec(ctx); err != nil {
		return err
	}
	err := c.ProviderRef.Create().SetProvider(k).SetEntityType(t).SetEntityID(entityID).SetExternalID(ext).
		OnConflict().DoNothing().Exec(ctx)
	if err != nil && !isNoRows(err) {
		return err
	}
	return nil
}
