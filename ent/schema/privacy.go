package schema

import (
	"context"
	"errors"
	"fmt"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"

	gen "github.com/va/vams/ent"
	"github.com/va/vams/ent/intercept"
	"github.com/va/vams/ent/predicate"
	"github.com/va/vams/internal/platform/viewer"
)

// ErrNoViewer is returned when a query or mutation runs with neither a viewer
// nor the system context: failing closed beats leaking.
var ErrNoViewer = errors.New("privacy: no viewer in context")

// ErrNotOwner is returned when a create names another veteran.
var ErrNotOwner = errors.New("privacy: entity belongs to another veteran")

// scope returns the veteran every row must belong to, or "" for the system.
func scope(ctx context.Context) (string, error) {
	if viewer.IsSystem(ctx) {
		return "", nil
	}
	v, ok := viewer.FromContext(ctx)
	if !ok || v.VeteranID == "" {
		return "", ErrNoViewer
	}
	return v.VeteranID, nil
}

// Interceptors scope every query, traversal and edge load of an owned entity
// to the viewer. This is the one place where read access is decided.
func (VeteranOwned) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{viewerRows("veteran_id")}
}

// viewerRows keeps a veteran's queries to the rows whose column holds their
// ID; the system's queries see every row.
func viewerRows(column string) ent.Interceptor {
	return intercept.TraverseFunc(func(ctx context.Context, q intercept.Query) error {
		vid, err := scope(ctx)
		if err != nil || vid == "" {
			return err
		}
		q.WhereP(sql.FieldEQ(column, vid))
		return nil
	})
}

type wherer interface {
	WhereP(...func(*sql.Selector))
}

// Hooks scope every write: creates must name the viewer, updates and deletes
// touch only the viewer's rows (another veteran's row is simply not found).
func (VeteranOwned) Hooks() []ent.Hook {
	return []ent.Hook{
		veteranWrite(func(vid string, m ent.Mutation) error {
			if m.Op().Is(ent.OpCreate) {
				if owner, ok := m.Field("veteran_id"); !ok || owner != vid {
					return ErrNotOwner
				}
				return nil
			}
			w, ok := m.(wherer)
			if !ok {
				return fmt.Errorf("privacy: cannot scope %T", m)
			}
			w.WhereP(sql.FieldEQ("veteran_id", vid))
			return nil
		}),
	}
}

// veteranWrite lets the system's writes through and runs a veteran's only
// once guard has accepted (and scoped) the mutation.
func veteranWrite(guard func(vid string, m ent.Mutation) error) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			vid, err := scope(ctx)
			if err != nil {
				return nil, err
			}
			if vid != "" {
				if err := guard(vid, m); err != nil {
					return nil, err
				}
			}
			return next.Mutate(ctx, m)
		})
	}
}

// Interceptors on CareTeam show a veteran only the teams they are associated
// with; the directory itself is shared.
func (CareTeam) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{
		intercept.TraverseCareTeam(func(ctx context.Context, q *gen.CareTeamQuery) error {
			vid, err := scope(ctx)
			if err != nil || vid == "" {
				return err
			}
			q.Where(predicate.CareTeam(func(s *sql.Selector) {
				// Associated teams, and teams of the veteran's existing threads so
				// old conversations still show whom they were with. Correlated
				// EXISTS probes use indexes; IN (SELECT ...) read every thread.
				a, t := sql.Table("associations").As("pa"), sql.Table("threads").As("pt")
				s.Where(sql.Or(
					sql.Exists(sql.Select(a.C("id")).From(a).Where(sql.And(
						sql.ColumnsEQ(a.C("care_team_id"), s.C("id")), sql.EQ(a.C("veteran_id"), vid)))),
					sql.Exists(sql.Select(t.C("id")).From(t).Where(sql.And(
						sql.ColumnsEQ(t.C("care_team_id"), s.C("id")), sql.EQ(t.C("veteran_id"), vid)))),
				))
			}))
			return nil
		}),
	}
}

// Hooks on CareTeam keep the directory writable by VAMS only.
func (CareTeam) Hooks() []ent.Hook { return []ent.Hook{systemOnly} }

// Hooks on Facility keep it writable by VAMS only.
func (Facility) Hooks() []ent.Hook { return []ent.Hook{systemOnly} }

func systemOnly(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		if !viewer.IsSystem(ctx) {
			return nil, ErrNoViewer
		}
		return next.Mutate(ctx, m)
	})
}

// Interceptors on Veteran let a veteran see only themself.
func (Veteran) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{viewerRows("id")}
}

// Hooks on Veteran let a veteran change only their own preferences; only the
// system creates or deletes veterans.
func (Veteran) Hooks() []ent.Hook {
	return []ent.Hook{
		veteranWrite(func(vid string, m ent.Mutation) error {
			if !m.Op().Is(ent.OpUpdate | ent.OpUpdateOne) {
				return ErrNotOwner
			}
			m.(wherer).WhereP(sql.FieldEQ("id", vid))
			return nil
		}),
	}
}
