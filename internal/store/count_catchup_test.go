package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestListCountsCatchUp makes random changes of every kind a list can see
// and checks, after each, that cached lists (brought up to date, read in
// full, or paged from their matches) give what the recordings hold now,
// counted and listed without the cache.
func TestListCountsCatchUp(t *testing.T) {
	for _, c := range []struct {
		name         string
		small, catch int
	}{{"defaults", 5000, 20000}, {"large sets", 2, 20000}, {"few changes caught up", 5000, 3}} {
		t.Run(c.name, func(t *testing.T) {
			defer func(small, catch int) { smallMatchSet, maxCatchUp = small, catch }(smallMatchSet, maxCatchUp)
			smallMatchSet, maxCatchUp = c.small, c.catch
			testListCountsCatchUp(t, rand.New(rand.NewPCG(7, uint64(c.small+c.catch))))
		})
	}
}

func testListCountsCatchUp(t *testing.T, rnd *rand.Rand) {
	s, p, _ := newListStore(t, backends[0])
	ctx := context.Background()
	u := User{UUID: "u", Email: "u@example.com", DistinctID: "du", CreatedAt: listNow}
	if err := s.CreateUser(ctx, &u, p.OrganizationID); err != nil {
		t.Fatal(err)
	}
	conditions := []Condition{
		{},
		{SQL: "r.click_count >= ?", Args: []any{3}},
		{SQL: `EXISTS (SELECT 1 FROM recording_urls x WHERE x.project_id = r.project_id AND x.session_id = r.session_id
			AND x.url = ?)`, Args: []any{"https://a.example/2"}},
		{SQL: `EXISTS (SELECT 1 FROM recording_console x WHERE x.project_id = r.project_id AND x.session_id = r.session_id
			AND x.level = 'error')`},
		{SQL: `EXISTS (SELECT 1 FROM events x WHERE x.project_id = r.project_id AND x.session_id = r.session_id
			AND x.event = 'buy')`},
		{SQL: `NOT EXISTS (SELECT 1 FROM recording_views v WHERE v.project_id = r.project_id AND v.session_id = r.session_id
			AND v.user_id = ?)`, Args: []any{u.ID}},
		{SQL: `EXISTS (SELECT 1 FROM person_distinct_ids pd JOIN persons pp ON pp.id = pd.person_id
			WHERE pd.project_id = r.project_id AND pd.distinct_id = r.distinct_id AND pp.properties LIKE ?)`,
			Args: []any{"%paid%"}},
		{SQL: "r.click_count >= ?", Args: []any{1}, From: 4000},
	}
	session := func() string { return fmt.Sprintf("s%d", rnd.IntN(40)) }
	write := func(fn func(tx *Tx) error) {
		t.Helper()
		if err := s.Write(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	var retention int64
	for step := range 400 {
		var did string
		switch rnd.IntN(9) {
		case 0, 1: // a recording written, new or again
			did = "put"
			write(func(tx *Tx) error {
				start := int64(rnd.IntN(10)) * 1000
				r := Recording{ProjectID: p.ID, SessionID: session(), DistinctID: fmt.Sprintf("d%d", rnd.IntN(5)),
					FirstTS: start, LastTS: start + 500, ClickCount: rnd.IntN(6), SnapshotSource: "web",
					Activity: []byte("points"), CreatedAt: listNow, LastIngestedAt: listNow}
				return tx.PutRecording(ctx, &r)
			})
		case 2: // URLs alone
			did = "urls"
			write(func(tx *Tx) error {
				return tx.AddURLs(ctx, p.ID, session(), []URLVisit{{URL: fmt.Sprintf("https://a.example/%d", rnd.IntN(4)), FirstTS: 1}})
			})
		case 3: // console messages alone
			did = "console"
			write(func(tx *Tx) error {
				return tx.AddConsole(ctx, p.ID, session(), []ConsoleEntry{{TS: 1, Level: []string{"log", "error"}[rnd.IntN(2)],
					Message: "m"}})
			})
		case 4: // events alone
			did = "events"
			write(func(tx *Tx) error {
				return tx.InsertEvents(ctx, []Event{{ProjectID: p.ID, UUID: fmt.Sprintf("e%d", step),
					Event: []string{"view", "buy"}[rnd.IntN(2)], DistinctID: "d0", SessionID: session(), Timestamp: listNow,
					Properties: json.RawMessage(`{}`)}})
			})
		case 5: // a view
			did = "view"
			if err := s.MarkViewed(ctx, p.ID, session(), u.ID, listNow); err != nil {
				t.Fatal(err)
			}
		case 6: // a person created or changed
			did = "person"
			write(func(tx *Tx) error {
				distinct := fmt.Sprintf("d%d", rnd.IntN(5))
				props := json.RawMessage(fmt.Sprintf(`{"plan": %q}`, []string{"free", "paid"}[rnd.IntN(2)]))
				id, _, err := tx.PersonIDByDistinctID(ctx, p.ID, distinct)
				if errors.Is(err, ErrNotFound) {
					return tx.CreatePerson(ctx, &Person{ProjectID: p.ID, UUID: "person-" + distinct, Properties: props,
						CreatedAt: listNow}, distinct)
				}
				if err != nil {
					return err
				}
				return tx.SetPersonProperties(ctx, id, props)
			})
		case 7: // a deletion
			did = "delete"
			if _, err := s.DeleteRecording(ctx, p.ID, session()); err != nil {
				t.Fatal(err)
			}
		case 8: // the retention bound moves on, or back
			did = "retention"
			retention = int64(rnd.IntN(5)) * 1000
		}
		for i, c := range conditions {
			recs, count, err := s.ListRecordings(ctx, p.ID, retention, c, Order{SQL: "r.first_ts DESC"}, 1000, 0)
			if err != nil {
				t.Fatal(err)
			}
			where, args := recordingWhere(p.ID, retention, c)
			want, err := collect2(s, `SELECT r.session_id FROM recordings r`+where+` ORDER BY r.first_ts DESC, r.session_id`, args)
			if err != nil {
				t.Fatal(err)
			}
			if got := sessionIDs(recs); count != len(want) || !slices.Equal(got, want) {
				t.Fatalf("step %d, after %s, condition %d: listed %v (count %d), want %v", step, did, i, got, count, want)
			}
		}
	}
	if st := s.CountCacheStats(); st.Updates == 0 || st.Hits == 0 {
		t.Errorf("the lists were never brought up to date or never hit: %+v", st)
	}
}

// collect2 reads one column of text rows without the cache.
func collect2(s *Store, q string, args []any) ([]string, error) {
	rows, err := s.read.QueryContext(context.Background(), q, args...)
	if err != nil {
		return nil, err
	}
	ids, err := collect(rows, scanString)
	if ids == nil {
		ids = []string{}
	}
	return ids, err
}
