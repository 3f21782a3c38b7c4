package bench

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	// The SQLite driver the store registers, and its Go functions.
	_ "github.com/tapedeck/tapedeck/internal/store"

	"github.com/tapedeck/tapedeck/internal/rrweb"
)

// seedSpan is how far back the seeded recordings start: well inside the
// default retention of 30 days.
const seedSpan = 25 * 24 * time.Hour

// seedBatch is how many recordings one seeding transaction writes.
const seedBatch = 25_000

// Seeded describes what Seed wrote.
type Seeded struct {
	// Recordings is the number of recordings in all projects.
	Recordings int
	// PerProject is the number of recordings of each project.
	PerProject map[int64]int
	// Rows is the number of rows written to each table.
	Rows map[string]int
	// Elapsed is how long seeding took, from opening the file to the last
	// index built.
	Elapsed time.Duration
	// Now is the clock seeding used: recordings started up to seedSpan
	// before it.
	Now time.Time
	// Sample holds values of the measured project (Store.ProjectID) that
	// the list queries filter on, each known to match some recordings.
	Sample Sample
}

// Rate is the seeding rate in recordings per second.
func (s *Seeded) Rate() float64 { return float64(s.Recordings) / s.Elapsed.Seconds() }

// Sample holds values seeded into the measured project.
type Sample struct {
	// SessionIDs are recordings spread over the whole time range.
	SessionIDs []string
	// DistinctIDs have recordings; the first has a person.
	DistinctIDs []string
	// PersonUUID is the person of DistinctIDs[0].
	PersonUUID string
	// Email is that person's email; EmailDomain a domain many share.
	Email, EmailDomain string
	// Page is a URL some recordings visited (not only as start URL).
	Page string
	// ErrorMessage is part of a console error message some recordings logged.
	ErrorMessage string
	// Event is an analytics event some sessions hold.
	Event string
	// UserID is the user the API key belongs to, who viewed some recordings.
	UserID int64
}

// seedPages are the paths of the seeded site; pages are drawn with a Zipf
// law, so a few are visited very often and most rarely.
var seedPages = func() []string {
	pages := []string{"/", "/pricing", "/cart", "/checkout", "/checkout/payment", "/checkout/done", "/login", "/signup",
		"/account", "/account/settings", "/account/billing", "/search", "/about", "/contact", "/careers"}
	for i := range 120 {
		pages = append(pages, fmt.Sprintf("/products/%d", 1000+i*7))
	}
	for i := range 80 {
		pages = append(pages, fmt.Sprintf("/blog/post-%d", i))
	}
	for i := range 60 {
		pages = append(pages, fmt.Sprintf("/docs/guide/%d", i))
	}
	for i := range 40 {
		pages = append(pages, fmt.Sprintf("/category/%d", i))
	}
	for i, p := range pages {
		pages[i] = "https://shop.example.com" + p
	}
	return pages
}()

// Console messages by level.
var (
	seedErrors = []string{
		"TypeError: Cannot read properties of undefined (reading 'map')",
		"Uncaught (in promise) Error: Failed to fetch",
		"ChunkLoadError: Loading chunk 742 failed.",
		"ReferenceError: gtag is not defined",
		"Error: Request failed with status code 500",
		"SyntaxError: Unexpected token '<', \"<!DOCTYPE \" is not valid JSON",
		"TypeError: null is not an object (evaluating 'el.getBoundingClientRect')",
		"Error: Minified React error #418",
		"NetworkError when attempting to fetch resource.",
		"Payment declined: card_error insufficient_funds",
	}
	seedWarnings = []string{
		"Warning: Each child in a list should have a unique \"key\" prop.",
		"[Deprecation] Synchronous XMLHttpRequest on the main thread is deprecated",
		"Slow network is detected. Fallback font will be used while loading",
		"Cookie \"_ga\" will be soon rejected because it has the \"SameSite\" attribute set to \"None\"",
	}
	seedLogs = []string{
		"[analytics] page view sent",
		"cart updated",
		"feature flags loaded",
		"[router] navigation complete",
		"service worker registered",
	}
)

