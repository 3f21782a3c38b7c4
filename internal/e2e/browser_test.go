// Package e2e holds the end-to-end test: the real tapedeck binary, the real
// posthog-js SDK of each supported generation served by that binary, and a
// real browser (Debian's Chromium, driven by playwright-core) visiting a page
// on another origin. What the visitor did must come back through the
// recordings API.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/static"
)

const (
	webDir           = "../../web"
	defaultChromium  = "/usr/bin/chromium"
	installChromium  = "install Debian's Chromium with: apt-get update && apt-get install -y chromium (CI does so in .ci/run)"
	installWeb       = "install the browser driver and posthog-js with: npm ci --prefix web && npm run --prefix web build (CI does so in .ci/run)"
	driverTimeout    = 90 * time.Second
	recordingTimeout = 30 * time.Second
)

// generation is one posthog-js release line the way a site loads it.
type generation struct {
	name   string
	sdk    string // the version the page loads
	script string // the file under /static/ that the page loads
	// requests are "METHOD path-prefix" lines the SDK must send to the
	// server, each answered with a 2xx.
	requests []string
	// forbidden are path prefixes this generation must not request.
	forbidden []string
}

func generations(token string) []generation {
	current := static.Current()
	config := "GET /array/" + token + "/config.js"
	return []generation{
		{
			// 1.201 takes its config from /decide/; array.full.js
			// carries the recorder.
			name: "1.201.0", sdk: "1.201.0", script: "array.full.js",
			requests:  []string{"GET /static/array.full.js?v=1.201.0", "POST /decide/?v=3", "POST /s/", "POST /e/"},
			forbidden: []string{"/flags/", "/array/"},
		},
		{
			// The snippet's array.js lazy-loads 1.201's own recorder.js.
			name: "1.201.0-array.js", sdk: "1.201.0", script: "array.js",
			requests:  []string{"GET /static/array.js?v=1.201.0", "POST /decide/?v=3", "GET /static/recorder.js?v=1.201.0", "POST /s/", "POST /e/"},
			forbidden: []string{"/flags/", "/array/"},
		},
		{
			// 1.320 reads config.js, then /flags/ with config, and
			// lazy-loads its recorder even from array.full.js.
			name: "1.320.0", sdk: "1.320.0", script: "array.full.js",
			requests: []string{"GET /static/array.full.js?v=1.320.0", config, "POST /flags/?v=2&config=true",
				"GET /static/lazy-recorder.js?v=1.320.0", "POST /s/", "POST /e/"},
			forbidden: []string{"/decide/"},
		},
		{
			// The current generation starts from config.js alone (it asks
			// /flags/ only to reload flags after identify).
			name: current, sdk: current, script: "array.full.js",
			requests:  []string{"GET /static/array.full.js?v=" + current, config, "POST /s/", "POST /e/"},
			forbidden: []string{"/decide/", "/flags/?v=2&config=true", "/static/lazy-recorder.js"},
		},
		{
			// Its array.js lazy-loads the recorder from the version's own
			// directory under /static/.
			name: current + "-array.js", sdk: current, script: "array.js",
			requests: []string{"GET /static/array.js?v=" + current, config,
				"GET /static/" + current + "/lazy-recorder.js", "POST /s/", "POST /e/"},
			forbidden: []string{"/decide/", "/flags/?v=2&config=true"},
		},
	}
}

// driven is what testdata/drive.mjs prints.
type driven struct {
	SDK         string `json:"sdk"`
	SDKVersion  string `json:"sdkVersion"`
	SessionID   string `json:"sessionId"`
	PageURL     string `json:"pageURL"`
	CheckoutURL string `json:"checkoutURL"`
	Actions     struct {
		Clicks  int    `json:"clicks"`
		Typed   string `json:"typed"`
		Console struct {
			Log   int `json:"log"`
			Warn  int `json:"warn"`
			Error int `json:"error"`
		} `json:"console"`
	} `json:"actions"`
	PageErrors []string `json:"pageErrors"`
	Requests   []struct {
		Method string `json:"method"`
		Path   string `json:"path"`
		Type   string `json:"type"`
		Status int    `json:"status"`
	} `json:"requests"`
}

