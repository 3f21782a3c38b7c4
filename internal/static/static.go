// Package static serves the browser files of posthog-js under /static/, as
// PostHog's own hosts do: the standard snippet loads {api_host}/static/array.js,
// and the SDK lazy-loads its recorder and other extensions from
// {api_host}/static/<name>.js?v=<sdk version> (posthog-js 1.320 does so even
// when the page loaded array.full.js, and recent versions first try
// {api_host}/static/<sdk version>/<name>.js).
//
// The files are not part of the repository. `npm run build` in web/ copies
// them from the posthog-js packages pinned in web/package-lock.json, one
// directory per SDK version, into dist/ next to this file, where they are
// embedded when tapedeck is compiled:
//
//	dist/versions.json          {"current": "1.449.2", "versions": ["1.201.0", ...]}
//	dist/<version>/<name>.js    the files of that version's dist/ directory
//
// Several versions are embedded so that each SDK generation gets the lazy
// files it was built with: a request naming an embedded version, by ?v= or by
// path, is answered from that version; anything else from the current
// (newest) one. Without a build only dist/README.md is embedded; then every
// /static/ path answers 404 with a detail that says how to build the files.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/tapedeck/tapedeck/internal/apierror"
)

//go:embed all:dist
var embedded embed.FS

// Prefix is the path the handler answers under.
const Prefix = "/static/"

// NotBuiltDetail is the 404 detail of every /static/ path when the build did
// not run before tapedeck was compiled.
const NotBuiltDetail = "posthog-js browser files are not built: run npm ci --prefix web && npm run --prefix web build, then rebuild tapedeck."

// Cache lifetimes. A response that a version pins (by ?v= or by path) never
// changes, since a published npm version never changes; the unversioned
// names follow the current version, which changes with a tapedeck upgrade.
const (
	immutableCacheControl = "public, max-age=31536000, immutable"
	currentCacheControl   = "public, max-age=3600"
)

// versionPattern is the shape of a posthog-js release version.
var versionPattern = regexp.MustCompile(`^\d+\.\d+\.\d+$`)

// file is one file of one version.
type file struct {
	path string // inside the catalog's file system

	etagOnce sync.Once
	etag     string
}

// catalog is what the build left in a dist directory. A nil *catalog is a
// directory without a build.
type catalog struct {
	fsys     fs.FS
	current  string
	versions []string                    // oldest first
	files    map[string]map[string]*file // version → name → file
}

// newCatalog reads dist/versions.json of fsys and lists each version's
// files. It returns nil and no error when fsys holds no build.
func newCatalog(fsys fs.FS) (*catalog, error) {
	raw, err := fs.ReadFile(fsys, "dist/versions.json")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var index struct {
		Current  string   `json:"current"`
		Versions []string `json:"versions"`
	}
	if err := json.Unmarshal(raw, &index); err != nil {
		return nil, fmt.Errorf("dist/versions.json: %w", err)
	}
	c := &catalog{fsys: fsys, current: index.Current, versions: index.Versions, files: map[string]map[string]*file{}}
	for _, v := range index.Versions {
		if !versionPattern.MatchString(v) {
			return nil, fmt.Errorf("dist/versions.json lists %q, which is not a version", v)
		}
		entries, err := fs.ReadDir(fsys, "dist/"+v)
		if err != nil {
			return nil, fmt.Errorf("version %s is listed but missing: %w", v, err)
		}
		names := map[string]*file{}
		for _, e := range entries {
			if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".js") {
				names[e.Name()] = &file{path: "dist/" + v + "/" + e.Name()}
			}
		}
		c.files[v] = names
	}
	if _, ok := c.files[c.current]; !ok {
		return nil, fmt.Errorf("the current version %q is not among the listed versions", c.current)
	}
	return c, nil
}

// fromEmbed is the catalog of the embedded files. An inconsistent embedded
// build can only come from a broken build step, so it panics.
var fromEmbed = sync.OnceValue(func() *catalog {
	c, err := newCatalog(embedded)
	if err != nil {
		panic("static: embedded posthog-js files: " + err.Error())
	}
	return c
})