// Person property values.
var (
	seedDomains   = []string{"example.com", "acme.io", "globex.net", "initech.org", "umbrella.co", "hooli.com"}
	seedPlans     = []string{"free", "free", "free", "pro", "pro", "team", "enterprise"}
	seedCountries = []string{"US", "DE", "FR", "GB", "IN", "BR", "JP", "CA", "ES", "NL"}
	seedFirst     = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus", "Radia", "Donald"}
	seedLast      = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton", "Torvalds"}
	seedBrowsers  = []string{"Chrome", "Chrome", "Chrome", "Safari", "Firefox", "Edge"}
)

// Seed writes recordings across projects straight into the store's SQLite
// file, which no server may have open: the measured project (s.ProjectID)
// gets half of them (rounded up), and the others, created here with the
// administration command, share the rest. Beside the recordings it writes
// what listing reads and filters on: visited URLs, console messages,
// analytics events, persons with their distinct ids, and views by the API
// key's user. One goroutine generates rows while another writes them.
func Seed(ctx context.Context, s *Store, recordings, projects int, log io.Writer) (*Seeded, error) {
	if log == nil {
		log = io.Discard
	}
	projects = max(projects, 1)
	recordings = max(recordings, 0)
	ids := []int64{s.ProjectID}
	for i := 1; i < projects; i++ {
		var p struct {
			ID int64 `json:"id"`
		}
		if err := s.Admin(ctx, &p, "project", "create", "--name", fmt.Sprintf("bench %d", i)); err != nil {
			return nil, err
		}
		ids = append(ids, p.ID)
	}
	// The generated rows are short-lived garbage: collect less often.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	start := time.Now()
	db, err := openForSeeding(s.SQLitePath())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	w := &seedWriter{ctx: ctx, conn: conn, rows: map[string]int{}}
	defer w.close()

	out := &Seeded{PerProject: map[int64]int{}, Now: start.UTC().Truncate(time.Millisecond)}
	var userID, nextPerson int64
	if err := conn.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, "bench@example.com").Scan(&userID); err != nil {
		return nil, fmt.Errorf("the bench user: %w", err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM persons`).Scan(&nextPerson); err != nil {
		return nil, err
	}
	users, err := w.userIDs()
	if err != nil {
		return nil, err
	}
	// No rollback journal while loading: the file is thrown away if
	// seeding fails. The store's WAL mode is restored at the end.
	for _, pragma := range []string{`PRAGMA journal_mode = DELETE`, `PRAGMA locking_mode = EXCLUSIVE`, `PRAGMA journal_mode = OFF`} {
		if _, err := conn.ExecContext(ctx, pragma); err != nil {
			return nil, err
		}
	}
	indexes, err := w.dropIndexes()
	if err != nil {
		return nil, err
	}

	seeds := make([]*projectSeed, len(ids))
	measured := (recordings + 1) / 2
	for i, id := range ids {
		n := measured
		if i > 0 {
			// The rest, spread evenly: the first ones take the remainder.
			rest, others := recordings-measured, len(ids)-1
			n = rest / others
			if i <= rest%others {
				n++
			}
		}
		seeds[i] = newProjectSeed(id, n, out.Now, userID, users, nextPerson)
		nextPerson += int64(len(seeds[i].persons))
		out.PerProject[id] = n
		out.Recordings += n
	}
	genCtx, stop := context.WithCancel(ctx)
	defer stop()
	chunks := make(chan *rowChunk, 4)
	go func() {
		defer close(chunks)
		for _, g := range seeds {
			fmt.Fprintf(log, "bench: seeding %d recordings into project %d\n", g.n, g.projectID)
			if !g.generate(genCtx, chunks) {
				return
			}
		}
	}()
	if err := w.writeAll(chunks); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out.Sample = seeds[0].sample()
	fmt.Fprintf(log, "bench: rows written in %s; building %d indexes and triggers\n",
		time.Since(start).Round(time.Millisecond), len(indexes))
	for _, sql := range indexes {
		if _, err := conn.ExecContext(ctx, sql); err != nil {
			return nil, fmt.Errorf("rebuild index: %w", err)
		}
	}
	for _, pragma := range []string{`PRAGMA locking_mode = NORMAL`, `PRAGMA journal_mode = WAL`} {
		if _, err := conn.ExecContext(ctx, pragma); err != nil {
			return nil, err
		}
	}
	out.Rows, out.Elapsed = w.rows, time.Since(start)
	return out, nil
}

// openForSeeding opens the SQLite file for one bulk load: no fsync (a
// failed seeding is thrown away), a large page cache, temporary data in
// memory, sorting threads.
func openForSeeding(path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(OFF)")
	q.Add("_pragma", "cache_size(-262144)")
	q.Add("_pragma", "temp_store(MEMORY)")
	// Index builds sort with helper threads.
	q.Add("_pragma", "threads(4)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// seedTable is a table Seed writes rows to.
type seedTable struct {
	id            int
	name, columns string
	width         int
}

// The seeded tables. Their secondary indexes are dropped during the load
// and built again after it: building an index over all the rows at once
// is much faster than growing it row by row.
var (
	tRecordings = &seedTable{0, "recordings", `project_id, session_id, distinct_id, first_ts, last_ts, click_count,
		keypress_count, mouse_activity_count, console_log_count, console_warn_count, console_error_count, active_ms,
		event_count, start_url, start_url_ts, snapshot_source, snapshot_library, activity, block_count, raw_bytes,
		stored_bytes, created_at, last_ingested_at`, 23}
	tURLs     = &seedTable{1, "recording_urls", `project_id, session_id, url, first_ts`, 4}
	tConsole  = &seedTable{2, "recording_console", `project_id, session_id, ts, level, message`, 5}
	tEvents   = &seedTable{3, "events", `project_id, uuid, event, distinct_id, session_id, timestamp, current_url, properties`, 8}
	tPersons  = &seedTable{4, "persons", `id, project_id, uuid, properties, created_at`, 5}
	tDistinct = &seedTable{5, "person_distinct_ids", `project_id, distinct_id, person_id`, 3}
	tViews    = &seedTable{6, "recording_views", `project_id, session_id, user_id, viewed_at`, 4}

	seededTables = []*seedTable{tRecordings, tURLs, tConsole, tEvents, tPersons, tDistinct, tViews}
)

// rowChunk is a slice of generated rows, by table, handed to the writer.
type rowChunk struct {
	args [7][]any
	// recordings is how many recordings the chunk holds.
	recordings int
}

// add appends one row of t.
func (c *rowChunk) add(t *seedTable, values ...any) {
	if len(values) != t.width {
		panic("bench: wrong number of values for " + t.name)
	}
	c.args[t.id] = append(c.args[t.id], values...)
}

// seedWriter writes rows in multi-row INSERT statements inside large
// transactions. The transactions are begun and committed with SQL on the
// one connection, so that the statements prepared on it stay prepared.
type seedWriter struct {
	ctx  context.Context
	conn *sql.Conn
	rows map[string]int
	// pending are rows not yet written, by table; stmts the prepared
	// statements of batchRows rows.
	pending [7][]any
	stmts   [7]*sql.Stmt
}

// batchRows is how many rows one INSERT statement carries.
const batchRows = 100

// userIDs lists the users' ids.
func (w *seedWriter) userIDs() ([]int64, error) {
	rows, err := w.conn.QueryContext(w.ctx, `SELECT id FROM users ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var users []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		users = append(users, id)
	}
	return users, rows.Err()
}

