package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/httpapi"
)

// scenario is one request and what must come back.
type scenario struct {
	name   string
	method string
	path   string
	key    string
	body   any
	status int
	want   map[string]any
}

func run(t *testing.T, e *env, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			r := e.do(sc.method, sc.path, sc.key, sc.body)
			if r.status != sc.status {
				t.Fatalf("%s %s: status %d, want %d: %s", sc.method, sc.path, r.status, sc.status, r.body)
			}
			expect(t, r.body, sc.want)
		})
	}
}

func errorBody(typ, code, detail string, attr any) map[string]any {
	return map[string]any{"type": typ, "code": code, "detail": detail, "attr": attr}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	list := e.path("p1", "/session_recording_playlists/")
	run(t, e, []scenario{
		{"no credentials", "GET", list, "", nil, 401,
			errorBody("authentication_error", "not_authenticated", "Authentication credentials were not provided.", nil)},
		{"unknown key in header", "GET", list, "phx_unknownunknownunknownunknownunknownunknown", nil, 401,
			errorBody("authentication_error", "authentication_failed", "Personal API key found in request Authorization header is invalid.", nil)},
		{"unknown key in query string", "GET", list + "?personal_api_key=phx_nope", "", nil, 401,
			errorBody("authentication_error", "authentication_failed", "Personal API key found in request query string is invalid.", nil)},
		{"unknown key in body", "POST", list, "", `{"personal_api_key": "phx_nope", "name": "x"}`, 401,
			errorBody("authentication_error", "authentication_failed", "Personal API key found in request body is invalid.", nil)},
		{"key in query string", "GET", list + "?personal_api_key=" + e.keys["alice"], "", nil, 200,
			map[string]any{"count": 0}},
		{"key in JSON body", "POST", list, "", fmt.Sprintf(`{"personal_api_key": %q, "name": "from body"}`, e.keys["alice"]), 201,
			map[string]any{"name": "from body"}},
		{"key in form body", "POST", list, "", url.Values{"personal_api_key": {e.keys["alice"]}, "name": {"from form"}}, 201,
			map[string]any{"name": "from form"}},
		{"a Bearer header that is not a key", "GET", list, "", nil, 401, nil},
	})
}

func TestScopesAndProjectAccess(t *testing.T) {
	e := newEnv(t)
	p1 := e.path("p1", "/session_recording_playlists/")
	missing := func(scope string) map[string]any {
		return errorBody("authentication_error", "permission_denied", "API key missing required scope '"+scope+"'", nil)
	}
	run(t, e, []scenario{
		{"read scope reads", "GET", p1, "alice-read", nil, 200, nil},
		{"read scope cannot write", "POST", p1, "alice-read", `{"name": "x"}`, 403, missing("session_recording_playlist:write")},
		{"write scope writes", "POST", p1, "alice-write", `{"name": "x"}`, 201, nil},
		{"write scope implies read", "GET", p1, "alice-write", nil, 200, nil},
		{"recording scopes do not reach playlists", "GET", p1, "alice-recordings", nil, 403, missing("session_recording_playlist:read")},
		{"recording scopes cannot write playlists", "PATCH", p1 + "abcdefgh/", "alice-recordings", `{}`, 403, missing("session_recording_playlist:write")},
		{"key limited to another project", "GET", p1, "alice-p2", nil, 403,
			errorBody("authentication_error", "permission_denied",
				fmt.Sprintf("API key does not have access to the requested project: ID %d.", e.projects["p1"].ID), nil)},
		{"key limited to this project", "GET", e.path("p2", "/session_recording_playlists/"), "alice-p2", nil, 200, nil},
		{"project of another organization", "GET", e.path("p3", "/session_recording_playlists/"), "alice", nil, 403,
			errorBody("authentication_error", "permission_denied", "You don't have access to the project.", nil)},
		{"unknown project", "GET", "/api/environments/999999/session_recording_playlists/", "alice", nil, 404,
			errorBody("invalid_request", "not_found", "Project not found.", nil)},
		{"non-numeric project", "GET", "/api/environments/shop/session_recording_playlists/", "alice", nil, 404,
			errorBody("invalid_request", "not_found", "Project not found.", nil)},
		{"negative project", "GET", "/api/projects/-1/session_recording_playlists/", "alice", nil, 404, nil},
		{"unknown project without a key is 401 first", "GET", "/api/environments/999999/session_recording_playlists/", "", nil, 401, nil},
		{"bob reaches his own project", "GET", e.path("p3", "/session_recording_playlists/"), "bob", nil, 200, nil},
	})
}

