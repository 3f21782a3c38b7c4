package httpapi

import (
	"net/http"

	"github.com/tapedeck/tapedeck/internal/auth"
)

// access says what a route needs before its handler runs.
type access int

const (
	// public routes need no credentials.
	public access = iota
	// authenticated routes need a valid personal API key.
	authenticated
	// inProject routes also resolve {project_id} and check the caller may
	// use that project with the route's scope.
	inProject
)

// route is one line of the route table.
type route struct {
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
	)
	read, write := auth.ScopePlaylistRead, auth.ScopePlaylistWrite
	return []route{
		{"GET", "/_health", public, "", s.health},

		{"GET", "/api/projects", authenticated, "", s.listProjects},
		{"GET", "", inProject, "", s.getProject},

		{"GET", playlists, inProject, read, s.listPlaylists},
		{"POST", playlists, inProject, write, s.createPlaylist},
		{"GET", playlist, inProject, read, s.getPlaylist},
		{"PATCH", playlist, inProject, write, s.updatePlaylist},
		{"PUT", playlist, inProject, write, s.updatePlaylist},
		{"DELETE", playlist, inProject, write, s.deletePlaylist},
	}
}

// health answers once the server serves and its store answers.
func (s *Server) health(c *call) error {
	if err := s.store.Ping(c.r.Context()); err != nil {
		return err
	}
	return c.json(http.StatusOK, map[string]string{"status": "ok"})
}
