// Package webui serves Tapedeck's web UI: a sign-in page, the recordings
// list, the player and the playlists, all from the same binary as the API.
//
// The UI is a small JavaScript application under web/ui/. `npm run build` in
// web/ bundles it with esbuild (rrweb's replayer included) into dist/ next to
// this file, where it is embedded when tapedeck is compiled:
//
//	dist/index.html             the page every UI path answers with
//	dist/assets/<name>-<hash>.* the script and style sheet it loads
//
// Only dist/README.md is committed. Without a build every UI path answers
// 404 with NotBuiltDetail, as an HTML page for browsers and as JSON for
// anything else; the API is not affected.
//
// The pages hold no data of their own: the application reads everything
// from the API with the session cookie. The server still sends a signed-out
// visitor of a page to /login?next=<path> (a 302), using the function the
// caller passes to Handler.
package webui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/tapedeck/tapedeck/internal/apierror"
)

//go:embed all:dist
var embedded embed.FS

// AssetPrefix is the path the built script and style sheet are served under.
const AssetPrefix = "/ui/assets/"

// LoginPath is the sign-in page.
const LoginPath = "/login"

// NotBuiltDetail is the 404 message of every UI path when the UI was not
// built before tapedeck was compiled.
const NotBuiltDetail = "The web UI is not built: run npm ci --prefix web && npm run --prefix web build, then rebuild tapedeck."

// Paths are the GET patterns (net/http ServeMux syntax) the handler answers.
// Mount each of them, for GET, on the handler that Handler returns.
var Paths = []string{
	"/{$}",
	LoginPath,
	"/project/{project_id}",
	"/project/{project_id}/replay",
	"/project/{project_id}/replay/{session_id}",
	"/project/{project_id}/replay/playlists",
	"/project/{project_id}/replay/playlists/{short_id}",
	AssetPrefix + "{file...}",
}

// Response headers.
const (
	// contentSecurityPolicy lets the page load only its own script and
	// style sheet and talk only to its own origin. The replayed page lives
	// in an iframe of the same origin and inherits it: its styles are
	// inline (so 'unsafe-inline' styles), and it may show the recorded
	// site's images, fonts and media, which rrweb keeps as absolute URLs.
	// Scripts never run in a replay (rrweb replaces them, and its iframe
	// is sandboxed without allow-scripts).
	contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
		"img-src * data: blob:; font-src * data:; media-src * data: blob:; connect-src 'self'; " +
		"frame-src 'self' blob: about:; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; " +
		"form-action 'self'; frame-ancestors 'self'"
	immutableCacheControl = "public, max-age=31536000, immutable"
	shellCacheControl     = "no-cache"
)

// site is what the build left in a dist directory.
type site struct {
	fsys  fs.FS
	shell []byte // dist/index.html; nil when nothing was built
	etag  string

	tagsMu sync.Mutex
	tags   map[string]string // asset path → entity tag
}

// newSite reads the build in fsys (its dist/ directory).
func newSite(fsys fs.FS) (*site, error) {
	s := &site{fsys: fsys, tags: map[string]string{}}
	shell, err := fs.ReadFile(fsys, "dist/index.html")
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	if !bytes.Contains(shell, []byte(AssetPrefix)) {
		return nil, errors.New("dist/index.html loads nothing from " + AssetPrefix)
	}
	s.shell = shell
	s.etag = entityTag(shell)
	return s, nil
}

func (s *site) built() bool { return s.shell != nil }

// fromEmbed is the embedded build. An inconsistent embedded build can only
// come from a broken build step, so it panics.
var fromEmbed = sync.OnceValue(func() *site {
	s, err := newSite(embedded)
	if err != nil {
		panic("webui: embedded UI: " + err.Error())
	}
	return s
})

// Built reports whether the UI was built into this binary.
func Built() bool { return fromEmbed().built() }

// Handler serves the UI. authenticated tells whether a request comes from a
// signed-in user (the server checks the session cookie); a signed-out
// visitor of a page is redirected to /login?next=<path>. A nil authenticated
// treats every visitor as signed in (the pages carry no data: the API still
// checks every request).
//
// It takes the full request path, so mount it without http.StripPrefix, on
// every pattern of Paths, for GET (which includes HEAD):
//
//	for _, p := range webui.Paths { mux.Handle("GET "+p, h) }
//
// One trailing slash is optional, as in the API. Pages:
//
//	/                                          302 to /project/@current/replay
//	/login                                     the sign-in form (?next=<path>)
//	/project/{id}                              302 to /project/{id}/replay
//	/project/{id}/replay                       the recordings list
//	/project/{id}/replay/{session_id}          the player
//	/project/{id}/replay/playlists             the playlists
//	/project/{id}/replay/playlists/{short_id}  one playlist and its recordings
//	/ui/assets/{file}                          the built script and style sheet (immutable)
func Handler(authenticated func(*http.Request) bool) http.Handler {
	return newHandler(fromEmbed(), authenticated)
}

// handler routes the UI's paths.
type handler struct {
	site          *site
	authenticated func(*http.Request) bool
	mux           *http.ServeMux
}

