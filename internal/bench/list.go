package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/tapedeck/tapedeck/internal/playlist"
	"github.com/tapedeck/tapedeck/internal/recording"
	"github.com/tapedeck/tapedeck/internal/store"
)

func init() {
	register(Scenario{
		Name: "list",
		Summary: "the recordings list at --recordings recordings: the default page, every filter kind, every order, " +
			"deep offsets and counts, each against the same store calls made in process; then the default page, " +
			"the filters and the counts again while capture requests arrive",
		Sizes: "--recordings (at least 100), --projects; --duration/4 caps each query's runs; --clients for the concurrent phase",
		Run:   runList,
	})
}

// Runs of each list query.
const (
	// listRuns is how many timed requests (after the first) each query
	// gets, for its p50 and p99.
	listRuns = 100
	// listMinRuns is how many it gets at least when its time cap is up.
	listMinRuns = 10
)

// listQuery is one measured request.
type listQuery struct {
	// Name identifies the query in the report.
	Name string
	// Kind groups queries: default, filter, order, offset, count.
	Kind string
	// Path is below /api/environments/{project_id}.
	Path   string
	Params url.Values
	// floor runs the same store calls as the handler, in process, and
	// returns the count and the page's length.
	floor func(ctx context.Context) (count, n int, err error)
	// result reads the count and the page's length from a response.
	result func(body []byte) (count, n int, err error)
}

// ListResult is what one query measured.
type ListResult struct {
	Name, Kind string
	// First is the first request's latency, before any repeat.
	First time.Duration
	// Runs is the number of timed requests after the first.
	Runs       int
	P50, P99   time.Duration
	FloorFirst time.Duration
	FloorP50   time.Duration
	FloorP99   time.Duration
	// Count is the response's count; Results the length of its page.
	Count, Results int
	// FloorCount and FloorResults are the same, read in process.
	FloorCount, FloorResults int
}

// ListRun is everything the list scenario measured.
type ListRun struct {
	Seeded  *Seeded
	Queries []ListResult
	// Concurrent is the default list under o.Clients concurrent clients.
	ConcurrentP50, ConcurrentP99 time.Duration
	ConcurrentRate               float64
	// Recount is the background work behind a saved-filter count: the
	// store's RecordingSessionIDs up to the cap, in process.
	RecountP50 time.Duration
	// Ingesting is the default list, the filters and the counts again,
	// while capture requests arrive.
	Ingesting *IngestingRun
	// PeakRSS is the server's peak resident set size, in bytes.
	PeakRSS int64
}

func runList(ctx context.Context, o Options) (*Report, error) {
	run, err := MeasureList(ctx, o)
	if err != nil {
		return nil, err
	}
	return run.Report(o), nil
}

// Report turns the measurements into report rows.
func (run *ListRun) Report(o Options) *Report {
	r := &Report{}
	r.Param("recordings", run.Seeded.Recordings)
	r.Param("projects", len(run.Seeded.PerProject))
	r.Param("measured_project_recordings", run.Seeded.PerProject[firstProject(run.Seeded)])
	r.Param("runs", listRuns)
	r.Param("clients", o.Clients)
	r.Add("seed rate", run.Seeded.Rate(), "recordings/s")
	r.Add("seed time", run.Seeded.Elapsed.Seconds(), "s")
	for _, q := range run.Queries {
		r.Add(q.Name+" first", Millis(q.First), "ms")
		r.AddVsFloor(q.Name+" p50", Millis(q.P50), Millis(q.FloorP50), "ms")
		r.AddVsFloor(q.Name+" p99", Millis(q.P99), Millis(q.FloorP99), "ms")
		r.Add(q.Name+" count", float64(q.Count), "recordings")
	}
	r.Add("saved-filter recount (store) p50", Millis(run.RecountP50), "ms")
	r.Add(fmt.Sprintf("default list, %d clients p50", o.Clients), Millis(run.ConcurrentP50), "ms")
	r.Add(fmt.Sprintf("default list, %d clients p99", o.Clients), Millis(run.ConcurrentP99), "ms")
	r.Add(fmt.Sprintf("default list, %d clients", o.Clients), run.ConcurrentRate, "requests/s")
	if in := run.Ingesting; in != nil {
		r.Add("capture during lists", float64(in.Sent)/in.Elapsed.Seconds(), "requests/s")
		for _, q := range in.Queries {
			r.Add(q.Name+" while ingesting first", Millis(q.First), "ms")
			r.Add(q.Name+" while ingesting p50", Millis(q.P50), "ms")
			r.Add(q.Name+" while ingesting p99", Millis(q.P99), "ms")
		}
	}
	r.Add("server peak RSS", float64(run.PeakRSS)/(1<<20), "MiB")
	return r
}

