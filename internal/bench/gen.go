// Package bench generates a VA-scale data set and measures VAMS on it: the
// GraphQL server over HTTP, the same operations as hand-written SQL (the
// floor), growth with data size, and sync throughput against the
// simulators. cmd/vamsbench runs it; docs/performance.md has the figures.
package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"

	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/store"
)

// Sizes is how much data to generate.
type Sizes struct {
	Veterans, Threads, Messages int
	// HeavyShare is the share of threads held by the heavy users (0.1% of
	// veterans, at least one).
	HeavyShare float64
	Seed       uint64
}

// DefaultSizes is the data set: 20k veterans, 200k threads, 1M messages.
var DefaultSizes = Sizes{Veterans: 20000, Threads: 200000, Messages: 1000000, HeavyShare: 0.2, Seed: 1}

// Scale keeps the proportions of s for a given message count.
func (s Sizes) Scale(messages int) Sizes {
	f := float64(messages) / float64(s.Messages)
	out := s
	out.Messages = messages
	out.Threads = max(1, int(float64(s.Threads)*f))
	out.Veterans = max(1, int(float64(s.Veterans)*f))
	return out
}

// Heavy is how many heavy users s has.
func (s Sizes) Heavy() int { return max(1, s.Veterans/1000) }

// columns of each generated table, in insert order.
var tables = []struct {
	name string
	cols []string
}{
	{"facilities", []string{"id", "created_at", "updated_at", "station_number", "name", "health_care_system", "ehr", "cutover_phase"}},
	{"care_teams", []string{"id", "created_at", "updated_at", "name", "display_name", "provider", "provider_id", "active", "requires_signature", "facility_id"}},
	{"veterans", []string{"id", "created_at", "updated_at", "icn", "display_name", "mhv_correlation_id", "oh_patient_id", "oh_authority", "signature_name", "signature_title", "include_signature"}},
	{"associations", []string{"id", "created_at", "updated_at", "preferred", "blocked", "care_team_id", "veteran_id"}},
	{"folders", []string{"id", "created_at", "updated_at", "name", "system", "veteran_id"}},
	{"tags", []string{"id", "created_at", "updated_at", "name", "veteran_id"}},
	{"threads", []string{"id", "created_at", "updated_at", "subject", "category", "last_message_at", "last_message_id", "message_count", "unread_count", "has_attachments", "care_team_id", "folder_id", "veteran_id"}},
	{"thread_tags", []string{"thread_id", "tag_id"}},
	{"messages", []string{"id", "created_at", "updated_at", "veteran_id", "author_kind", "author_name", "body", "body_loaded", "sent_at", "ordered_at", "read_at", "clinician_read_at", "delivery_status", "delivery_error", "is_draft", "provider_deleted_at", "thread_id"}},
	{"attachments", []string{"id", "created_at", "updated_at", "veteran_id", "filename", "content_type", "size", "data", "blob_key", "external_id", "message_id"}},
	{"provider_refs", []string{"id", "created_at", "updated_at", "provider", "entity_type", "entity_id", "external_id", "version"}},
}

// sink receives rows table by table (in any interleaving: foreign-key
// checks are off while loading).
type sink interface {
	add(table int, row []any) error
	close() error
}

// Table indexes into tables.
const (
	tFacilities = iota
	tCareTeams
	tVeterans
	tAssociations
	tFolders
	tTags
	tThreads
	tThreadTags
	tMessages
	tAttachments
	tProviderRefs
)

// ICN returns the ICN of generated veteran i (valid for auth.ValidICN).
func ICN(i int) string { return fmt.Sprintf("%010dV%06d", 2000000000+i, i%1000000) }

// Generate loads a data set of size sz into an empty, migrated store and
// runs ANALYZE. PostgreSQL is loaded with COPY, one stream per table;
// SQLite with multi-row INSERTs in large transactions.
func Generate(ctx context.Context, s *store.Store, sz Sizes, log io.Writer) error {
	start := time.Now()
	var (
		sk  sink
		err error
	)
	if s.Dialect == dialect.Postgres {
		sk, err = newCopySink(ctx, s.DB)
	} else {
		sk, err = newInsertSink(ctx, s.DB)
	}
	if err != nil {
		return err
	}
	g := &gen{sz: sz, rng: rand.New(rand.NewPCG(sz.Seed, 7)), sk: sk, now: time.Now().UTC().Truncate(time.Microsecond)}
	genErr := g.run()
	if err := sk.close(); genErr == nil {
		genErr = err
	}
	if genErr != nil {
		return genErr
	}
	if _, err := s.DB.ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	fmt.Fprintf(log, "generated %d veterans, %d threads, %d messages (%d heavy users) on %s in %s\n",
		sz.Veterans, sz.Threads, sz.Messages, sz.Heavy(), s.Dialect, time.Since(start).Round(time.Millisecond))
	return nil
}