func newHandler(s *site, authenticated func(*http.Request) bool) *handler {
	if authenticated == nil {
		authenticated = func(*http.Request) bool { return true }
	}
	h := &handler{site: s, authenticated: authenticated, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /{$}", h.root)
	h.mux.HandleFunc("GET "+LoginPath, h.login)
	h.mux.HandleFunc("GET /project/{project_id}", h.project)
	for _, p := range []string{
		"/project/{project_id}/replay",
		"/project/{project_id}/replay/{session_id}",
		"/project/{project_id}/replay/playlists",
		"/project/{project_id}/replay/playlists/{short_id}",
	} {
		h.mux.HandleFunc("GET "+p, h.page)
	}
	h.mux.HandleFunc("GET "+AssetPrefix+"{file...}", h.asset)
	return h
}

// ServeHTTP routes r. Paths it does not know answer 404, other methods 405.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
		r2 := *r
		u := *r.URL
		u.Path = strings.TrimSuffix(p, "/")
		u.RawPath = strings.TrimSuffix(u.RawPath, "/")
		r2.URL = &u
		r = &r2
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, apierror.MethodNotAllowed(r.Method))
		return
	}
	if _, pattern := h.mux.Handler(r); pattern == "" || r.URL.Path+"/" == AssetPrefix {
		writeError(w, apierror.NotFound("Not found."))
		return
	}
	h.mux.ServeHTTP(w, r)
}

// root sends visitors to the current project's recordings.
func (h *handler) root(w http.ResponseWriter, r *http.Request) {
	if h.notBuilt(w, r) || h.signedOut(w, r) {
		return
	}
	redirect(w, r, "/project/@current/replay")
}

// project sends visitors to the project's recordings.
func (h *handler) project(w http.ResponseWriter, r *http.Request) {
	if h.notBuilt(w, r) || h.signedOut(w, r) {
		return
	}
	redirect(w, r, "/project/"+url.PathEscape(r.PathValue("project_id"))+"/replay")
}

// login serves the sign-in page to everyone. A visitor who is signed in
// already is sent on by the page itself once the API confirms it, so a
// cookie the API no longer accepts cannot make the two bounce forever.
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	if h.notBuilt(w, r) {
		return
	}
	h.shell(w, r)
}

// page serves the application's page to signed-in visitors.
func (h *handler) page(w http.ResponseWriter, r *http.Request) {
	if h.notBuilt(w, r) || h.signedOut(w, r) {
		return
	}
	h.shell(w, r)
}

// signedOut redirects a signed-out visitor to the sign-in page and reports
// whether it did.
func (h *handler) signedOut(w http.ResponseWriter, r *http.Request) bool {
	if h.authenticated(r) {
		return false
	}
	target := LoginPath
	if next := r.URL.RequestURI(); next != "/" {
		target += "?next=" + url.QueryEscape(next)
	}
	redirect(w, r, target)
	return true
}

// SafeNext returns next when it is a path on this site (so that a link to
// /login?next=... cannot send a visitor elsewhere after signing in), else "".
func SafeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return ""
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return ""
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return next
}

func redirect(w http.ResponseWriter, r *http.Request, target string) {
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusFound)
}

// shell writes the application's page.
func (h *handler) shell(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	securityHeaders(hd)
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", shellCacheControl)
	hd.Set("ETag", h.site.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.site.shell))
}

// asset serves a built file under /ui/assets/.
func (h *handler) asset(w http.ResponseWriter, r *http.Request) {
	if !h.site.built() {
		writeError(w, apierror.NotFound(NotBuiltDetail))
		return
	}
	name := r.PathValue("file")
	if name == "" || !fs.ValidPath(name) || strings.HasPrefix(path.Base(name), ".") {
		writeError(w, apierror.NotFound("Not found."))
		return
	}
	p := "dist/assets/" + name
	content, err := fs.ReadFile(h.site.fsys, p)
	if err != nil {
		writeError(w, apierror.NotFound("Not found."))
		return
	}
	hd := w.Header()
	ctype := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) {
	case ".js", ".mjs":
		ctype = "text/javascript; charset=utf-8"
	case ".css":
		ctype = "text/css; charset=utf-8"
	case ".map", ".json":
		ctype = "application/json"
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	hd.Set("Content-Type", ctype)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", immutableCacheControl)
	hd.Set("ETag", h.site.tag(p, content))
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(content))
}

// tag is the entity tag of an asset, computed once.
func (s *site) tag(p string, content []byte) string {
	s.tagsMu.Lock()
	defer s.tagsMu.Unlock()
	t, ok := s.tags[p]
	if !ok {
		t = entityTag(content)
		s.tags[p] = t
	}
	return t
}

func entityTag(content []byte) string {
	sum := sha256.Sum256(content)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "SAMEORIGIN")
}

// notBuilt answers 404 with NotBuiltDetail when there is no build, and
// reports whether it did: an HTML page for browsers, JSON otherwise.
func (h *handler) notBuilt(w http.ResponseWriter, r *http.Request) bool {
	if h.site.built() {
		return false
	}
	if !wantsHTML(r) {
		writeError(w, apierror.NotFound(NotBuiltDetail))
		return true
	}
	hd := w.Header()
	securityHeaders(hd)
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNotFound)
	_ = notBuiltPage.Execute(w, NotBuiltDetail)
	return true
}

// wantsHTML reports whether the client asked for HTML (browsers do).
func wantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

var notBuiltPage = template.Must(template.New("notbuilt").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tapedeck: web UI not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:4rem auto;max-width:40rem;padding:0 1rem;color:#1f2328}
code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}</style></head>
<body><h1>The web UI is not built</h1><p>{{.}}</p>
<p>Build it from the repository with <code>npm ci --prefix web &amp;&amp; npm run --prefix web build</code>,
then rebuild tapedeck (<code>go build ./cmd/tapedeck</code>). The API under <code>/api/</code> works without it.</p>
</body></html>
`))

// writeError writes e as JSON in PostHog's error shape.
func writeError(w http.ResponseWriter, e *apierror.Error) {
	body, _ := json.Marshal(e)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(e.Status)
	_, _ = w.Write(append(body, '\n'))
}
