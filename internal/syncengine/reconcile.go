package syncengine

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/association"
	"github.com/va/vams/ent/careteam"
	"github.com/va/vams/ent/facility"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/providerref"
	"github.com/va/vams/ent/syncstate"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/providers"
)

type reconcileAllArgs struct{}

func (reconcileAllArgs) Kind() string { return "reconcile_all" }

type reconcileAllWorker struct {
	river.WorkerDefaults[reconcileAllArgs]
	e *Engine
}

// Work fans the periodic scan out to one job per veteran and provider, so
// any instance's workers share the load and one slow veteran delays nobody.
func (w *reconcileAllWorker) Work(ctx context.Context, _ *river.Job[reconcileAllArgs]) error {
	return w.e.ScheduleReconcile(viewer.System(ctx))
}

// ScheduleReconcile queues a reconciliation of the veterans who need one
// soon: those active in the last ActiveWindow, and those whose first import
// has not completed. Everyone else is reached by SweepAll.
func (e *Engine) ScheduleReconcile(ctx context.Context) error {
	ctx = viewer.System(ctx)
	since := time.Now().Add(-e.cfg.ActiveWindow)
	imported, err := e.store.Client.SyncState.Query().Where(syncstate.Scope(scopeImport), syncstate.StatusEQ(syncstate.StatusCOMPLETE)).
		Select(syncstate.FieldVeteranID).Strings(ctx)
	if err != nil {
		return err
	}
	vets, err := e.store.Client.Veteran.Query().Where(veteran.Or(veteran.LastActiveAtGTE(since),
		veteran.IDNotIn(imported...))).All(ctx)
	if err != nil {
		return err
	}
	return e.scheduleFor(ctx, vets)
}

// SweepAll queues a reconciliation of every veteran: the slow path that keeps
// inactive mailboxes in step (reads and deletes made elsewhere).
func (e *Engine) SweepAll(ctx context.Context) error {
	vets, err := e.store.Client.Veteran.Query().All(viewer.System(ctx))
	if err != nil {
		return err
	}
	return e.scheduleFor(ctx, vets)
}

func (e *Engine) scheduleFor(ctx context.Context, vets []*ent.Veteran) error {
	var params []river.InsertManyParams
	for _, v := range vets {
		pv := veteranOf(v)
		for k := range e.providers {
			if knows(k, pv) {
				params = append(params, river.InsertManyParams{Args: reconcileArgs{VeteranID: v.ID, Provider: k},
					InsertOpts: &river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true,
						ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}})
			}
		}
	}
	if len(params) == 0 {
		return nil
	}
	_, err := e.river.InsertMany(ctx, params)
	return err
}

type sweepAllArgs struct{}

func (sweepAllArgs) Kind() string { return "sweep_all" }

type sweepAllWorker struct {
	river.WorkerDefaults[sweepAllArgs]
	e *Engine
}

func (w *sweepAllWorker) Work(ctx context.Context, _ *river.Job[sweepAllArgs]) error {
	return w.e.SweepAll(viewer.System(ctx))
}

type reconcileArgs struct {
	VeteranID string            `json:"veteran_id"`
	Provider  providerkind.Kind `json:"provider"`
}

func (reconcileArgs) Kind() string { return "reconcile_veteran" }

type reconcileWorker struct {
	river.WorkerDefaults[reconcileArgs]
	e *Engine
}

func (w *reconcileWorker) Work(ctx context.Context, job *river.Job[reconcileArgs]) error {
	err := w.e.Reconcile(viewer.System(ctx), job.Args.VeteranID, job.Args.Provider)
	if p := w.e.providers[job.Args.Provider]; p != nil && p.Open() {
		return nil // the next periodic scan tries again
	}
	return err
}

// Sync-state scopes.
const (
	scopeImport = inbox.ImportScope // first import, walking back to the horizon
	scopeFast   = "fast_scan"       // recent activity
	scopeSweep  = "slow_sweep"      // older windows, one per run, round and round
)

