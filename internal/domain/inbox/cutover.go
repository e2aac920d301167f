package inbox

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/va/vams/ent/cutoverschedule"
)

// cutoverPhases are VA's phases of a facility's move to a new health record
// system, in order; each schedule gives every phase's start date.
var cutoverPhases = []string{"p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"}

// goLivePhase is the index of p5 in cutoverPhases: the new system is live
// from its start, and the crosswalk applies then.
const goLivePhase = 5

// CutoverSchedule is one facility's cutover as operators configure it:
// each phase's start date (YYYY-MM-DD, UTC), optionally the date it ends
// (default the day after p7 starts), and the crosswalk applied at go-live.
// Go-live is p5's start.
type CutoverSchedule struct {
	StationNumber string            `json:"stationNumber"`
	Phases        map[string]string `json:"phases"`
	Complete      string            `json:"complete,omitempty"`
	Crosswalk     []CrosswalkEntry  `json:"crosswalk,omitempty"`
}

// CrosswalkEntry names a care team of the facility's old system (From: the
// VistA triage group's id as My HealtheVet knows it) and the team of the
// new one that replaces it at go-live (To: the Oracle Health pool's id).
type CrosswalkEntry struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Cutover is a validated schedule.
type Cutover struct {
	StationNumber string
	Schedule      CutoverSchedule
	starts        []time.Time // by cutoverPhases
	ends          time.Time
}

