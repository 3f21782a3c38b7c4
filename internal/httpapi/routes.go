package httpapi

import (
	"net/http"

	"github.com/tapedeck/tapedeck/internal/auth"
	"github.com/tapedeck/tapedeck/internal/static"
)

// access says what a route needs before its handler runs.
type access int

const (
	// public routes need no credentials.
	public access = iota
	// captureAccess routes are called by browser SDKs from any site: no
	// credentials, CORS headers, and an OPTIONS preflight.
	captureAccess
	// browserSession routes start or end a browser's session: no
	// credentials, but a browser request from another site is refused.
	browserSession
	// authenticated routes need a valid personal API key or session cookie.
	authenticated
	// inProject routes also resolve {project_id} and check the caller may
	// use that project with the route's scope.
	inProject
)

// route is one line of the route table.
type route struct {
	// method is one method, or several separated by spaces.
	method string
	// path is the full pattern, but for inProject routes the part after
	// the project prefix, which is registered twice: /api/environments/{project_id}
	// and /api/projects/{project_id}.
	path   string
	access access
	scope  string
	handle func(*call) error
}

// projectPrefixes are the two base paths of every project's API.
var projectPrefixes = []string{"/api/environments/{project_id}", "/api/projects/{project_id}"}

// routes is the route table of the whole server.
func (s *Server) routes() []route {
	const (
		playlists = "/session_recording_playlists"
		playlist  = playlists + "/{short_id}"
		recording = "/session_recordings/{session_id}"
	)
	read, write := auth.ScopePlaylistRead, auth.ScopePlaylistWrite
	return []route{
		{"GET", "/_health", public, "", s.health},
		{"GET", "/metrics", public, "", s.serveMetrics},
		{"GET", "/static/{file}", public, "", s.serveStatic},
		{"GET", "/static/{version}/{file}", public, "", s.serveStatic},

		{"GET POST", "/s", captureAccess, "", s.captureEvents},
		{"GET POST", "/e", captureAccess, "", s.captureEvents},
		{"GET POST", "/i/v0/e", captureAccess, "", s.captureEvents},
		{"GET POST", "/batch", captureAccess, "", s.captureEvents},
		{"GET POST", "/capture", captureAccess, "", s.captureEvents},
		{"GET", "/array/{token}/config", captureAccess, "", s.configJSON},
		{"GET", "/array/{token}/config.js", captureAccess, "", s.configJS},
		{"GET POST", "/flags", captureAccess, "", s.flags},
		{"GET POST", "/decide", captureAccess, "", s.flags},

		{"POST", "/api/login", browserSession, "", s.login},
		{"POST", "/api/logout", browserSession, "", s.logout},
		{"GET", "/api/users/@me", authenticated, "", s.me},

		{"GET", "/api/projects", authenticated, "", s.listProjects},
		{"GET", "", inProject, "", s.getProject},

		{"GET", playlists, inProject, read, s.listPlaylists},
		{"POST", playlists, inProject, write, s.createPlaylist},
		{"GET", playlist, inProject, read, s.getPlaylist},
		{"PATCH", playlist, inProject, write, s.updatePlaylist},
		{"PUT", playlist, inProject, write, s.updatePlaylist},
		{"DELETE", playlist, inProject, write, s.deletePlaylist},
		{"GET", playlist + "/recordings", inProject, read, s.listPlaylistRecordings},
		{"POST", playlist + "/recordings/{session_recording_id}", inProject, write, s.addPlaylistRecording},
		{"DELETE", playlist + "/recordings/{session_recording_id}", inProject, write, s.removePlaylistRecording},

		{"GET", "/session_recordings", inProject, auth.ScopeRecordingRead, s.listRecordings},
		{"GET", recording, inProject, auth.ScopeRecordingRead, s.getRecording},
		{"PATCH", recording, inProject, auth.ScopeRecordingWrite, s.updateRecording},
		{"DELETE", recording, inProject, auth.ScopeRecordingWrite, s.deleteRecording},
		{"GET", recording + "/snapshots", inProject, auth.ScopeRecordingRead, s.getSnapshots},
	}
}

// serveMetrics answers Prometheus scrapes.
func (s *Server) serveMetrics(c *call) error {
	c.serve(s.metrics.handler())
	return nil
}

// serveStatic serves posthog-js's browser files.
func (s *Server) serveStatic(c *call) error {
	c.serve(static.Handler())
	return nil
}

// health answers once the server serves and its store answers.
func (s *Server) health(c *call) error {
	if err := s.store.Ping(c.r.Context()); err != nil {
		return err
	}
	return c.json(http.StatusOK, map[string]string{"status": "ok"})
}
