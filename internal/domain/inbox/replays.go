package inbox

import (
	"context"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/va/vams/ent/publicationreplay"
	"github.com/va/vams/internal/platform/viewer"
)

// FirstPublication records a signed publication the Atom intake accepted,
// keyed by what was signed, until its signature goes stale at expires. It
// is false when the key is already recorded, by this instance or another,
// before a restart or not: the push is a replay. Stale rows are pruned on
// the way, so the table holds one acceptance window of pushes.
func (s *Service) FirstPublication(ctx context.Context, key string, expires time.Time) (bool, error) {
	ctx = viewer.System(ctx)
	now := s.clock.Now().UTC()
	if _, err := s.store.Client.PublicationReplay.Delete().Where(publicationreplay.ExpiresAtLT(now)).Exec(ctx); err != nil {
		return false, err
	}
	// Concurrent copies of one push race here: ON CONFLICT DO NOTHING lets
	// exactly one of them in.
	q, args := sql.Dialect(s.store.Dialect).Insert(publicationreplay.Table).
		Columns(publicationreplay.FieldKey, publicationreplay.FieldExpiresAt).
		Values(key, expires.UTC()).
		OnConflict(sql.ConflictColumns(publicationreplay.FieldKey), sql.DoNothing()).Query()
	res, err := s.store.DB.ExecContext(ctx, q, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ForgetPublication drops a recorded publication whose announcements could
// not be stored, so the provider's retry of the same push is accepted.
func (s *Service) ForgetPublication(ctx context.Context, key string) error {
	_, err := s.store.Client.PublicationReplay.Delete().Where(publicationreplay.Key(key)).Exec(viewer.System(ctx))
	return err
}
