package syncengine

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/ratelimit"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/providers"
)

type reconcileAllArgs struct{}

func (reconcileAllArgs) Kind() string { return "reconcile_all" }

// workReconcileAll fans the periodic scan out to one job per veteran and provider, so
// any instance's workers share the load and one slow veteran delays nobody.
func (e *Engine) workReconcileAll(ctx context.Context, _ *river.Job[reconcileAllArgs]) error {
	return e.ScheduleReconcile(viewer.System(ctx))
}

// queueSync is the reconciliations' own queue.
const queueSync = "sync"

// Job priorities of reconciliations (River runs lower numbers first): a
// signed-in veteran's, first import included, goes ahead of every import
// of a veteran who is not.
const (
	prioritySignedIn = 1
	priorityImport   = 3
)

// ScheduleReconcile queues a reconciliation of the veterans who need one
// soon: those active in the last ActiveWindow, ahead of everything else,
// and up to ImportQueue of those whose first import has not completed.
// Everyone else is reached by SweepAll.
func (e *Engine) ScheduleReconcile(ctx context.Context) error {
	ctx = viewer.System(ctx)
	since := e.clock.Now().Add(-e.cfg.ActiveWindow)
	active, err := e.store.Client.Veteran.Query().Where(veteran.LastActiveAtGTE(since)).All(ctx)
	if err != nil {
		return err
	}
	var signedIn []pair
	for _, v := range active {
		signedIn = append(signedIn, e.pairs(v)...)
	}
	if err := e.schedule(ctx, signedIn, prioritySignedIn); err != nil {
		return err
	}
	pending, err := e.pendingImports(ctx, since)
	if err != nil {
		return err
	}
	return e.schedule(ctx, pending, priorityImport)
}

// pendingImports tops the import queue up to ImportQueue, the room shared
// among the providers (what one leaves goes to the next): per provider, the
// next veterans after the last ones queued whose import has not completed,
// starting over from the first once the end is reached.
func (e *Engine) pendingImports(ctx context.Context, activeSince time.Time) ([]pair, error) {
	queued, err := e.river.JobList(ctx, river.NewJobListParams().Kinds(reconcileArgs{}.Kind()).Priorities(priorityImport).
		States(queuedStates...).First(e.cfg.ImportQueue))
	if err != nil {
		return nil, err
	}
	room := e.cfg.ImportQueue - len(queued.Jobs)
	kinds := slices.Sorted(maps.Keys(e.providers))
	e.importMu.Lock()
	defer e.importMu.Unlock()
	var out []pair
	for i, k := range kinds {
		share := room / (len(kinds) - i)
		if share <= 0 {
			continue
		}
		vets, err := e.inbox.PendingImports(ctx, k, activeSince, e.importAfter[k], share)
		if err != nil {
			return nil, err
		}
		e.importAfter[k] = ""
		if len(vets) == share {
			e.importAfter[k] = vets[len(vets)-1].ID
		}
		for _, v := range vets {
			out = append(out, pair{v.ID, k})
		}
		room -= len(vets)
	}
	return out, nil
}

// SweepAll queues a reconciliation of every veteran: the slow path that keeps
// inactive mailboxes in step (reads and deletes made elsewhere).
func (e *Engine) SweepAll(ctx context.Context) error {
	vets, err := e.store.Client.Veteran.Query().All(viewer.System(ctx))
	if err != nil {
		return err
	}
	var all []pair
	for _, v := range vets {
		all = append(all, e.pairs(v)...)
	}
	return e.schedule(ctx, all, priorityImport)
}

// pair is one veteran's reconciliation with one provider.
type pair struct {
	veteranID string
	provider  providerkind.Kind
}

// pairs are v's reconciliations: one per provider that knows v.
func (e *Engine) pairs(v *ent.Veteran) []pair {
	pv := veteranOf(v)
	var out []pair
	for k := range e.providers {
		if knows(k, pv) {
			out = append(out, pair{v.ID, k})
		}
	}
	return out
}

// queuedStates are the states in which a reconciliation counts as queued:
// another for the same veteran and provider is not added.
var queuedStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled}

