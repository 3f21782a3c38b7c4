package recording

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/store"
	"github.com/tapedeck/tapedeck/internal/storetest"
)

// The list tests run on SQLite, or on PostgreSQL when
// TAPEDECK_TEST_BACKEND=postgres.
func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

// testNow is the clock of the list tests.
var testNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// ms is a time as rrweb milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fixture is a store seeded with recordings whose listed fields are
// written out below, with the expectations of the tests computed by hand.
//
//	id  distinct    start     dur  active clicks keys mouse log warn err score  start_url       source
//	s1  alice-anon  now-1h    120  60     10     5    100   2   1    0   33.63  shop/home       web
//	s2  bob         now-2h    30   30     0      0    0     0   0    0   100    blog/post?id=1  web
//	s7  erin        now-5h    0    0      0      0    0     0   0    0   NULL   -               unknown
//	s3  carol       now-1d    600  100    3      50   300   1   0    2   17.17  shop/checkout   mobile
//	s4  dave        now-4d    45   5      10     0    20    0   0    1   24.24  shop/home       web
//	s5  alice       now-10d   120  20     1      5    100   1   0    0   11.76  -               web
//	s6  frank       now-31d   (expired: past the 30 days of retention)
//	s8  (another project)
//
// Persons: alice-anon and alice are one person (U1); bob (U2), carol (U3)
// and erin (U4) have persons; dave has none.
type fixture struct {
	st           *store.Store
	project      store.Project
	other        store.Project
	userA, userB store.User
}

const (
	uuidAlice = "11111111-1111-4111-8111-111111111111"
	uuidBob   = "22222222-2222-4222-8222-222222222222"
	uuidCarol = "33333333-3333-4333-8333-333333333333"
	uuidErin  = "44444444-4444-4444-8444-444444444444"
)

