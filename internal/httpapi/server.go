// Package httpapi is Tapedeck's HTTP API: the route table, authentication
// and access checks, and one file of thin handlers per resource.
package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tapedeck/tapedeck/internal/apierror"
	"github.com/tapedeck/tapedeck/internal/blob"
	"github.com/tapedeck/tapedeck/internal/ingest"
	"github.com/tapedeck/tapedeck/internal/playlist"
	"github.com/tapedeck/tapedeck/internal/store"
	"github.com/tapedeck/tapedeck/internal/webui"
)

// Options configure a Server.
type Options struct {
	Store *store.Store
	Log   *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// MaxBodyBytes caps request bodies of the API.
	MaxBodyBytes int64
	// RateLimitPerMinute and RateLimitPerHour cap requests per key; 0 is off.
	RateLimitPerMinute int
	RateLimitPerHour   int
	// Blobs holds snapshot blocks.
	Blobs blob.Store
	// CaptureLimits cap capture requests; zero values take defaults.
	CaptureLimits CaptureLimits
	// SessionTTL is how long a sign-in lasts; DefaultSessionTTL when zero.
	SessionTTL time.Duration
}

// Server answers Tapedeck's HTTP API.
type Server struct {
	store         *store.Store
	log           *slog.Logger
	now           func() time.Time
	maxBody       int64
	limiter       *rateLimiter
	playlists     playlist.Service
	blobs         blob.Store
	ingest        *ingest.Service
	captureLimits CaptureLimits
	sessionTTL    time.Duration
	signIns       *signInLimiter
	crossOrigin   *http.CrossOriginProtection
	metrics       *metrics
	refreshing    sync.Map // playlist ids whose counts are being refreshed
	mux           *http.ServeMux
	patterns      []string
}

// New builds the server and its routes.
func New(o Options) *Server {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = DefaultSessionTTL
	}
	if o.CaptureLimits.MaxBodyBytes <= 0 {
		o.CaptureLimits.MaxBodyBytes = 20 << 20
	}
	if o.CaptureLimits.MaxDecompressedBytes <= 0 {
		o.CaptureLimits.MaxDecompressedBytes = 64 << 20
	}
	s := &Server{
		store:   o.Store,
		log:     o.Log,
		now:     func() time.Time { return o.Now().UTC() },
		maxBody: o.MaxBodyBytes,
		limiter: newRateLimiter(o.RateLimitPerMinute, o.RateLimitPerHour),
		mux:     http.NewServeMux(),
		blobs:   o.Blobs,
		metrics: newMetrics(),

		captureLimits: o.CaptureLimits,
		sessionTTL:    o.SessionTTL,
		signIns:       newSignInLimiter(),
		crossOrigin:   http.NewCrossOriginProtection(),
	}
	s.playlists = playlist.Service{Store: o.Store, Now: s.now}
	s.ingest = ingest.New(o.Store, s.now)
	for _, rt := range s.routes() {
		paths := []string{rt.path}
		if rt.access == inProject {
			paths = paths[:0]
			for _, prefix := range projectPrefixes {
				paths = append(paths, prefix+rt.path)
			}
		}
		methods := strings.Fields(rt.method)
		if rt.access == captureAccess {
			methods = append(methods, http.MethodOptions)
		}
		for _, p := range paths {
			for _, m := range methods {
				s.mux.Handle(m+" "+p, s.wrap(rt, p))
				s.patterns = append(s.patterns, m+" "+p)
			}
		}
	}
	// The web UI's pages and assets are not API routes: they are mounted
	// from the UI's own path list and are not in Patterns.
	ui := webui.Handler(s.signedIn)
	for _, p := range webui.Paths {
		s.mux.Handle("GET "+p, ui)
	}
	return s
}

// signedIn reports whether the request carries a live session cookie.
func (s *Server) signedIn(r *http.Request) bool {
	_, _, ok, err := s.currentSession(&call{s: s, r: r})
	return ok && err == nil
}

// Patterns lists every route as "METHOD /path/{param}", for documentation
// checks.
func (s *Server) Patterns() []string { return slices.Clone(s.patterns) }

// ServeHTTP routes a request. One trailing slash is optional on every path,
// and unknown paths and methods get PostHog's error body.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
		r2 := *r
		u := *r.URL
		u.Path = strings.TrimSuffix(p, "/")
		u.RawPath = strings.TrimSuffix(u.RawPath, "/")
		r2.URL = &u
		r = &r2
	}
	if _, pattern := s.mux.Handler(r); pattern == "" {
		c := &call{s: s, w: w, r: r}
		if s.pathKnown(r) {
			c.fail(apierror.MethodNotAllowed(r.Method))
		} else {
			c.fail(apierror.NotFound("Not found."))
		}
		return
	}
	s.mux.ServeHTTP(w, r)
}

// pathKnown reports whether any method is routed for r's path.
func (s *Server) pathKnown(r *http.Request) bool {
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" {
			return true
		}
	}
	return false
}

// wrap turns a route into an http.Handler that runs its access checks
// before its handler and renders any error it returns.
func (s *Server) wrap(rt route, pattern string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		c := &call{s: s, w: w, r: r}
		err := s.prepare(c, rt)
		if err == nil {
			err = rt.handle(c)
		}
		if err != nil && err != errPreflightDone {
			c.fail(err)
		}
		d := time.Since(start)
		s.metrics.observeRequest(pattern, r.Method, c.status, d)
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", c.status,
			"duration_ms", d.Milliseconds())
	})
}

// prepare reads the body and runs the route's access checks.
func (s *Server) prepare(c *call, rt route) error {
	switch rt.access {
	case public:
		return nil
	case captureAccess:
		cors(c)
		if c.r.Method == http.MethodOptions {
			c.empty(http.StatusOK)
			return errPreflightDone
		}
		return nil
	case browserSession:
		if err := s.checkCrossOrigin(c); err != nil {
			return err
		}
		return c.readBody(s.maxBody)
	}
	if err := c.readBody(s.maxBody); err != nil {
		return err
	}
	if err := s.authenticate(c); err != nil {
		return err
	}
	if rt.access == inProject {
		return s.authorizeProject(c, rt.scope)
	}
	return nil
}

// errPreflightDone stops a CORS preflight request after its headers are sent.
var errPreflightDone = errors.New("preflight answered")

// fail renders err: an *apierror.Error as it is, anything else as a 500
// whose cause is logged and not shown.
func (c *call) fail(err error) {
	var ae *apierror.Error
	if !errors.As(err, &ae) {
		c.s.log.Error("request failed", "method", c.r.Method, "path", c.r.URL.Path, "err", err)
		ae = apierror.Internal()
	}
	c.json(ae.Status, ae)
}