// schedule queues each pair's reconciliation at priority, once. A signed-in
// veteran's reconciliation that is already waiting at a lower priority is
// replaced by one at this priority, so signing in moves a queued import to
// the front; one already running is left to finish.
func (e *Engine) schedule(ctx context.Context, pairs []pair, priority int) error {
	if len(pairs) == 0 {
		return nil
	}
	params := func(ps []pair) []river.InsertManyParams {
		out := make([]river.InsertManyParams, len(ps))
		for i, p := range ps {
			out[i] = river.InsertManyParams{Args: reconcileArgs{VeteranID: p.veteranID, Provider: p.provider},
				InsertOpts: &river.InsertOpts{Queue: queueSync, MaxAttempts: 3, Priority: priority, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: queuedStates}}}
		}
		return out
	}
	res, err := e.river.InsertMany(ctx, params(pairs))
	if err != nil {
		return err
	}
	var promote []pair
	for i, r := range res {
		j := r.Job
		if r.UniqueSkippedAsDuplicate && j.Priority > priority && j.State != rivertype.JobStateRunning {
			if _, err := e.river.JobCancel(ctx, j.ID); err != nil {
				return err
			}
			promote = append(promote, pairs[i])
		}
	}
	if len(promote) == 0 {
		return nil
	}
	_, err = e.river.InsertMany(ctx, params(promote))
	return err
}

type sweepAllArgs struct{}

func (sweepAllArgs) Kind() string { return "sweep_all" }

func (e *Engine) workSweepAll(ctx context.Context, _ *river.Job[sweepAllArgs]) error {
	return e.SweepAll(viewer.System(ctx))
}

type reconcileArgs struct {
	VeteranID string            `json:"veteran_id"`
	Provider  providerkind.Kind `json:"provider"`
}

func (reconcileArgs) Kind() string { return "reconcile_veteran" }

func (e *Engine) workReconcile(ctx context.Context, job *river.Job[reconcileArgs]) error {
	err := e.Reconcile(viewer.System(ctx), job.Args.VeteranID, job.Args.Provider)
	if p := e.providers[job.Args.Provider]; p != nil && p.Open() {
		return nil // the next periodic scan tries again
	}
	return err
}

// Sync-state scopes.
const (
	scopeImport = inbox.ImportScope   // first import, walking back to the horizon
	scopeFast   = inbox.FastScanScope // recent activity
	scopeSweep  = "slow_sweep"        // older windows, one per run, round and round
)

// Reconcile brings VAMS in line with what provider k holds for a veteran:
// the care-team directory, new messages (the only way MHV's arrive), and the
// reads and deletes no feed reports. Every step is idempotent and its
// progress is persisted, so a restart resumes where it stopped. Its
// provider calls are background work: they take what the provider's
// budget leaves above the reserve kept for freshness checks.
func (e *Engine) Reconcile(ctx context.Context, veteranID string, k providerkind.Kind) error {
	ctx = ratelimit.WithPriority(viewer.System(ctx), ratelimit.Background)
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
		return e.inbox.RecordSyncRun(ctx, k, vet.ID, scopeFast, err)
	}
	// Fast scan: recent activity, every run.
	fast, err := e.quickScan(ctx, p, vet.ID, pv)
	if err != nil {
		return err
	}
	// Import, then the slow sweep: one older window per run.
	imp, err := e.inbox.SyncState(ctx, k, vet.ID, scopeImport)
	if err != nil {
		return err
	}
	horizon := e.clock.Now().UTC().Add(-e.cfg.ImportHorizon)
	if !inbox.Imported(imp) {
		return e.importHistory(ctx, p, vet.ID, pv, imp, fast.Since, horizon)
	}
	sweep, err := e.inbox.SyncState(ctx, k, vet.ID, scopeSweep)
	if err != nil {
		return err
	}
	until := fast.Since
	if sweep.Watermark != nil && sweep.Watermark.After(horizon) && sweep.Watermark.Before(until) {
		until = *sweep.Watermark
	}
	since := until.Add(-e.cfg.SweepWindow)
	if _, err := e.scan(ctx, p, vet.ID, pv, providers.Window{Since: since, Until: until}); err != nil {
		return e.inbox.RecordSyncRun(ctx, k, vet.ID, scopeSweep, err)
	}
	next, round := since, !since.After(horizon)
	if round {
		next = fast.Since // wrap around
	}
	return e.inbox.AdvanceSweep(ctx, sweep, next, round)
}

// quickScan scans the veteran's recent activity at p (FastWindow back) and
// records the run; it returns the window it covered.
func (e *Engine) quickScan(ctx context.Context, p *guarded, vid string, pv providers.Veteran) (providers.Window, error) {
	now := e.clock.Now().UTC()
	fast := providers.Window{Since: now.Add(-e.cfg.FastWindow), Until: now.Add(time.Minute)}
	_, err := e.scan(ctx, p, vid, pv, fast)
	return fast, e.inbox.RecordSyncRun(ctx, p.Kind(), vid, scopeFast, err)
}