// firstProject is the measured project: the one with the most recordings.
func firstProject(s *Seeded) int64 {
	var best int64
	for id, n := range s.PerProject {
		if best == 0 || n > s.PerProject[best] || (n == s.PerProject[best] && id < best) {
			best = id
		}
	}
	return best
}

// MeasureList seeds a fresh store, starts a server on it and measures
// every list query over HTTP and in process. Each query's requests are
// sequential (one client), so that its latencies are not queueing; the
// concurrent phase runs the default list with o.Clients clients.
func MeasureList(ctx context.Context, o Options) (*ListRun, error) {
	// Enough recordings for every query to match some.
	o.Recordings = max(o.Recordings, 100)
	st, err := NewStore(ctx, o)
	if err != nil {
		return nil, err
	}
	defer st.Remove()
	seeded, err := Seed(ctx, st, o.Recordings, o.Projects, o.Log)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Log, "bench: seeded %d recordings in %s (%.0f/s)\n", seeded.Recordings,
		seeded.Elapsed.Round(time.Millisecond), seeded.Rate())
	srv, err := st.Start(ctx)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	floorStore, err := store.OpenSQLite(ctx, st.SQLitePath())
	if err != nil {
		return nil, err
	}
	defer floorStore.Close()
	project, err := floorStore.Project(ctx, st.ProjectID)
	if err != nil {
		return nil, err
	}
	l := &lister{st: st, srv: srv, floor: floorStore, seeded: seeded, retention: project.RetentionDays}
	queries, err := l.queries(ctx)
	if err != nil {
		return nil, err
	}
	run := &ListRun{Seeded: seeded}
	budget := max(o.Duration/4, time.Second)
	for _, q := range queries {
		res, err := l.measure(ctx, q, budget)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", q.Name, err)
		}
		fmt.Fprintf(o.Log, "bench: %-40s first %7.1f ms  p50 %7.2f ms  p99 %7.2f ms  floor p50 %7.2f ms  count %d\n",
			q.Name, Millis(res.First), Millis(res.P50), Millis(res.P99), Millis(res.FloorP50), res.Count)
		run.Queries = append(run.Queries, res)
	}
	if run.RecountP50, err = l.recount(ctx, budget); err != nil {
		return nil, err
	}
	if err := l.concurrent(ctx, run, max(o.Clients, 1), budget); err != nil {
		return nil, err
	}
	var again []listQuery
	for _, q := range queries {
		if q.Kind != "order" && q.Kind != "offset" {
			again = append(again, q)
		}
	}
	rate := o.Rate
	if rate <= 0 {
		rate = defaultListIngestRate
	}
	if run.Ingesting, err = l.whileIngesting(ctx, again, rate, budget); err != nil {
		return nil, fmt.Errorf("lists while ingesting: %w", err)
	}
	fmt.Fprintf(o.Log, "bench: lists while ingesting: %d capture requests in %s (%.0f/s)\n", run.Ingesting.Sent,
		run.Ingesting.Elapsed.Round(time.Millisecond), float64(run.Ingesting.Sent)/run.Ingesting.Elapsed.Seconds())
	for _, q := range run.Ingesting.Queries {
		fmt.Fprintf(o.Log, "bench: %-40s while ingesting: first %7.1f ms  p50 %7.2f ms  p99 %7.2f ms  count %d\n",
			q.Name, Millis(q.First), Millis(q.P50), Millis(q.P99), q.Count)
	}
	if run.PeakRSS, err = srv.PeakRSS(); err != nil {
		return nil, err
	}
	return run, nil
}

// lister holds what the list queries share.
type lister struct {
	st        *Store
	srv       *Server
	floor     *store.Store
	seeded    *Seeded
	retention int
	// playlistFilters are the saved filters of the measured playlist.
	playlistFilters json.RawMessage
}

// listPage is the part of a recordings list response the bench reads.
type listPage struct {
	Count   *int `json:"count"`
	Results []struct {
		ID string `json:"id"`
	} `json:"results"`
}