func TestProjectsEndpoints(t *testing.T) {
	e := newEnv(t)
	p1, p2 := e.projects["p1"], e.projects["p2"]
	run(t, e, []scenario{
		{"list needs a key", "GET", "/api/projects/", "", nil, 401, nil},
		{"alice lists her organization's projects", "GET", "/api/projects/", "alice", nil, 200,
			map[string]any{"count": 3, "next": nil, "previous": nil}},
		{"a limited key lists its projects only", "GET", "/api/projects", "alice-p2", nil, 200, map[string]any{"count": 1}},
		{"bob lists his", "GET", "/api/projects/", "bob", nil, 200, map[string]any{"count": 1}},
		{"retrieve", "GET", fmt.Sprintf("/api/projects/%d/", p1.ID), "alice", nil, 200, map[string]any{
			"id": p1.ID, "uuid": p1.UUID, "name": "Shop", "organization": p1.OrganizationID,
			"api_token": p1.APIToken, "timezone": "UTC", "created_at": "2026-03-01T12:00:00Z"}},
		{"retrieve through environments", "GET", fmt.Sprintf("/api/environments/%d", p2.ID), "alice", nil, 200,
			map[string]any{"id": p2.ID}},
		{"@current is the first project the key reaches", "GET", "/api/projects/@current/", "alice", nil, 200,
			map[string]any{"id": p1.ID}},
		{"@current of a limited key", "GET", "/api/projects/@current/", "alice-p2", nil, 200, map[string]any{"id": p2.ID}},
		{"another organization's project", "GET", fmt.Sprintf("/api/projects/%d/", e.projects["p3"].ID), "alice", nil, 403, nil},
		{"unknown project", "GET", "/api/projects/424242/", "alice", nil, 404, map[string]any{"detail": "Project not found."}},
		{"limit and offset", "GET", "/api/projects/?limit=1&offset=2", "alice", nil, 200, map[string]any{"count": 3, "next": nil}},
	})
	r := e.do("GET", "/api/projects/?limit=1", "alice", nil)
	body := r.json(t)
	if want := e.srv.URL + "/api/projects?limit=1&offset=1"; body["next"] != want {
		t.Errorf("next = %v, want %s", body["next"], want)
	}
}

func TestRoutingErrors(t *testing.T) {
	e := newEnv(t)
	run(t, e, []scenario{
		{"health", "GET", "/_health", "", nil, 200, map[string]any{"status": "ok"}},
		{"health with a slash", "GET", "/_health/", "", nil, 200, nil},
		{"unknown path", "GET", "/api/nothing-here/", "alice", nil, 404,
			errorBody("invalid_request", "not_found", "Not found.", nil)},
		{"wrong method on a known path", "POST", "/api/projects/", "alice", `{}`, 405,
			errorBody("invalid_request", "method_not_allowed", `Method "POST" not allowed.`, nil)},
		{"projects alias of the playlist list", "GET", "/api/projects/" + idOf(e.projects["p1"]) + "/session_recording_playlists", "alice", nil, 200, nil},
	})
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, func(o *httpapi.Options) { o.RateLimitPerMinute = 3 })
	list := e.path("p1", "/session_recording_playlists/")
	for i := range 3 {
		if r := e.do("GET", list, "alice", nil); r.status != 200 {
			t.Fatalf("request %d: %d %s", i, r.status, r.body)
		}
	}
	r := e.do("GET", list, "alice", nil)
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("4th request: %d, want 429", r.status)
	}
	expect(t, r.body, map[string]any{"type": "throttled_error", "code": "throttled"})
	if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
	if r := e.do("GET", list, "carol", nil); r.status != 200 {
		t.Fatalf("another key is not limited: %d", r.status)
	}
	e.clock.Advance(61 * time.Second)
	if r := e.do("GET", list, "alice", nil); r.status != 200 {
		t.Fatalf("after a minute: %d", r.status)
	}
}
