package inbox

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/change"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/platform/viewer"
)

// Delta sync (docs/rules.md, "Delta sync"): a state token names a position
// in one veteran's change log; Changes answers what changed after it, in the
// shape of JMAP's Email/changes.
const (
	// DefaultChangeRetention is how long the change log keeps a change.
	DefaultChangeRetention = 30 * 24 * time.Hour
	// DefaultMaxChanges and MaxMaxChanges bound one page of Changes.
	DefaultMaxChanges = 500
	MaxMaxChanges     = 5000
)

// CodeCannotCalculateChanges: the token cannot be served (pruned, another
// veteran's, or not a token); the client refetches everything.
const CodeCannotCalculateChanges Code = "CANNOT_CALCULATE_CHANGES"

// EncodeState is the opaque token for position seq in vid's change log.
func EncodeState(vid string, seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(vid + ":" + strconv.FormatInt(seq, 10)))
}

// decodeState reads a token; ok is false for anything EncodeState did not make.
func decodeState(token string) (vid string, seq int64, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", 0, false
	}
	vid, n, found := strings.Cut(string(b), ":")
	if !found || vid == "" {
		return "", 0, false
	}
	seq, err = strconv.ParseInt(n, 10, 64)
	return vid, seq, err == nil && seq >= 0
}

// EntityChanges are one kind's IDs, each in one list only: created (after
// the old state; later updates included), updated, or destroyed. An entity
// created and destroyed within the page is left out.
type EntityChanges struct {
	Created, Updated, Destroyed []string
}

// ChangeSet is what changed between OldState and NewState.
type ChangeSet struct {
	OldState, NewState string
	HasMoreChanges     bool
	Threads, Messages  EntityChanges
}

func cannotCalculate() error {
	return newErr(CodeCannotCalculateChanges, "since",
		"These changes can no longer be calculated. Fetch your messages again and use the new state.")
}

// Changes lists what changed in the viewer's inbox after since, at most max
// change-log entries (0 means DefaultMaxChanges). A nil since answers the
// current state with no changes: a client takes it before its first full
// fetch, so nothing committed during that fetch is missed.
func (s *Service) Changes(ctx context.Context, since *string, max int) (*ChangeSet, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	if max == 0 {
		max = DefaultMaxChanges
	}
	if max < 1 || max > MaxMaxChanges {
		return nil, newErr(CodeInvalidInput, "maxChanges", "maxChanges must be between 1 and %d.", MaxMaxChanges)
	}
	// The counter is read before the log: a commit in between only adds rows.
	v, err := s.store.Client.Veteran.Query().Where(veteran.ID(vid)).Select(veteran.FieldChangeSeq).Only(ctx)
	if err != nil {
		return nil, err
	}
	if since == nil {
		st := EncodeState(vid, v.ChangeSeq)
		return &ChangeSet{OldState: st, NewState: st}, nil
	}
	owner, from, ok := decodeState(*since)
	if !ok || owner != vid || from > v.ChangeSeq {
		return nil, cannotCalculate()
	}
	rows, err := s.store.Client.Change.Query().
		Where(change.VeteranID(vid), change.SeqGT(from)).
		Order(ent.Asc(change.FieldSeq)).Limit(max + 1).All(viewer.System(ctx))
	if err != nil {
		return nil, err
	}
	// Numbers have no gaps, so a missing one was pruned.
	if from < v.ChangeSeq && (len(rows) == 0 || rows[0].Seq != from+1) {
		return nil, cannotCalculate()
	}
	cs := &ChangeSet{OldState: *since, NewState: *since}
	if len(rows) > max {
		rows, cs.HasMoreChanges = rows[:max], true
	}
	if len(rows) > 0 {
		cs.NewState = EncodeState(vid, rows[len(rows)-1].Seq)
	}
	cs.Threads = coalesce(rows, EntityThread)
	cs.Messages = coalesce(rows, EntityMessage)
	return cs, nil
}

// coalesce folds kind's rows (in log order) into one verdict per entity, in
// order of first appearance.
func coalesce(rows []*ent.Change, kind EntityKind) EntityChanges {
	type verdict struct{ created, destroyed bool }
	var order []string
	seen := map[string]*verdict{}
	for _, r := range rows {
		if r.EntityType != string(kind) {
			continue
		}
		v := seen[r.EntityID]
		if v == nil {
			v = &verdict{}
			seen[r.EntityID] = v
			order = append(order, r.EntityID)
		}
		switch r.Op {
		case change.OpCREATED:
			v.created, v.destroyed = true, false
		case change.OpDELETED:
			v.destroyed = true
		default:
			v.destroyed = false
		}
	}
	var out EntityChanges
	for _, id := range order {
		switch v := seen[id]; {
		case v.created && v.destroyed:
		case v.destroyed:
			out.Destroyed = append(out.Destroyed, id)
		case v.created:
			out.Created = append(out.Created, id)
		default:
			out.Updated = append(out.Updated, id)
		}
	}
	return out
}

// PruneChanges deletes change-log rows older than the retention, for every
// veteran (the sync engine runs it periodically). A token whose next change
// is gone then gets CANNOT_CALCULATE_CHANGES.
func (s *Service) PruneChanges(ctx context.Context) (int, error) {
	return s.store.Client.Change.Delete().
		Where(change.AtLT(s.now().Add(-s.changeRetention))).Exec(viewer.System(ctx))
}
