package bench

import (
	"context"
	"strings"
	"testing"
	"time"
)

// testBinary is the tapedeck binary that TestMain (bench_test.go) built.
func testBinary(t testing.TB) string {
	t.Helper()
	if binary == "" {
		t.Fatal("TestMain built no tapedeck binary")
	}
	return binary
}

// testOptions are tiny sizes for the tests.
func testOptions(t *testing.T, recordings, projects int) Options {
	o := DefaultOptions()
	o.Binary, o.Dir = testBinary(t), t.TempDir()
	o.Recordings, o.Projects, o.Clients, o.Duration = recordings, projects, 2, 400*time.Millisecond
	return o
}

func TestSeed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts tapedeck commands")
	}
	ctx := context.Background()
	o := testOptions(t, 2001, 3)
	st, err := NewStore(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Seed(ctx, st, o.Recordings, o.Projects, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Recordings != 2001 || len(s.PerProject) != 3 || s.PerProject[st.ProjectID] != 1001 {
		t.Fatalf("seeded %d recordings: %v", s.Recordings, s.PerProject)
	}
	for _, table := range seededTables {
		if s.Rows[table.name] == 0 {
			t.Errorf("no %s rows", table.name)
		}
	}
	if s.Rows["recordings"] != 2001 || s.Rate() <= 0 {
		t.Errorf("rows %v, rate %v", s.Rows, s.Rate())
	}
	if len(s.Sample.SessionIDs) != 10 || s.Sample.PersonUUID == "" || s.Sample.Email == "" || s.Sample.UserID == 0 {
		t.Errorf("sample %+v", s.Sample)
	}
	// The dropped indexes and triggers are back.
	db, err := openForSeeding(st.SQLitePath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, name := range []string{"recordings_list_start", "recordings_order_clicks", "recordings_changed", "recordings_list_changed_insert"} {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = ?`, name).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s: %d %v", name, n, err)
		}
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM recordings r JOIN person_distinct_ids d
		ON d.project_id = r.project_id AND d.distinct_id = r.distinct_id`).Scan(&n); err != nil || n == 0 {
		t.Errorf("recordings with a person: %d %v", n, err)
	}
	var bad int
	if err := db.QueryRow(`SELECT COUNT(*) FROM recordings WHERE last_ts < first_ts OR active_ms > last_ts - first_ts
		OR start_url NOT IN (SELECT url FROM recording_urls u WHERE u.project_id = recordings.project_id
		AND u.session_id = recordings.session_id)`).Scan(&bad); err != nil || bad != 0 {
		t.Errorf("inconsistent recordings: %d %v", bad, err)
	}
}

func TestListScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	ctx := context.Background()
	o := testOptions(t, 2000, 2)
	run, err := MeasureList(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	measured := run.Seeded.PerProject[firstProject(run.Seeded)]
	if measured != 1000 {
		t.Fatalf("measured project holds %d recordings", measured)
	}
	kinds := map[string]int{}
	for _, q := range run.Queries {
		kinds[q.Kind]++
		if q.P50 <= 0 || q.P99 < q.P50 || q.FloorP50 <= 0 || q.First <= 0 || q.Runs < listMinRuns {
			t.Errorf("%s: first %v p50 %v p99 %v floor %v runs %d", q.Name, q.First, q.P50, q.P99, q.FloorP50, q.Runs)
		}
		if q.Count == 0 {
			t.Errorf("%s: no recordings", q.Name)
		}
		if q.Count != q.FloorCount || q.Results != q.FloorResults {
			t.Errorf("%s: HTTP %d/%d, in process %d/%d", q.Name, q.Count, q.Results, q.FloorCount, q.FloorResults)
		}
		switch {
		case q.Kind == "default" || q.Kind == "order":
			// Every recording of the project, whatever the order.
			if q.Count != measured || q.Results != 50 {
				t.Errorf("%s: count %d, page %d; seeded %d", q.Name, q.Count, q.Results, measured)
			}
		case q.Kind == "filter":
			if q.Count >= measured && !strings.HasPrefix(q.Name, "hide_viewed") {
				t.Errorf("%s: %d of %d recordings match", q.Name, q.Count, measured)
			}
			if q.Results != min(q.Count, 50) {
				t.Errorf("%s: page of %d for a count of %d", q.Name, q.Results, q.Count)
			}
		case q.Kind == "offset":
			if q.Count != measured || q.Results != 50 {
				t.Errorf("%s: count %d, page %d", q.Name, q.Count, q.Results)
			}
		}
	}
	if kinds["default"] != 1 || kinds["filter"] < 18 || kinds["order"] != 22 || kinds["offset"] != 3 || kinds["count"] != 2 {
		t.Errorf("queries by kind: %v", kinds)
	}
	if run.ConcurrentRate <= 0 || run.ConcurrentP50 <= 0 || run.PeakRSS <= 0 || run.RecountP50 <= 0 {
		t.Errorf("concurrent %v/s p50 %v, RSS %d, recount %v", run.ConcurrentRate, run.ConcurrentP50, run.PeakRSS, run.RecountP50)
	}
	r := run.Report(o)
	if len(r.Rows) < 4*len(run.Queries) || r.Params["recordings"] != 2000 {
		t.Errorf("report: %d rows, params %v", len(r.Rows), r.Params)
	}
}
