package static

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// webDir is the npm project that the build copies the files from.
const webDir = "../../web"

// response is what a test request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

func request(t *testing.T, srv *httptest.Server, method, path string, header ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, body}
}

// wantFile checks a 200 carrying want with the headers of a served file.
func wantFile(t *testing.T, got response, path string, want []byte, cacheControl string) {
	t.Helper()
	if got.status != http.StatusOK {
		t.Fatalf("GET %s: status %d, body %.300s", path, got.status, got.body)
	}
	if !bytes.Equal(got.body, want) {
		t.Errorf("GET %s: %d bytes that differ from the expected file (%d bytes)", path, len(got.body), len(want))
	}
	if ct := got.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/javascript") {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	if v := got.header.Get("Access-Control-Allow-Origin"); v != "*" {
		t.Errorf("GET %s: Access-Control-Allow-Origin %q", path, v)
	}
	if v := got.header.Get("Cache-Control"); v != cacheControl {
		t.Errorf("GET %s: Cache-Control %q, want %q", path, v, cacheControl)
	}
	if got.header.Get("ETag") == "" {
		t.Errorf("GET %s: no ETag", path)
	}
}

// wantNotFound checks a 404 in PostHog's error shape with the given detail.
func wantNotFound(t *testing.T, got response, path, detail string) {
	t.Helper()
	if got.status != http.StatusNotFound {
		t.Fatalf("GET %s: status %d, want 404; body %.300s", path, got.status, got.body)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	want := map[string]any{"type": "invalid_request", "code": "not_found", "detail": detail, "attr": nil}
	var body map[string]any
	if err := json.Unmarshal(got.body, &body); err != nil {
		t.Fatalf("GET %s: body %q is not JSON: %v", path, got.body, err)
	}
	if len(body) != len(want) {
		t.Errorf("GET %s: body %v, want %v", path, body, want)
	}
	for k, v := range want {
		if got, ok := body[k]; !ok || got != v {
			t.Errorf("GET %s: %s = %#v, want %#v", path, k, got, v)
		}
	}
}

// installed maps each posthog-js version pinned in web/package.json to the
// directory of its installed package.
func installed(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(webDir, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		DevDependencies map[string]string `json:"devDependencies"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	dirs := map[string]string{}
	for name, spec := range manifest.DevDependencies {
		if name != "posthog-js" && !strings.HasPrefix(spec, "npm:posthog-js@") {
			continue
		}
		dir := filepath.Join(webDir, "node_modules", name)
		raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
		if err != nil {
			t.Fatalf("the embedded build cannot be compared with its source: %v (run npm ci --prefix web)", err)
		}
		var pkg struct{ Name, Version string }
		if err := json.Unmarshal(raw, &pkg); err != nil {
			t.Fatal(err)
		}
		if pkg.Name != "posthog-js" {
			t.Fatalf("%s is %s", dir, pkg.Name)
		}
		dirs[pkg.Version] = dir
	}
	return dirs
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEmbedded checks what this build of tapedeck embeds: the posthog-js
// files when `npm run --prefix web build` ran before the test was compiled
// (CI always builds first), and the 404 that says how to build them when it
// did not.
func TestEmbedded(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()

	if !Built() {
		if Current() != "" || Versions() != nil {
			t.Errorf("not built, yet Current() = %q and Versions() = %v", Current(), Versions())
		}
		for _, path := range []string{"/static/array.js", "/static/array.full.js", "/static/lazy-recorder.js?v=1.320.0", "/static/1.449.2/array.js", "/static/README.md"} {
			wantNotFound(t, request(t, srv, "GET", path), path, NotBuiltDetail)
		}
		return
	}

	// The embedded versions are exactly those pinned in web/package.json, the
	// newest being the current one, and every file is its package's file.
	sources := installed(t)
	var pinned []string
	for v := range sources {
		pinned = append(pinned, v)
	}
	slices.SortFunc(pinned, compareVersions)
	if got := Versions(); !slices.Equal(got, pinned) {
		t.Fatalf("embedded versions %v, web/package.json pins %v (run npm run --prefix web build)", got, pinned)
	}
	for _, want := range []string{"1.201.0", "1.320.0"} {
		if !slices.Contains(pinned, want) {
			t.Errorf("posthog-js %s is not embedded; the test page of each SDK generation needs it", want)
		}
	}
	current := pinned[len(pinned)-1]
	if Current() != current {
		t.Errorf("Current() = %q, want the newest, %q", Current(), current)
	}
	for version, dir := range sources {
		entries, err := os.ReadDir(filepath.Join(dir, "dist"))
		if err != nil {
			t.Fatal(err)
		}
		count := 0
		for _, e := range entries {
			if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".js") {
				continue
			}
			count++
			path := "/static/" + version + "/" + e.Name()
			wantFile(t, request(t, srv, "GET", path), path, readFile(t, filepath.Join(dir, "dist", e.Name())), immutableCacheControl)
		}
		if count < 10 {
			t.Errorf("posthog-js %s has only %d browser files", version, count)
		}
	}

	currentDir := sources[current]
	fullJS := readFile(t, filepath.Join(currentDir, "dist", "array.full.js"))
	wantFile(t, request(t, srv, "GET", "/static/array.full.js"), "/static/array.full.js", fullJS, currentCacheControl)
	wantFile(t, request(t, srv, "GET", "/static/array.js"), "/static/array.js", readFile(t, filepath.Join(currentDir, "dist", "array.js")), currentCacheControl)

	// posthog-js 1.320 lazy-loads /static/lazy-recorder.js?v=1.320.0: it gets
	// its own recorder, not the current one.
	recorder320 := readFile(t, filepath.Join(sources["1.320.0"], "dist", "lazy-recorder.js"))
	if bytes.Equal(recorder320, readFile(t, filepath.Join(currentDir, "dist", "lazy-recorder.js"))) {
		t.Fatal("the lazy recorders of 1.320.0 and the current version are identical; the test cannot tell them apart")
	}
	path := "/static/lazy-recorder.js?v=1.320.0"
	wantFile(t, request(t, srv, "GET", path), path, recorder320, immutableCacheControl)
	path = "/static/recorder.js?v=1.201.0"
	wantFile(t, request(t, srv, "GET", path), path, readFile(t, filepath.Join(sources["1.201.0"], "dist", "recorder.js")), immutableCacheControl)
	// A version that is not embedded gets the current files.
	path = "/static/array.full.js?v=1.300.0"
	wantFile(t, request(t, srv, "GET", path), path, fullJS, currentCacheControl)

	for _, path := range []string{
		"/static/no-such-file.js",
		"/static/lazy-recorder.js?v=1.201.0", // 1.201 had no lazy-recorder.js
		"/static/array.full.js.map",
		"/static/array.full.d.ts",
		"/static/versions.json",
		"/static/README.md",
		"/static/1.300.0/array.js",
		"/static/" + current + "/",
		"/static/" + current + "/../versions.json",
		"/static/",
	} {
		wantNotFound(t, request(t, srv, "GET", path), path, "Not found.")
	}

	// HEAD, conditional and cross-origin requests.
	head := request(t, srv, "HEAD", "/static/array.full.js")
	if head.status != http.StatusOK || len(head.body) != 0 || head.header.Get("Content-Length") != itoa(len(fullJS)) {
		t.Errorf("HEAD: status %d, %d body bytes, Content-Length %q; want 200, 0, %d", head.status, len(head.body), head.header.Get("Content-Length"), len(fullJS))
	}
	etag := head.header.Get("ETag")
	again := request(t, srv, "GET", "/static/array.full.js", "If-None-Match", etag)
	if again.status != http.StatusNotModified || len(again.body) != 0 {
		t.Errorf("GET with If-None-Match %s: status %d, %d bytes; want 304", etag, again.status, len(again.body))
	}
	other := request(t, srv, "GET", "/static/lazy-recorder.js?v=1.320.0", "If-None-Match", etag)
	if other.status != http.StatusOK {
		t.Errorf("another file's ETag matched: status %d", other.status)
	}
	cors := request(t, srv, "GET", "/static/array.js", "Origin", "http://shop.example")
	if v := cors.header.Get("Access-Control-Allow-Origin"); v != "*" {
		t.Errorf("cross-origin GET: Access-Control-Allow-Origin %q", v)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// compareVersions orders "major.minor.patch" versions.
func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range pa {
		if len(pa[i]) != len(pb[i]) {
			return len(pa[i]) - len(pb[i])
		}
		if c := strings.Compare(pa[i], pb[i]); c != 0 {
			return c
		}
	}
	return 0
}

// writeTree writes files (path → content) under a new directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for path, content := range files {
		full := filepath.Join(root, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestVersionSelection serves a build laid out on disk the way npm run build
// lays it out, with small files whose content names their version.
func TestVersionSelection(t *testing.T) {
	root := writeTree(t, map[string]string{
		"dist/README.md":                 "placeholder",
		"dist/versions.json":             `{"current": "2.10.0", "versions": ["1.9.0", "2.10.0"]}`,
		"dist/1.9.0/array.js":            "old array",
		"dist/1.9.0/recorder.js":         "old recorder",
		"dist/2.10.0/array.js":           "new array",
		"dist/2.10.0/lazy-recorder.js":   "new lazy recorder",
		"dist/2.10.0/lazy-recorder.d.ts": "types",
	})
	c, err := newCatalog(os.DirFS(root))
	if err != nil {
		t.Fatal(err)
	}
	if c == nil {
		t.Fatal("a directory with versions.json was taken for no build")
	}
	srv := httptest.NewServer(c)
	defer srv.Close()

	cases := []struct {
		path, body, cache string
	}{
		{"/static/array.js", "new array", currentCacheControl},
		{"/static/array.js?v=1.9.0", "old array", immutableCacheControl},
		{"/static/array.js?v=2.10.0", "new array", immutableCacheControl},
		{"/static/array.js?v=3.0.0", "new array", currentCacheControl},
		{"/static/array.js?v=", "new array", currentCacheControl},
		{"/static/recorder.js?v=1.9.0", "old recorder", immutableCacheControl},
		{"/static/lazy-recorder.js?v=2.10.0&t=1", "new lazy recorder", immutableCacheControl},
		{"/static/1.9.0/array.js", "old array", immutableCacheControl},
		{"/static/1.9.0/array.js?v=2.10.0", "old array", immutableCacheControl},
		{"/static/2.10.0/lazy-recorder.js", "new lazy recorder", immutableCacheControl},
	}
	for _, tc := range cases {
		wantFile(t, request(t, srv, "GET", tc.path), tc.path, []byte(tc.body), tc.cache)
	}
	for _, path := range []string{
		"/static/recorder.js",              // only in 1.9.0
		"/static/lazy-recorder.js?v=1.9.0", // only in 2.10.0
		"/static/lazy-recorder.d.ts",
		"/static/versions.json",
		"/static/README.md",
		"/static/3.0.0/array.js",
		"/static/1.9.0/",
		"/static/1.9.0/x/array.js",
		"/static/dist/2.10.0/array.js",
		"/static/../dist/versions.json",
	} {
		wantNotFound(t, request(t, srv, "GET", path), path, "Not found.")
	}

	// Methods.
	opt := request(t, srv, "OPTIONS", "/static/array.js")
	if opt.status != http.StatusNoContent || opt.header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("OPTIONS: status %d, Access-Control-Allow-Origin %q", opt.status, opt.header.Get("Access-Control-Allow-Origin"))
	}
	post := request(t, srv, "POST", "/static/array.js")
	if post.status != http.StatusMethodNotAllowed || !strings.Contains(string(post.body), `"code":"method_not_allowed"`) {
		t.Errorf("POST: status %d, body %s", post.status, post.body)
	}
	if allow := post.header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "HEAD") {
		t.Errorf("POST: Allow %q", allow)
	}

	// Behind http.StripPrefix the handler takes the stripped path as it is.
	mux := http.NewServeMux()
	mux.Handle("/assets/", http.StripPrefix("/assets", c))
	stripped := httptest.NewServer(mux)
	defer stripped.Close()
	wantFile(t, request(t, stripped, "GET", "/assets/array.js?v=1.9.0"), "/assets/array.js?v=1.9.0", []byte("old array"), immutableCacheControl)
	wantFile(t, request(t, stripped, "GET", "/assets/2.10.0/lazy-recorder.js"), "/assets/2.10.0/lazy-recorder.js", []byte("new lazy recorder"), immutableCacheControl)
}

// TestNotBuilt serves a dist directory that holds only the placeholder.
func TestNotBuilt(t *testing.T) {
	c, err := newCatalog(os.DirFS(writeTree(t, map[string]string{"dist/README.md": "placeholder"})))
	if err != nil || c != nil {
		t.Fatalf("placeholder only: catalog %v, error %v; want none and no error", c, err)
	}
	srv := httptest.NewServer(c)
	defer srv.Close()
	for _, path := range []string{"/static/array.js", "/static/array.full.js?v=1.449.2", "/static/1.320.0/lazy-recorder.js", "/static/README.md"} {
		got := request(t, srv, "GET", path)
		wantNotFound(t, got, path, NotBuiltDetail)
		if v := got.header.Get("Access-Control-Allow-Origin"); v != "*" {
			t.Errorf("GET %s: Access-Control-Allow-Origin %q", path, v)
		}
	}
	if !strings.Contains(NotBuiltDetail, "npm run --prefix web build") {
		t.Errorf("the detail %q does not say how to build", NotBuiltDetail)
	}
}

// TestBrokenBuild: a build that contradicts its versions.json is an error,
// not a server that silently serves nothing.
func TestBrokenBuild(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"listed version missing": {
			"dist/versions.json":  `{"current": "2.0.0", "versions": ["1.0.0", "2.0.0"]}`,
			"dist/2.0.0/array.js": "x",
		},
		"current not listed": {
			"dist/versions.json":  `{"current": "3.0.0", "versions": ["2.0.0"]}`,
			"dist/2.0.0/array.js": "x",
		},
		"not a version": {
			"dist/versions.json": `{"current": "..", "versions": [".."]}`,
		},
		"not JSON": {
			"dist/versions.json": `current: 2.0.0`,
		},
	} {
		if c, err := newCatalog(os.DirFS(writeTree(t, files))); err == nil {
			t.Errorf("%s: no error (catalog %+v)", name, c)
		}
	}
}
