package webui

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// A build as web/scripts/build-ui.mjs leaves it.
const (
	testScript = "app-ABCD1234.js"
	testStyle  = "app-WXYZ9876.css"
	testShell  = `<!doctype html><html><head><link rel="stylesheet" href="/ui/assets/` + testStyle +
		`"><script type="module" src="/ui/assets/` + testScript + `"></script></head><body><div id="app"></div></body></html>`
)

func builtFS() fstest.MapFS {
	return fstest.MapFS{
		"dist/README.md":             {Data: []byte("placeholder")},
		"dist/index.html":            {Data: []byte(testShell)},
		"dist/assets/" + testScript:  {Data: []byte("console.log('tapedeck');")},
		"dist/assets/" + testStyle:   {Data: []byte("body{margin:0}")},
		"dist/assets/.hidden":        {Data: []byte("secret")},
		"dist/assets/sub/chunk-1.js": {Data: []byte("export {};")},
	}
}

func notBuiltFS() fstest.MapFS {
	return fstest.MapFS{"dist/README.md": {Data: []byte("placeholder")}}
}

type response struct {
	status int
	header http.Header
	body   string
}

// do sends one request to a handler over fsys; signedIn is what the
// authenticated function answers.
func do(t *testing.T, fsys fs.FS, signedIn bool, method, target string, header ...string) response {
	t.Helper()
	s, err := newSite(fsys)
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(s, func(*http.Request) bool { return signedIn })
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	return response{rec.Code, rec.Header(), string(body)}
}

func wantStatus(t *testing.T, r response, status int, what string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d; body %.300s", what, r.status, status, r.body)
	}
}

// pagePaths are the UI's pages for a signed-in visitor.
var pagePaths = []string{
	"/project/1/replay",
	"/project/1/replay/",
	"/project/@current/replay",
	"/project/1/replay/01a2-session",
	"/project/1/replay/playlists",
	"/project/1/replay/playlists/AbCd1234",
	"/project/1/replay/playlists/AbCd1234/",
}

func TestPagesServeTheShell(t *testing.T) {
	for _, p := range append([]string{"/login", "/login/"}, pagePaths...) {
		for _, method := range []string{"GET", "HEAD"} {
			r := do(t, builtFS(), true, method, p)
			wantStatus(t, r, http.StatusOK, method+" "+p)
			if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("%s %s: Content-Type %q", method, p, ct)
			}
			if method == "GET" && r.body != testShell {
				t.Errorf("GET %s: body %.200s, want the built index.html", p, r.body)
			}
			if cc := r.header.Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("%s %s: Cache-Control %q, want no-cache", method, p, cc)
			}
			if r.header.Get("ETag") == "" {
				t.Errorf("%s %s: no ETag", method, p)
			}
			csp := r.header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'self'", "script-src 'self'", "connect-src 'self'", "object-src 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("%s %s: Content-Security-Policy %q lacks %q", method, p, csp, want)
				}
			}
			if v := r.header.Get("X-Content-Type-Options"); v != "nosniff" {
				t.Errorf("%s %s: X-Content-Type-Options %q", method, p, v)
			}
		}
	}
}

func TestShellRevalidates(t *testing.T) {
	first := do(t, builtFS(), true, "GET", "/project/1/replay")
	again := do(t, builtFS(), true, "GET", "/project/1/replay", "If-None-Match", first.header.Get("ETag"))
	wantStatus(t, again, http.StatusNotModified, "GET with the shell's ETag")
}

func TestSignedOutVisitorsAreSentToSignIn(t *testing.T) {
	cases := map[string]string{
		"/":                                      "/login",
		"/project/1/replay":                      "/login?next=" + url.QueryEscape("/project/1/replay"),
		"/project/1/replay/":                     "/login?next=" + url.QueryEscape("/project/1/replay"),
		"/project/1/replay/s-1?t=10":             "/login?next=" + url.QueryEscape("/project/1/replay/s-1?t=10"),
		"/project/@current/replay":               "/login?next=" + url.QueryEscape("/project/@current/replay"),
		"/project/2/replay/playlists":            "/login?next=" + url.QueryEscape("/project/2/replay/playlists"),
		"/project/2/replay/playlists/AbCd1234":   "/login?next=" + url.QueryEscape("/project/2/replay/playlists/AbCd1234"),
		"/project/2":                             "/login?next=" + url.QueryEscape("/project/2"),
		"/project/1/replay?date=-7d&errors=1&x=": "/login?next=" + url.QueryEscape("/project/1/replay?date=-7d&errors=1&x="),
	}
	for path, want := range cases {
		r := do(t, builtFS(), false, "GET", path)
		wantStatus(t, r, http.StatusFound, "signed-out GET "+path)
		if got := r.header.Get("Location"); got != want {
			t.Errorf("signed-out GET %s: Location %q, want %q", path, got, want)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("signed-out GET %s: Cache-Control %q, want no-store", path, cc)
		}
	}
	// The sign-in page and the assets are everyone's.
	wantStatus(t, do(t, builtFS(), false, "GET", "/login?next=%2Fproject%2F1%2Freplay"), http.StatusOK, "signed-out GET /login")
	wantStatus(t, do(t, builtFS(), false, "GET", "/ui/assets/"+testScript), http.StatusOK, "signed-out GET of the script")
}

