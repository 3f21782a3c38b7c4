package httpapi_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/static"
)

const (
	fixtureDir = "../../../shared/fixtures/posthog-js"
	// The fixtures' two sessions.
	docsSession = "01a215f3-0951-7cb2-95cc-05c3a05c2d8f"
	formSession = "01a215f3-7aea-7729-81c1-f294eb35efa9"
)

// fixture returns a fixture's body and the path it was sent to.
func fixture(t *testing.T, n int) (string, []byte) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(fixtureDir, fmt.Sprintf("%03d.body", n)))
	if err != nil {
		t.Fatal(err)
	}
	meta, err := os.ReadFile(filepath.Join(fixtureDir, fmt.Sprintf("%03d.json", n)))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Path string }
	json.Unmarshal(meta, &m)
	return m.Path, body
}

// newCaptureEnv is an env whose clock stands just after the fixtures were
// recorded, so that their rrweb timestamps are within the accepted window.
func newCaptureEnv(t *testing.T) *env {
	e := newEnv(t)
	e.clock.t = time.Date(2026, 11, 26, 3, 44, 0, 0, time.UTC)
	return e
}

// send posts a fixture as posthog-js did: raw gzip as text/plain.
func (e *env) send(n int) response {
	e.t.Helper()
	path, body := fixture(e.t, n)
	return e.do("POST", path+"?compression=gzip-js&ver=1.449.2", "", rawBody{"text/plain", body})
}

func (e *env) sendAll(ns ...int) {
	e.t.Helper()
	for _, n := range ns {
		if r := e.send(n); r.status != 200 {
			e.t.Fatalf("fixture %03d: %d %s", n, r.status, r.body)
		}
	}
}

func (e *env) recording(session string) map[string]any {
	e.t.Helper()
	r := e.do("GET", e.path("fx", "/session_recordings/"+session+"/"), "alice", nil)
	if r.status != 200 {
		e.t.Fatalf("recording %s: %d %s", session, r.status, r.body)
	}
	return r.json(e.t)
}

