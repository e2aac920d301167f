package inbox

import (
	"context"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/syncstate"
	"github.com/va/vams/internal/platform/providerkind"
)

// ImportState says how far VAMS is with bringing in the veteran's messages.
type ImportState string

const (
	ImportNotStarted ImportState = "NOT_STARTED"
	ImportInProgress ImportState = "IN_PROGRESS"
	ImportComplete   ImportState = "COMPLETE"
	ImportError      ImportState = "ERROR"
)

// ImportScope is the sync-state scope of a veteran's initial import.
const ImportScope = "import"

// ImportReport is how far the veteran's history has come in and how fresh
// VAMS's copy is, per care team: never per provider, which the veteran
// must not be able to tell apart.
type ImportReport struct {
	State ImportState
	// UpdatedAt is the latest run of any scope (import, scan, sweep),
	// failed or not.
	UpdatedAt *time.Time
	// CompleteSince: every message sent after it is in VAMS (nil until
	// every provider's import has taken a step).
	CompleteSince *time.Time
	// LastCheckedAt is the latest run that heard from a provider.
	LastCheckedAt *time.Time
	CareTeams     []CareTeamSync
}

// CareTeamSync is when VAMS last heard, for the viewer, from the system
// behind one care team.
type CareTeamSync struct {
	CareTeam     *ent.CareTeam
	LastSyncedAt *time.Time
}

// ImportStatus folds the viewer's sync states: an import error or an
// import in progress anywhere shows; complete only when all are.
func (s *Service) ImportStatus(ctx context.Context) (ImportReport, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return ImportReport{}, err
	}
	states, err := s.store.Client.SyncState.Query().Where(syncstate.VeteranID(vid)).All(ctx)
	if err != nil {
		return ImportReport{}, err
	}
	r := ImportReport{State: ImportComplete} // also with nothing to import
	heard := map[providerkind.Kind]*time.Time{}
	imports, stepped := 0, 0
	for _, st := range states {
		r.UpdatedAt = latest(r.UpdatedAt, st.LastRunAt)
		r.LastCheckedAt = latest(r.LastCheckedAt, st.LastSuccessAt)
		heard[st.Provider] = latest(heard[st.Provider], st.LastSuccessAt)
		if st.Scope != ImportScope {
			continue
		}
		imports++
		r.State = foldImport(r.State, st.Status)
		if st.Watermark != nil {
			stepped++
			r.CompleteSince = latest(r.CompleteSince, st.Watermark)
		}
	}
	if stepped < imports {
		r.CompleteSince = nil
	}
	teams, err := s.CareTeams(ctx)
	if err != nil {
		return ImportReport{}, err
	}
	for _, t := range teams {
		r.CareTeams = append(r.CareTeams, CareTeamSync{CareTeam: t, LastSyncedAt: heard[t.Provider]})
	}
	return r, nil
}

func foldImport(state ImportState, st syncstate.Status) ImportState {
	switch st {
	case syncstate.StatusERROR:
		return ImportError
	case syncstate.StatusIN_PROGRESS, syncstate.StatusNOT_STARTED:
		if state != ImportError {
			return ImportInProgress
		}
	}
	return state
}

// latest is the later of a and b, either of which may be nil.
func latest(a, b *time.Time) *time.Time {
	if b != nil && (a == nil || b.After(*a)) {
		return b
	}
	return a
}