type team struct {
	id, provider string
	facility     int
}

type gen struct {
	sz    Sizes
	rng   *rand.Rand
	sk    sink
	now   time.Time
	teams []team
	byFac [][]int
	ext   int
}

var words = strings.Fields(`appointment medication refill prescription pharmacy clinic provider nurse doctor
	results lab blood pressure pain knee back shoulder sleep therapy physical follow up question schedule
	reschedule cancel travel pay copay insurance referral specialist cardiology audiology hearing vision
	dental mental health counseling PTSD diabetes insulin glucose dose side effects allergy vaccine flu
	covid booster thank you please call week monday friday morning afternoon today tomorrow form letter`)

var subjects = []string{"Medication refill", "Appointment question", "Test results", "Follow-up visit",
	"Prescription renewal", "Lab results", "Referral status", "Travel pay", "Side effects", "Scheduling"}

var categories = []string{"OTHER", "COVID", "APPOINTMENTS", "MEDICATIONS", "TEST_RESULTS", "EDUCATION"}

func (g *gen) text(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[g.rng.IntN(len(words))])
	}
	return b.String()
}

func capital(w string) string { return strings.ToUpper(w[:1]) + w[1:] }

func (g *gen) add(t int, row ...any) error { return g.sk.add(t, row) }

func (g *gen) extID() string { g.ext++; return fmt.Sprint(9000000 + g.ext) }

func (g *gen) run() error {
	sz, now := g.sz, g.now
	// Directory: 140 facilities (a fifth on Oracle Health), 15 teams each.
	const facilities, perFac = 140, 15
	g.byFac = make([][]int, facilities)
	for f := 0; f < facilities; f++ {
		fid := ids.New(ids.Facility)
		ehr, prov := "VISTA", "MHV"
		if f%5 == 4 {
			ehr, prov = "OH", "OH"
		}
		if err := g.add(tFacilities, fid, now, now, fmt.Sprint(500+f), fmt.Sprintf("VA Medical Center %d", f),
			fmt.Sprintf("VA Health Care System %d", f/3), ehr, ""); err != nil {
			return err
		}
		for k := 0; k < perFac; k++ {
			id := ids.New(ids.CareTeam)
			name := fmt.Sprintf("%s Team %d-%d", capital(words[(f+k)%len(words)]), f, k)
			if err := g.add(tCareTeams, id, now, now, name, name, prov, fmt.Sprint(100000+f*100+k), true, false, fid); err != nil {
				return err
			}
			g.byFac[f] = append(g.byFac[f], len(g.teams))
			g.teams = append(g.teams, team{id: id, provider: prov, facility: f})
		}
	}
	threads := g.threadCounts()
	msgs := g.messageCounts()
	next := 0
	for v := 0; v < sz.Veterans; v++ {
		if err := g.veteran(v, msgs[next:next+threads[v]]); err != nil {
			return err
		}
		next += threads[v]
	}
	return nil
}

// threadCounts gives heavy users HeavyShare of the threads and spreads the
// rest with a milder skew.
func (g *gen) threadCounts() []int {
	sz := g.sz
	out := make([]int, sz.Veterans)
	h := sz.Heavy()
	heavy := int(float64(sz.Threads) * sz.HeavyShare)
	if sz.Veterans == h {
		heavy = sz.Threads
	}
	for i := 0; i < heavy; i++ {
		out[i%h]++
	}
	for i := heavy; i < sz.Threads; i++ {
		out[h+int(float64(sz.Veterans-h)*math.Pow(g.rng.Float64(), 1.5))]++
	}
	return out
}

// messageCounts gives each thread at least one message, a long tail, and
// exactly Messages in total.
func (g *gen) messageCounts() []int {
	sz := g.sz
	out := make([]int, sz.Threads)
	mean := float64(sz.Messages)/float64(sz.Threads) - 1
	total := 0
	for i := range out {
		out[i] = 1 + min(60, int(g.rng.ExpFloat64()*mean))
		total += out[i]
	}
	for total < sz.Messages {
		out[g.rng.IntN(len(out))]++
		total++
	}
	for total > sz.Messages {
		if i := g.rng.IntN(len(out)); out[i] > 1 {
			out[i]--
			total--
		}
	}
	return out
}

