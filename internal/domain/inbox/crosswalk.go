package inbox

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/association"
	"github.com/va/vams/ent/careteam"
	"github.com/va/vams/ent/change"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/store"
)

// ApplyCutovers applies the crosswalk of every facility whose go-live has
// come: each team of the old system that an entry names is replaced by the
// new system's team, which takes over its threads (so replies go there and
// answers land in the same threads). An entry whose teams VAMS does not
// know yet waits for a later run. It is idempotent, so every instance may
// run it; it returns how many teams were replaced.
func (s *Service) ApplyCutovers(ctx context.Context) (int, error) {
	rows, err := s.store.Client.CutoverSchedule.Query().All(ctx)
	if err != nil {
		return 0, err
	}
	now, replaced := s.now(), 0
	for _, r := range rows {
		c, err := storedCutover(r.Schedule)
		if err != nil {
			return replaced, err
		}
		if now.Before(c.GoLive()) {
			continue
		}
		for _, x := range c.Schedule.Crosswalk {
			done, err := s.replaceTeam(ctx, x, c.GoLive())
			if err != nil {
				return replaced, err
			}
			if done {
				replaced++
			}
		}
	}
	return replaced, nil
}

// crosswalkTeams finds the two teams of an entry (nil when VAMS does not
// know one yet).
func crosswalkTeams(ctx context.Context, c *ent.Client, x CrosswalkEntry) (from, to *ent.CareTeam, err error) {
	find := func(k providerkind.Kind, id string) (*ent.CareTeam, error) {
		ct, err := c.CareTeam.Query().Where(careteam.ProviderEQ(k), careteam.ProviderID(id)).Only(ctx)
		if ent.IsNotFound(err) {
			return nil, nil
		}
		return ct, err
	}
	if from, err = find(providerkind.MHV, x.From); err != nil || from == nil {
		return nil, nil, err
	}
	to, err = find(providerkind.OH, x.To)
	return from, to, err
}

// replaceTeam applies one crosswalk entry at go-live at; false when it was
// applied before or waits for its teams.
func (s *Service) replaceTeam(ctx context.Context, x CrosswalkEntry, at time.Time) (bool, error) {
	done := false
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		c := tx.Client
		from, to, err := crosswalkTeams(ctx, c, x)
		if err != nil || from == nil || to == nil || (from.ReplacedByID != nil && *from.ReplacedByID == to.ID) {
			return err
		}
		if err := c.CareTeam.UpdateOne(from).SetReplacedByID(to.ID).SetReplacedAt(at).Exec(ctx); err != nil {
			return err
		}
		threads, err := c.Thread.Query().Where(thread.CareTeamID(from.ID)).Select(thread.FieldID, thread.FieldVeteranID).All(ctx)
		if err != nil {
			return err
		}
		if err := c.Thread.Update().Where(thread.CareTeamID(from.ID)).SetCareTeamID(to.ID).Exec(ctx); err != nil {
			return err
		}
		for _, th := range threads {
			if err := s.change(ctx, tx, th.VeteranID, EntityThread, th.ID, change.OpUPDATED,
				events.Event{Kind: events.ThreadUpdated, ThreadID: th.ID}); err != nil {
				return err
			}
		}
		done = true
		return nil
	})
	return done, err
}

// appliedCrosswalk lists the From teams of c's crosswalk already replaced.
func (s *Service) appliedCrosswalk(ctx context.Context, c Cutover) ([]string, error) {
	out := []string{}
	for _, x := range c.Schedule.Crosswalk {
		from, to, err := crosswalkTeams(ctx, s.store.Client, x)
		if err != nil {
			return nil, err
		}
		if from != nil && to != nil && from.ReplacedByID != nil && *from.ReplacedByID == to.ID {
			out = append(out, x.From)
		}
	}
	return out, nil
}

// CareTeamChange is a team the veteran knew that another replaced.
type CareTeamChange struct {
	PreviousName string
	CareTeam     *ent.CareTeam
	ChangedAt    time.Time
}

// CareTeamChanges lists the replaced teams the veteran was associated with,
// or whose replacement they are associated with, newest change first, then
// by previous name.
func (s *Service) CareTeamChanges(ctx context.Context) ([]CareTeamChange, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	mine := careteam.HasAssociationsWith(association.VeteranID(vid))
	old, err := s.store.Client.CareTeam.Query().Where(careteam.ReplacedByIDNotNil(),
		careteam.Or(mine, careteam.HasReplacedByWith(mine))).WithReplacedBy().
		All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]CareTeamChange, 0, len(old))
	for _, o := range old {
		out = append(out, CareTeamChange{PreviousName: o.DisplayName, CareTeam: o.Edges.ReplacedBy, ChangedAt: *o.ReplacedAt})
	}
	slices.SortFunc(out, func(a, b CareTeamChange) int {
		if c := b.ChangedAt.Compare(a.ChangedAt); c != 0 {
			return c
		}
		return strings.Compare(strings.ToLower(a.PreviousName), strings.ToLower(b.PreviousName))
	})
	return out, nil
}