func TestCaptureFixturesMakeRecordings(t *testing.T) {
	e := newCaptureEnv(t)
	e.sendAll(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)

	form := e.recording(formSession)
	expect(t, mustJSON(form), map[string]any{
		"id":                    formSession,
		"distinct_id":           "acceptance-user-1",
		"viewed":                false,
		"viewers":               []any{},
		"click_count":           7,  // three "Add item", two inputs, "Break something", "Buy"
		"keypress_count":        22, // "Alice" and "alice@example.com", one input event per character
		"console_log_count":     2,
		"console_warn_count":    1,
		"console_error_count":   2,
		"start_url":             "http://127.0.0.1:18767/page.html?api_host=http%3A%2F%2F127.0.0.1%3A18767&token=phc_sharedfixture",
		"snapshot_source":       "web",
		"snapshot_library":      "web",
		"storage":               "object_storage",
		"ongoing":               true,
		"retention_period_days": 30,
		"recording_ttl":         29,
	})
	person := form["person"].(map[string]any)
	if person["name"] != "alice@example.com" {
		t.Errorf("person.name = %v, want the identified email", person["name"])
	}
	ids, _ := json.Marshal(person["distinct_ids"])
	if !strings.Contains(string(ids), "acceptance-user-1") || len(person["distinct_ids"].([]any)) != 2 {
		t.Errorf("person.distinct_ids = %s: want the identified id merged with the anonymous one", ids)
	}
	if props := person["properties"].(map[string]any); props["name"] != "Alice" {
		t.Errorf("person properties = %v", props)
	}
	start, end := form["start_time"].(string), form["end_time"].(string)
	st, _ := time.Parse(time.RFC3339, start)
	en, _ := time.Parse(time.RFC3339, end)
	if d := int64(en.Sub(st) / time.Second); d != int64(form["recording_duration"].(float64)) {
		t.Errorf("recording_duration %v does not match start %s and end %s", form["recording_duration"], start, end)
	}
	if form["active_seconds"].(float64) <= 0 || form["inactive_seconds"].(float64) < 0 {
		t.Errorf("active %v inactive %v", form["active_seconds"], form["inactive_seconds"])
	}

	docs := e.recording(docsSession)
	if d := docs["recording_duration"].(float64); d < 18 || d > 22 {
		t.Errorf("the 20-second visit lasted %v s", d)
	}
	if !strings.Contains(docs["start_url"].(string), "/real2.html") {
		t.Errorf("start_url = %v", docs["start_url"])
	}
	if docs["console_log_count"].(float64) < 1 || docs["click_count"].(float64) < 1 {
		t.Errorf("docs visit counts: %v", docs)
	}
	// The docs visit never identified: its person is the anonymous one
	// or the stand-in, and it is named by an id, not an email.
	if name, _ := docs["person"].(map[string]any)["name"].(string); strings.Contains(name, "@") {
		t.Errorf("anonymous person named %q", name)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// aggregate is the part of a recording that depends only on its events.
func aggregate(rec map[string]any) string {
	keys := []string{"start_time", "end_time", "recording_duration", "active_seconds", "inactive_seconds", "click_count",
		"keypress_count", "mouse_activity_count", "console_log_count", "console_warn_count", "console_error_count",
		"start_url", "activity_score"}
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%v ", k, rec[k])
	}
	return b.String()
}

func TestCaptureOrderDoesNotMatter(t *testing.T) {
	inOrder := newCaptureEnv(t)
	inOrder.sendAll(2, 3, 4, 5, 6, 7)
	reversed := newCaptureEnv(t)
	reversed.sendAll(7, 6, 5, 4, 3, 2)
	shuffled := newCaptureEnv(t)
	shuffled.sendAll(4, 7, 2, 6, 3, 5)
	want := aggregate(inOrder.recording(docsSession))
	for name, e := range map[string]*env{"reversed": reversed, "shuffled": shuffled} {
		if got := aggregate(e.recording(docsSession)); got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
	// Snapshot sources are in time order whatever the arrival order.
	var sources struct {
		Sources []struct {
			StartTimestamp string `json:"start_timestamp"`
		} `json:"sources"`
	}
	json.Unmarshal(reversed.do("GET", reversed.path("fx", "/session_recordings/"+docsSession+"/snapshots"), "alice", nil).body, &sources)
	if len(sources.Sources) != 6 {
		t.Fatalf("%d sources, want 6", len(sources.Sources))
	}
	for i := 1; i < len(sources.Sources); i++ {
		if sources.Sources[i].StartTimestamp < sources.Sources[i-1].StartTimestamp {
			t.Errorf("sources out of time order: %v", sources.Sources)
		}
	}
}

func TestCaptureRetryIsNotCountedTwice(t *testing.T) {
	once := newCaptureEnv(t)
	once.sendAll(2, 3)
	twice := newCaptureEnv(t)
	twice.sendAll(2, 3, 3, 2)
	if a, b := aggregate(once.recording(docsSession)), aggregate(twice.recording(docsSession)); a != b {
		t.Errorf("retried requests changed the recording:\n once  %s\n twice %s", a, b)
	}
	var sources struct{ Sources []any }
	json.Unmarshal(twice.do("GET", twice.path("fx", "/session_recordings/"+docsSession+"/snapshots"), "alice", nil).body, &sources)
	if len(sources.Sources) != 2 {
		t.Errorf("%d blocks after retries, want 2", len(sources.Sources))
	}
}

func TestCaptureEncodingsAndResponses(t *testing.T) {
	e := newCaptureEnv(t)
	_, gz := fixture(t, 11)
	plain := gunzip(t, gz)
	b64 := base64.StdEncoding.EncodeToString(plain)
	form := url.Values{"data": {b64}}.Encode()
	// posthog-js's form bodies may arrive with + turned into spaces.
	spaced := "data=" + strings.ReplaceAll(b64, "+", " ")

	cases := []struct {
		name   string
		method string
		path   string
		body   any
		status int
	}{
		{"raw gzip as text/plain", "POST", "/s/?compression=gzip-js", rawBody{"text/plain", gz}, 200},
		{"gzip without a hint", "POST", "/s", rawBody{"application/octet-stream", gz}, 200},
		{"plain JSON", "POST", "/s/", rawBody{"application/json", plain}, 200},
		{"base64 form", "POST", "/s/?compression=base64", rawBody{"application/x-www-form-urlencoded", []byte(form)}, 200},
		{"base64 form with spaces", "POST", "/s/?compression=base64", rawBody{"application/x-www-form-urlencoded", []byte(spaced)}, 200},
		{"GET with data", "GET", "/s/?compression=base64&data=" + url.QueryEscape(b64), nil, 200},
		{"beacon", "POST", "/s/?compression=gzip-js&beacon=1", rawBody{"text/plain", gz}, 204},
		{"events endpoint", "POST", "/e/?compression=gzip-js", rawBody{"text/plain", gz}, 200},
		{"i/v0/e endpoint", "POST", "/i/v0/e/", rawBody{"text/plain", gz}, 200},
		{"batch endpoint", "POST", "/batch", rawBody{"text/plain", gz}, 200},
		{"capture endpoint", "POST", "/capture/", rawBody{"text/plain", gz}, 200},
	}
	for _, c := range cases {
		r := e.do(c.method, c.path, "", c.body)
		if r.status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.status, r.body, c.status)
			continue
		}
		if c.status == 200 && string(bytes.TrimSpace(r.body)) != `{"status":"Ok"}` {
			t.Errorf("%s: body %s", c.name, r.body)
		}
	}
	// Every one of those was the same request: the recording holds it once.
	rec := e.recording(formSession)
	if rec["click_count"] != float64(7) {
		t.Errorf("click_count after repeated sends = %v, want 7", rec["click_count"])
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := out.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

func TestCaptureRefusesBadInput(t *testing.T) {
	e := newCaptureEnv(t)
	_, gz := fixture(t, 11)
	plain := gunzip(t, gz)
	replace := func(old, new string) rawBody {
		return rawBody{"application/json", bytes.ReplaceAll(plain, []byte(old), []byte(new))}
	}
	snapshot := func(props string) rawBody {
		return rawBody{"application/json", []byte(`[{"event": "$snapshot", "uuid": "01a215f3-0000-7000-8000-000000000001", "properties": ` + props + `}]`)}
	}
	valid := `"token": "phc_sharedfixture", "distinct_id": "d1", "$session_id": "s1", "$window_id": "w1", "$snapshot_data": [{"type": 3, "timestamp": 1795664581104, "data": {"source": 2, "type": 2}}]`
	cases := []struct {
		name   string
		body   rawBody
		status int
	}{
		{"unknown token", replace("phc_sharedfixture", "phc_nobodyhasthistoken"), 401},
		{"corrupt gzip", rawBody{"text/plain", append(append([]byte{}, gz[:10]...), bytes.Repeat([]byte{0xff}, 50)...)}, 400},
		{"truncated gzip", rawBody{"text/plain", gz[:len(gz)/2]}, 400},
		{"truncated base64", rawBody{"application/x-www-form-urlencoded", []byte("data=" + base64.StdEncoding.EncodeToString(plain)[:101])}, 400},
		{"not JSON", rawBody{"application/json", []byte(`{"event": `)}, 400},
		{"a JSON number", rawBody{"application/json", []byte(`42`)}, 400},
		{"an empty batch", rawBody{"application/json", []byte(`[]`)}, 400},
		{"a batch with a string", rawBody{"application/json", []byte(`["$snapshot"]`)}, 400},
		{"session id too long", snapshot(`{` + strings.Replace(valid, `"s1"`, `"`+strings.Repeat("s", 71)+`"`, 1) + `}`), 400},
		{"session id with spaces", snapshot(`{` + strings.Replace(valid, `"s1"`, `"s 1"`, 1) + `}`), 400},
		{"session id injection", snapshot(`{` + strings.Replace(valid, `"s1"`, `"s1'; DROP TABLE recordings; --"`, 1) + `}`), 400},
		{"missing session id", snapshot(`{` + strings.Replace(valid, `"$session_id": "s1", `, ``, 1) + `}`), 400},
		{"bad window id", snapshot(`{` + strings.Replace(valid, `"w1"`, `"w/1"`, 1) + `}`), 400},
		{"missing distinct id", snapshot(`{` + strings.Replace(valid, `"distinct_id": "d1", `, ``, 1) + `}`), 400},
		{"distinct id too long", snapshot(`{` + strings.Replace(valid, `"d1"`, `"`+strings.Repeat("d", 201)+`"`, 1) + `}`), 400},
		{"snapshot data not a list", snapshot(`{` + strings.Replace(valid, `[{"type": 3, "timestamp": 1795664581104, "data": {"source": 2, "type": 2}}]`, `"x"`, 1) + `}`), 400},
		{"missing token", snapshot(`{` + strings.Replace(valid, `"token": "phc_sharedfixture", `, ``, 1) + `}`), 400},
	}
	for _, c := range cases {
		r := e.do("POST", "/s/", "", c.body)
		if r.status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.status, r.body, c.status)
			continue
		}
		body := r.json(t)
		if body["type"] == nil || body["detail"] == nil {
			t.Errorf("%s: not PostHog's error body: %s", c.name, r.body)
		}
	}
	// A valid event beside an invalid one: the whole batch is refused.
	mixed := rawBody{"application/json", []byte(`[{"event": "$snapshot", "properties": {` + valid + `}},
		{"event": "$snapshot", "properties": {` + strings.Replace(valid, `"s1"`, `"s 2"`, 1) + `}}]`)}
	if r := e.do("POST", "/s/", "", mixed); r.status != 400 {
		t.Errorf("mixed batch: %d %s", r.status, r.body)
	}
	for _, session := range []string{formSession, "s1"} {
		if r := e.do("GET", e.path("fx", "/session_recordings/"+session+"/"), "alice", nil); r.status != 404 {
			t.Errorf("refused requests wrote recording %s: %d", session, r.status)
		}
	}
	// The valid event alone is accepted, so the refusals above were about
	// what they changed.
	if r := e.do("POST", "/s/", "", snapshot(`{`+valid+`}`)); r.status != 200 {
		t.Fatalf("valid event: %d %s", r.status, r.body)
	}
	if r := e.do("GET", e.path("fx", "/session_recordings/s1/"), "alice", nil); r.status != 200 {
		t.Errorf("valid event did not make a recording: %d", r.status)
	}
}