// Reconcile brings VAMS in line with what provider k holds for a veteran:
// the care-team directory, new messages (the only way MHV's arrive), and the
// reads and deletes no feed reports. Every step is idempotent and its
// progress is persisted, so a restart resumes where it stopped.
func (e *Engine) Reconcile(ctx context.Context, veteranID string, k providerkind.Kind) error {
	ctx = viewer.System(ctx)
	p := e.providers[k]
	if p == nil {
		return nil
	}
	vet, err := e.store.Client.Veteran.Get(ctx, veteranID)
	if err != nil {
		return err
	}
	pv := veteranOf(vet)
	if !knows(k, pv) {
		return nil
	}
	if err := e.refreshDirectory(ctx, p, vet.ID, pv); err != nil {
		if e.rekey(ctx, vet.ID, err) {
			return e.Reconcile(ctx, veteranID, k)
		}
		return e.recordRun(ctx, k, vet.ID, scopeFast, err)
	}
	now := time.Now().UTC()
	// Fast scan: recent activity, every run.
	fast := providers.Window{Since: now.Add(-e.cfg.FastWindow), Until: now.Add(time.Minute)}
	if err := e.scan(ctx, p, vet.ID, pv, fast); err != nil {
		return e.recordRun(ctx, k, vet.ID, scopeFast, err)
	}
	if err := e.recordRun(ctx, k, vet.ID, scopeFast, nil); err != nil {
		return err
	}
	// Import, then the slow sweep: one older window per run.
	imp, err := e.state(ctx, k, vet.ID, scopeImport)
	if err != nil {
		return err
	}
	horizon := now.Add(-e.cfg.ImportHorizon)
	if imp.Status != syncstate.StatusCOMPLETE {
		// The first import walks every window back to the horizon now, so
		// the veteran's history is there when they first look.
		if err := e.setState(ctx, imp, syncstate.StatusIN_PROGRESS, nil); err != nil {
			return err
		}
		until := fast.Since
		if imp.Watermark != nil && imp.Watermark.Before(until) {
			until = *imp.Watermark // resume where a stopped import left off
		}
		for until.After(horizon) {
			since := until.Add(-e.cfg.SweepWindow)
			if err := e.scan(ctx, p, vet.ID, pv, providers.Window{Since: since, Until: until}); err != nil {
				_ = e.setState(ctx, imp, syncstate.StatusERROR, err)
				return err
			}
			until = since
			if err := e.store.Client.SyncState.UpdateOne(imp).SetWatermark(until).Exec(ctx); err != nil {
				return err
			}
		}
		return e.setState(ctx, imp, syncstate.StatusCOMPLETE, nil)
	}
	sweep, err := e.state(ctx, k, vet.ID, scopeSweep)
	if err != nil {
		return err
	}
	until := fast.Since
	if sweep.Watermark != nil && sweep.Watermark.After(horizon) && sweep.Watermark.Before(until) {
		until = *sweep.Watermark
	}
	since := until.Add(-e.cfg.SweepWindow)
	if err := e.scan(ctx, p, vet.ID, pv, providers.Window{Since: since, Until: until}); err != nil {
		return e.recordRun(ctx, k, vet.ID, scopeSweep, err)
	}
	next := since
	upd := e.store.Client.SyncState.UpdateOne(sweep).SetStatus(syncstate.StatusCOMPLETE).SetLastRunAt(now).SetLastError("")
	if !next.After(horizon) {
		upd.SetLastFullScanAt(now)
		next = fast.Since // wrap around
	}
	return upd.SetWatermark(next).Exec(ctx)
}

