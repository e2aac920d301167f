package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/va/vams/providers/mhv/mhvsim"
	"github.com/va/vams/providers/oh/ohsim"
)

// The import figure's population: who is served where and how much history
// each veteran has at the providers. These are assumptions, not VA data; they
// are chosen to look like secure-messaging use (most veterans write a few
// times a year, a few write every week) and are stated in
// docs/performance.md.
const (
	// historyYears is how far back the providers hold messages (VAMS's
	// ImportHorizon).
	historyYears = 2
	// Shares of the population: served by MHV only, by OH only, by both (a
	// veteran seen at a VistA and an Oracle Health facility).
	shareMHVOnly = 0.75
	shareOHOnly  = 0.20
	// silentShare of veterans have no messages in the two years, though
	// registered (they still cost the import its listings).
	silentShare = 0.15
	// Threads of a veteran who has any, per provider: log-normal, median
	// threadMedian, spread threadSigma, at most threadCap.
	threadMedian = 4.0
	threadSigma  = 0.9
	threadCap    = 80
	// Messages per thread: 1 plus a geometric count of follow-ups (each
	// message is answered with probability replyChance), at most replyCap.
	replyChance = 0.55
	replyCap    = 15
)

// drawThreads draws the threads one provider holds for a veteran who has
// messages there.
func drawThreads(r *rand.Rand) int {
	n := int(math.Round(threadMedian * math.Exp(threadSigma*r.NormFloat64())))
	return min(threadCap, max(1, n))
}

func threadsOf(silent bool, r *rand.Rand) int {
	if silent {
		return 0
	}
	return drawThreads(r)
}

// drawMessages draws the messages of one thread.
func drawMessages(r *rand.Rand) int {
	n := 1
	for n < replyCap && r.Float64() < replyChance {
		n++
	}
	return n
}

// histVeteran is one veteran of the population and what the providers hold
// for them.
type histVeteran struct {
	icn, name     string
	mhvCorr, ohID string // "" when that provider does not serve them
	mhv           []mhvsim.HistoryThread
	oh            []ohsim.HistoryThread
}

// population is the import figure's veterans with the care teams that serve
// them at each provider.
type population struct {
	vets     []histVeteran
	teams    []mhvsim.TriageTeam
	pools    []ohsim.Pool
	messages int // across both providers
	threads  int
	mhvVets  int // served by MHV (MHV only or both)
	ohVets   int
}

var (
	benchStations = []struct{ station, name, system string }{
		{"442", "Cheyenne VA Medical Center", "VA Eastern Colorado"},
		{"554", "Rocky Mountain Regional VA Medical Center", "VA Eastern Colorado"},
		{"687", "Jonathan M. Wainwright Memorial VA Medical Center", "VA Walla Walla"},
		{"668", "Mann-Grandstaff VA Medical Center", "VA Spokane"},
	}
	benchClinics = []string{"Primary Care", "Pharmacy", "Cardiology", "Mental Health", "Audiology", "Podiatry"}
	benchTopics  = []string{"Medication refill", "Appointment question", "Test results", "Referral", "Travel pay", "Insulin supplies"}
)