func readListPage(body []byte) (int, int, error) {
	var p listPage
	if err := json.Unmarshal(body, &p); err != nil {
		return 0, 0, err
	}
	if p.Count == nil {
		return 0, 0, fmt.Errorf("no count in %.200s", body)
	}
	return *p.Count, len(p.Results), nil
}

// listFloor runs the list handler's store calls for params in process.
func (l *lister) listFloor(params url.Values) func(ctx context.Context) (int, int, error) {
	return func(ctx context.Context) (int, int, error) {
		now := time.Now()
		q, err := recording.ParseListQuery(params, now)
		if err != nil {
			return 0, 0, err
		}
		return l.floorPage(ctx, q, now)
	}
}

// floorPage runs a query the way the list handler does: the page and its
// count, then the persons and viewers of the page.
func (l *lister) floorPage(ctx context.Context, q recording.Query, now time.Time) (int, int, error) {
	cond, order, err := q.Compile(l.floor.Dialect(), l.seeded.Sample.UserID)
	if err != nil {
		return 0, 0, err
	}
	recs, count, err := l.floor.ListRecordings(ctx, l.st.ProjectID, recording.RetentionFrom(l.retention, now), cond, order,
		q.Limit, q.Offset)
	if err != nil {
		return 0, 0, err
	}
	distinct, sessions := make([]string, len(recs)), make([]string, len(recs))
	for i, r := range recs {
		distinct[i], sessions[i] = r.DistinctID, r.SessionID
	}
	if _, err := l.floor.PersonsByDistinctIDs(ctx, l.st.ProjectID, distinct); err != nil {
		return 0, 0, err
	}
	if _, err := l.floor.ViewersOf(ctx, l.st.ProjectID, sessions); err != nil {
		return 0, 0, err
	}
	return count, len(recs), nil
}

