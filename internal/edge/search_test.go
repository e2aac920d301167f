package edge_test

import (
	"strings"
	"testing"
	"time"

	"github.com/va/vams/internal/store/storetest"
)

const searchQuery = `query($s: String, $first: Int, $after: Cursor, $last: Int, $before: Cursor, $order: ThreadOrder) {
	viewer { threads(filter: {search: $s}, orderBy: $order, first: $first, after: $after, last: $last, before: $before) {
		edges { cursor node { subject } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`

type searchPage struct {
	Viewer struct {
		Threads struct {
			Edges []struct {
				Cursor string
				Node   struct{ Subject string }
			}
			PageInfo struct {
				HasNextPage, HasPreviousPage bool
				StartCursor, EndCursor       *string
			}
		}
	}
}

func (p searchPage) subjects() string {
	var s []string
	for _, e := range p.Viewer.Threads.Edges {
		s = append(s, e.Node.Subject)
	}
	return strings.Join(s, ", ")
}

func (w *world) search(t *testing.T, icn string, vars map[string]any) searchPage {
	t.Helper()
	var p searchPage
	w.MustDo(icn, searchQuery, vars, &p)
	return p
}

// searchWorld gives veteran A three threads mentioning appointments (a
// subject hit, oldest; two body hits in one thread; one body hit, newest)
// and an unrelated newer thread; veteran B has an appointment thread too.
func searchWorld(t *testing.T, b storetest.Backend) *world {
	w := setup(t, b)
	base := w.Now().Add(-48 * time.Hour)
	w.ClinicianWrites(w.vetA, w.team, "Appointment reminder", "See you on Tuesday.", "", base)
	ext := w.ClinicianWrites(w.vetA, w.team, "Clinic visit", "Your appointment moved to 9 am.", "", base.Add(time.Hour))
	w.ClinicianWrites(w.vetA, w.team, "", "Bring this appointment letter.", ext, base.Add(2*time.Hour))
	w.ClinicianWrites(w.vetA, w.team, "Lab results", "Results are normal. No appointment needed.", "", base.Add(3*time.Hour))
	w.ClinicianWrites(w.vetA, w.team, "Pharmacy", "Your refill shipped.", "", base.Add(4*time.Hour))
	w.ClinicianWrites(w.vetB, w.teamB, "Appointment for Blair", "Blair's appointment is set.", "", base.Add(5*time.Hour))
	return w
}

func TestSearchStemsAndRanks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := searchWorld(t, b)
		const ranked = "Appointment reminder, Clinic visit, Lab results"
		for _, c := range []struct{ name, words, want string }{
			{"stems plural to singular", "appointments", ranked},
			{"ignores case", "APPOINTMENT", ranked},
			{"all words in one body", "appointment letter", "Clinic visit"},
			{"words split between subject and body do not match", "reminder Tuesday appointment", ""},
			{"body words", "normal results", "Lab results"},
			{"stem of a longer word", "appoint", ranked},
			{"no match inside a word", "ppointment", ""},
			{"punctuation only", `- " * ( )`, ""},
			{"no query operators", "appointment OR refill", ""},
			{"quotes and prefixes are plain", `"appointment* reminder"`, "Appointment reminder"},
		} {
			t.Run(c.name, func(t *testing.T) {
				if got := w.search(t, icnA, map[string]any{"s": c.words}).subjects(); got != c.want {
					t.Fatalf("search %q = [%s], want [%s]", c.words, got, c.want)
				}
			})
		}
		t.Run("explicit order overrides relevance", func(t *testing.T) {
			got := w.search(t, icnA, map[string]any{"s": "appointment", "order": "LATEST_MESSAGE"}).subjects()
			if got != "Lab results, Clinic visit, Appointment reminder" {
				t.Fatalf("latest first: [%s]", got)
			}
		})
	})
}

func TestSearchIsScopedToTheViewer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := searchWorld(t, b)
		if got := w.search(t, icnA, map[string]any{"s": "Blair"}).subjects(); got != "" {
			t.Fatalf("veteran A found veteran B's thread: [%s]", got)
		}
		if got := w.search(t, icnB, map[string]any{"s": "appointment"}).subjects(); got != "Appointment for Blair" {
			t.Fatalf("veteran B's search: [%s]", got)
		}
	})
}

func TestSearchPagesByStableCursor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := searchWorld(t, b)
		var got []string
		var after any
		for range 5 {
			p := w.search(t, icnA, map[string]any{"s": "appointment", "first": 1, "after": after})
			got = append(got, p.subjects())
			// Another veteran's new matching message between pages changes
			// the corpus but no rank already handed out in a cursor.
			w.ClinicianWrites(w.vetB, w.teamB, "", "Another appointment.", "", w.Now())
			if !p.Viewer.Threads.PageInfo.HasNextPage {
				break
			}
			after = *p.Viewer.Threads.PageInfo.EndCursor
		}
		if strings.Join(got, ", ") != "Appointment reminder, Clinic visit, Lab results" {
			t.Fatalf("forward pages: %q", got)
		}
		last := w.search(t, icnA, map[string]any{"s": "appointment", "last": 2})
		if last.subjects() != "Clinic visit, Lab results" || !last.Viewer.Threads.PageInfo.HasPreviousPage {
			t.Fatalf("last page: [%s] %+v", last.subjects(), last.Viewer.Threads.PageInfo)
		}
		before := w.search(t, icnA, map[string]any{"s": "appointment", "last": 2, "before": *last.Viewer.Threads.PageInfo.StartCursor})
		if before.subjects() != "Appointment reminder" || before.Viewer.Threads.PageInfo.HasPreviousPage {
			t.Fatalf("page before: [%s] %+v", before.subjects(), before.Viewer.Threads.PageInfo)
		}
		if r := w.Do(icnA, searchQuery, map[string]any{"s": "appointment", "first": 1, "after": *last.Viewer.Threads.PageInfo.StartCursor, "order": "OLDEST_FIRST"}); r.Code() != "INVALID_CURSOR" {
			t.Fatalf("a relevance cursor in another ordering: %+v", r.Errors)
		}
	})
}

// Edited text is searched under its new words only: a draft's body changes
// before it is sent (drafts themselves are never searched).
func TestSearchFollowsEdits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		var saved struct {
			SaveDraft struct{ Draft struct{ ID string } }
		}
		w.MustDo(icnA, `mutation($c: ID!) { saveDraft(input: {careTeamId: $c, category: OTHER, subject: "Question", body: "Is there parking?"}) {
			draft { id } } }`, map[string]any{"c": w.team}, &saved)
		id := saved.SaveDraft.Draft.ID
		w.MustDo(icnA, `mutation($d: ID!) { saveDraft(input: {draftId: $d, body: "Is there wheelchair access?"}) { draft { id } } }`,
			map[string]any{"d": id}, &saved)
		if got := w.search(t, icnA, map[string]any{"s": "wheelchair"}).subjects(); got != "" {
			t.Fatalf("a draft's body was searched: [%s]", got)
		}
		w.MustDo(icnA, `mutation($d: ID!) { sendDraft(input: {draftId: $d}) { message { id } } }`, map[string]any{"d": id}, &saved)
		if got := w.search(t, icnA, map[string]any{"s": "wheelchair"}).subjects(); got != "Question" {
			t.Fatalf("sent draft under its new words: [%s]", got)
		}
		if got := w.search(t, icnA, map[string]any{"s": "parking"}).subjects(); got != "" {
			t.Fatalf("sent draft under its old words: [%s]", got)
		}
	})
}
