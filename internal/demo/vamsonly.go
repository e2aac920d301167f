package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/association"
	"github.com/va/vams/ent/careteam"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/syncstate"
	"github.com/va/vams/ent/tag"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/providers/simstate"
)

// The demo data that exists nowhere but in VAMS, added to each veteran once
// the first import has brought their history from the providers: tags, the
// custom folder Travel Claims and the threads filed in it, drafts (VAMS
// never writes drafts to a provider), and preferred OH teams (OH has no such
// flag). Threads are found by care team and subject, which are unique in
// the script.

// appliedFile records, by VAMS veteran id, whose VAMS-only data is in: a
// veteran's tags or folders are never re-added after they change them, and
// a new database (new veteran ids) gets them again.
const appliedFile = "demo-vams-only.json"

// ApplyAfterImport adds the VAMS-only demo data to each demo veteran whose
// first import is complete, once, polling every interval until all have it
// (then it returns nil) or ctx ends. Failures are logged and retried.
func ApplyAfterImport(ctx context.Context, s *store.Store, dataDir string, every time.Duration, log *slog.Logger) error {
	for {
		pending, err := applyImported(ctx, s, dataDir, time.Now())
		if err != nil && ctx.Err() == nil {
			log.Error("demo: adding VAMS-only demo data failed", "error", err.Error())
		}
		if err == nil && pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}

// Imported reports whether every demo veteran's first import is complete.
func Imported(ctx context.Context, s *store.Store) (bool, error) {
	ctx = viewer.System(ctx)
	vets, err := s.Client.Veteran.Query().Where(veteran.IcnIn(demoICNs()...)).All(ctx)
	if err != nil || len(vets) != len(Directory.Veterans) {
		return false, err
	}
	for _, v := range vets {
		if done, err := importComplete(ctx, s.Client, v); err != nil || !done {
			return false, err
		}
	}
	return true, nil
}

// Applied reports whether every demo veteran has their VAMS-only data.
func Applied(ctx context.Context, s *store.Store, dataDir string) (bool, error) {
	done, err := loadApplied(dataDir)
	if err != nil {
		return false, err
	}
	vets, err := s.Client.Veteran.Query().Where(veteran.IcnIn(demoICNs()...)).All(viewer.System(ctx))
	if err != nil {
		return false, err
	}
	for _, v := range vets {
		if done[v.ID] == "" {
			return false, nil
		}
	}
	return len(vets) == len(Directory.Veterans), nil
}

func demoICNs() []string {
	var out []string
	for _, v := range Directory.Veterans {
		out = append(out, v.ICN)
	}
	return out
}

func loadApplied(dataDir string) (map[string]string, error) {
	done := map[string]string{}
	_, err := simstate.Load(filepath.Join(dataDir, appliedFile), &done)
	return done, err
}

// applyImported applies the VAMS-only data of each imported veteran who
// lacks it and returns how many still wait for their import.
func applyImported(ctx context.Context, s *store.Store, dataDir string, now time.Time) (pending int, err error) {
	ctx = viewer.System(ctx)
	done, err := loadApplied(dataDir)
	if err != nil {
		return 0, err
	}
	for _, dv := range Directory.Veterans {
		vet, err := s.Client.Veteran.Query().Where(veteran.Icn(dv.ICN)).Only(ctx)
		if err != nil {
			return pending, err
		}
		if done[vet.ID] != "" {
			continue
		}
		imported, err := importComplete(ctx, s.Client, vet)
		if err != nil {
			return pending, err
		}
		if !imported {
			pending++
			continue
		}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return applyVAMSOnly(ctx, tx.Client, vet, dv, now) }); err != nil {
			return pending, fmt.Errorf("demo: VAMS-only data of veteran %s: %w", vet.ID, err)
		}
		done[vet.ID] = now.UTC().Format(time.RFC3339)
		b, _ := json.MarshalIndent(done, "", " ")
		if err := simstate.WriteFile(filepath.Join(dataDir, appliedFile), b); err != nil {
			return pending, err
		}
	}
	return pending, nil
}

// importComplete reports whether the first import from every provider that
// knows the veteran has finished.
func importComplete(ctx context.Context, c *ent.Client, vet *ent.Veteran) (bool, error) {
	var kinds []providerkind.Kind
	if vet.MhvCorrelationID != nil {
		kinds = append(kinds, providerkind.MHV)
	}
	if vet.OhPatientID != nil {
		kinds = append(kinds, providerkind.OH)
	}
	n, err := c.SyncState.Query().Where(syncstate.VeteranID(vet.ID), syncstate.Scope(inbox.ImportScope),
		syncstate.ProviderIn(kinds...), syncstate.StatusEQ(syncstate.StatusCOMPLETE)).Count(ctx)
	return n == len(kinds), err
}