// ParseCutovers reads a JSON list of CutoverSchedule, refusing unknown or
// missing phases, bad dates and phases out of order.
func ParseCutovers(data []byte) ([]Cutover, error) {
	var in []CutoverSchedule
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, fmt.Errorf("cutover schedule: %w", err)
	}
	out := make([]Cutover, 0, len(in))
	for _, sc := range in {
		c, err := sc.Validate()
		if err != nil {
			return nil, fmt.Errorf("cutover schedule of station %q: %w", sc.StationNumber, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// Validate checks a schedule as ParseCutovers does.
func (sc CutoverSchedule) Validate() (Cutover, error) {
	c := Cutover{StationNumber: sc.StationNumber, Schedule: sc}
	if sc.StationNumber == "" {
		return c, fmt.Errorf("no station number")
	}
	for p := range sc.Phases {
		if !slices.Contains(cutoverPhases, p) {
			return c, fmt.Errorf("unknown phase %q", p)
		}
	}
	for _, p := range cutoverPhases {
		d, err := time.Parse(time.DateOnly, sc.Phases[p])
		if err != nil {
			return c, fmt.Errorf("phase %s: want a YYYY-MM-DD start date", p)
		}
		if n := len(c.starts); n > 0 && !d.After(c.starts[n-1]) {
			return c, fmt.Errorf("phase %s starts before the phase ahead of it ends", p)
		}
		c.starts = append(c.starts, d)
	}
	c.ends = c.starts[len(c.starts)-1].AddDate(0, 0, 1)
	if sc.Complete != "" {
		d, err := time.Parse(time.DateOnly, sc.Complete)
		if err != nil || !d.After(c.starts[len(c.starts)-1]) {
			return c, fmt.Errorf("complete: want a YYYY-MM-DD date after p7 starts")
		}
		c.ends = d
	}
	seen := map[string]bool{}
	for i, x := range sc.Crosswalk {
		switch {
		case x.From == "" || x.To == "":
			return c, fmt.Errorf("crosswalk entry %d: want both from and to", i)
		case seen[x.From]:
			return c, fmt.Errorf("crosswalk entry %d: team %q is already replaced", i, x.From)
		}
		seen[x.From] = true
	}
	return c, nil
}

// PhaseAt is the phase in force at t, or "" before p0 and once complete.
func (c Cutover) PhaseAt(t time.Time) string {
	if t.Before(c.starts[0]) || !t.Before(c.ends) {
		return ""
	}
	i := len(c.starts) - 1
	for t.Before(c.starts[i]) {
		i--
	}
	return cutoverPhases[i]
}

// GoLive is when the new system goes live (p5 starts).
func (c Cutover) GoLive() time.Time { return c.starts[goLivePhase] }

// Transition is what the apps show of a care team's facility in cutover.
type Transition struct {
	Phase          string
	RepliesBlocked bool
	StartsAt       time.Time // p0
	GoLiveAt       time.Time // p5
	EndsAt         time.Time
	// BlockedFrom and BlockedUntil bound the pause of new messages (p3–p5).
	BlockedFrom, BlockedUntil time.Time
}

// transitionAt is the transition in force at t for phase (PhaseAt(t)).
func (c Cutover) transitionAt(phase string) *Transition {
	if phase == "" {
		return nil
	}
	return &Transition{Phase: phase, RepliesBlocked: cutoverBlocked(phase), StartsAt: c.starts[0], GoLiveAt: c.GoLive(),
		EndsAt: c.ends, BlockedFrom: c.starts[3], BlockedUntil: c.starts[6]}
}

// storedCutover reads a schedule the database holds (validated when put).
func storedCutover(text string) (Cutover, error) {
	var sc CutoverSchedule
	if err := json.Unmarshal([]byte(text), &sc); err != nil {
		return Cutover{}, fmt.Errorf("stored cutover schedule: %w", err)
	}
	return sc.Validate()
}

// PutCutover records an operator's schedule for a facility (validated;
// INVALID_INPUT, naming what is wrong, changes nothing), replacing the one
// it had, whoever put it. Every instance computes the phase in force from
// it when it next reads the facility's teams.
func (s *Service) PutCutover(ctx context.Context, sc CutoverSchedule) (Cutover, error) {
	c, err := sc.Validate()
	if err != nil {
		return c, newErr(CodeInvalidInput, "schedule", "%s", err.Error())
	}
	text, err := json.Marshal(sc)
	if err != nil {
		return c, err
	}
	err = s.store.Client.CutoverSchedule.Create().SetStationNumber(sc.StationNumber).SetSchedule(string(text)).
		SetSetBy(cutoverschedule.SetByOperator).
		OnConflictColumns(cutoverschedule.FieldStationNumber).UpdateSchedule().UpdateSetBy().UpdateUpdatedAt().Exec(ctx)
	return c, err
}

// SeedCutover records a schedule from configuration unless an operator has
// put the facility's: configuration adds its stations and updates the ones
// it put at earlier starts, and an operator's PUT wins. It reports whether
// the configured schedule is the one in force.
func (s *Service) SeedCutover(ctx context.Context, c Cutover) (bool, error) {
	text, err := json.Marshal(c.Schedule)
	if err != nil {
		return false, err
	}
	err = s.store.Client.CutoverSchedule.Create().SetStationNumber(c.StationNumber).SetSchedule(string(text)).
		SetSetBy(cutoverschedule.SetByConfiguration).
		OnConflict(sql.ConflictColumns(cutoverschedule.FieldStationNumber),
			sql.UpdateWhere(sql.EQ(cutoverschedule.FieldSetBy, cutoverschedule.SetByConfiguration.String()))).
		UpdateSchedule().UpdateUpdatedAt().Exec(ctx)
	// An operator's row makes the update a no-op, which returns no row.
	if err != nil && !errors.Is(err, stdsql.ErrNoRows) {
		return false, err
	}
	by, err := s.store.Client.CutoverSchedule.Query().Where(cutoverschedule.StationNumber(c.StationNumber)).
		Select(cutoverschedule.FieldSetBy).String(ctx)
	return by == cutoverschedule.SetByConfiguration.String(), err
}

// CutoverStatus is a stored schedule with what it means now.
type CutoverStatus struct {
	CutoverSchedule
	// Phase is the phase in force now ("" before p0 and once complete).
	Phase string `json:"phase"`
	// CrosswalkApplied lists the crosswalk's From teams already replaced.
	CrosswalkApplied []string `json:"crosswalkApplied"`
	// SetBy is who put it: "configuration" or "operator".
	SetBy string `json:"setBy"`
}

// Cutovers lists the stored schedules by station number.
func (s *Service) Cutovers(ctx context.Context) ([]CutoverStatus, error) {
	rows, err := s.store.Client.CutoverSchedule.Query().Order(cutoverschedule.ByStationNumber()).All(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]CutoverStatus, 0, len(rows))
	for _, r := range rows {
		c, err := storedCutover(r.Schedule)
		if err != nil {
			return nil, err
		}
		applied, err := s.appliedCrosswalk(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, CutoverStatus{CutoverSchedule: c.Schedule, Phase: c.PhaseAt(now), CrosswalkApplied: applied,
			SetBy: r.SetBy.String()})
	}
	return out, nil
}
