package httpapi_test

import (
	"strings"
	"testing"

	"github.com/tapedeck/tapedeck/internal/httpapi"
)

// TestProjectIsolation sends every route of the project API, for a project
// whose recordings and playlists exist, through another project's URL, with
// a key limited to another project, and with a key of another organization.
// None of them may show or change the project's objects.
func TestProjectIsolation(t *testing.T) {
	e := newCaptureEnv(t)
	e.sendAll(11)
	short := e.create("fx", "alice", `{"name": "Secret playlist"}`)["short_id"].(string)
	e.do("POST", e.path("fx", "/session_recording_playlists/"+short+"/recordings/"+formSession+"/"), "alice", nil)
	before := e.do("GET", e.path("fx", "/session_recording_playlists/"+short+"/"), "alice", nil).body

	secrets := []string{formSession, short, "Secret playlist", "acceptance-user-1"}
	fill := func(pattern, project string) string {
		path := strings.NewReplacer("{project_id}", idOf(e.projects[project]), "{short_id}", short,
			"{session_id}", formSession, "{session_recording_id}", formSession).Replace(pattern)
		return path + "/"
	}
	routes := 0
	for _, p := range httpapi.New(httpapi.Options{Store: e.store}).Patterns() {
		method, pattern, _ := strings.Cut(p, " ")
		if !strings.Contains(pattern, "{project_id}") || pattern == "/api/projects/{project_id}" || pattern == "/api/environments/{project_id}" {
			continue
		}
		routes++
		var body any
		if method == "POST" || method == "PATCH" || method == "PUT" {
			body = `{"viewed": true, "name": "changed", "deleted": true}`
		}
		for _, c := range []struct {
			name, project, key string
			forbidden          bool
		}{
			{"another project's URL", "p1", "alice", false},
			{"a key limited to another project", "fx", "alice-p2", true},
			{"another organization's key", "fx", "bob", true},
		} {
			r := e.do(method, fill(pattern, c.project), c.key, body)
			if c.forbidden && r.status != 403 {
				t.Errorf("%s %s with %s: %d, want 403", method, pattern, c.name, r.status)
			}
			for _, s := range secrets {
				if strings.Contains(string(r.body), s) {
					t.Errorf("%s %s with %s shows %q: %.300s", method, pattern, c.name, s, r.body)
				}
			}
		}
	}
	if routes < 12 {
		t.Fatalf("only %d project routes checked", routes)
	}
	if after := e.do("GET", e.path("fx", "/session_recording_playlists/"+short+"/"), "alice", nil).body; string(after) != string(before) {
		t.Errorf("the playlist changed:\nbefore %s\nafter  %s", before, after)
	}
	rec := e.recording(formSession)
	if rec["viewed"] != false || rec["click_count"] != float64(7) {
		t.Errorf("the recording changed: %v", rec)
	}
	if r := e.do("GET", e.path("fx", "/session_recording_playlists/"+short+"/recordings/"), "alice", nil); !strings.Contains(string(r.body), formSession) {
		t.Errorf("the pinned recording was unpinned: %s", r.body)
	}
}