// scan ingests every message the provider lists in w and tombstones the ones
// VAMS holds from that provider in w that the listing no longer has.
func (e *Engine) scan(ctx context.Context, p *guarded, vid string, pv providers.Veteran, w providers.Window) error {
	listed, err := p.ListMessages(ctx, pv, w)
	if err != nil {
		return err
	}
	pending, err := e.pendingWrites(ctx, p.Kind())
	if err != nil {
		return err
	}
	seen := make(map[string]bool, len(listed))
	for _, m := range listed {
		seen[m.ExternalID] = true
		if pending[m.ExternalID] {
			continue // the veteran's own change is on its way out and wins
		}
		if m.ThreadExternalID == m.ExternalID && m.InReplyToExternalID == "" && !m.BodyIncluded {
			// A listing that says nothing of the conversation (OH lists no
			// references) cannot place a new message: fetch it whole.
			known, err := e.known(ctx, p.Kind(), m.ExternalID)
			if err != nil {
				return err
			}
			if !known {
				full, err := p.GetMessage(ctx, pv, m.ExternalID)
				if err != nil {
					return err
				}
				m = full
			}
		}
		if err := e.ingestWithThread(ctx, p, vid, pv, m, false); err != nil {
			if errors.Is(err, inbox.ErrEchoPending) {
				continue // the pending send claims it; the next scan confirms
			}
			return err
		}
	}
	// Messages gone from the listing altogether count as deleted.
	var refs []struct {
		ExternalID string `json:"external_id"`
		MessageID  string `json:"entity_id"`
	}
	err = e.store.Client.ProviderRef.Query().Where(providerref.ProviderEQ(p.Kind()),
		providerref.EntityTypeEQ(providerref.EntityTypeMESSAGE),
		func(s *sql.Selector) {
			m := sql.Table(message.Table)
			s.Join(m).On(s.C(providerref.FieldEntityID), m.C(message.FieldID)).
				Where(sql.And(sql.EQ(m.C(message.FieldVeteranID), vid), sql.GTE(m.C(message.FieldSentAt), w.Since),
					sql.LT(m.C(message.FieldSentAt), w.Until), sql.IsNull(m.C(message.FieldProviderDeletedAt))))
		}).Select(providerref.FieldExternalID, providerref.FieldEntityID).Scan(ctx, &refs)
	if err != nil {
		return err
	}
	for _, r := range refs {
		if seen[r.ExternalID] || pending[r.ExternalID] {
			continue
		}
		gone := providers.Message{ExternalID: r.ExternalID, Status: providers.StatusDeleted}
		if _, _, err := e.inbox.Ingest(ctx, inbox.Incoming{Provider: p.Kind(), VeteranID: vid, Message: gone}); err != nil {
			return err
		}
	}
	return nil
}

// pendingWrites returns the provider ids of messages whose status write-back
// has not run yet: until the provider acknowledges it, the local change wins
// over what the provider still reports.
func (e *Engine) pendingWrites(ctx context.Context, k providerkind.Kind) (map[string]bool, error) {
	rows, err := e.store.DB.QueryContext(ctx, `SELECT args FROM river_job WHERE kind = 'write_status'
		AND state IN ('available', 'pending', 'retryable', 'running', 'scheduled')`)
	if err != nil {
		return nil, err
	}
	var msgIDs []string
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			rows.Close()
			return nil, err
		}
		var a statusArgs
		if json.Unmarshal(raw, &a) == nil {
			msgIDs = append(msgIDs, a.MessageID)
		}
	}
	rows.Close()
	out := map[string]bool{}
	if len(msgIDs) == 0 {
		return out, rows.Err()
	}
	refs, err := e.store.Client.ProviderRef.Query().Where(providerref.ProviderEQ(k),
		providerref.EntityTypeEQ(providerref.EntityTypeMESSAGE), providerref.EntityIDIn(msgIDs...)).All(ctx)
	for _, r := range refs {
		out[r.ExternalID] = true
	}
	return out, err
}

// known reports whether VAMS already holds provider k's message ext.
func (e *Engine) known(ctx context.Context, k providerkind.Kind, ext string) (bool, error) {
	return e.store.Client.ProviderRef.Query().Where(providerref.ProviderEQ(k),
		providerref.EntityTypeEQ(providerref.EntityTypeMESSAGE), providerref.ExternalID(ext)).Exist(ctx)
}

func (e *Engine) state(ctx context.Context, k providerkind.Kind, vid, scope string) (*ent.SyncState, error) {
	c := e.store.Client
	st, err := c.SyncState.Query().Where(syncstate.ProviderEQ(k), syncstate.VeteranID(vid), syncstate.Scope(scope)).Only(ctx)
	if ent.IsNotFound(err) {
		st, err = c.SyncState.Create().SetProvider(k).SetVeteranID(vid).SetScope(scope).Save(ctx)
		if ent.IsConstraintError(err) {
			return c.SyncState.Query().Where(syncstate.ProviderEQ(k), syncstate.VeteranID(vid), syncstate.Scope(scope)).Only(ctx)
		}
	}
	return st, err
}

func (e *Engine) setState(ctx context.Context, st *ent.SyncState, status syncstate.Status, cause error) error {
	upd := e.store.Client.SyncState.UpdateOne(st).SetStatus(status).SetLastRunAt(time.Now().UTC())
	if cause != nil {
		upd.SetLastError(cause.Error())
	} else {
		upd.SetLastError("")
	}
	return upd.Exec(ctx)
}