func TestCaptureGzipBombIsRefused(t *testing.T) {
	e := newCaptureEnv(t)
	// 80 MB of zeros inflate from about 80 KB; the server's cap is 64 MB.
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 80 {
		zw.Write(zeros)
	}
	zw.Close()
	r := e.do("POST", "/s/", "", rawBody{"text/plain", bomb.Bytes()})
	if r.status != 413 && r.status != 400 {
		t.Fatalf("gzip bomb: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/_health", "", nil); r.status != 200 {
		t.Errorf("server stopped serving: %d", r.status)
	}
}

// TestCaptureWithoutTheBlobStore checks that capture does not need the
// blob store (blocks are kept inline until compaction) and that a
// metadata store failure is answered with 503.
func TestCaptureWithoutTheBlobStore(t *testing.T) {
	e := newCaptureEnv(t)
	// Take the blob directory away under the running server.
	if err := os.RemoveAll(filepath.Dir(e.blobPath())); err != nil {
		t.Fatal(err)
	}
	if r := e.send(11); r.status != 200 {
		t.Fatalf("capture with a broken blob store: %d %s, want 200", r.status, r.body)
	}
	snaps := e.path("fx", "/session_recordings/"+formSession+"/snapshots?source=blob_v2&start_blob_key=0&end_blob_key=0")
	if r := e.do("GET", snaps, "alice", nil); r.status != 200 || len(r.body) == 0 {
		t.Errorf("snapshots of a recording captured without the blob store: %d, %d bytes", r.status, len(r.body))
	}

	e.store.Close() // every statement now fails
	if r := e.send(2); r.status != 503 {
		t.Fatalf("capture with a broken metadata store: %d %s, want 503", r.status, r.body)
	}
}

// blobPath is a path inside the env's blob directory.
func (e *env) blobPath() string { return filepath.Join(e.blobDir, "x") }

func TestCORSAndConfig(t *testing.T) {
	e := newCaptureEnv(t)
	req := func(method, path string, body any, header map[string]string) response {
		return e.doWith(method, path, body, header)
	}
	pre := req("OPTIONS", "/s/", nil, map[string]string{"Origin": "https://shop.example", "Access-Control-Request-Headers": "content-type"})
	if pre.status != 200 || pre.header.Get("Access-Control-Allow-Origin") != "https://shop.example" ||
		pre.header.Get("Access-Control-Allow-Credentials") != "true" || !strings.Contains(pre.header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight: %d %v", pre.status, pre.header)
	}
	_, gz := fixture(t, 11)
	post := req("POST", "/s/", rawBody{"text/plain", gz}, map[string]string{"Origin": "https://shop.example"})
	if post.status != 200 || post.header.Get("Access-Control-Allow-Origin") != "https://shop.example" {
		t.Errorf("capture CORS: %d %v", post.status, post.header)
	}

	cfg := e.do("GET", "/array/phc_sharedfixture/config", "", nil)
	if cfg.status != 200 {
		t.Fatalf("config: %d %s", cfg.status, cfg.body)
	}
	var c struct {
		SupportedCompression []string `json:"supportedCompression"`
		HasFeatureFlags      *bool    `json:"hasFeatureFlags"`
		SessionRecording     struct {
			Endpoint                   string `json:"endpoint"`
			ConsoleLogRecordingEnabled bool   `json:"consoleLogRecordingEnabled"`
		} `json:"sessionRecording"`
	}
	json.Unmarshal(cfg.body, &c)
	if strings.Join(c.SupportedCompression, ",") != "gzip,gzip-js" || c.HasFeatureFlags == nil || *c.HasFeatureFlags ||
		c.SessionRecording.Endpoint != "/s/" || !c.SessionRecording.ConsoleLogRecordingEnabled {
		t.Errorf("config: %s", cfg.body)
	}
	js := e.do("GET", "/array/phc_sharedfixture/config.js", "", nil)
	if js.status != 200 || !strings.HasPrefix(js.header.Get("Content-Type"), "application/javascript") ||
		!strings.Contains(string(js.body), `window._POSTHOG_REMOTE_CONFIG["phc_sharedfixture"] = {"config":{`) {
		t.Errorf("config.js: %d %s", js.status, js.body)
	}
	for _, path := range []string{"/array/phc_nope/config", "/array/phc_nope/config.js"} {
		if r := e.do("GET", path, "", nil); r.status != 401 {
			t.Errorf("%s: %d", path, r.status)
		}
	}
	flagsBody := base64.StdEncoding.EncodeToString([]byte(`{"token": "phc_sharedfixture", "distinct_id": "d1"}`))
	for _, path := range []string{"/flags/?v=2&config=true", "/decide/?v=3"} {
		r := e.do("POST", path, "", rawBody{"application/x-www-form-urlencoded", []byte("data=" + url.QueryEscape(flagsBody))})
		if r.status != 200 {
			t.Errorf("%s: %d %s", path, r.status, r.body)
			continue
		}
		body := r.json(t)
		if body["sessionRecording"] == nil || body["featureFlags"] == nil || body["supportedCompression"] == nil {
			t.Errorf("%s: %s", path, r.body)
		}
	}
	if r := e.do("POST", "/flags/?v=2", "", rawBody{"application/json", []byte(`{"token": "phc_nope"}`)}); r.status != 401 {
		t.Errorf("flags with an unknown token: %d", r.status)
	}
}

func TestSnapshots(t *testing.T) {
	e := newCaptureEnv(t)
	e.sendAll(2, 3, 4, 5, 6, 7, 11)
	snaps := e.path("fx", "/session_recordings/"+docsSession+"/snapshots")
	r := e.do("GET", snaps, "alice", nil)
	var list struct {
		Sources []map[string]any `json:"sources"`
	}
	json.Unmarshal(r.body, &list)
	if r.status != 200 || len(list.Sources) != 6 {
		t.Fatalf("sources: %d %s", r.status, r.body)
	}
	for i, s := range list.Sources {
		if s["source"] != "blob_v2" || s["blob_key"] != fmt.Sprint(i) || s["start_timestamp"] == nil || s["end_timestamp"] == nil {
			t.Errorf("source %d: %v", i, s)
		}
	}

	all := e.do("GET", snaps+"?source=blob_v2&start_blob_key=0&end_blob_key=5", "alice", nil)
	if all.status != 200 || all.header.Get("Content-Type") != "application/jsonl" {
		t.Fatalf("blocks: %d %s", all.status, all.header)
	}
	lines, full := 0, 0
	sc := bufio.NewScanner(bytes.NewReader(all.body))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var line []json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || len(line) != 2 {
			t.Fatalf("line %d is not [window_id, event]: %.200s", lines, sc.Bytes())
		}
		var ev struct {
			Type int             `json:"type"`
			Data json.RawMessage `json:"data"`
			CV   *string         `json:"cv"`
		}
		json.Unmarshal(line[1], &ev)
		if ev.CV != nil {
			t.Errorf("line %d is still compressed by the SDK", lines)
		}
		if ev.Type == 2 {
			var data struct{ Node map[string]any }
			if json.Unmarshal(ev.Data, &data) != nil || data.Node == nil {
				t.Errorf("full snapshot data is not plain rrweb: %.200s", ev.Data)
			}
			full++
		}
		lines++
	}
	if full != 1 || lines < 50 {
		t.Errorf("%d lines with %d full snapshots", lines, full)
	}
	one := e.do("GET", snaps+"?source=blob_v2&start_blob_key=1&end_blob_key=1", "alice", nil)
	if one.status != 200 || len(one.body) == 0 || len(one.body) >= len(all.body) {
		t.Errorf("one block: %d, %d bytes of %d", one.status, len(one.body), len(all.body))
	}

	run(t, e, []scenario{
		{"missing start key", "GET", snaps + "?source=blob_v2&end_blob_key=1", "alice", nil, 400, map[string]any{"attr": "start_blob_key"}},
		{"garbage key", "GET", snaps + "?source=blob_v2&start_blob_key=a&end_blob_key=1", "alice", nil, 400, map[string]any{"attr": "start_blob_key"}},
		{"negative key", "GET", snaps + "?source=blob_v2&start_blob_key=-1&end_blob_key=1", "alice", nil, 400, nil},
		{"end before start", "GET", snaps + "?source=blob_v2&start_blob_key=3&end_blob_key=1", "alice", nil, 400, nil},
		{"too many keys", "GET", snaps + "?source=blob_v2&start_blob_key=0&end_blob_key=20", "alice", nil, 400, nil},
		{"out of range", "GET", snaps + "?source=blob_v2&start_blob_key=5&end_blob_key=6", "alice", nil, 404, nil},
		{"unknown source", "GET", snaps + "?source=realtime", "alice", nil, 400, map[string]any{"attr": "source"}},
		{"unknown recording", "GET", e.path("fx", "/session_recordings/nope/snapshots"), "alice", nil, 404,
			errorBody("invalid_request", "not_found", "Recording not found", nil)},
		{"another project's recording", "GET", e.path("p1", "/session_recordings/"+docsSession+"/snapshots"), "alice", nil, 404, nil},
		{"another project's recording, retrieve", "GET", e.path("p1", "/session_recordings/"+docsSession), "alice", nil, 404, nil},
		{"another organization", "GET", e.path("fx", "/session_recordings/"+docsSession), "bob", nil, 403, nil},
		{"needs the recording scope", "GET", snaps, "alice-read", nil, 403,
			map[string]any{"detail": "API key missing required scope 'session_recording:read'"}},
		{"recording scope reads", "GET", snaps, "alice-recordings", nil, 200, nil},
		{"no key", "GET", snaps, "", nil, 401, nil},
	})
}