// historyPopulation makes n veterans and their two years of history before
// now, the same for the same seed. MHV serves the first two stations, OH the
// other two; each veteran is associated with three of their provider's teams.
func historyPopulation(n int, seed uint64, now time.Time) population {
	r := rand.New(rand.NewPCG(seed, 41))
	var p population
	for i, st := range benchStations {
		for j, c := range benchClinics {
			if i < 2 {
				p.teams = append(p.teams, mhvsim.TriageTeam{ID: int64(5000 + 10*i + j), Name: st.station + "_" + c,
					StationNumber: st.station, FacilityName: st.name, HealthCareSystem: st.system})
			} else {
				p.pools = append(p.pools, ohsim.Pool{ID: strconv.Itoa(9000 + 10*i + j), Name: st.station + " " + c,
					ExternalNames: []string{c + " Team"}, StationNumber: st.station, FacilityName: st.name, HealthCareSystem: st.system,
					Staff: []ohsim.Personnel{{ID: int64(31000000 + 10*i + j), Text: "Clinician " + c}}})
			}
		}
	}
	horizon := now.AddDate(-historyYears, 0, 0)
	// thread draws one conversation: its start uniform over the two years
	// (a day's margin each end), answers hours to days apart, in order.
	thread := func(fromVeteranFirst bool) (subject string, at []time.Time, byVeteran []bool) {
		span := now.Sub(horizon) - 48*time.Hour
		t := horizon.Add(24*time.Hour + time.Duration(r.Int64N(int64(span))))
		for k := range drawMessages(r) {
			if k > 0 {
				t = t.Add(time.Duration(1+r.IntN(72)) * time.Hour)
			}
			if t.After(now.Add(-time.Hour)) {
				break
			}
			at = append(at, t)
			byVeteran = append(byVeteran, (k%2 == 0) == fromVeteranFirst)
		}
		return benchTopics[r.IntN(len(benchTopics))], at, byVeteran
	}
	for i := range n {
		v := histVeteran{icn: ICN(i), name: fmt.Sprintf("BENCH, VETERAN %d", i)}
		u := r.Float64()
		// [0, MHV only) MHV, [MHV only, + OH only) OH, the rest both.
		mhv, oh := u < shareMHVOnly || u >= shareMHVOnly+shareOHOnly, u >= shareMHVOnly
		if mhv {
			v.mhvCorr = strconv.Itoa(30000000 + i)
			p.mhvVets++
		}
		if oh {
			v.ohID = strconv.Itoa(40000000 + i)
			p.ohVets++
		}
		silent := r.Float64() < silentShare
		if mhv {
			mine := joinThree(r, p.teams, func(t *mhvsim.TriageTeam) { t.AssociatedWith = append(t.AssociatedWith, v.mhvCorr) })
			for range threadsOf(silent, r) {
				subject, at, byVet := thread(r.Float64() < 0.7)
				ht := mhvsim.HistoryThread{ICN: v.icn, CareTeam: strconv.FormatInt(mine[r.IntN(3)].ID, 10), Subject: subject}
				switch f := r.Float64(); {
				case f < 0.05:
					ht.Folder = "Deleted"
				case f < 0.10:
					ht.Folder = "Saved"
				}
				for j := range at {
					hm := mhvsim.HistoryMessage{FromVeteran: byVet[j], Body: fmt.Sprintf("%s, message %d of the thread.", subject, j+1), SentAt: at[j]}
					if j < len(at)-1 || r.Float64() < 0.8 {
						hm.ReadAt = at[j].Add(time.Hour)
					}
					ht.Messages = append(ht.Messages, hm)
				}
				v.mhv = append(v.mhv, ht)
				p.threads++
				p.messages += len(at)
			}
		}
		if oh {
			mine := joinThree(r, p.pools, func(t *ohsim.Pool) { t.AssociatedWith = append(t.AssociatedWith, v.icn) })
			for range threadsOf(silent, r) {
				subject, at, byVet := thread(r.Float64() < 0.7)
				ht := ohsim.HistoryThread{ICN: v.icn, CareTeam: mine[r.IntN(3)].ID, Subject: subject}
				for j := range at {
					ht.Messages = append(ht.Messages, ohsim.HistoryMessage{FromVeteran: byVet[j],
						Body: fmt.Sprintf("%s, message %d of the thread.", subject, j+1), SentAt: at[j], Read: j < len(at)-1 || r.Float64() < 0.8})
				}
				v.oh = append(v.oh, ht)
				p.threads++
				p.messages += len(at)
			}
		}
		p.vets = append(p.vets, v)
	}
	return p
}

// joinThree associates a veteran (join adds them to one team) with three
// neighbouring teams of all, drawn with r, and returns those three.
func joinThree[T any](r *rand.Rand, all []T, join func(*T)) []T {
	first := r.IntN(len(all) - 2)
	mine := all[first : first+3]
	for k := range mine {
		join(&mine[k])
	}
	return mine
}
