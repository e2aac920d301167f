package inbox

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/audit"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/clock"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/providers"
)

// Outbox records work for the providers in the same transaction as the
// veteran's change, so a committed change is never lost on its way out.
type Outbox interface {
	// DeliverMessage queues delivery of a veteran's message.
	DeliverMessage(ctx context.Context, tx *store.Tx, messageID string) error
	// RedeliverMessage queues another delivery of a message whose earlier
	// delivery ended (an operator's retry).
	RedeliverMessage(ctx context.Context, tx *store.Tx, messageID string) error
	// WriteStatus queues a status write-back (read, delete, restore) of
	// messages that came from or went to a provider, in a fixed number of
	// statements however many there are.
	WriteStatus(ctx context.Context, tx *store.Tx, messageIDs []string, status providers.Status) error
}

// Notifier queues a notification's call to the notification service in the
// transaction that records it, so a committed intent is never lost and a
// rolled-back message notifies nobody.
type Notifier interface {
	QueueNotification(ctx context.Context, tx *store.Tx, notificationID string) error
	// WriteEmailPreference queues writing the veteran's email frequency
	// through to MHV, so MHV's own email and VAMS's never both fire.
	WriteEmailPreference(ctx context.Context, tx *store.Tx, veteranID string) error
}

// Service is the one place where inbox rules live. Every method acts as the
// viewer in ctx; the store's privacy layer scopes what it can touch. Build
// it with New.
type Service struct {
	store        *store.Store
	outbox       Outbox
	events       events.Publisher
	sendLimit    SendLimit
	clock        clock.Clock
	capabilities providers.CapabilitySet
	// changeRetention: see Config.ChangeRetention.
	changeRetention time.Duration
	onIDConflict    func(context.Context, IDConflict)
	notifier        Notifier

	// systemFolders caches veteran ID + kind → folder ID: system folders are
	// created once and never renamed, moved or deleted.
	systemFolders sync.Map
	names         sync.Map
	veterans      sync.Map // ICN → veteran ID; the mapping never changes
	careTeams     sync.Map // provider/provider id → care team ID; never changes
	active        sync.Map // veteran ID → when this process last recorded activity
}

// activityEvery bounds how often one process records a veteran's activity.
const activityEvery = 5 * time.Minute

// touch records that the veteran is using VAMS, at most every activityEvery
// per process (one small UPDATE): it steers how soon the sync engine
// reconciles them. A failure only delays that, so it is not the request's.
func (s *Service) touch(ctx context.Context, vid string) {
	now := s.clock.Now()
	if last, ok := s.active.Load(vid); ok && now.Sub(last.(time.Time)) < activityEvery {
		return
	}
	s.active.Store(vid, now)
	_ = s.store.Client.Veteran.Update().Where(veteran.ID(vid)).SetLastActiveAt(now.UTC()).Exec(viewer.System(ctx))
}

// mutationTx runs a veteran's mutation in one transaction, which commits
// the mutation's audit entries (carried by ctx from the edge) with the
// change they record: both survive a crash, or neither happened.
func (s *Service) mutationTx(ctx context.Context, fn func(tx *store.Tx) error) error {
	return s.store.InTx(ctx, func(tx *store.Tx) error {
		audit.Stage(ctx, tx)
		return fn(tx)
	})
}

// now is whole seconds: providers keep sent times to the second, and a
// timeline mixing our nanoseconds with their seconds would misorder a reply
// sent within the same second as the message it answers.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Second) }

func viewerID(ctx context.Context) (string, error) {
	v, ok := viewer.FromContext(ctx)
	if !ok || v.VeteranID == "" {
		return "", errors.New("inbox: no viewer")
	}
	return v.VeteranID, nil
}

// checkID rejects IDs of the wrong kind, or that no row could have, as not
// found before any query.
func checkID(id, prefix, field string) error {
	if ids.Prefix(id) != prefix || !storable(id) {
		return notFound(field)
	}
	return nil
}