// importHistory is the first import: it walks every window from until back
// to the horizon now, so the veteran's history is there when they first
// look, and a stopped import resumes where it left off.
func (e *Engine) importHistory(ctx context.Context, p *guarded, vid string, pv providers.Veteran, imp *ent.SyncState, until, horizon time.Time) error {
	if err := e.inbox.StartImport(ctx, imp); err != nil {
		return err
	}
	if imp.Watermark != nil && imp.Watermark.Before(until) {
		until = *imp.Watermark
	}
	for until.After(horizon) {
		since := until.Add(-e.cfg.SweepWindow)
		listed, err := e.scan(ctx, p, vid, pv, providers.Window{Since: since, Until: until})
		if err != nil {
			_ = e.inbox.FailImport(ctx, imp, err)
			return err
		}
		until = since
		if err := e.inbox.AdvanceImport(ctx, imp, until); err != nil {
			return err
		}
		e.importProgress(p.Kind(), listed, false)
	}
	if err := e.inbox.CompleteImport(ctx, imp); err != nil {
		return err
	}
	e.importProgress(p.Kind(), 0, true)
	return nil
}

func (e *Engine) importProgress(k providerkind.Kind, listed int, completed bool) {
	if e.cfg.OnImport != nil {
		e.cfg.OnImport(k, listed, completed)
	}
}

// scan ingests every message the provider lists in w (it returns how many
// it listed) and tombstones the ones
// VAMS holds from that provider in w that the listing no longer has.
func (e *Engine) scan(ctx context.Context, p *guarded, vid string, pv providers.Veteran, w providers.Window) (listed int, err error) {
	found, err := p.ListMessages(ctx, pv, w)
	if err != nil {
		return 0, err
	}
	pending, err := e.pendingWrites(ctx, p.Kind())
	if err != nil {
		return 0, err
	}
	seen := make(map[string]bool, len(found))
	bodyless := false
	for _, m := range found {
		seen[m.ExternalID] = true
		if pending[m.ExternalID] {
			continue // the veteran's own change is on its way out and wins
		}
		bodyless = bodyless || !m.BodyIncluded
		if m.ThreadExternalID == m.ExternalID && m.InReplyToExternalID == "" && !m.BodyIncluded {
			// A listing that says nothing of the conversation (OH lists no
			// references) cannot place a new message: fetch it whole.
			known, err := e.inbox.KnownMessage(ctx, p.Kind(), m.ExternalID)
			if err != nil {
				return 0, err
			}
			if known == "" {
				full, err := p.GetMessage(ctx, pv, m.ExternalID)
				if err != nil {
					return 0, err
				}
				m = full
			}
		}
		if err := e.ingestWithThread(ctx, p, vid, pv, m, false); err != nil {
			if errors.Is(err, inbox.ErrEchoPending) {
				continue // the pending send claims it; the next scan confirms
			}
			return 0, err
		}
	}
	// Messages gone from the listing altogether count as deleted, unless
	// the veteran's own change of them is still on its way out.
	for ext := range pending {
		seen[ext] = true
	}
	held, err := e.inbox.TombstoneUnlisted(ctx, p.Kind(), vid, w, seen, e.cfg.Evidence)
	if held > 0 {
		e.log.WarnContext(ctx, "reconciliation held: the listing omits too much to be taken as deletes",
			"provider", string(p.Kind()), "veteran_id", vid, "held", held)
	}
	if err != nil {
		return 0, err
	}
	if bodyless && !e.cfg.NoBodyBackfill {
		return len(found), e.queueBodies(ctx, vid)
	}
	return len(found), nil
}

// ReleaseHeld is the operator's word on a veteran's SUSPECT sync state with
// provider k: release applies the held deletes, discard keeps VAMS's
// messages (inbox.ReleaseHeld).
func (e *Engine) ReleaseHeld(ctx context.Context, k providerkind.Kind, veteranID string, discard bool) error {
	return e.inbox.ReleaseHeld(viewer.System(ctx), k, veteranID, !discard)
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
	refs, err := e.inbox.MessageRefs(ctx, msgIDs...)
	for _, r := range refs {
		if r.Provider == k {
			out[r.ExternalID] = true
		}
	}
	return out, err
}

// refreshDirectory applies the care teams provider p lists for the veteran.
func (e *Engine) refreshDirectory(ctx context.Context, p *guarded, vid string, pv providers.Veteran) error {
	teams, err := p.CareTeams(ctx, pv)
	if err != nil {
		return err
	}
	return e.inbox.ApplyCareTeams(ctx, p.Kind(), vid, teams)
}
