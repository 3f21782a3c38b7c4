package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"
)

// listAll lists a project's recordings with one call and checks the page
// against the count.
func listAll(t *testing.T, s *Store, projectID, from int64, c Condition, o Order) ([]string, int) {
	t.Helper()
	recs, count, err := s.ListRecordings(context.Background(), projectID, from, c, o, 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != count {
		t.Fatalf("page of %d for a count of %d", len(recs), count)
	}
	return sessionIDs(recs), count
}

// TestListCountsFollowChanges checks that a list's count, cached or not,
// follows every change that can change it: new, changed and deleted
// recordings, views, persons, and the retention bound moving on.
func TestListCountsFollowChanges(t *testing.T) { forEachBackend(t, testListCountsFollowChanges) }

func testListCountsFollowChanges(t *testing.T, b backend) {
	for _, small := range []int{5000, 1} {
		t.Run(fmt.Sprintf("small sets up to %d", small), func(t *testing.T) {
			defer func(n int) { smallMatchSet = n }(smallMatchSet)
			smallMatchSet = small
			s, p, other := newListStore(t, b)
			ctx := context.Background()
			putRecordings(t, s, p.ID, []int64{1000, 2000, 3000, 4000}, []int{0, 1, 2, 3})
			putRecordings(t, s, other.ID, []int64{1000}, []int{5})
			clicks := Condition{SQL: "r.click_count >= ?", Args: []any{1}}
			byStart := Order{SQL: "r.first_ts DESC"}

			check := func(what string, from int64, c Condition, want []string) {
				t.Helper()
				for range 2 { // the second one from the cache
					got, n := listAll(t, s, p.ID, from, c, byStart)
					if !slices.Equal(got, want) || n != len(want) {
						t.Errorf("%s: %v (%d), want %v", what, got, n, want)
					}
				}
			}
			check("all", 0, Condition{}, []string{"r3", "r2", "r1", "r0"})
			check("clicks", 0, clicks, []string{"r3", "r2", "r1"})

			// A new recording, and one whose clicks change.
			putRecordings(t, s, p.ID, []int64{1000, 2000, 3000, 4000, 5000}, []int{1, 0, 2, 3, 4})
			check("all after writes", 0, Condition{}, []string{"r4", "r3", "r2", "r1", "r0"})
			check("clicks after writes", 0, clicks, []string{"r4", "r3", "r2", "r0"})

			// The retention bound moves on: the recordings that left it go.
			check("from 2500", 2500, clicks, []string{"r4", "r3", "r2"})
			check("from 3500", 3500, clicks, []string{"r4", "r3"})
			check("all from 3500", 3500, Condition{}, []string{"r4", "r3"})
			// A start bound of the condition's own, moving on, and the same
			// list without it.
			check("condition from 2500", 0, Condition{SQL: clicks.SQL, Args: clicks.Args, From: 2500}, []string{"r4", "r3", "r2"})
			check("condition from 3500", 1000, Condition{SQL: clicks.SQL, Args: clicks.Args, From: 3500}, []string{"r4", "r3"})
			check("condition from before retention", 3500, Condition{SQL: clicks.SQL, Args: clicks.Args, From: 2000},
				[]string{"r4", "r3"})
			check("still from 3500", 3500, clicks, []string{"r4", "r3"})
			// And back (a longer retention): counted again.
			check("from 0 again", 0, clicks, []string{"r4", "r3", "r2", "r0"})

			// Views.
			u := User{UUID: "u", Email: "u@example.com", DistinctID: "du", CreatedAt: listNow}
			if err := s.CreateUser(ctx, &u, p.OrganizationID); err != nil {
				t.Fatal(err)
			}
			unviewed := Condition{SQL: `NOT EXISTS (SELECT 1 FROM recording_views v WHERE v.project_id = r.project_id
				AND v.session_id = r.session_id)`}
			check("unviewed", 0, unviewed, []string{"r4", "r3", "r2", "r1", "r0"})
			if err := s.MarkViewed(ctx, p.ID, "r3", u.ID, listNow); err != nil {
				t.Fatal(err)
			}
			check("unviewed after a view", 0, unviewed, []string{"r4", "r2", "r1", "r0"})

			// Persons.
			withEmail := Condition{SQL: `EXISTS (SELECT 1 FROM person_distinct_ids pd JOIN persons pp ON pp.id = pd.person_id
				WHERE pd.project_id = r.project_id AND pd.distinct_id = r.distinct_id AND pp.properties LIKE ?)`,
				Args: []any{"%@example.com%"}}
			check("no person", 0, withEmail, nil)
			err := s.Write(ctx, func(tx *Tx) error {
				return tx.CreatePerson(ctx, &Person{ProjectID: p.ID, UUID: "person-1",
					Properties: json.RawMessage(`{"email": "a@example.com"}`), CreatedAt: listNow}, "d")
			})
			if err != nil {
				t.Fatal(err)
			}
			check("with a person", 0, withEmail, []string{"r4", "r3", "r2", "r1", "r0"})

			// Deletions.
			if _, err := s.DeleteRecording(ctx, p.ID, "r4"); err != nil {
				t.Fatal(err)
			}
			check("after a deletion", 0, clicks, []string{"r3", "r2", "r0"})

			// The other project was never touched by any of it.
			if got, n := listAll(t, s, other.ID, 0, Condition{}, byStart); n != 1 || !slices.Equal(got, []string{"r0"}) {
				t.Errorf("other project: %v (%d)", got, n)
			}
		})
	}
}

// TestListPages checks pages in every order, from the cached small set and
// from a scan in order, against one sorted list.
func TestListPages(t *testing.T) { forEachBackend(t, testListPages) }

func testListPages(t *testing.T, b backend) {
	for _, small := range []int{5000, 1} {
		t.Run(fmt.Sprintf("small sets up to %d", small), func(t *testing.T) {
			defer func(n int) { smallMatchSet = n }(smallMatchSet)
			smallMatchSet = small
			s, p, _ := newListStore(t, b)
			ctx := context.Background()
			putRecordings(t, s, p.ID, []int64{1000, 2000, 3000, 4000, 5000, 6000, 7000}, []int{2, 0, 2, 1, 2, 0, 1})
			orders := []Order{{SQL: "r.first_ts DESC", Index: "recordings_list_start"}, {SQL: "r.first_ts ASC"}, {SQL: "r.click_count DESC", Index: "recordings_order_clicks"},
				{SQL: "r.click_count ASC", Index: "recordings_order_clicks"}}
			want := [][]string{
				{"r6", "r5", "r4", "r3", "r2", "r1", "r0"},
				{"r0", "r1", "r2", "r3", "r4", "r5", "r6"},
				{"r0", "r2", "r4", "r3", "r6", "r1", "r5"},
				{"r1", "r5", "r3", "r6", "r0", "r2", "r4"},
			}
			for i, o := range orders {
				for _, limit := range []int{1, 2, 3, 7} {
					var got []string
					for offset := 0; offset < 9; offset += limit {
						recs, count, err := s.ListRecordings(ctx, p.ID, 0, Condition{}, o, limit, offset)
						if err != nil {
							t.Fatal(err)
						}
						if count != 7 {
							t.Errorf("%s: count %d", o.SQL, count)
						}
						got = append(got, sessionIDs(recs)...)
					}
					if !slices.Equal(got, want[i]) {
						t.Errorf("%s by %d: %v, want %v", o.SQL, limit, got, want[i])
					}
				}
			}
			recs, count, err := s.ListRecordings(ctx, p.ID, 0, Condition{SQL: "r.click_count = ?", Args: []any{2}},
				Order{SQL: "r.first_ts ASC"}, 2, 1)
			if err != nil || count != 3 || !slices.Equal(sessionIDs(recs), []string{"r2", "r4"}) {
				t.Errorf("a condition: %v (%d) %v", sessionIDs(recs), count, err)
			}
			if recs[0].LastTS != 4000 || recs[0].ClickCount != 2 || len(recs[0].Activity) != 0 {
				t.Errorf("a listed recording: %+v", recs[0])
			}
		})
	}
}

// TestListCountCache checks that repeated lists are counted once, and that
// a write to one project leaves the other's counts cached.
func TestListCountCache(t *testing.T) {
	s, p, other := newListStore(t, backends[0])
	ctx := context.Background()
	putRecordings(t, s, p.ID, []int64{1000, 2000, 2500}, []int{0, 1, 0})
	putRecordings(t, s, other.ID, []int64{1000}, []int{1})
	list := func(projectID int64) {
		if _, _, err := s.ListRecordings(ctx, projectID, 0, Condition{}, Order{}, 10, 0); err != nil {
			t.Fatal(err)
		}
	}
	list(p.ID)
	list(other.ID)
	before := s.CountCacheStats()
	list(p.ID)
	list(other.ID)
	if got, want := s.CountCacheStats(), (CountCacheStats{Hits: before.Hits + 2, Updates: before.Updates,
		Misses: before.Misses}); got != want {
		t.Errorf("repeated lists: %+v, want %+v", got, want)
	}
	putRecordings(t, s, p.ID, []int64{3000}, []int{0})
	before = s.CountCacheStats()
	list(p.ID)
	list(other.ID)
	if got, want := s.CountCacheStats(), (CountCacheStats{Hits: before.Hits + 1, Updates: before.Updates + 1,
		Misses: before.Misses}); got != want {
		t.Errorf("after a write to one project (brought up to date, not read again): %+v, want %+v", got, want)
	}
	if _, err := s.DeleteRecording(ctx, p.ID, "r0"); err != nil {
		t.Fatal(err)
	}
	before = s.CountCacheStats()
	list(p.ID)
	if got, want := s.CountCacheStats(), (CountCacheStats{Hits: before.Hits, Updates: before.Updates + 1,
		Misses: before.Misses}); got != want {
		t.Errorf("after a deletion (brought up to date): %+v, want %+v", got, want)
	}
	// Once the deletions logged are forgotten, a set read before them is
	// read again in full.
	if _, err := s.DeleteRecording(ctx, p.ID, "r1"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.TrimListRemovals(ctx, time.Now().Add(time.Minute)); err != nil || n != 2 {
		t.Fatalf("trimmed %d removals (%v), want 2", n, err)
	}
	before = s.CountCacheStats()
	if _, count, err := s.ListRecordings(ctx, p.ID, 0, Condition{}, Order{}, 10, 0); err != nil || count != 1 {
		t.Fatalf("count %d (%v) after two deletions, want 1", count, err)
	}
	if got, want := s.CountCacheStats(), (CountCacheStats{Hits: before.Hits, Updates: before.Updates,
		Misses: before.Misses + 1}); got != want {
		t.Errorf("after the deletions were forgotten (read again): %+v, want %+v", got, want)
	}
	// Removals logged after the last list are kept: a later trim with an
	// earlier bound forgets nothing.
	if n, err := s.TrimListRemovals(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("trimmed %d removals (%v), want 0", n, err)
	}

	// A change to a field no list reads leaves the version alone.
	version := func() int64 {
		var v int64
		if err := s.read.QueryRowContext(ctx, `SELECT version FROM list_versions WHERE project_id = ?`, p.ID).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	v := version()
	if _, err := s.write.ExecContext(ctx, `UPDATE recordings SET block_count = block_count + 1, raw_bytes = 7 WHERE project_id = ?`,
		p.ID); err != nil {
		t.Fatal(err)
	}
	if version() != v {
		t.Error("an update of blocks moved the list version")
	}
	if _, err := s.write.ExecContext(ctx, `UPDATE recordings SET click_count = 9 WHERE project_id = ? AND session_id = 'r2'`,
		p.ID); err != nil {
		t.Fatal(err)
	}
	if version() == v {
		t.Error("an update of clicks left the list version")
	}
	var stamp int64
	if err := s.read.QueryRowContext(ctx, `SELECT list_version FROM recordings WHERE project_id = ? AND session_id = 'r2'`,
		p.ID).Scan(&stamp); err != nil {
		t.Fatal(err)
	}
	if stamp != version() {
		t.Errorf("the updated recording is stamped %d, the list version is %d", stamp, version())
	}
}

// TestCountCacheKeepsReusedEntries checks that conditions listed once each
// (as a relative date_to makes them) push out one another rather than the
// counts that are listed again.
func TestCountCacheKeepsReusedEntries(t *testing.T) {
	c := &countCache{entries: map[string]*countEntry{}}
	c.put("reused", &countEntry{})
	c.hit(c.get("reused"))
	for i := range 3 * maxCachedCounts {
		c.put(fmt.Sprintf("once %d", i), &countEntry{})
	}
	if c.get("reused") == nil {
		t.Error("a count listed twice was pushed out by counts listed once")
	}
	if len(c.entries) != maxCachedCounts {
		t.Errorf("%d entries, want %d", len(c.entries), maxCachedCounts)
	}
	if c.get(fmt.Sprintf("once %d", 3*maxCachedCounts-1)) == nil {
		t.Error("the newest count is not kept")
	}
}