// applyVAMSOnly adds one veteran's VAMS-only data. Every step checks before
// it writes, so running it again after a crash adds nothing twice.
func applyVAMSOnly(ctx context.Context, c *ent.Client, vet *ent.Veteran, dv DemoVeteran, now time.Time) error {
	now = now.UTC().Truncate(time.Second)
	for _, t := range Directory.TeamsFor(dv.ICN, providerkind.OH) {
		if !t.PreferredByVeteran(dv.ICN) {
			continue
		}
		if _, err := c.Association.Update().Where(association.VeteranID(vet.ID),
			association.HasCareTeamWith(careteam.ProviderEQ(t.Provider), careteam.ProviderID(t.ProviderID))).
			SetPreferred(true).Save(ctx); err != nil {
			return err
		}
	}
	for _, st := range mailboxes[dv.ICN] {
		if err := applyThread(ctx, c, vet, st, now); err != nil {
			return fmt.Errorf("script thread %q: %w", st.Subject, err)
		}
	}
	return nil
}

func applyThread(ctx context.Context, c *ent.Client, vet *ent.Veteran, st scriptThread, now time.Time) error {
	team, _ := Directory.teamByID(st.Team)
	msgs, err := st.timeline(now)
	if err != nil {
		return err
	}
	th, err := c.Thread.Query().Where(thread.VeteranID(vet.ID), thread.Subject(st.Subject),
		thread.HasCareTeamWith(careteam.ProviderEQ(team.Provider), careteam.ProviderID(team.ProviderID))).First(ctx)
	switch {
	case ent.IsNotFound(err) && !st.sent():
		if th, err = newDraftThread(ctx, c, vet, team, st, msgs[0].at); err != nil {
			return err
		}
	case ent.IsNotFound(err):
		return nil // not at the provider (lost there): nothing to annotate
	case err != nil:
		return err
	}
	if st.Folder == folderTravelClaims {
		f, err := customFolder(ctx, c, vet.ID, st.Folder, now)
		if err != nil {
			return err
		}
		if err := c.Thread.UpdateOne(th).SetFolderID(f.ID).Exec(ctx); err != nil {
			return err
		}
	}
	for _, name := range st.Tags {
		tg, err := ensureTag(ctx, c, vet.ID, name, now)
		if err != nil {
			return err
		}
		if err := c.Thread.UpdateOne(th).AddTagIDs(tg.ID).Exec(ctx); err != nil && !ent.IsConstraintError(err) {
			return err
		}
	}
	for _, m := range msgs {
		if m.By == byDraft {
			if err := ensureDraft(ctx, c, vet, th.ID, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// newDraftThread starts a new-message draft's thread in Drafts, sorted by
// its save time.
func newDraftThread(ctx context.Context, c *ent.Client, vet *ent.Veteran, team DemoCareTeam, st scriptThread, at time.Time) (*ent.Thread, error) {
	ct, err := c.CareTeam.Query().Where(careteam.ProviderEQ(team.Provider), careteam.ProviderID(team.ProviderID)).Only(ctx)
	if err != nil {
		return nil, fmt.Errorf("care team %s not imported: %w", team.ProviderID, err)
	}
	drafts, err := inbox.SystemFolder(ctx, c, vet.ID, folder.SystemDRAFTS)
	if err != nil {
		return nil, err
	}
	return c.Thread.Create().SetVeteranID(vet.ID).SetCareTeamID(ct.ID).SetFolderID(drafts.ID).SetSubject(st.Subject).
		SetCategory(st.Category).SetLastMessageAt(at).SetCreatedAt(at).SetUpdatedAt(at).Save(ctx)
}

func ensureDraft(ctx context.Context, c *ent.Client, vet *ent.Veteran, threadID string, m timedMsg) error {
	has, err := c.Message.Query().Where(message.ThreadID(threadID), message.IsDraft(true)).Exist(ctx)
	if err != nil || has {
		return err
	}
	return c.Message.Create().SetVeteranID(vet.ID).SetThreadID(threadID).SetAuthorKind(message.AuthorKindVETERAN).
		SetAuthorName(vet.DisplayName).SetBody(m.Body).SetIsDraft(true).
		SetOrderedAt(m.at).SetCreatedAt(m.at).SetUpdatedAt(m.at).Exec(ctx)
}

func customFolder(ctx context.Context, c *ent.Client, vid, name string, now time.Time) (*ent.Folder, error) {
	f, err := c.Folder.Query().Where(folder.VeteranID(vid), folder.Name(name), folder.SystemIsNil()).Only(ctx)
	if ent.IsNotFound(err) {
		at := now.AddDate(0, 0, -120)
		return c.Folder.Create().SetVeteranID(vid).SetName(name).SetCreatedAt(at).SetUpdatedAt(at).Save(ctx)
	}
	return f, err
}

func ensureTag(ctx context.Context, c *ent.Client, vid, name string, now time.Time) (*ent.Tag, error) {
	t, err := c.Tag.Query().Where(tag.VeteranID(vid), tag.Name(name)).Only(ctx)
	if ent.IsNotFound(err) {
		at := now.AddDate(0, 0, -120)
		return c.Tag.Create().SetVeteranID(vid).SetName(name).SetCreatedAt(at).SetUpdatedAt(at).Save(ctx)
	}
	return t, err
}