func TestRecordingExpires(t *testing.T) {
	e := newCaptureEnv(t)
	e.sendAll(11)
	e.clock.Advance(31 * 24 * time.Hour)
	if r := e.do("GET", e.path("fx", "/session_recordings/"+formSession), "alice", nil); r.status != 404 {
		t.Errorf("a recording past its retention: %d", r.status)
	}
}

func TestMetrics(t *testing.T) {
	e := newCaptureEnv(t)
	e.sendAll(2, 3, 8)
	e.send(3) // a retry
	r := e.do("GET", "/metrics", "", nil)
	if r.status != 200 {
		t.Fatalf("metrics: %d", r.status)
	}
	text := string(r.body)
	for _, want := range []string{
		"tapedeck_ingest_blocks_total 2",
		"tapedeck_ingest_duplicate_blocks_total 1",
		"tapedeck_ingest_events_total 1",
		`tapedeck_http_requests_total{method="POST",route="/s",status="200"} 3`,
		"tapedeck_ingest_store_duration_seconds_count 4",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	for _, name := range []string{"tapedeck_ingest_raw_bytes_total", "tapedeck_ingest_stored_bytes_total",
		"tapedeck_ingest_rrweb_events_total", "tapedeck_http_request_duration_seconds_bucket"} {
		if !strings.Contains(text, name) {
			t.Errorf("metrics lack %s", name)
		}
	}
}

func TestStaticFilesAreMounted(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/static/array.full.js", "", nil)
	if static.Built() {
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/javascript") || len(r.body) < 10000 {
			t.Errorf("array.full.js: %d %s, %d bytes", r.status, r.header.Get("Content-Type"), len(r.body))
		}
		if r := e.do("GET", "/static/"+static.Current()+"/lazy-recorder.js", "", nil); r.status != 200 {
			t.Errorf("versioned lazy-recorder.js: %d", r.status)
		}
	} else if r.status != 404 || !strings.Contains(string(r.body), "npm") {
		t.Errorf("without a build: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/static/no-such-file.js", "", nil); r.status != 404 {
		t.Errorf("unknown file: %d", r.status)
	}
}
