package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/va/vams/ent/facility"
)

// cutoverPhases are VA's phases of a facility's move to a new health record
// system, in order; each schedule gives every phase's start date.
var cutoverPhases = []string{"p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"}

// CutoverSchedule is one facility's cutover as operators configure it:
// each phase's start date (YYYY-MM-DD, UTC), and optionally the date it
// ends (default the day after p7 starts). Go-live is p5's start.
type CutoverSchedule struct {
	StationNumber string            `json:"stationNumber"`
	Phases        map[string]string `json:"phases"`
	Complete      string            `json:"complete,omitempty"`
}

// Cutover is a validated schedule.
type Cutover struct {
	StationNumber string
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
		c, err := sc.validate()
		if err != nil {
			return nil, fmt.Errorf("cutover schedule of station %q: %w", sc.StationNumber, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func (sc CutoverSchedule) validate() (Cutover, error) {
	c := Cutover{StationNumber: sc.StationNumber}
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

func (c Cutover) transition(t time.Time) *Transition {
	phase := c.PhaseAt(t)
	if phase == "" {
		return nil
	}
	return &Transition{Phase: phase, RepliesBlocked: cutoverBlocked(phase), StartsAt: c.starts[0], GoLiveAt: c.starts[5],
		EndsAt: c.ends, BlockedFrom: c.starts[3], BlockedUntil: c.starts[6]}
}

// CareTeamTransition is the cutover of the facility of a care team (by its
// station number) in force now, or nil.
func (s *Service) CareTeamTransition(stationNumber string) *Transition {
	for _, c := range s.cutovers {
		if c.StationNumber == stationNumber {
			return c.transition(s.now())
		}
	}
	return nil
}

// ApplyCutovers records the phase in force now for every scheduled
// facility, which the messaging rules read (p3–p5 pause new messages). It
// is idempotent, so every instance may run it; it returns how many
// facilities changed phase.
func (s *Service) ApplyCutovers(ctx context.Context) (int, error) {
	now, changed := s.now(), 0
	for _, c := range s.cutovers {
		n, err := s.store.Client.Facility.Update().
			Where(facility.StationNumber(c.StationNumber), facility.CutoverPhaseNEQ(c.PhaseAt(now))).
			SetCutoverPhase(c.PhaseAt(now)).Save(ctx)
		if err != nil {
			return changed, err
		}
		changed += n
	}
	return changed, nil
}