func TestBrowserRecordsEachSDKGeneration(t *testing.T) {
	started := time.Now()
	chromium := os.Getenv("TAPEDECK_CHROMIUM")
	if chromium == "" {
		chromium = defaultChromium
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no browser at %s: %v; %s", chromium, err, installChromium)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed (Node.js 20 or newer): %v", err)
	}
	if _, err := os.Stat(filepath.Join(webDir, "node_modules", "playwright-core", "package.json")); err != nil {
		t.Fatalf("playwright-core is not installed in web/: %v; %s", err, installWeb)
	}
	if !static.Built() {
		t.Fatalf("posthog-js's browser files are not built into tapedeck; %s, then run the test again", installWeb)
	}
	webAbs, err := filepath.Abs(webDir)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	outDir := os.Getenv("TAPEDECK_E2E_OUT")
	if outDir == "" {
		outDir = dir
	} else if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}

	srv := startServer(t, dir)
	t.Logf("tapedeck built and serving at %s after %s", srv.url, time.Since(started).Round(time.Millisecond))

	var projects []struct {
		ID       int    `json:"id"`
		APIToken string `json:"api_token"`
	}
	srv.cli(t, &projects, "project", "list")
	if len(projects) == 0 || !strings.HasPrefix(projects[0].APIToken, "phc_") {
		t.Fatalf("tapedeck project list: no default project with a phc_ token: %+v", projects)
	}
	token := projects[0].APIToken
	srv.cli(t, nil, "user", "create", "--email", "e2e@example.com")
	var key struct {
		Key string `json:"key"`
	}
	srv.cli(t, &key, "apikey", "create", "--user", "e2e@example.com")
	if !strings.HasPrefix(key.Key, "phx_") {
		t.Fatalf("tapedeck apikey create printed no phx_ key: %+v", key)
	}
	api := &apiClient{base: srv.url, key: key.Key}

	// The test shop, on another origin than the API: every SDK request is
	// cross-origin, as on a real site.
	pageTemplate := template.Must(template.ParseFiles("testdata/page.html"))
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/shop/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		err := pageTemplate.Execute(w, map[string]string{
			"APIHost": srv.url,
			"Token":   token,
			"SDK":     r.URL.Query().Get("sdk"),
			"Script":  r.URL.Query().Get("script"),
		})
		if err != nil {
			t.Errorf("page template: %v", err)
		}
	}))
	defer shop.Close()

	// The visits run side by side (each browser mostly waits for the SDK
	// to flush); each generation's checks then read its visit's result.
	ctx, cancel := context.WithCancel(context.Background())
	var running sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		running.Wait()
	})
	gens := generations(token)
	visits := make([]chan visit, len(gens))
	for i, g := range gens {
		visits[i] = make(chan visit, 1)
		running.Add(1)
		go func() {
			defer running.Done()
			pageURL := shop.URL + "/shop/?sdk=" + g.sdk + "&script=" + g.script
			visits[i] <- drive(ctx, node, webAbs, chromium, pageURL, srv.url, token, g, filepath.Join(outDir, "page-"+g.name+".png"))
		}()
	}
	t.Run("generations", func(t *testing.T) {
		for i, g := range gens {
			t.Run(g.name, func(t *testing.T) {
				v := <-visits[i]
				v.check(t, g)
				t.Logf("visit took %s (posthog-js %s, session %s)", v.took.Round(time.Millisecond), v.d.SDKVersion, v.d.SessionID)
				checkRequests(t, g, v.d)
				begin := time.Now()
				checkRecording(t, api, g, v.d)
				t.Logf("recording checked in %s", time.Since(begin).Round(time.Millisecond))
			})
		}
	})
	t.Logf("whole test took %s", time.Since(started).Round(time.Millisecond))
}

// server is a running tapedeck binary.
type server struct {
	bin, dataDir, url string
	log               *lockedWriter
}