// all is every listed recording in the default order (newest first).
var all = []string{"s1", "s2", "s7", "s3", "s4", "s5"}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	org := store.Organization{ID: "0195c0de-0000-7000-8000-000000000001", Name: "o", CreatedAt: testNow}
	if err := st.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st}
	f.project = store.Project{UUID: "0195c0de-0000-7000-8000-000000000002", OrganizationID: org.ID, Name: "p",
		APIToken: "phc_one", Timezone: "UTC", RetentionDays: 30, CreatedAt: testNow}
	f.other = store.Project{UUID: "0195c0de-0000-7000-8000-000000000003", OrganizationID: org.ID, Name: "q",
		APIToken: "phc_two", Timezone: "UTC", RetentionDays: 30, CreatedAt: testNow}
	for _, p := range []*store.Project{&f.project, &f.other} {
		if err := st.CreateProject(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	f.userA = store.User{UUID: "0195c0de-0000-7000-8000-00000000000a", Email: "a@example.com", DistinctID: "ua", CreatedAt: testNow}
	f.userB = store.User{UUID: "0195c0de-0000-7000-8000-00000000000b", Email: "b@example.com", DistinctID: "ub", CreatedAt: testNow}
	for _, u := range []*store.User{&f.userA, &f.userB} {
		if err := st.CreateUser(ctx, u, org.ID); err != nil {
			t.Fatal(err)
		}
	}

	p := f.project.ID
	rec := func(id, distinct string, start time.Time, lastMS, activeMS int64, clicks, keys, mouse, log, warn, errs int,
		startURL, source string) store.Recording {
		return store.Recording{ProjectID: p, SessionID: id, DistinctID: distinct, FirstTS: ms(start),
			LastTS: ms(start) + lastMS, ActiveMS: activeMS, ClickCount: clicks, KeypressCount: keys,
			MouseActivityCount: mouse, ConsoleLogCount: log, ConsoleWarnCount: warn, ConsoleErrorCount: errs,
			StartURL: startURL, StartURLTS: ms(start), SnapshotSource: source, Activity: []byte{1, 2, 3},
			CreatedAt: start, LastIngestedAt: start}
	}
	recordings := []store.Recording{
		rec("s1", "alice-anon", testNow.Add(-time.Hour), 120_500, 60_000, 10, 5, 100, 2, 1, 0, "https://shop.example/home", "web"),
		rec("s2", "bob", testNow.Add(-2*time.Hour), 30_000, 30_000, 0, 0, 0, 0, 0, 0, "https://blog.example/post?id=1", "web"),
		rec("s3", "carol", testNow.Add(-24*time.Hour), 600_000, 100_000, 3, 50, 300, 1, 0, 2, "https://shop.example/checkout", "mobile"),
		rec("s4", "dave", testNow.Add(-96*time.Hour), 45_000, 5_000, 10, 0, 20, 0, 0, 1, "https://shop.example/home", "web"),
		rec("s5", "alice", testNow.Add(-240*time.Hour), 120_999, 20_000, 1, 5, 100, 1, 0, 0, "", "web"),
		rec("s6", "frank", testNow.Add(-31*24*time.Hour), 1_000_000, 900_000, 1000, 1000, 1000, 0, 0, 0, "https://shop.example/home", "web"),
		rec("s7", "erin", testNow.Add(-5*time.Hour), 0, 0, 0, 0, 0, 0, 0, 0, "", "unknown"),
	}
	s8 := rec("s8", "alice-anon", testNow.Add(-time.Hour+time.Millisecond), 120_500, 60_000, 999, 5, 100, 2, 1, 9,
		"https://shop.example/home", "web")
	s8.ProjectID = f.other.ID
	recordings = append(recordings, s8)

	persons := []struct {
		uuid     string
		props    string
		distinct []string
	}{
		{uuidAlice, `{"email":"alice@shop.example","plan":"pro","age":34,"beta":true,"score":"7.5","nick":null,"weird\"key":"q\\'"}`,
			[]string{"alice-anon", "alice"}},
		{uuidBob, `{"email":"bob@example.com","plan":"free","age":"19","nick":"Bobby ' OR 1=1 --"}`, []string{"bob"}},
		{uuidCarol, `{"plan":"Pro","name":"Carol","age":61.5}`, []string{"carol"}},
		{uuidErin, `{}`, []string{"erin"}},
	}
	event := func(uuid, session, name, props string) store.Event {
		return store.Event{ProjectID: p, UUID: uuid, Event: name, DistinctID: "x", SessionID: session,
			Timestamp: testNow.Add(-time.Hour), Properties: json.RawMessage(props)}
	}
	events := []store.Event{
		event("e1", "s1", "$pageview", `{"$browser":"Chrome","$current_url":"https://shop.example/home"}`),
		event("e2", "s1", "$autocapture", `{"$browser":"Chrome","$el_text":"Buy now"}`),
		event("e3", "s1", "purchase", `{"amount":99.5,"currency":"EUR","$browser":"Chrome"}`),
		event("e4", "s2", "$pageview", `{"$browser":"Firefox"}`),
		event("e5", "s3", "$pageview", `{"$browser":"Chrome"}`),
		event("e6", "s3", "$pageview", `{"$browser":"Safari"}`),
		event("e7", "s3", "signup", `{"plan":"pro","amount":"12"}`),
		event("e8", "s5", "$pageview", `{}`),
	}
	otherEvent := event("e9", "s4", "purchase", `{"amount":1000,"$browser":"Chrome"}`)
	otherEvent.ProjectID = f.other.ID
	events = append(events, otherEvent)

	urls := map[string][]string{
		"s1": {"https://shop.example/home", "https://shop.example/cart"},
		"s2": {"https://blog.example/post?id=1"},
		"s3": {"https://shop.example/checkout", "https://shop.example/cart"},
		"s4": {"https://shop.example/home"},
	}
	console := map[string][]store.ConsoleEntry{
		"s1": {{TS: 1, Level: "log", Message: "app started"}, {TS: 2, Level: "warn", Message: "deprecated API"}},
		"s3": {{TS: 1, Level: "error", Message: "TypeError: x is undefined"}, {TS: 2, Level: "error", Message: "Network failed"},
			{TS: 3, Level: "log", Message: "checkout loaded"}},
		"s4": {{TS: 1, Level: "error", Message: "Something ' OR 1=1 -- happened"}},
		"s5": {{TS: 1, Level: "log", Message: `100% done_ok "quoted" back\slash`}},
	}

	err := st.Write(ctx, func(tx *store.Tx) error {
		for i := range recordings {
			if err := tx.PutRecording(ctx, &recordings[i]); err != nil {
				return err
			}
		}
		for _, pr := range persons {
			person := store.Person{ProjectID: p, UUID: pr.uuid, Properties: json.RawMessage(pr.props), CreatedAt: testNow}
			if err := tx.CreatePerson(ctx, &person, pr.distinct[0]); err != nil {
				return err
			}
			for _, d := range pr.distinct[1:] {
				if err := tx.AddDistinctID(ctx, p, d, person.ID); err != nil {
					return err
				}
			}
		}
		// A person of the other project under a listed distinct id, whose
		// properties must not leak into this project's filters.
		stranger := store.Person{ProjectID: f.other.ID, UUID: "55555555-5555-4555-8555-555555555555",
			Properties: json.RawMessage(`{"email":"dave@example.com"}`), CreatedAt: testNow}
		if err := tx.CreatePerson(ctx, &stranger, "dave"); err != nil {
			return err
		}
		if err := tx.InsertEvents(ctx, events); err != nil {
			return err
		}
		for id, list := range urls {
			visits := make([]store.URLVisit, len(list))
			for i, u := range list {
				visits[i] = store.URLVisit{URL: u, FirstTS: int64(i)}
			}
			if err := tx.AddURLs(ctx, p, id, visits); err != nil {
				return err
			}
		}
		if err := tx.AddURLs(ctx, f.other.ID, "s2", []store.URLVisit{{URL: "https://shop.example/cart"}}); err != nil {
			return err
		}
		for id, entries := range console {
			if err := tx.AddConsole(ctx, p, id, entries); err != nil {
				return err
			}
		}
		return tx.AddConsole(ctx, f.other.ID, "s2", []store.ConsoleEntry{{Level: "error", Message: "Network failed"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct {
		user    store.User
		session string
	}{{f.userA, "s1"}, {f.userA, "s2"}, {f.userB, "s3"}} {
		if err := st.MarkViewed(ctx, p, v.session, v.user.ID, testNow); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// run lists the fixture's project with q as user A and returns the session
// ids of the page and the total count.
func (f *fixture) run(t testing.TB, q Query) ([]string, int) {
	t.Helper()
	cond, order, err := q.Compile(f.st.Dialect(), f.userA.ID)
	if err != nil {
		t.Fatal(err)
	}
	recs, count, err := f.st.ListRecordings(context.Background(), f.project.ID,
		RetentionFrom(f.project.RetentionDays, testNow), cond, order, q.Limit, q.Offset)
	if err != nil {
		t.Fatalf("list: %v\nSQL: %s\nargs: %v", err, cond.SQL, cond.Args)
	}
	ids := []string{}
	for _, r := range recs {
		ids = append(ids, r.SessionID)
	}
	return ids, count
}

// runForm runs q with its condition written one way only: for a page
// (counting false: person filters look up each recording's person) or for
// a count (person filters as sets of distinct ids).
func (f *fixture) runForm(t testing.TB, q Query, counting bool) []string {
	t.Helper()
	cond, order, err := q.Compile(f.st.Dialect(), f.userA.ID)
	if err != nil {
		t.Fatal(err)
	}
	if counting && cond.CountSQL != "" {
		cond.SQL, cond.Args = cond.CountSQL, cond.CountArgs
	}
	cond.CountSQL, cond.CountArgs = "", nil
	recs, count, err := f.st.ListRecordings(context.Background(), f.project.ID,
		RetentionFrom(f.project.RetentionDays, testNow), cond, order, q.Limit, q.Offset)
	if err != nil {
		t.Fatalf("list: %v\nSQL: %s\nargs: %v", err, cond.SQL, cond.Args)
	}
	ids := []string{}
	for _, r := range recs {
		ids = append(ids, r.SessionID)
	}
	if count != len(ids) {
		t.Errorf("count %d for %d recordings", count, len(ids))
	}
	return ids
}

// list parses a list endpoint query string and runs it.
func (f *fixture) list(t testing.TB, query string) ([]string, int) {
	t.Helper()
	v, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParseListQuery(v, testNow)
	if err != nil {
		t.Fatalf("ParseListQuery(%s): %v", query, err)
	}
	return f.run(t, q)
}

// check compares the ids listed with the ids wanted.
func check(t *testing.T, what string, got, want []string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s\n got %v\nwant %v", what, got, want)
	}
}
