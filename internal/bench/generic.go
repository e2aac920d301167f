package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"time"
)

// The generic comparison (issue 14): the VA.gov inbox page served by VAMS
// and by a stock generic GraphQL-to-SQL server, PostGraphile 4.14.1 from
// npm, side by side over the same bench database, each in its own process.
// PostGraphile gets what it needs to answer the same page and nothing VAMS
// has: no authentication, no scoping, no audit; one SQL function for the
// viewer's unread total and a smart tag declaring threads.last_message_id a
// foreign key (ent keeps it a plain column).

// GenericOptions tune Generic.
type GenericOptions struct {
	Clients  int           // connections of the many-client measurement (32)
	Duration time.Duration // per measurement
	Rounds   int           // alternating rounds (3)
	// PackageDir is the bench-only Node package that pins PostGraphile
	// (internal/bench/generic); `npm ci` runs there when it is not installed.
	PackageDir string
	Spawn      Spawn
	Out, Log   io.Writer
}

// genericSetup is what PostGraphile needs on the bench database copy to
// answer VAMS's inbox page: the unread total as VAMS counts it (outside
// Trash and Drafts) and the last message's foreign key.
const genericSetup = `
CREATE OR REPLACE FUNCTION bench_unread_total(vid text) RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT COALESCE(SUM(t.unread_count), 0)::bigint FROM threads t JOIN folders f ON f.id = t.folder_id
  WHERE t.veteran_id = vid AND t.unread_count > 0 AND (f.system IS NULL OR f.system NOT IN ('TRASH', 'DRAFTS'))
$$;
COMMENT ON TABLE threads IS E'@foreignKey (last_message_id) references messages (id)';`

// genericInbox asks PostGraphile for the fields inboxQuery asks VAMS for.
const genericInbox = `query Inbox($vid: String!, $folder: String!) { benchUnreadTotal(vid: $vid)
	allThreads(condition: {veteranId: $vid, folderId: $folder}, orderBy: [LAST_MESSAGE_AT_DESC, ID_DESC], first: 20) {
	edges { cursor node { id subject category unreadCount messageCount hasAttachments updatedAt
		careTeamByCareTeamId { id displayName facilityByFacilityId { name } }
		threadTagsByThreadId { nodes { tagByTagId { id name } } }
		messageByLastMessageId { id body sentAt readAt authorKind authorName } } }
	pageInfo { hasNextPage endCursor } } }`

