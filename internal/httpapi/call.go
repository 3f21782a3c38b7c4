package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/tapedeck/tapedeck/internal/store"
)

// call is one request on its way through the server: what the access
// checks found out, and the response written so far.
type call struct {
	s *Server
	w http.ResponseWriter
	r *http.Request

	body *body
	// user is the authenticated caller.
	user store.User
	// via says how the caller authenticated: key is set for a personal
	// API key, session for a session cookie.
	via     credential
	key     store.APIKey
	session store.UserSession
	// scopes are what the caller may do, and projects the projects it is
	// limited to (none: every project of the user's organizations).
	scopes   []string
	projects []int64
	project  store.Project

	status int
}

// credential is what a request authenticated with.
type credential int

const (
	// noCredential: the route needs none, or the checks have not run.
	noCredential credential = iota
	// personalKey: a personal API key, with its scopes and project list.
	personalKey
	// sessionCookie: a signed-in browser, with every scope and no
	// project list.
	sessionCookie
)

// json writes v as the JSON response with the status.
func (c *call) json(status int, v any) error {
	c.status = status
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	enc := json.NewEncoder(c.w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// empty writes a response with no body.
func (c *call) empty(status int) error {
	c.status = status
	c.w.WriteHeader(status)
	return nil
}

// serve hands the request to h, noting the status it answers with.
func (c *call) serve(h http.Handler) {
	rec := &statusRecorder{ResponseWriter: c.w, status: http.StatusOK}
	h.ServeHTTP(rec, c.r)
	c.status = rec.status
}

// statusRecorder notes the status a handler writes.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}
