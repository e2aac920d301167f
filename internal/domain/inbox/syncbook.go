package inbox

import (
	"context"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/atomentry"
	"github.com/va/vams/ent/syncstate"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/providers"
)

// The sync engine's bookkeeping: announcements received, how far each
// reconciliation got, and identities providers moved. It is written here,
// like every other row, so the engine only orchestrates.

// StoreAnnouncement records a provider's announcement of a new message in
// tx, once: stored is false when an earlier or concurrent push of the same
// entry stored it and it still waits to be processed.
func (s *Service) StoreAnnouncement(ctx context.Context, tx *store.Tx, a providers.Announcement) (entryID string, stored bool, err error) {
	// Concurrent duplicate pushes race here: ON CONFLICT DO NOTHING lets
	// exactly one of them insert the entry.
	id := ids.New(ids.AtomEntry)
	q, args := sql.Dialect(s.store.Dialect).Insert(atomentry.Table).
		Columns(atomentry.FieldID, atomentry.FieldEntryID, atomentry.FieldMessageExternalID, atomentry.FieldPatientID,
			atomentry.FieldAuthority, atomentry.FieldReceivedAt, atomentry.FieldAttempts, atomentry.FieldLastError).
		Values(id, a.EntryID, a.MessageID, a.PatientID, a.Authority, s.clock.Now().UTC(), 0, "").
		OnConflict(sql.ConflictColumns(atomentry.FieldEntryID), sql.DoNothing()).Query()
	res, err := tx.SQL.ExecContext(ctx, q, args...)
	if err != nil {
		return "", false, err
	}
	if n, err := res.RowsAffected(); err == nil && n > 0 {
		return id, true, nil
	}
	// An entry id already dealt with is announced again: a re-sent event,
	// or a provider whose id sequence restarted announcing a new message
	// under an old message's id (the entry id derives from it). Only a
	// fresh read can tell them apart (Ingest compares the content), so
	// the entry is processed again; a re-send is then a no-op. A
	// duplicate of an entry still waiting adds nothing.
	n, err := tx.Client.AtomEntry.Update().Where(atomentry.EntryID(a.EntryID), atomentry.ProcessedAtNotNil()).
		ClearProcessedAt().SetLastError("").Save(ctx)
	if err != nil || n == 0 {
		return "", false, err
	}
	entry, err := tx.Client.AtomEntry.Query().Where(atomentry.EntryID(a.EntryID)).Only(ctx)
	if err != nil {
		return "", false, err
	}
	return entry.ID, true, nil
}

// FinishAnnouncement records that an announced message was dealt with:
// ingested (reason "") or given up on, and why.
func (s *Service) FinishAnnouncement(ctx context.Context, entry *ent.AtomEntry, reason string) error {
	return s.store.Client.AtomEntry.UpdateOne(entry).SetProcessedAt(s.clock.Now().UTC()).SetLastError(reason).
		AddAttempts(1).Exec(ctx)
}

// FollowPatientMerge re-keys a veteran whose OH patient record was merged
// into another, so the next call to OH uses the surviving id.
func (s *Service) FollowPatientMerge(ctx context.Context, veteranID, ohPatientID string) error {
	return s.store.Client.Veteran.UpdateOneID(veteranID).SetOhPatientID(ohPatientID).Exec(ctx)
}

// SyncState returns how far sync of one scope (ImportScope, a scan) of a
// veteran with provider k got, starting the record on first use.
func (s *Service) SyncState(ctx context.Context, k providerkind.Kind, vid, scope string) (*ent.SyncState, error) {
	c := s.store.Client
	st, err := c.SyncState.Query().Where(syncstate.ProviderEQ(k), syncstate.VeteranID(vid), syncstate.Scope(scope)).Only(ctx)
	if ent.IsNotFound(err) {
		st, err = c.SyncState.Create().SetProvider(k).SetVeteranID(vid).SetScope(scope).Save(ctx)
		if ent.IsConstraintError(err) { // started concurrently
			return c.SyncState.Query().Where(syncstate.ProviderEQ(k), syncstate.VeteranID(vid), syncstate.Scope(scope)).Only(ctx)
		}
	}
	return st, err
}

// RecordSyncRun records a run of scope as complete, or as failed with
// cause, and returns cause.
func (s *Service) RecordSyncRun(ctx context.Context, k providerkind.Kind, vid, scope string, cause error) error {
	st, err := s.SyncState(ctx, k, vid, scope)
	if err != nil {
		return err
	}
	status := syncstate.StatusCOMPLETE
	if cause != nil {
		status = syncstate.StatusERROR
	}
	if err := s.setSyncStatus(ctx, st, status, cause); err != nil {
		return err
	}
	return cause
}

// StartImport records that the veteran's first import from a provider runs.
func (s *Service) StartImport(ctx context.Context, st *ent.SyncState) error {
	return s.setSyncStatus(ctx, st, syncstate.StatusIN_PROGRESS, nil)
}