// jsonParam writes a JSON query parameter.
func jsonParam(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// prop is one property filter.
func prop(key, typ string, value any, op string) map[string]any {
	return map[string]any{"key": key, "type": typ, "value": value, "operator": op}
}

// queries lists every measured request.
func (l *lister) queries(ctx context.Context) ([]listQuery, error) {
	s := l.seeded.Sample
	var out []listQuery
	add := func(kind, name string, kv ...string) {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		out = append(out, listQuery{Name: name, Kind: kind, Path: "/session_recordings/", Params: v,
			floor: l.listFloor(v), result: readListPage})
	}
	props := func(filters ...map[string]any) string { return jsonParam(filters) }
	add("default", "default")
	add("filter", "duration gt 5m", "having_predicates", props(prop("duration", "recording", 300, "gt")))
	add("filter", "active_seconds gt 2m", "having_predicates", props(prop("active_seconds", "recording", 120, "gt")))
	add("filter", "date_from -3d", "date_from", "-3d")
	add("filter", "date_from/date_to 1 day", "date_from", "-10d", "date_to", "-9d")
	add("filter", "person email exact", "properties", props(prop("email", "person", s.Email, "exact")))
	add("filter", "person email icontains", "properties", props(prop("email", "person", s.EmailDomain, "icontains")))
	add("filter", "visited_page exact", "properties", props(prop("visited_page", "recording", s.Page, "exact")))
	add("filter", "snapshot_source mobile", "properties", props(prop("snapshot_source", "recording", []string{"mobile"}, "exact")))
	add("filter", "console_error_count gt 0", "properties", props(prop("console_error_count", "recording", 0, "gt")))
	add("filter", "click_count gt 50", "properties", props(prop("click_count", "recording", 50, "gt")))
	add("filter", "log level error", "console_log_filters", props(prop("level", "log_entry", []string{"error"}, "exact")))
	add("filter", "log message icontains", "console_log_filters", props(prop("message", "log_entry", s.ErrorMessage, "icontains")))
	add("filter", "events purchase", "events", jsonParam([]map[string]any{{"id": s.Event, "name": s.Event, "type": "events", "order": 0}}))
	add("filter", "distinct_ids", "distinct_ids", jsonParam(s.DistinctIDs))
	add("filter", "person_uuid", "person_uuid", s.PersonUUID)
	add("filter", "session_ids", "session_ids", jsonParam(s.SessionIDs))
	add("filter", "hide_viewed current-user", "hide_viewed_recordings", "current-user")
	add("filter", "OR: visited_page, log error", "operand", "OR",
		"properties", props(prop("visited_page", "recording", s.Page, "exact")),
		"console_log_filters", props(prop("level", "log_entry", []string{"error"}, "exact")))
	orders := []string{recording.OrderStartTime, recording.OrderDuration, recording.OrderRecordingDuration,
		recording.OrderActiveSeconds, recording.OrderInactiveSeconds, recording.OrderConsoleErrorCount,
		recording.OrderClickCount, recording.OrderKeypressCount, recording.OrderMouseActivityCount,
		recording.OrderActivityScore, recording.OrderRecordingTTL}
	for _, o := range orders {
		for _, dir := range []string{"DESC", "ASC"} {
			add("order", "order "+o+" "+dir, "order", o, "order_direction", dir)
		}
	}
	// Deep pages: 10,000 and 100,000 at the default size (a fiftieth and a
	// fifth of the measured project).
	measured := l.seeded.PerProject[l.st.ProjectID]
	near, far := itoa(int64(measured/50)), itoa(int64(measured/5))
	add("offset", "offset "+near, "offset", near)
	add("offset", "offset "+far, "offset", far)
	add("offset", "order duration offset "+near, "order", recording.OrderDuration, "offset", near)

	// A filters playlist: its recordings, and its retrieval with the
	// saved-filter count.
	filters := jsonParam(map[string]any{
		"duration": []any{prop("duration", "recording", 60, "gt")},
		"filter_group": map[string]any{"type": "AND", "values": []any{
			map[string]any{"type": "AND", "values": []any{prop("level", "log_entry", []string{"error"}, "exact")}},
		}},
	})
	l.playlistFilters = json.RawMessage(filters)
	shortID, err := l.createPlaylist(ctx, filters)
	if err != nil {
		return nil, err
	}
	out = append(out, listQuery{Name: "playlist recordings", Kind: "count",
		Path: "/session_recording_playlists/" + shortID + "/recordings/", Params: url.Values{},
		result: readListPage, floor: func(ctx context.Context) (int, int, error) {
			now := time.Now()
			q, err := recording.ParseFilters(l.playlistFilters, now)
			if err != nil {
				return 0, 0, err
			}
			return l.floorPage(ctx, q, now)
		}})
	svc := playlist.Service{Store: l.floor, Now: time.Now}
	out = append(out, listQuery{Name: "playlist saved_filters count", Kind: "count",
		Path: "/session_recording_playlists/" + shortID + "/", Params: url.Values{},
		result: readSavedCount, floor: func(ctx context.Context) (int, int, error) {
			p, err := svc.Get(ctx, l.st.ProjectID, shortID)
			if err != nil {
				return 0, 0, err
			}
			counts, err := svc.Counts(ctx, l.st.ProjectID, []store.Playlist{p}, l.seeded.Sample.UserID)
			if err != nil {
				return 0, 0, err
			}
			if c := counts[p.ID]; c != nil && c.SavedFilters.Count != nil {
				return *c.SavedFilters.Count, 0, nil
			}
			return 0, 0, fmt.Errorf("no saved-filter count")
		}})
	return out, nil
}

// readSavedCount reads a playlist's saved-filter count.
func readSavedCount(body []byte) (int, int, error) {
	var p struct {
		Counts struct {
			SavedFilters struct {
				Count *int `json:"count"`
			} `json:"saved_filters"`
		} `json:"recordings_counts"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return 0, 0, err
	}
	if p.Counts.SavedFilters.Count == nil {
		return 0, 0, fmt.Errorf("no saved-filter count in %.300s", body)
	}
	return *p.Counts.SavedFilters.Count, 0, nil
}

// createPlaylist creates a filters playlist and waits until its
// saved-filter count has been computed (retrieving it starts that).
func (l *lister) createPlaylist(ctx context.Context, filters string) (string, error) {
	body, _ := json.Marshal(map[string]any{"name": "bench", "type": "filters", "filters": json.RawMessage(filters)})
	resp, err := l.do(ctx, http.MethodPost, "/session_recording_playlists/", nil, body)
	if err != nil {
		return "", err
	}
	var p struct {
		ShortID string `json:"short_id"`
	}
	if err := json.Unmarshal(resp, &p); err != nil || p.ShortID == "" {
		return "", fmt.Errorf("create playlist: %v %.200s", err, resp)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		resp, err := l.do(ctx, http.MethodGet, "/session_recording_playlists/"+p.ShortID+"/", nil, nil)
		if err != nil {
			return "", err
		}
		if _, _, err := readSavedCount(resp); err == nil {
			return p.ShortID, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("the playlist's saved-filter count was not computed in time")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// do sends one API request to the measured project and returns its body;
// a create must answer 201, anything else 200.
func (l *lister) do(ctx context.Context, method, path string, params url.Values, body []byte) ([]byte, error) {
	if len(params) > 0 {
		path += "?" + params.Encode()
	}
	var payload any
	if body != nil {
		payload = json.RawMessage(body)
	}
	want := http.StatusOK
	if method == http.MethodPost {
		want = http.StatusCreated
	}
	return apiClient{srv: l.srv, key: l.st.APIKey, project: l.st.ProjectID}.do(ctx, method, path, payload, want)
}

// measure times one query over HTTP and in process: a first request, then
// up to listRuns more within budget (at least listMinRuns).
func (l *lister) measure(ctx context.Context, q listQuery, budget time.Duration) (ListResult, error) {
	res, err := l.measureHTTP(ctx, q, budget)
	if err != nil {
		return res, err
	}
	floorRun := func() (time.Duration, error) {
		t := time.Now()
		var err error
		res.FloorCount, res.FloorResults, err = q.floor(ctx)
		return time.Since(t), err
	}
	if res.FloorFirst, err = floorRun(); err != nil {
		return res, err
	}
	var lat []time.Duration
	for start := time.Now(); len(lat) < listRuns && (len(lat) < listMinRuns || time.Since(start) < budget); {
		d, err := floorRun()
		if err != nil {
			return res, err
		}
		lat = append(lat, d)
	}
	res.FloorP50, res.FloorP99 = percentile(lat, 50), percentile(lat, 99)
	return res, nil
}

// measureHTTP times one query over HTTP: a first request, then up to
// listRuns more within budget (at least listMinRuns).
func (l *lister) measureHTTP(ctx context.Context, q listQuery, budget time.Duration) (ListResult, error) {
	res := ListResult{Name: q.Name, Kind: q.Kind}
	var body []byte
	get := func() (time.Duration, error) {
		t := time.Now()
		b, err := l.do(ctx, "GET", q.Path, q.Params, nil)
		body = b
		return time.Since(t), err
	}
	var err error
	if res.First, err = get(); err != nil {
		return res, err
	}
	if res.Count, res.Results, err = q.result(body); err != nil {
		return res, err
	}
	var lat []time.Duration
	for start := time.Now(); len(lat) < listRuns && (len(lat) < listMinRuns || time.Since(start) < budget); {
		d, err := get()
		if err != nil {
			return res, err
		}
		lat = append(lat, d)
	}
	res.Runs, res.P50, res.P99 = len(lat), percentile(lat, 50), percentile(lat, 99)
	return res, nil
}

// recount times the store work of a saved-filter count refresh.
func (l *lister) recount(ctx context.Context, budget time.Duration) (time.Duration, error) {
	var lat []time.Duration
	for start := time.Now(); len(lat) < listMinRuns || (len(lat) < listRuns && time.Since(start) < budget); {
		t := time.Now()
		now := time.Now()
		q, err := recording.ParseFilters(l.playlistFilters, now)
		if err != nil {
			return 0, err
		}
		cond, order, err := q.Compile(l.floor.Dialect(), 0)
		if err != nil {
			return 0, err
		}
		if _, err := l.floor.RecordingSessionIDs(ctx, l.st.ProjectID, recording.RetentionFrom(l.retention, now), cond, order,
			playlist.SavedFilterCap+1, 0); err != nil {
			return 0, err
		}
		lat = append(lat, time.Since(t))
	}
	return percentile(lat, 50), nil
}

// concurrent runs the default list with clients concurrent clients for
// the budget.
func (l *lister) concurrent(ctx context.Context, run *ListRun, clients int, budget time.Duration) error {
	var lat Latencies
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for time.Since(start) < budget {
				t := time.Now()
				if _, err := l.do(ctx, "GET", "/session_recordings/", nil, nil); err != nil {
					errs <- err
					return
				}
				lat.Add(time.Since(t))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	run.ConcurrentP50, run.ConcurrentP99 = lat.Percentile(50), lat.Percentile(99)
	run.ConcurrentRate = float64(lat.Len()) / elapsed.Seconds()
	return nil
}