func (g *gen) veteran(v int, threadMsgs []int) error {
	now, r := g.now, g.rng
	vid := ids.New(ids.Veteran)
	// Care teams: 3 to 6, from a home facility and one other.
	home, other := r.IntN(len(g.byFac)), r.IntN(len(g.byFac))
	var mine []team
	seen := map[int]bool{}
	for n := 3 + r.IntN(4); len(mine) < n; {
		f := home
		if len(mine)%3 == 2 {
			f = other
		}
		k := g.byFac[f][r.IntN(len(g.byFac[f]))]
		if !seen[k] {
			seen[k] = true
			mine = append(mine, g.teams[k])
		}
	}
	var mhvID, ohID, ohAuth any
	for _, t := range mine {
		if t.provider == "MHV" {
			mhvID = fmt.Sprint(30000000 + v)
		} else {
			ohID, ohAuth = fmt.Sprint(40000000+v), "va"
		}
	}
	name := fmt.Sprintf("Veteran %d", v)
	if err := g.add(tVeterans, vid, now, now, ICN(v), name, mhvID, ohID, ohAuth, "", "", false); err != nil {
		return err
	}
	for i, t := range mine {
		if err := g.add(tAssociations, ids.New(ids.Association), now, now, i == 0, false, t.id, vid); err != nil {
			return err
		}
	}
	folders := map[string]string{}
	for _, f := range [][2]string{{"INBOX", "Inbox"}, {"SENT", "Sent"}, {"DRAFTS", "Drafts"}, {"TRASH", "Trash"}} {
		folders[f[0]] = ids.New(ids.Folder)
		if err := g.add(tFolders, folders[f[0]], now, now, f[1], f[0], vid); err != nil {
			return err
		}
	}
	var tags []string
	if len(threadMsgs) >= 5 {
		for _, n := range []string{"Important", "Follow up"} {
			id := ids.New(ids.Tag)
			tags = append(tags, id)
			if err := g.add(tTags, id, now, now, n, vid); err != nil {
				return err
			}
		}
	}
	for _, n := range threadMsgs {
		if err := g.thread(vid, name, mine, folders, tags, n); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) thread(vid, vname string, mine []team, folders map[string]string, tags []string, n int) error {
	now, r := g.now, g.rng
	t := mine[r.IntN(len(mine))]
	tid := ids.New(ids.Thread)
	// Messages spread over two years, hours to days apart, never in the future.
	at := now.Add(-time.Duration(r.Float64() * float64(730*24*time.Hour)))
	times := make([]time.Time, n)
	for i := range times {
		if i > 0 {
			at = at.Add(10*time.Minute + time.Duration(r.Float64()*float64(48*time.Hour)))
		}
		if lim := now.Add(-time.Duration(n-i) * time.Minute); at.After(lim) {
			at = lim
		}
		times[i] = at.Truncate(time.Microsecond)
	}
	clinicianFirst := r.Float64() < 0.3
	var lastID string
	unread, hasAtt, fromClinician := 0, false, false
	for i := 0; i < n; i++ {
		mid := ids.New(ids.Message)
		lastID = mid
		sent := times[i]
		clin := (i%2 == 0) == clinicianFirst
		var kind, author string
		var readAt, clinRead, status any
		if clin {
			fromClinician = true
			kind, author = "CLINICIAN", "Dr. "+capital(words[r.IntN(len(words))])
			recent := i == n-1 && now.Sub(sent) < 30*24*time.Hour
			if (recent && r.Float64() < 0.6) || r.Float64() < 0.01 {
				unread++
			} else {
				readAt = sent.Add(time.Hour)
			}
		} else {
			kind, author, status = "VETERAN", vname, "DELIVERED"
			clinRead = sent.Add(2 * time.Hour)
		}
		body := g.text(30 + r.IntN(40))
		if err := g.add(tMessages, mid, sent, sent, vid, kind, author, body, true, sent, sent, readAt, clinRead, status, nil, false, nil, tid); err != nil {
			return err
		}
		if err := g.add(tProviderRefs, ids.New(ids.ProviderRef), sent, sent, t.provider, "MESSAGE", mid, g.extID(), ""); err != nil {
			return err
		}
		if r.Float64() < 0.03 {
			hasAtt = true
			data := []byte(g.text(40))
			if err := g.add(tAttachments, ids.New(ids.Attachment), sent, sent, vid, "note.txt", "text/plain", int64(len(data)), data, nil, nil, mid); err != nil {
				return err
			}
		}
	}
	folder := folders["SENT"]
	if fromClinician {
		folder = folders["INBOX"]
	}
	if r.Float64() < 0.03 {
		folder = folders["TRASH"]
	}
	subject := subjects[r.IntN(len(subjects))]
	if err := g.add(tThreads, tid, times[0], times[n-1], subject, categories[r.IntN(len(categories))], times[n-1], lastID,
		n, unread, hasAtt, t.id, folder, vid); err != nil {
		return err
	}
	if err := g.add(tProviderRefs, ids.New(ids.ProviderRef), times[0], times[0], t.provider, "THREAD", tid, g.extID(), ""); err != nil {
		return err
	}
	if len(tags) > 0 && r.Float64() < 0.1 {
		return g.add(tThreadTags, tid, tags[r.IntN(len(tags))])
	}
	return nil
}

// copySink streams each table through its own COPY, on its own connection
// with foreign-key triggers off (session_replication_role = replica).
type copySink struct {
	ch   []chan []any
	errs chan error
}

func newCopySink(ctx context.Context, db *sql.DB) (*copySink, error) {
	s := &copySink{errs: make(chan error, len(tables))}
	for _, t := range tables {
		conn, err := db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		if _, err := conn.ExecContext(ctx, "SET session_replication_role = replica"); err != nil {
			conn.Close()
			return nil, fmt.Errorf("bulk load needs a superuser (to defer foreign keys): %w", err)
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			conn.Close()
			return nil, err
		}
		st, err := tx.Prepare(pq.CopyIn(t.name, t.cols...))
		if err != nil {
			_ = tx.Rollback()
			conn.Close()
			return nil, err
		}
		ch := make(chan []any, 4096)
		s.ch = append(s.ch, ch)
		go func() {
			var err error
			for row := range ch {
				if err == nil {
					_, err = st.Exec(row...)
				}
			}
			if err == nil {
				_, err = st.Exec()
			}
			if cerr := st.Close(); err == nil {
				err = cerr
			}
			if err == nil {
				err = tx.Commit()
			} else {
				_ = tx.Rollback()
			}
			_, _ = conn.ExecContext(context.Background(), "SET session_replication_role = DEFAULT")
			conn.Close()
			if err != nil {
				err = fmt.Errorf("copy %s: %w", t.name, err)
			}
			s.errs <- err
		}()
	}
	return s, nil
}

func (s *copySink) add(t int, row []any) error { s.ch[t] <- row; return nil }

func (s *copySink) close() error {
	for _, c := range s.ch {
		close(c)
	}
	var first error
	for range s.ch {
		if err := <-s.errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// insertSink batches multi-row INSERTs on SQLite's one connection.
type insertSink struct {
	ctx     context.Context
	conn    *sql.Conn
	tx      *sql.Tx
	buf     [][]any
	pending int
}

func newInsertSink(ctx context.Context, db *sql.DB) (*insertSink, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		conn.Close()
		return nil, err
	}
	s := &insertSink{ctx: ctx, conn: conn, buf: make([][]any, len(tables))}
	return s, s.begin()
}

func (s *insertSink) begin() (err error) { s.tx, err = s.conn.BeginTx(s.ctx, nil); return err }

// batchRows keeps a statement under SQLite's 32766 parameters.
const batchRows = 500

func (s *insertSink) add(t int, row []any) error {
	s.buf[t] = append(s.buf[t], row...)
	if len(s.buf[t]) >= batchRows*len(tables[t].cols) {
		if err := s.flush(t); err != nil {
			return err
		}
	}
	if s.pending++; s.pending >= 100000 {
		s.pending = 0
		for i := range tables {
			if err := s.flush(i); err != nil {
				return err
			}
		}
		if err := s.tx.Commit(); err != nil {
			return err
		}
		return s.begin()
	}
	return nil
}

func (s *insertSink) flush(t int) error {
	vals := s.buf[t]
	if len(vals) == 0 {
		return nil
	}
	cols := tables[t].cols
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	rows := len(vals) / len(cols)
	q := "INSERT INTO " + tables[t].name + " (" + strings.Join(cols, ",") + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
	if _, err := s.tx.ExecContext(s.ctx, q, vals...); err != nil {
		return fmt.Errorf("insert %s: %w", tables[t].name, err)
	}
	s.buf[t] = vals[:0]
	return nil
}

func (s *insertSink) close() error {
	defer s.conn.Close()
	for i := range tables {
		if err := s.flush(i); err != nil {
			_ = s.tx.Rollback()
			return err
		}
	}
	if err := s.tx.Commit(); err != nil {
		return err
	}
	_, err := s.conn.ExecContext(s.ctx, "PRAGMA foreign_keys = ON")
	return err
}