func (e *Engine) recordRun(ctx context.Context, k providerkind.Kind, vid, scope string, cause error) error {
	st, err := e.state(ctx, k, vid, scope)
	if err != nil {
		return err
	}
	status := syncstate.StatusCOMPLETE
	if cause != nil {
		status = syncstate.StatusERROR
	}
	if err := e.setState(ctx, st, status, cause); err != nil {
		return err
	}
	return cause
}

// refreshDirectory upserts the teams a provider lists for the veteran, with
// their facilities and the veteran's association (blocked, preferred).
func (e *Engine) refreshDirectory(ctx context.Context, p *guarded, vid string, pv providers.Veteran) error {
	teams, err := p.CareTeams(ctx, pv)
	if err != nil {
		return err
	}
	return e.store.InTx(ctx, func(tx *store.Tx) error {
		c := tx.Client
		listed := make([]string, 0, len(teams))
		for _, t := range teams {
			f, err := c.Facility.Query().Where(facility.StationNumber(t.StationNumber)).Only(ctx)
			if ent.IsNotFound(err) {
				ehr := facility.EhrVISTA
				if p.Kind() == providerkind.OH {
					ehr = facility.EhrOH
				}
				f, err = c.Facility.Create().SetStationNumber(t.StationNumber).SetName(t.FacilityName).
					SetHealthCareSystem(t.HealthCareSystem).SetEhr(ehr).Save(ctx)
			}
			if err != nil {
				return err
			}
			display := displayName(t)
			ct, err := c.CareTeam.Query().Where(careteam.ProviderEQ(p.Kind()), careteam.ProviderID(t.ExternalID)).Only(ctx)
			switch {
			case ent.IsNotFound(err):
				ct, err = c.CareTeam.Create().SetProvider(p.Kind()).SetProviderID(t.ExternalID).
					SetName(t.Name).SetDisplayName(display).SetFacilityID(f.ID).SetActive(t.Active).
					SetRequiresSignature(t.RequiresSignature).SetAlternateNames(t.AlternateNames).Save(ctx)
			case err == nil && (ct.DisplayName != display || ct.Name != t.Name || ct.Active != t.Active ||
				ct.RequiresSignature != t.RequiresSignature || !slices.Equal(ct.AlternateNames, t.AlternateNames)):
				ct, err = c.CareTeam.UpdateOne(ct).SetName(t.Name).SetDisplayName(display).SetActive(t.Active).
					SetRequiresSignature(t.RequiresSignature).SetAlternateNames(t.AlternateNames).Save(ctx)
			}
			if err != nil {
				return err
			}
			a, err := c.Association.Query().Where(association.VeteranID(vid), association.CareTeamID(ct.ID)).Only(ctx)
			switch {
			case ent.IsNotFound(err):
				err = c.Association.Create().SetVeteranID(vid).SetCareTeamID(ct.ID).SetBlocked(t.Blocked).SetPreferred(t.Preferred).Exec(ctx)
			case err == nil && a.Blocked != t.Blocked:
				// Preferred is the veteran's own choice in VAMS; blocked is the team's.
				err = c.Association.UpdateOne(a).SetBlocked(t.Blocked).Exec(ctx)
			}
			if err != nil {
				return err
			}
			listed = append(listed, ct.ID)
		}
		// Teams the provider no longer lists for the veteran lose their
		// association: old threads stay, new messages are refused.
		_, err := c.Association.Delete().Where(association.VeteranID(vid), association.CareTeamIDNotIn(listed...),
			association.HasCareTeamWith(careteam.ProviderEQ(p.Kind()))).Exec(ctx)
		return err
	})
}

// displayName is the name veterans see: the provider's suggested display
// name without a repeated facility prefix ("Cheyenne VA Medical Center |
// Pharmacy" → "Pharmacy"; the facility is shown beside it), else its name.
func displayName(t providers.CareTeam) string {
	d := strings.TrimSpace(t.DisplayName)
	if d == "" {
		d = strings.TrimSpace(t.Name)
	}
	if t.FacilityName != "" {
		for _, sep := range []string{" | ", " - ", ": "} {
			if rest, ok := strings.CutPrefix(d, t.FacilityName+sep); ok && strings.TrimSpace(rest) != "" {
				return strings.TrimSpace(rest)
			}
		}
	}
	return d
}