// AdvanceImport records that the import reached back to watermark, where a
// stopped import resumes.
func (s *Service) AdvanceImport(ctx context.Context, st *ent.SyncState, watermark time.Time) error {
	now := s.clock.Now().UTC()
	return s.store.Client.SyncState.UpdateOne(st).SetWatermark(watermark).SetLastRunAt(now).SetLastSuccessAt(now).Exec(ctx)
}

// FailImport records why the import stopped.
func (s *Service) FailImport(ctx context.Context, st *ent.SyncState, cause error) error {
	return s.setSyncStatus(ctx, st, syncstate.StatusERROR, cause)
}

// CompleteImport records that the import reached the horizon.
func (s *Service) CompleteImport(ctx context.Context, st *ent.SyncState) error {
	return s.setSyncStatus(ctx, st, syncstate.StatusCOMPLETE, nil)
}

// Imported reports whether st's import reached the horizon.
func Imported(st *ent.SyncState) bool { return st.Status == syncstate.StatusCOMPLETE }

// PendingImports lists up to limit veterans known to provider k (an id
// there) whose first import from k has not completed and who have not been
// active since activeSince (active veterans are scheduled on their own,
// first), in ID order after the ID after. The import's sync state is found
// through its unique (provider, veteran_id, scope) index.
func (s *Service) PendingImports(ctx context.Context, k providerkind.Kind, activeSince time.Time, after string, limit int) ([]*ent.Veteran, error) {
	known := veteran.MhvCorrelationIDNotNil()
	if k == providerkind.OH {
		known = veteran.OhPatientIDNotNil()
	}
	return s.store.Client.Veteran.Query().Where(known, veteran.IDGT(after),
		veteran.Or(veteran.LastActiveAtIsNil(), veteran.LastActiveAtLT(activeSince)),
		func(sel *sql.Selector) {
			t := sql.Table(syncstate.Table)
			sel.Where(sql.Not(sql.Exists(sql.Select(t.C(syncstate.FieldID)).From(t).Where(sql.And(
				sql.EQ(t.C(syncstate.FieldProvider), string(k)),
				sql.ColumnsEQ(t.C(syncstate.FieldVeteranID), sel.C(veteran.FieldID)),
				sql.EQ(t.C(syncstate.FieldScope), ImportScope),
				sql.EQ(t.C(syncstate.FieldStatus), string(syncstate.StatusCOMPLETE)))))))
		}).Order(ent.Asc(veteran.FieldID)).Limit(limit).All(ctx)
}

// AdvanceSweep records a slow-sweep step: the next step covers the window
// before watermark, and fullScan says this step finished a round.
func (s *Service) AdvanceSweep(ctx context.Context, st *ent.SyncState, watermark time.Time, fullScan bool) error {
	now := s.clock.Now().UTC()
	upd := s.store.Client.SyncState.UpdateOne(st).SetStatus(syncstate.StatusCOMPLETE).SetLastRunAt(now).SetLastSuccessAt(now).SetLastError("")
	if fullScan {
		upd.SetLastFullScanAt(now)
	}
	return upd.SetWatermark(watermark).Exec(ctx)
}

func (s *Service) setSyncStatus(ctx context.Context, st *ent.SyncState, status syncstate.Status, cause error) error {
	now := s.clock.Now().UTC()
	upd := s.store.Client.SyncState.UpdateOne(st).SetStatus(status).SetLastRunAt(now)
	if status == syncstate.StatusCOMPLETE {
		upd.SetLastSuccessAt(now)
	}
	if cause != nil {
		upd.SetLastError(cause.Error())
	} else {
		upd.SetLastError("")
	}
	return upd.Exec(ctx)
}

// ClaimFreshnessCheck claims the on-demand check of veteran vid at provider
// k, due when the last one started at least bound ago. The conditional
// update lets one caller in one instance win per bound; claimed reports
// whether this caller did, and last when the check in force started (now
// when claimed), so a loser knows when the next one is due.
func (s *Service) ClaimFreshnessCheck(ctx context.Context, k providerkind.Kind, vid string, bound time.Duration) (claimed bool, last time.Time, err error) {
	st, err := s.SyncState(ctx, k, vid, FastScanScope)
	if err != nil {
		return false, time.Time{}, err
	}
	now := s.clock.Now().UTC()
	n, err := s.store.Client.SyncState.Update().Where(syncstate.ID(st.ID),
		syncstate.Or(syncstate.CheckedAtIsNil(), syncstate.CheckedAtLTE(now.Add(-bound)))).
		SetCheckedAt(now).Save(ctx)
	if err != nil || n == 1 {
		return n == 1, now, err
	}
	held, err := s.store.Client.SyncState.Get(ctx, st.ID)
	if err != nil || held.CheckedAt == nil {
		return false, now, err
	}
	return false, *held.CheckedAt, nil
}

// FastScanScope is the sync-state scope of the scan of recent activity.
const FastScanScope = "fast_scan"