// dropIndexes drops the secondary indexes and the triggers of the seeded
// tables and returns the statements that create them again.
func (w *seedWriter) dropIndexes() ([]string, error) {
	args := make([]any, len(seededTables))
	for i, t := range seededTables {
		args[i] = t.name
	}
	rows, err := w.conn.QueryContext(w.ctx, `SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')
		AND sql IS NOT NULL AND tbl_name IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")+`)
		ORDER BY type`, args...)
	if err != nil {
		return nil, err
	}
	var drop, create []string
	for rows.Next() {
		var typ, name, sql string
		if err := rows.Scan(&typ, &name, &sql); err != nil {
			rows.Close()
			return nil, err
		}
		drop, create = append(drop, `DROP `+strings.ToUpper(typ)+` "`+name+`"`), append(create, sql)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, d := range drop {
		if _, err := w.conn.ExecContext(w.ctx, d); err != nil {
			return nil, err
		}
	}
	return create, nil
}

// insert is the INSERT statement of n rows of t.
func insert(t *seedTable, n int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", t.width), ", ") + ")"
	return "INSERT INTO " + t.name + " (" + t.columns + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// writeAll writes the chunks until the channel closes, committing every
// seedBatch recordings. On failure it drains the channel, so that the
// generator ends.
func (w *seedWriter) writeAll(chunks <-chan *rowChunk) error {
	err := w.write(chunks)
	if err != nil {
		w.conn.ExecContext(context.Background(), `ROLLBACK`)
		for range chunks {
		}
	}
	return err
}

func (w *seedWriter) write(chunks <-chan *rowChunk) error {
	inTx := 0
	for c := range chunks {
		if inTx == 0 {
			if _, err := w.conn.ExecContext(w.ctx, `BEGIN`); err != nil {
				return err
			}
		}
		for _, t := range seededTables {
			if err := w.queue(t, c.args[t.id]); err != nil {
				return err
			}
		}
		inTx += max(c.recordings, 1)
		if inTx >= seedBatch {
			if _, err := w.conn.ExecContext(w.ctx, `COMMIT`); err != nil {
				return err
			}
			inTx = 0
		}
	}
	if inTx == 0 {
		if _, err := w.conn.ExecContext(w.ctx, `BEGIN`); err != nil {
			return err
		}
	}
	for _, t := range seededTables {
		if rest := w.pending[t.id]; len(rest) > 0 {
			if _, err := w.conn.ExecContext(w.ctx, insert(t, len(rest)/t.width), rest...); err != nil {
				return err
			}
		}
	}
	_, err := w.conn.ExecContext(w.ctx, `COMMIT`)
	return err
}

// queue adds rows of t, writing every full batch.
func (w *seedWriter) queue(t *seedTable, args []any) error {
	w.rows[t.name] += len(args) / t.width
	p := append(w.pending[t.id], args...)
	full := batchRows * t.width
	for len(p) >= full {
		if w.stmts[t.id] == nil {
			var err error
			if w.stmts[t.id], err = w.conn.PrepareContext(w.ctx, insert(t, batchRows)); err != nil {
				return err
			}
		}
		if _, err := w.stmts[t.id].ExecContext(w.ctx, p[:full]...); err != nil {
			return err
		}
		p = p[full:]
	}
	w.pending[t.id] = append(w.pending[t.id][:0], p...)
	return nil
}

// close releases the prepared statements.
func (w *seedWriter) close() {
	for _, st := range w.stmts {
		if st != nil {
			st.Close()
		}
	}
}

// projectSeed generates one project's data from a fixed random seed, so
// that a run is repeatable.
type projectSeed struct {
	projectID int64
	n         int
	now       time.Time
	userID    int64
	users     []int64
	// firstPerson is the id of the project's first person.
	firstPerson int64
	rng         *rand.Rand
	pages       *rand.Zipf
	distinct    []string
	persons     []seedPerson
	sessionIDs  []string
	emptyBlob   []byte
}

// seedPerson is one person: its uuid, email and distinct ids.
type seedPerson struct {
	uuid, email string
	distinct    []int
}

// seedChunk is how many recordings one chunk of rows holds.
const seedChunk = 2000

func newProjectSeed(projectID int64, n int, now time.Time, userID int64, users []int64, firstPerson int64) *projectSeed {
	rng := rand.New(rand.NewPCG(uint64(projectID), 0x7a9e_decc))
	g := &projectSeed{projectID: projectID, n: n, now: now, userID: userID, users: users, firstPerson: firstPerson,
		rng: rng, pages: rand.NewZipf(rng, 1.1, 4, uint64(len(seedPages)-1)), emptyBlob: rrweb.EncodeActivity(nil)}
	// About four recordings per distinct id; three in five distinct ids
	// belong to a person, and one person in fifteen has a second
	// (anonymous) distinct id that an identify tied to it.
	nd := max(1, n/4)
	g.distinct = make([]string, nd)
	for i := range nd {
		if i%5 < 3 {
			g.distinct[i] = fmt.Sprintf("user-%d-%d", projectID, i)
			g.persons = append(g.persons, seedPerson{uuid: g.uuid4(), distinct: []int{i},
				email: fmt.Sprintf("%s.%s%d@%s", strings.ToLower(seedFirst[i%len(seedFirst)]),
					strings.ToLower(seedLast[(i/3)%len(seedLast)]), i, seedDomains[i%len(seedDomains)])})
			continue
		}
		g.distinct[i] = g.uuid4()
		if i%25 == 4 {
			p := &g.persons[len(g.persons)-1]
			p.distinct = append(p.distinct, i)
		}
	}
	return g
}

// uuid4 is a random UUID in its text form.
func (g *projectSeed) uuid4() string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := g.rng.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

// uuid7 is a version 7 UUID of the millisecond ms, as posthog-js makes
// session ids: ids sort by their start.
func (g *projectSeed) uuid7(ms int64) string {
	var b [16]byte
	v, w := g.rng.Uint64(), g.rng.Uint64()
	for j := range 8 {
		b[8+j] = byte(w >> (8 * j))
	}
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	b[6], b[7] = 0x70|byte(v&0x0f), byte(v>>8)
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// generate sends the project's rows in chunks: its recordings in start
// order, then its persons. It reports false when ctx ended first.
func (g *projectSeed) generate(ctx context.Context, out chan<- *rowChunk) bool {
	nowMS := g.now.UnixMilli()
	starts := make([]int64, g.n)
	for i := range starts {
		// More recordings lately than 25 days ago, as a growing site has.
		u := math.Sqrt(g.rng.Float64())
		starts[i] = nowMS - seedSpan.Milliseconds() + int64(u*float64(seedSpan.Milliseconds()-60_000))
	}
	slices.Sort(starts)
	g.sessionIDs = make([]string, 0, g.n)
	send := func(c *rowChunk) bool {
		select {
		case out <- c:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for i := 0; i < g.n; i += seedChunk {
		c := &rowChunk{}
		for _, first := range starts[i:min(i+seedChunk, g.n)] {
			g.recording(c, first)
			c.recordings++
		}
		if !send(c) {
			return false
		}
	}
	c := &rowChunk{}
	g.addPersons(c)
	return send(c)
}

// recording adds one recording that started at first (rrweb ms) with its
// URLs, console messages, events and views.
func (g *projectSeed) recording(c *rowChunk, first int64) {
	r := g.rng
	sid := g.uuid7(first)
	g.sessionIDs = append(g.sessionIDs, sid)
	// Distinct ids: a few heavy users, a long tail.
	distinct := g.distinct[int(float64(len(g.distinct))*math.Pow(r.Float64(), 1.5))]

	// Durations: log-normal around 90 s, from a second to a few hours.
	durMS := int64(math.Exp(math.Log(90_000)+1.3*r.NormFloat64())) + 1000
	durMS = min(durMS, 4*3600_000)
	last := first + durMS
	activeMS := int64(float64(durMS) * (0.05 + 0.9*r.Float64()))
	secs := float64(durMS) / 1000
	clicks := int(r.ExpFloat64() * (1 + secs/20))
	keys := 0
	if r.IntN(3) == 0 {
		keys = int(r.ExpFloat64() * (5 + secs/4))
	}
	mouse := clicks*3 + int(r.ExpFloat64()*secs*2)
	logs, warns, errs := 0, 0, 0
	if r.IntN(5) < 2 {
		logs = 1 + r.IntN(30)
	}
	if r.IntN(6) == 0 {
		warns = 1 + r.IntN(3)
	}
	if r.IntN(100) < 12 {
		errs = 1 + int(r.ExpFloat64()*2)
	}
	source, library := "web", any("web")
	switch x := r.IntN(100); {
	case x < 4:
		source, library = "mobile", "posthog-ios"
	case x < 5:
		source, library = "unknown", nil
	}

	// Visited pages: the start page and up to three more.
	urls := []string{seedPages[g.pages.Uint64()]}
	for range r.IntN(4) {
		if u := seedPages[g.pages.Uint64()]; !slices.Contains(urls, u) {
			urls = append(urls, u)
		}
	}
	ingested := last*1000 + int64(r.IntN(5_000_000))
	events := 0
	if r.IntN(10) == 0 {
		events = 1 + r.IntN(3)
	}
	raw := int64(20_000 + r.IntN(400_000))
	c.add(tRecordings, g.projectID, sid, distinct, first, last, clicks, keys, mouse, logs, warns, errs, activeMS,
		events+int(secs), urls[0], first, source, library, g.emptyBlob, 0, raw, raw/8, first*1000, ingested)
	for i, u := range urls {
		c.add(tURLs, g.projectID, sid, u, first+int64(i)*durMS/int64(len(urls)))
	}
	// Console messages: every error and warning, and a log message for
	// one recording with logs in three.
	someLogs := 0
	if logs > 0 && r.IntN(3) == 0 {
		someLogs = 1
	}
	for i := range errs + warns + someLogs {
		level, msg := "error", seedErrors[r.IntN(len(seedErrors))]
		switch {
		case i >= errs+warns:
			level, msg = "log", seedLogs[r.IntN(len(seedLogs))]
		case i >= errs:
			level, msg = "warn", seedWarnings[r.IntN(len(seedWarnings))]
		}
		c.add(tConsole, g.projectID, sid, first+r.Int64N(durMS), level, msg)
	}
	for i := range events {
		name, u := "$pageview", urls[i%len(urls)]
		if i > 0 && r.IntN(4) == 0 {
			name = "$autocapture"
		}
		if r.IntN(40) == 0 {
			name = "purchase"
		}
		props, _ := json.Marshal(map[string]any{"$current_url": u, "$browser": seedBrowsers[r.IntN(len(seedBrowsers))],
			"$session_id": sid, "$os": "Mac OS X"})
		c.add(tEvents, g.projectID, g.uuid7(first), name, distinct, sid, (first+int64(i)*1000)*1000, u, string(props))
	}
	// Views: the API key's user watched one recording in 30, another user
	// one in 50.
	if r.IntN(30) == 0 {
		c.add(tViews, g.projectID, sid, g.userID, ingested+60_000_000)
	}
	if len(g.users) > 1 && r.IntN(50) == 0 {
		other := g.users[0]
		if other == g.userID {
			other = g.users[1]
		}
		c.add(tViews, g.projectID, sid, other, ingested+120_000_000)
	}
}

// addPersons adds the project's persons and their distinct ids.
func (g *projectSeed) addPersons(c *rowChunk) {
	created := g.now.Add(-seedSpan - 48*time.Hour).UnixMicro()
	for i, p := range g.persons {
		first := p.distinct[0]
		props, _ := json.Marshal(map[string]any{
			"email":        p.email,
			"name":         seedFirst[first%len(seedFirst)] + " " + seedLast[(first/3)%len(seedLast)],
			"plan":         seedPlans[first%len(seedPlans)],
			"country":      seedCountries[(first/7)%len(seedCountries)],
			"$browser":     seedBrowsers[first%len(seedBrowsers)],
			"signup_count": first % 13,
		})
		id := g.firstPerson + int64(i)
		c.add(tPersons, id, g.projectID, p.uuid, string(props), created+int64(first))
		for _, d := range p.distinct {
			c.add(tDistinct, g.projectID, g.distinct[d], id)
		}
	}
}

// sample picks the filter values of the list queries from what was seeded.
func (g *projectSeed) sample() Sample {
	s := Sample{UserID: g.userID, EmailDomain: seedDomains[1], Page: seedPages[3], ErrorMessage: "failed to fetch",
		Event: "purchase"}
	for i := range 10 {
		if len(g.sessionIDs) > 0 {
			s.SessionIDs = append(s.SessionIDs, g.sessionIDs[(i*len(g.sessionIDs)/10+i)%len(g.sessionIDs)])
		}
	}
	// Distinct id 0 has a person and is the most frequent one.
	if len(g.persons) > 0 {
		p := g.persons[0]
		s.PersonUUID, s.Email = p.uuid, p.email
	}
	for i := 0; i < min(len(g.distinct), 5); i++ {
		s.DistinctIDs = append(s.DistinctIDs, g.distinct[i])
	}
	return s
}

// itoa is strconv.FormatInt for ids in query strings.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