func TestSignedInRedirects(t *testing.T) {
	for path, want := range map[string]string{
		"/":           "/project/@current/replay",
		"/project/7":  "/project/7/replay",
		"/project/7/": "/project/7/replay",
	} {
		r := do(t, builtFS(), true, "GET", path)
		wantStatus(t, r, http.StatusFound, "GET "+path)
		if got := r.header.Get("Location"); got != want {
			t.Errorf("GET %s: Location %q, want %q", path, got, want)
		}
	}
}

func TestNilAuthenticatedServesEveryone(t *testing.T) {
	s, err := newSite(builtFS())
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	newHandler(s, nil).ServeHTTP(rec, httptest.NewRequest("GET", "/project/1/replay", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d with a nil authenticated function", rec.Code)
	}
}

func TestAssets(t *testing.T) {
	r := do(t, builtFS(), true, "GET", "/ui/assets/"+testScript)
	wantStatus(t, r, http.StatusOK, "GET the script")
	if r.body != "console.log('tapedeck');" {
		t.Errorf("script body %q", r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("script Content-Type %q", ct)
	}
	if cc := r.header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("script Cache-Control %q", cc)
	}
	etag := r.header.Get("ETag")
	if etag == "" {
		t.Error("script has no ETag")
	}
	wantStatus(t, do(t, builtFS(), true, "GET", "/ui/assets/"+testScript, "If-None-Match", etag), http.StatusNotModified, "conditional GET of the script")

	css := do(t, builtFS(), true, "GET", "/ui/assets/"+testStyle)
	wantStatus(t, css, http.StatusOK, "GET the style sheet")
	if ct := css.header.Get("Content-Type"); ct != "text/css; charset=utf-8" {
		t.Errorf("style sheet Content-Type %q", ct)
	}
	wantStatus(t, do(t, builtFS(), true, "GET", "/ui/assets/sub/chunk-1.js"), http.StatusOK, "GET an asset in a folder")

	for _, p := range []string{"/ui/assets/missing.js", "/ui/assets/.hidden", "/ui/assets/", "/ui/assets/sub", "/ui/index.html", "/ui/assets/%2e%2e/index.html"} {
		r := do(t, builtFS(), true, "GET", p)
		if r.status != http.StatusNotFound && r.status != http.StatusMovedPermanently {
			t.Errorf("GET %s: status %d, want 404; body %.200s", p, r.status, r.body)
		}
		if strings.Contains(r.body, "<!doctype html>") {
			t.Errorf("GET %s answered with the page", p)
		}
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	for _, p := range []string{"/project", "/project/1/replay/s/extra", "/projects/1/replay", "/loginx", "/ui", "/api/projects"} {
		r := do(t, builtFS(), true, "GET", p)
		wantStatus(t, r, http.StatusNotFound, "GET "+p)
		wantJSONError(t, r, "GET "+p, "not_found", "Not found.")
	}
	for _, method := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		r := do(t, builtFS(), true, method, "/project/1/replay")
		wantStatus(t, r, http.StatusMethodNotAllowed, method+" a page")
		if allow := r.header.Get("Allow"); allow != "GET, HEAD" {
			t.Errorf("%s a page: Allow %q", method, allow)
		}
	}
}

func TestNotBuilt(t *testing.T) {
	paths := append([]string{"/", "/login", "/project/1", "/ui/assets/" + testScript}, pagePaths...)
	for _, signedIn := range []bool{true, false} {
		for _, p := range paths {
			// Browsers get a page that says how to build the UI.
			r := do(t, notBuiltFS(), signedIn, "GET", p, "Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
			wantStatus(t, r, http.StatusNotFound, "not built, browser GET "+p)
			if strings.HasPrefix(p, "/ui/assets/") {
				wantJSONError(t, r, "not built, GET "+p, "not_found", NotBuiltDetail)
				continue
			}
			if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("not built, browser GET %s: Content-Type %q", p, ct)
			}
			if !strings.Contains(r.body, "npm ci --prefix web &amp;&amp; npm run --prefix web build") {
				t.Errorf("not built, browser GET %s: the page does not say how to build: %.400s", p, r.body)
			}
			// Other clients get PostHog's JSON error with the same detail.
			r = do(t, notBuiltFS(), signedIn, "GET", p)
			wantStatus(t, r, http.StatusNotFound, "not built, GET "+p)
			wantJSONError(t, r, "not built, GET "+p, "not_found", NotBuiltDetail)
		}
	}
	if !strings.Contains(NotBuiltDetail, "npm ci --prefix web && npm run --prefix web build") {
		t.Errorf("NotBuiltDetail does not give the build command: %q", NotBuiltDetail)
	}
}

func TestBrokenBuild(t *testing.T) {
	fsys := fstest.MapFS{"dist/index.html": {Data: []byte("<html>no script</html>")}}
	if _, err := newSite(fsys); err == nil {
		t.Error("an index.html that loads nothing from /ui/assets/ was accepted")
	}
}

func wantJSONError(t *testing.T, r response, what, code, detail string) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q, want application/json", what, ct)
	}
	var e struct {
		Type   string  `json:"type"`
		Code   string  `json:"code"`
		Detail string  `json:"detail"`
		Attr   *string `json:"attr"`
	}
	if err := json.Unmarshal([]byte(r.body), &e); err != nil {
		t.Fatalf("%s: body %q is not a JSON error: %v", what, r.body, err)
	}
	if e.Code != code || e.Detail != detail || e.Type != "invalid_request" || e.Attr != nil {
		t.Errorf("%s: error %+v, want code %q detail %q", what, e, code, detail)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/project/1/replay":          "/project/1/replay",
		"/project/1/replay?date=-7d": "/project/1/replay?date=-7d",
		"/":                          "/",
		"":                           "",
		"project/1":                  "",
		"//evil.example/x":           "",
		"/\\evil.example":            "",
		"https://evil.example/":      "",
		"/x\r\nSet-Cookie: a=b":      "",
		"/x\\y":                      "",
		"javascript:alert(1)":        "",
	} {
		if got := SafeNext(in); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPathsAreRouted checks that every pattern in Paths is one the handler
// answers, so that the server's route table and the handler agree.
func TestPathsAreRouted(t *testing.T) {
	s, err := newSite(builtFS())
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(s, func(*http.Request) bool { return true })
	fill := strings.NewReplacer("{$}", "", "{project_id}", "3", "{session_id}", "sess-1", "{short_id}", "AbCd1234", "{file...}", testScript)
	for _, p := range Paths {
		req := httptest.NewRequest("GET", fill.Replace(p), nil)
		if _, pattern := h.mux.Handler(req); pattern != "GET "+p {
			t.Errorf("Paths lists %q, but %s is routed to %q", p, req.URL.Path, pattern)
		}
	}
	// A mux that mounts Paths, as the server does, takes no other path.
	mux := http.NewServeMux()
	for _, p := range Paths {
		mux.Handle("GET "+p, h)
	}
	for _, p := range []string{"/api/projects", "/static/array.js", "/s", "/_health"} {
		if _, pattern := mux.Handler(httptest.NewRequest("GET", p, nil)); pattern != "" {
			t.Errorf("mounting Paths takes %s (pattern %q)", p, pattern)
		}
	}
}

// TestEmbedded checks the build embedded in this binary, when there is one
// (CI builds before testing): the page loads assets that are embedded.
func TestEmbedded(t *testing.T) {
	if !Built() {
		r := do(t, embedded, true, "GET", "/project/1/replay")
		wantStatus(t, r, http.StatusNotFound, "GET a page without a build")
		t.Log("the UI is not built into this test binary; only the not-built answers were checked")
		return
	}
	shell := string(fromEmbed().shell)
	refs := regexp.MustCompile(`/ui/assets/[^"']+`).FindAllString(shell, -1)
	if len(refs) < 2 {
		t.Fatalf("the embedded index.html loads %v; want a script and a style sheet", refs)
	}
	for _, ref := range refs {
		r := do(t, embedded, false, "GET", ref)
		wantStatus(t, r, http.StatusOK, "GET "+ref)
		if len(r.body) < 100 {
			t.Errorf("GET %s: only %d bytes", ref, len(r.body))
		}
	}
	if strings.Contains(shell, "http://") || strings.Contains(shell, "https://") {
		t.Errorf("the embedded index.html refers to another site: %s", shell)
	}
}