// Built reports whether posthog-js's files were embedded.
func Built() bool {
	return fromEmbed() != nil
}

// Current is the version served to requests that name none, or "" when
// nothing was built.
func Current() string {
	if c := fromEmbed(); c != nil {
		return c.current
	}
	return ""
}

// Versions lists the embedded posthog-js versions, oldest first.
func Versions() []string {
	if c := fromEmbed(); c != nil {
		return append([]string(nil), c.versions...)
	}
	return nil
}

// Handler serves GET and HEAD requests for /static/<name> and
// /static/<version>/<name> from the embedded files. It takes the full request
// path and removes the /static/ prefix itself, so mount it as it is, without
// http.StripPrefix:
//
//	mux.Handle("/static/", static.Handler())
//
// /static/<name> is the current version's file, or, when the query carries
// ?v=<version> and that version is embedded, that version's file.
// /static/<version>/<name> is that version's file, and 404 when the version
// is not embedded (posthog-js then falls back to /static/<name>?v=).
// Responses carry Content-Type application/javascript and
// Access-Control-Allow-Origin: *, and answer conditional and range requests.
// Errors are JSON in PostHog's shape: 404 for an unknown file (with
// NotBuiltDetail when nothing was built), 405 for methods other than GET,
// HEAD and OPTIONS (OPTIONS gets an empty 204).
func Handler() http.Handler {
	return fromEmbed()
}

// ServeHTTP serves c's files; c may be nil (nothing built).
func (c *catalog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		h.Set("Allow", "GET, HEAD, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		h.Set("Allow", "GET, HEAD, OPTIONS")
		writeError(w, apierror.MethodNotAllowed(r.Method))
		return
	}
	if c == nil {
		writeError(w, apierror.NotFound(NotBuiltDetail))
		return
	}
	f, pinned := c.lookup(r)
	if f == nil {
		writeError(w, apierror.NotFound("Not found."))
		return
	}
	opened, err := c.fsys.Open(f.path)
	if err != nil {
		writeError(w, apierror.Internal())
		return
	}
	defer opened.Close()
	content, ok := opened.(io.ReadSeeker) // embedded and os files seek
	if !ok {
		writeError(w, apierror.Internal())
		return
	}
	etag, err := c.tag(f)
	if err != nil {
		writeError(w, apierror.Internal())
		return
	}
	h.Set("Content-Type", "application/javascript; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", etag)
	if pinned {
		h.Set("Cache-Control", immutableCacheControl)
	} else {
		h.Set("Cache-Control", currentCacheControl)
	}
	http.ServeContent(w, r, "", time.Time{}, content)
}

// lookup finds the file a request names. pinned says an embedded version
// named in the request fixes the response.
func (c *catalog) lookup(r *http.Request) (f *file, pinned bool) {
	rest := strings.TrimPrefix(r.URL.Path, Prefix)
	if rest == r.URL.Path {
		// Mounted behind http.StripPrefix after all: take the path as it is.
		rest = strings.TrimPrefix(rest, "/")
	}
	version, name := "", rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		version, name = rest[:i], rest[i+1:]
		if _, ok := c.files[version]; !ok {
			return nil, false
		}
		pinned = true
	} else if v := r.URL.Query().Get("v"); v != "" {
		if _, ok := c.files[v]; ok {
			version, pinned = v, true
		}
	}
	if version == "" {
		version = c.current
	}
	return c.files[version][name], pinned
}

// tag is f's entity tag, computed on first use.
func (c *catalog) tag(f *file) (string, error) {
	var err error
	f.etagOnce.Do(func() {
		var content []byte
		content, err = fs.ReadFile(c.fsys, f.path)
		if err != nil {
			return
		}
		sum := sha256.Sum256(content)
		f.etag = `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
	})
	if f.etag == "" && err == nil {
		err = errors.New("no entity tag for " + f.path)
	}
	return f.etag, err
}

// writeError writes e as JSON in PostHog's error shape.
func writeError(w http.ResponseWriter, e *apierror.Error) {
	body, _ := json.Marshal(e)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(e.Status)
	_, _ = w.Write(append(body, '\n'))
}