func startServer(t *testing.T, dir string) *server {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is not on PATH: %v", err)
	}
	bin := filepath.Join(dir, "tapedeck")
	build := exec.Command(goBin, "build", "-o", bin, "../../cmd/tapedeck")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s := &server{bin: bin, dataDir: filepath.Join(dir, "data"), log: &lockedWriter{w: &bytes.Buffer{}}}
	addr := freeAddr(t)
	s.url = "http://" + addr

	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "TAPEDECK_DATA_DIR="+s.dataDir, "TAPEDECK_ADDR="+addr, "TAPEDECK_LOG_LEVEL=debug")
	logWriter := s.log
	cmd.Stdout, cmd.Stderr = logWriter, logWriter
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("tapedeck log (last 60 lines):\n%s", tail(logWriter.String(), 60))
		}
	})

	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(s.url + "/_health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("tapedeck serve exited: %v\n%s", err, logWriter.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("tapedeck serve did not answer /_health within 20 s: %v\n%s", err, logWriter.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The SDK files must be served by the binary, not only embedded.
	resp, err := http.Get(s.url + "/static/array.full.js?v=1.201.0")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /static/array.full.js?v=1.201.0: status %d; the static handler is not mounted at /static/", resp.StatusCode)
	}
	return s
}

// cli runs a tapedeck command against the server's data directory and
// decodes its JSON output into out (when not nil).
func (s *server) cli(t *testing.T, out any, args ...string) {
	t.Helper()
	cmd := exec.Command(s.bin, args...)
	cmd.Env = append(os.Environ(), "TAPEDECK_DATA_DIR="+s.dataDir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("tapedeck %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if out != nil {
		if err := json.Unmarshal(stdout, out); err != nil {
			t.Fatalf("tapedeck %s printed %q: %v", strings.Join(args, " "), stdout, err)
		}
	}
}

// visit is the outcome of one run of testdata/drive.mjs.
type visit struct {
	d          driven
	err        error
	stderr     string
	screenshot string
	took       time.Duration
}

// drive runs testdata/drive.mjs for one generation.
func drive(ctx context.Context, node, webDir, chromium, pageURL, apiHost, token string, g generation, screenshot string) visit {
	begin := time.Now()
	ctx, cancel := context.WithTimeout(ctx, driverTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "testdata/drive.mjs")
	cmd.Env = append(os.Environ(),
		"PAGE_URL="+pageURL,
		"API_HOST="+apiHost,
		"TOKEN="+token,
		"SDK="+g.sdk,
		"WEB_DIR="+webDir,
		"CHROMIUM="+chromium,
		"SCREENSHOT="+screenshot,
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	v := visit{screenshot: screenshot}
	if err := cmd.Run(); err != nil {
		v.err = fmt.Errorf("node testdata/drive.mjs: %w", err)
	} else if err := json.Unmarshal(stdout.Bytes(), &v.d); err != nil {
		v.err = fmt.Errorf("drive.mjs printed %q: %w", stdout.String(), err)
	}
	v.stderr = stderr.String()
	v.took = time.Since(begin)
	return v
}

// check fails the test when the visit itself went wrong.
func (v visit) check(t *testing.T, g generation) {
	t.Helper()
	if v.err != nil {
		t.Fatalf("%v\ndriver's stderr:\n%s", v.err, tail(v.stderr, 80))
	}
	if v.d.SessionID == "" {
		t.Fatalf("drive.mjs reported no session id\nstderr:\n%s", tail(v.stderr, 80))
	}
	if v.d.SDKVersion != g.sdk {
		t.Errorf("the page ran posthog-js %q, want %s", v.d.SDKVersion, g.sdk)
	}
	if len(v.d.PageErrors) > 0 {
		t.Errorf("the page threw: %q", v.d.PageErrors)
	}
	if _, err := os.Stat(v.screenshot); err != nil {
		t.Errorf("no screenshot: %v", err)
	}
}

// checkRequests compares what the SDK asked of the server with what this
// generation is known to ask.
func checkRequests(t *testing.T, g generation, d driven) {
	t.Helper()
	var lines []string
	for _, r := range d.Requests {
		lines = append(lines, fmt.Sprintf("%s %s -> %d (%s)", r.Method, r.Path, r.Status, r.Type))
		if r.Status < 200 || r.Status > 299 {
			t.Errorf("%s %s answered %d", r.Method, r.Path, r.Status)
		}
		for _, f := range g.forbidden {
			if strings.HasPrefix(r.Path, f) {
				t.Errorf("posthog-js %s requested %s %s; this generation is not expected to", g.name, r.Method, r.Path)
			}
		}
	}
	t.Logf("posthog-js %s sent %d requests to tapedeck:\n  %s", g.name, len(lines), strings.Join(lines, "\n  "))
	for _, want := range g.requests {
		method, prefix, _ := strings.Cut(want, " ")
		found := false
		for _, r := range d.Requests {
			if r.Method == method && strings.HasPrefix(r.Path, prefix) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("posthog-js %s never sent %s", g.name, want)
		}
	}
}

// apiClient calls the recordings API with a personal API key.
type apiClient struct {
	base, key string
}

func (a *apiClient) get(path string) (int, http.Header, []byte, error) {
	req, err := http.NewRequest("GET", a.base+path, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+a.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body, err
}

// recording is the part of the recording object the test checks.
type recording struct {
	ID                string   `json:"id"`
	DistinctID        string   `json:"distinct_id"`
	RecordingDuration *float64 `json:"recording_duration"`
	ClickCount        *int     `json:"click_count"`
	KeypressCount     *int     `json:"keypress_count"`
	MouseActivity     *int     `json:"mouse_activity_count"`
	ConsoleLogCount   *int     `json:"console_log_count"`
	ConsoleWarnCount  *int     `json:"console_warn_count"`
	ConsoleErrorCount *int     `json:"console_error_count"`
	StartURL          *string  `json:"start_url"`
	SnapshotSource    *string  `json:"snapshot_source"`
	SnapshotLibrary   *string  `json:"snapshot_library"`
	Person            *struct {
		Name        *string  `json:"name"`
		DistinctIDs []string `json:"distinct_ids"`
	} `json:"person"`
}

// mismatches lists how rec differs from what the visit in d must produce.
func mismatches(rec recording, g generation, d driven) []string {
	var out []string
	eqInt := func(name string, got *int, want int) {
		if got == nil || *got != want {
			out = append(out, fmt.Sprintf("%s = %s, want %d", name, show(got), want))
		}
	}
	eqInt("click_count", rec.ClickCount, d.Actions.Clicks)
	eqInt("console_log_count", rec.ConsoleLogCount, d.Actions.Console.Log)
	eqInt("console_warn_count", rec.ConsoleWarnCount, d.Actions.Console.Warn)
	eqInt("console_error_count", rec.ConsoleErrorCount, d.Actions.Console.Error)
	// rrweb records one Input event per keystroke that changes the value.
	eqInt("keypress_count", rec.KeypressCount, len(d.Actions.Typed))
	if rec.MouseActivity == nil || *rec.MouseActivity < d.Actions.Clicks {
		out = append(out, fmt.Sprintf("mouse_activity_count = %s, want at least %d", show(rec.MouseActivity), d.Actions.Clicks))
	}
	if rec.RecordingDuration == nil || *rec.RecordingDuration < 1 {
		out = append(out, fmt.Sprintf("recording_duration = %s, want at least 1 s", show(rec.RecordingDuration)))
	}
	if rec.StartURL == nil || *rec.StartURL != d.PageURL {
		out = append(out, fmt.Sprintf("start_url = %s, want %q", show(rec.StartURL), d.PageURL))
	}
	if rec.SnapshotSource == nil || *rec.SnapshotSource != "web" {
		out = append(out, fmt.Sprintf("snapshot_source = %s, want \"web\"", show(rec.SnapshotSource)))
	}
	if rec.SnapshotLibrary == nil || *rec.SnapshotLibrary != "web" {
		out = append(out, fmt.Sprintf("snapshot_library = %s, want \"web\"", show(rec.SnapshotLibrary)))
	}
	email := "e2e-" + g.sdk + "@example.com"
	user := "e2e-user-" + g.sdk
	switch {
	case rec.Person == nil:
		out = append(out, "person is null")
	case rec.Person.Name == nil || *rec.Person.Name != email:
		out = append(out, fmt.Sprintf("person.name = %s, want %q", show(rec.Person.Name), email))
	case !contains(rec.Person.DistinctIDs, user):
		out = append(out, fmt.Sprintf("person.distinct_ids = %q, want %q among them", rec.Person.DistinctIDs, user))
	}
	return out
}

func show[T any](p *T) string {
	if p == nil {
		return "null"
	}
	b, _ := json.Marshal(*p)
	return string(b)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// checkRecording polls the recordings API until the recording shows the
// whole visit (the SDK's last batches may still be arriving), then reads its
// snapshots.
func checkRecording(t *testing.T, api *apiClient, g generation, d driven) {
	t.Helper()
	path := "/api/environments/@current/session_recordings/" + d.SessionID + "/"
	deadline := time.Now().Add(recordingTimeout)
	var last []string
	for {
		status, _, body, err := api.get(path)
		switch {
		case err != nil:
			last = []string{err.Error()}
		case status != http.StatusOK:
			last = []string{fmt.Sprintf("GET %s: status %d: %.500s", path, status, body)}
		default:
			var rec recording
			if err := json.Unmarshal(body, &rec); err != nil {
				t.Fatalf("GET %s: %v: %.500s", path, err, body)
			}
			if rec.ID != d.SessionID {
				t.Fatalf("GET %s: id %q", path, rec.ID)
			}
			last = mismatches(rec, g, d)
			if len(last) == 0 {
				t.Logf("GET %s: %s", path, body)
			}
		}
		if len(last) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the recording did not show the visit within %s:\n  %s", recordingTimeout, strings.Join(last, "\n  "))
		}
		time.Sleep(300 * time.Millisecond)
	}
	checkSnapshots(t, api, d)
}

// event is an rrweb event as served.
type event struct {
	Type      int             `json:"type"`
	Timestamp float64         `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

func checkSnapshots(t *testing.T, api *apiClient, d driven) {
	t.Helper()
	base := "/api/environments/@current/session_recordings/" + d.SessionID + "/snapshots"
	status, _, body, err := api.get(base)
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET %s: %d %v %.500s", base, status, err, body)
	}
	var listing struct {
		Sources []struct {
			Source  string `json:"source"`
			BlobKey string `json:"blob_key"`
		} `json:"sources"`
	}
	if err := json.Unmarshal(body, &listing); err != nil {
		t.Fatalf("GET %s: %v: %.500s", base, err, body)
	}
	if len(listing.Sources) == 0 {
		t.Fatalf("GET %s: no sources: %s", base, body)
	}
	for i, s := range listing.Sources {
		if s.Source != "blob_v2" || s.BlobKey != strconv.Itoa(i) {
			t.Fatalf("GET %s: source %d is %+v, want blob_v2 with blob_key %q", base, i, s, strconv.Itoa(i))
		}
	}

	var lines []string
	for start := 0; start < len(listing.Sources); start += 20 {
		end := min(start+20, len(listing.Sources)) - 1
		path := fmt.Sprintf("%s?source=blob_v2&start_blob_key=%d&end_blob_key=%d", base, start, end)
		status, header, body, err := api.get(path)
		if err != nil || status != http.StatusOK {
			t.Fatalf("GET %s: %d %v %.500s", path, status, err, body)
		}
		if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/jsonl") {
			t.Errorf("GET %s: Content-Type %q, want application/jsonl", path, ct)
		}
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			if line := sc.Text(); line != "" {
				lines = append(lines, line)
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}

	var (
		fullSnapshots, metaAtPage, inputs int
		consoleLevels                     = map[string]int{}
		basket                            = map[string]bool{}
		lastInput                         string
		checkoutSeen                      bool
	)
	for n, line := range lines {
		var pair []json.RawMessage
		if err := json.Unmarshal([]byte(line), &pair); err != nil || len(pair) != 2 {
			t.Fatalf("line %d is not a [window_id, event] pair: %.300s", n+1, line)
		}
		var windowID string
		if err := json.Unmarshal(pair[0], &windowID); err != nil || windowID == "" {
			t.Fatalf("line %d: window id %s", n+1, pair[0])
		}
		if strings.Contains(line, `"cv"`) {
			t.Errorf("line %d still carries the SDK's compression marker: %.300s", n+1, line)
		}
		var ev event
		if err := json.Unmarshal(pair[1], &ev); err != nil {
			t.Fatalf("line %d: event %v: %.300s", n+1, err, pair[1])
		}
		if ev.Timestamp <= 0 {
			t.Errorf("line %d: timestamp %v", n+1, ev.Timestamp)
		}
		switch ev.Type {
		case 2: // FullSnapshot: a plain rrweb document
			var data struct {
				Node *struct {
					Type       int               `json:"type"`
					ChildNodes []json.RawMessage `json:"childNodes"`
				} `json:"node"`
			}
			if err := json.Unmarshal(ev.Data, &data); err != nil || data.Node == nil {
				t.Errorf("line %d: FullSnapshot data is not an object with a node: %.300s", n+1, ev.Data)
				continue
			}
			if data.Node.Type != 0 || len(data.Node.ChildNodes) == 0 {
				t.Errorf("line %d: FullSnapshot node is not a document with children: %.300s", n+1, ev.Data)
			}
			fullSnapshots++
		case 3:
			var data struct {
				Source     int             `json:"source"`
				Adds       json.RawMessage `json:"adds"`
				Removes    json.RawMessage `json:"removes"`
				Texts      json.RawMessage `json:"texts"`
				Attributes json.RawMessage `json:"attributes"`
				Text       *string         `json:"text"`
			}
			if err := json.Unmarshal(ev.Data, &data); err != nil {
				t.Errorf("line %d: incremental data: %v: %.300s", n+1, err, ev.Data)
				continue
			}
			switch data.Source {
			case 0: // Mutation: its lists are plain arrays
				for name, field := range map[string]json.RawMessage{"adds": data.Adds, "removes": data.Removes, "texts": data.Texts, "attributes": data.Attributes} {
					if !bytes.HasPrefix(bytes.TrimSpace(field), []byte("[")) {
						t.Errorf("line %d: Mutation %s is not a list: %.200s", n+1, name, field)
					}
				}
				for _, item := range []string{"Tea", "Cake", "Jam"} {
					if bytes.Contains(data.Adds, []byte(`"textContent":"`+item+`"`)) {
						basket[item] = true
					}
				}
			case 5: // Input
				inputs++
				if data.Text != nil {
					lastInput = *data.Text
				}
			}
		case 4: // Meta
			var data struct {
				Href string `json:"href"`
			}
			_ = json.Unmarshal(ev.Data, &data)
			if data.Href == d.PageURL {
				metaAtPage++
			}
			if data.Href == d.CheckoutURL {
				checkoutSeen = true
			}
		case 5: // Custom: posthog-js adds $pageview and $url_changed
			if bytes.Contains(ev.Data, []byte(d.CheckoutURL)) {
				checkoutSeen = true
			}
		case 6: // Plugin
			var data struct {
				Plugin  string `json:"plugin"`
				Payload struct {
					Level   string   `json:"level"`
					Payload []string `json:"payload"`
				} `json:"payload"`
			}
			if err := json.Unmarshal(ev.Data, &data); err == nil && data.Plugin == "rrweb/console@1" {
				consoleLevels[data.Payload.Level]++
			}
		}
	}
	t.Logf("snapshots: %d sources, %d events, %d full snapshots, %d inputs, console %v", len(listing.Sources), len(lines), fullSnapshots, inputs, consoleLevels)

	if fullSnapshots == 0 {
		t.Error("no FullSnapshot (type 2) with a node among the snapshots")
	}
	if metaAtPage == 0 {
		t.Errorf("no Meta event with href %q", d.PageURL)
	}
	if !checkoutSeen {
		t.Errorf("nothing in the snapshots records the move to %q", d.CheckoutURL)
	}
	for _, item := range []string{"Tea", "Cake", "Jam"} {
		if !basket[item] {
			t.Errorf("no Mutation adds the basket item %q", item)
		}
	}
	if inputs == 0 {
		t.Error("no Input event")
	} else if len([]rune(lastInput)) != len(d.Actions.Typed) {
		// posthog-js masks inputs by default; the length survives.
		t.Errorf("last Input event text %q, want %d characters", lastInput, len(d.Actions.Typed))
	}
	want := map[string]int{"log": d.Actions.Console.Log, "warn": d.Actions.Console.Warn, "error": d.Actions.Console.Error}
	for level, n := range want {
		if consoleLevels[level] != n {
			t.Errorf("console %s events in the snapshots: %d, want %d (all: %v)", level, consoleLevels[level], n, consoleLevels)
		}
	}
}

// freeAddr finds a loopback address nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// lockedWriter collects the server's output from two streams.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