// Generic measures the inbox page on VAMS and on PostGraphile over t (a
// copy of the bench database, PostgreSQL only): it first checks that both
// answer the same page for every bench veteran, then runs alternating
// rounds at o.Clients connections and at one, with each server's CPU per
// page, and prints BENCH lines per round and a RATIO line of the medians.
func Generic(ctx context.Context, t Target, sz Sizes, o GenericOptions) error {
	logf := func(format string, a ...any) { fmt.Fprintf(o.Log, format+"\n", a...) }
	if t.DatabaseURL == "" {
		return errors.New("generic: PostGraphile serves PostgreSQL only (set VAMS_BENCH_DATABASE_URL or install PostgreSQL)")
	}
	bin, err := postgraphileBin(ctx, o.PackageDir, o.Log)
	if err != nil {
		return err
	}
	raw, err := openRaw(t)
	if err != nil {
		return err
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, genericSetup); err != nil {
		return fmt.Errorf("generic: preparing the database for PostGraphile: %w", err)
	}
	w, err := loadWorkload(ctx, raw, t.dialect(), sz, 0.3)
	if err != nil {
		return err
	}
	users := append(append([]*user{}, w.heavy...), w.typical...)

	vams, prof, _, stop, err := childServer(ctx, t, o.Spawn, o.Log)
	if err != nil {
		return err
	}
	defer stop()
	gen, err := startPostGraphile(ctx, bin, t.DatabaseURL, o.Log)
	if err != nil {
		return err
	}
	defer gen.stop()

	vamsPage := func(ctx context.Context, u *user) ([]byte, error) {
		return vams.answer(ctx, u.icn, inboxQuery, map[string]any{"folder": u.inbox})
	}
	genPage := func(ctx context.Context, u *user) ([]byte, error) {
		return post(ctx, gen.client, gen.url, "", genericInbox, map[string]any{"vid": u.vid, "folder": u.inbox})
	}
	if err := sameInboxPages(ctx, users, vamsPage, genPage); err != nil {
		return err
	}
	logf("generic: VAMS and PostGraphile answer the same inbox page for all %d bench veterans", len(users))

	type side struct {
		name string
		page func(context.Context, *user) ([]byte, error)
		cpu  func(context.Context) (float64, error)
	}
	sides := []side{
		{"vams", vamsPage, prof.cpuSeconds},
		{"generic", genPage, func(context.Context) (float64, error) { return procCPUSeconds(gen.cmd.Process.Pid) }},
	}
	rps := map[string][]float64{}
	for round := 1; round <= max(1, o.Rounds); round++ {
		order := sides
		if round%2 == 0 {
			order = []side{sides[1], sides[0]} // alternate who goes first, against drift
		}
		for _, c := range []int{o.Clients, 1} {
			for _, sd := range order {
				op := func(ctx context.Context, r *rand.Rand) error {
					_, err := sd.page(ctx, users[r.IntN(len(users))])
					return err
				}
				cpu0, err := sd.cpu(ctx)
				if err != nil {
					return err
				}
				res := measure(ctx, c, 0, o.Duration, uint64(round), op)
				cpu1, err := sd.cpu(ctx)
				if err != nil {
					return err
				}
				if res.errors > 0 {
					return fmt.Errorf("generic: %s at %d connections: %d errors, first: %w", sd.name, c, res.errors, res.firstErr)
				}
				key := fmt.Sprintf("%s_%dc", sd.name, c)
				rate := float64(res.n) / res.elapsed.Seconds()
				rps[key] = append(rps[key], rate)
				fmt.Fprintf(o.Out, "BENCH name=inbox_%s_r%d rps=%.0f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f server_cpu_ms_per_page=%.2f\n",
					key, round, rate, ms(res.p50), ms(res.p95), ms(res.p99), 1000*(cpu1-cpu0)/float64(max(1, res.n)))
			}
		}
	}
	ratio := func(c int) float64 {
		a, b := rps[fmt.Sprintf("vams_%dc", c)], rps[fmt.Sprintf("generic_%dc", c)]
		rs := make([]float64, len(a))
		for i := range a {
			rs[i] = a[i] / b[i]
		}
		return median(rs)
	}
	fmt.Fprintf(o.Out, "RATIO name=inbox_vs_generic vams_over_generic_rps_%dc=%.2f vams_over_generic_rps_1c=%.2f met_at=1 goal=2 rounds=%d veterans=%d\n",
		o.Clients, ratio(o.Clients), ratio(1), max(1, o.Rounds), len(users))
	return nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// inboxPage is the part of an inbox page both servers must agree on.
type inboxPage struct {
	Unread  int
	HasNext bool
	Threads []inboxRow
}

type inboxRow struct {
	ID, Subject, Category          string
	Unread, Messages               int
	Attachments                    bool
	Team, Facility, LastID, LastBy string
	LastBody                       string
	Tags                           []string
}

// sameInboxPages fails on the first veteran whose two pages differ.
func sameInboxPages(ctx context.Context, users []*user, vams, generic func(context.Context, *user) ([]byte, error)) error {
	for _, u := range users {
		a, err := vams(ctx, u)
		if err != nil {
			return fmt.Errorf("generic: VAMS page of %s: %w", u.icn, err)
		}
		b, err := generic(ctx, u)
		if err != nil {
			return fmt.Errorf("generic: PostGraphile page of %s: %w", u.icn, err)
		}
		pa, err := vamsInboxPage(a)
		if err != nil {
			return err
		}
		pb, err := genericInboxPage(b)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(pa, pb) {
			return fmt.Errorf("generic: the servers answer %s's inbox differently:\nVAMS        %+v\nPostGraphile %+v", u.icn, pa, pb)
		}
	}
	return nil
}

func vamsInboxPage(body []byte) (inboxPage, error) {
	var r struct {
		Data struct {
			Viewer struct {
				UnreadCount int
				Threads     struct {
					Edges []struct {
						Node struct {
							ID, Subject, Category     string
							UnreadCount, MessageCount int
							HasAttachments            bool
							CareTeam                  struct{ Name, FacilityName string }
							Tags                      []struct{ Name string }
							LastMessage               *struct {
								ID, Body string
								Author   struct{ Kind string }
							}
						}
					}
					PageInfo struct{ HasNextPage bool }
				}
			}
		}
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return inboxPage{}, fmt.Errorf("generic: VAMS page: %w", err)
	}
	v := r.Data.Viewer
	p := inboxPage{Unread: v.UnreadCount, HasNext: v.Threads.PageInfo.HasNextPage}
	for _, e := range v.Threads.Edges {
		n := e.Node
		row := inboxRow{ID: n.ID, Subject: n.Subject, Category: n.Category, Unread: n.UnreadCount, Messages: n.MessageCount,
			Attachments: n.HasAttachments, Team: n.CareTeam.Name, Facility: n.CareTeam.FacilityName, Tags: []string{}}
		if m := n.LastMessage; m != nil {
			row.LastID, row.LastBody, row.LastBy = m.ID, m.Body, m.Author.Kind
		}
		for _, t := range n.Tags {
			row.Tags = append(row.Tags, t.Name)
		}
		sort.Strings(row.Tags)
		p.Threads = append(p.Threads, row)
	}
	return p, nil
}

func genericInboxPage(body []byte) (inboxPage, error) {
	var r struct {
		Data struct {
			BenchUnreadTotal string // BigInt arrives as a string
			AllThreads       struct {
				Edges []struct {
					Node struct {
						ID, Subject, Category     string
						UnreadCount, MessageCount string
						HasAttachments            bool
						CareTeamByCareTeamID      struct {
							DisplayName          string
							FacilityByFacilityID struct{ Name string }
						} `json:"careTeamByCareTeamId"`
						ThreadTagsByThreadID struct {
							Nodes []struct {
								TagByTagID struct{ Name string } `json:"tagByTagId"`
							}
						} `json:"threadTagsByThreadId"`
						MessageByLastMessageID *struct{ ID, Body, AuthorKind string } `json:"messageByLastMessageId"`
					}
				}
				PageInfo struct{ HasNextPage bool }
			}
		}
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return inboxPage{}, fmt.Errorf("generic: PostGraphile page: %w", err)
	}
	num := func(s string) int { n, _ := strconv.Atoi(s); return n }
	p := inboxPage{Unread: num(r.Data.BenchUnreadTotal), HasNext: r.Data.AllThreads.PageInfo.HasNextPage}
	for _, e := range r.Data.AllThreads.Edges {
		n := e.Node
		row := inboxRow{ID: n.ID, Subject: n.Subject, Category: n.Category, Unread: num(n.UnreadCount), Messages: num(n.MessageCount),
			Attachments: n.HasAttachments, Team: n.CareTeamByCareTeamID.DisplayName,
			Facility: n.CareTeamByCareTeamID.FacilityByFacilityID.Name, Tags: []string{}}
		if m := n.MessageByLastMessageID; m != nil {
			row.LastID, row.LastBody, row.LastBy = m.ID, m.Body, m.AuthorKind
		}
		for _, t := range n.ThreadTagsByThreadID.Nodes {
			row.Tags = append(row.Tags, t.TagByTagID.Name)
		}
		sort.Strings(row.Tags)
		p.Threads = append(p.Threads, row)
	}
	return p, nil
}
