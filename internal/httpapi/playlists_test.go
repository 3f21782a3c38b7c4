package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/store"
)

// create makes a playlist through the API and returns its JSON.
func (e *env) create(project, key, body string) map[string]any {
	e.t.Helper()
	r := e.do("POST", e.path(project, "/session_recording_playlists/"), key, body)
	if r.status != 201 {
		e.t.Fatalf("create %s: %d %s", body, r.status, r.body)
	}
	return r.json(e.t)
}

// count is how many playlists the store lists over every project.
func (e *env) count() int {
	e.t.Helper()
	total := 0
	for _, p := range e.projects {
		_, n, err := e.store.Playlists(context.Background(), store.PlaylistQuery{ProjectID: p.ID, Limit: 1})
		if err != nil {
			e.t.Fatal(err)
		}
		total += n
	}
	return total
}

func TestPlaylistCreate(t *testing.T) {
	e := newEnv(t)
	list := e.path("p1", "/session_recording_playlists/")
	name400 := strings.Repeat("é", 400)
	run(t, e, []scenario{
		{"JSON body, type inferred as collection", "POST", list, "alice", `{"name": "Checkout", "description": "d"}`, 201,
			map[string]any{"name": "Checkout", "description": "d", "type": "collection", "filters": map[string]any{},
				"pinned": false, "deleted": false, "derived_name": nil, "created_at": "2026-03-01T12:00:00Z",
				"last_modified_at": "2026-03-01T12:00:00Z"}},
		{"form body", "POST", list, "alice", url.Values{"name": {"Form"}, "pinned": {"true"}, "filters": {`{}`}}, 201,
			map[string]any{"name": "Form", "pinned": true, "type": "collection"}},
		{"form body with filters infers filters", "POST", list, "alice",
			url.Values{"name": {"Form filters"}, "filters": {`{"date_from": "-7d"}`}}, 201,
			map[string]any{"type": "filters", "filters": map[string]any{"date_from": "-7d"}}},
		{"filters infer type filters", "POST", list, "alice", `{"filters": {"date_from": "-3d"}}`, 201,
			map[string]any{"type": "filters", "name": nil, "filters": map[string]any{"date_from": "-3d"}}},
		{"explicit collection", "POST", list, "alice", `{"type": "collection", "derived_name": "auto"}`, 201,
			map[string]any{"type": "collection", "derived_name": "auto"}},
		{"explicit filters", "POST", list, "alice", `{"type": "filters", "filters": {"duration": []}}`, 201,
			map[string]any{"type": "filters"}},
		{"empty body makes an empty collection", "POST", list, "alice", nil, 201, map[string]any{"type": "collection", "name": nil}},
		{"unknown fields are ignored", "POST", list, "alice", `{"name": "x", "colour": "red", "short_id": "AAAAAAAA", "id": 99}`, 201,
			map[string]any{"name": "x"}},
		{"a number is taken as a name", "POST", list, "alice", `{"name": 42}`, 201, map[string]any{"name": "42"}},
		{"name of 400 characters", "POST", list, "alice", `{"name": "` + name400 + `"}`, 201, map[string]any{"name": name400}},
		{"null name", "POST", list, "alice", `{"name": null}`, 201, map[string]any{"name": nil}},
	})
	created := e.count()

	bad := []scenario{
		{"collection with filters", "POST", list, "alice", `{"type": "collection", "filters": {"a": 1}}`, 400,
			errorBody("validation_error", "invalid_input", "You cannot create a collection with filters", nil)},
		{"filters without filters", "POST", list, "alice", `{"type": "filters"}`, 400,
			errorBody("validation_error", "invalid_input", "You must provide a valid filters when creating a saved filter", nil)},
		{"filters with empty filters", "POST", list, "alice", `{"type": "filters", "filters": {}}`, 400, nil},
		{"filters it cannot evaluate", "POST", list, "alice", `{"filters": {"colour": "red"}}`, 400, map[string]any{"attr": "filters"}},
		{"a cohort filter", "POST", list, "alice",
			`{"filters": {"filter_group": {"type": "AND", "values": [{"type": "cohort", "key": "id", "value": 3}]}}}`, 400,
			map[string]any{"attr": "filters"}},
		{"invalid type", "POST", list, "alice", `{"type": "smart"}`, 400,
			errorBody("validation_error", "invalid_choice", `"smart" is not a valid choice.`, "type")},
		{"null filters", "POST", list, "alice", `{"filters": null}`, 400,
			errorBody("validation_error", "null", "This field may not be null.", "filters")},
		{"filters as a list", "POST", list, "alice", `{"filters": [1]}`, 400,
			map[string]any{"type": "validation_error", "attr": "filters"}},
		{"filters as a string", "POST", list, "alice", `{"filters": "{}"}`, 400, map[string]any{"attr": "filters"}},
		{"form filters that are not JSON", "POST", list, "alice", url.Values{"filters": {"{nope"}}, 400, map[string]any{"attr": "filters"}},
		{"name over 400 characters", "POST", list, "alice", `{"name": "` + name400 + `x"}`, 400,
			errorBody("validation_error", "max_length", "Ensure this field has no more than 400 characters.", "name")},
		{"derived_name over 400 characters", "POST", list, "alice", `{"derived_name": "` + strings.Repeat("a", 401) + `"}`, 400,
			map[string]any{"code": "max_length", "attr": "derived_name"}},
		{"name of the wrong type", "POST", list, "alice", `{"name": {"a": 1}}`, 400,
			errorBody("validation_error", "invalid", "Not a valid string.", "name")},
		{"null description", "POST", list, "alice", `{"description": null}`, 400, map[string]any{"code": "null", "attr": "description"}},
		{"pinned not a boolean", "POST", list, "alice", `{"pinned": "maybe"}`, 400,
			errorBody("validation_error", "invalid", "Must be a valid boolean.", "pinned")},
		{"deleted of the wrong type", "POST", list, "alice", `{"deleted": [true]}`, 400, map[string]any{"attr": "deleted"}},
		{"malformed JSON", "POST", list, "alice", `{"name": "x"`, 400, map[string]any{"type": "invalid_request", "code": "parse_error"}},
		{"a JSON list body", "POST", list, "alice", `[{"name": "x"}]`, 400,
			map[string]any{"type": "validation_error", "detail": "Invalid data. Expected a dictionary, but got list."}},
		{"oversized body", "POST", list, "alice", `{"name": "x", "description": "` + strings.Repeat("a", 70<<10) + `"}`, 413,
			map[string]any{"type": "invalid_request", "code": "request_too_large"}},
		{"no write scope", "POST", list, "alice-read", `{"name": "x"}`, 403, nil},
		{"another organization's project", "POST", e.path("p3", "/session_recording_playlists/"), "alice", `{"name": "x"}`, 403, nil},
	}
	run(t, e, bad)
	if got := e.count(); got != created {
		t.Errorf("rejected requests wrote playlists: %d, want %d", got, created)
	}
	if r := e.do("GET", "/_health", "", nil); r.status != 200 {
		t.Errorf("server stopped serving after bad input: %d", r.status)
	}
}

func TestPlaylistObject(t *testing.T) {
	e := newEnv(t)
	p := e.create("p1", "alice", `{"name": "Shape"}`)
	if !regexp.MustCompile(`^[A-Za-z0-9]{8}$`).MatchString(p["short_id"].(string)) {
		t.Errorf("short_id %v is not 8 alphanumerics", p["short_id"])
	}
	alice := e.users["alice"]
	wantUser := map[string]any{"id": alice.ID, "uuid": alice.UUID, "distinct_id": alice.DistinctID, "first_name": "Alice",
		"last_name": "", "email": "alice@example.com", "is_email_verified": false, "hedgehog_config": nil, "role_at_organization": nil}
	for _, field := range []string{"created_by", "last_modified_by"} {
		got, _ := json.Marshal(p[field])
		want, _ := json.Marshal(wantUser)
		if string(got) != string(want) {
			t.Errorf("%s = %s, want %s", field, got, want)
		}
	}
	counts, _ := json.Marshal(p["recordings_counts"])
	const wantCounts = `{"collection":{"count":null,"watched_count":0},"saved_filters":{"count":null,"has_more":null,"increased":null,"last_refreshed_at":null,"watched_count":null}}`
	if string(counts) != wantCounts {
		t.Errorf("recordings_counts = %s, want %s", counts, wantCounts)
	}
	keys := []string{"id", "short_id", "name", "derived_name", "description", "pinned", "created_at", "created_by",
		"deleted", "filters", "last_modified_at", "last_modified_by", "recordings_counts", "type"}
	if len(p) != len(keys) {
		t.Errorf("object has %d fields, want %d: %v", len(p), len(keys), p)
	}
	for _, k := range keys {
		if _, ok := p[k]; !ok {
			t.Errorf("field %s missing", k)
		}
	}
}

func TestPlaylistRetrieveUpdate(t *testing.T) {
	e := newEnv(t)
	coll := e.create("p1", "alice", `{"name": "Coll", "description": "first"}`)["short_id"].(string)
	filt := e.create("p1", "alice", `{"name": "Filt", "filters": {"date_from": "-3d"}}`)["short_id"].(string)
	other := e.create("p2", "alice", `{"name": "In p2"}`)["short_id"].(string)
	at := func(project, short string) string { return e.path(project, "/session_recording_playlists/"+short+"/") }

	run(t, e, []scenario{
		{"retrieve", "GET", at("p1", coll), "alice", nil, 200, map[string]any{"short_id": coll, "name": "Coll"}},
		{"retrieve without trailing slash", "GET", strings.TrimSuffix(at("p1", coll), "/"), "alice", nil, 200, nil},
		{"retrieve through /api/projects", "GET", "/api/projects/" + idOf(e.projects["p1"]) + "/session_recording_playlists/" + coll, "alice", nil, 200, nil},
		{"unknown short id", "GET", at("p1", "zzzzzzzz"), "alice", nil, 404, errorBody("invalid_request", "not_found", "Not found.", nil)},
		{"another project's playlist through an accessible project", "GET", at("p1", other), "alice", nil, 404, nil},
		{"update another project's playlist", "PATCH", at("p1", other), "alice", `{"name": "stolen"}`, 404, nil},
		{"injection-looking short id", "GET", at("p1", "x'%20OR%20'1'='1"), "alice", nil, 404, nil},
		{"patch pinned", "PATCH", at("p1", coll), "alice", `{"pinned": true}`, 200, map[string]any{"pinned": true, "name": "Coll"}},
		{"put behaves like patch", "PUT", at("p1", coll), "alice", `{"description": "second"}`, 200,
			map[string]any{"description": "second", "name": "Coll", "pinned": true}},
		{"form patch", "PATCH", at("p1", coll), "alice", url.Values{"pinned": {"false"}}, 200, map[string]any{"pinned": false}},
		{"short_id cannot change", "PATCH", at("p1", coll), "alice", `{"short_id": "AAAAAAAA"}`, 200, map[string]any{"short_id": coll}},
		{"same type accepted", "PATCH", at("p1", coll), "alice", `{"type": "collection"}`, 200, map[string]any{"type": "collection"}},
		{"type cannot change", "PATCH", at("p1", coll), "alice", `{"type": "filters"}`, 400, map[string]any{"attr": "type"}},
		{"invalid type on update", "PATCH", at("p1", coll), "alice", `{"type": "smart"}`, 400, map[string]any{"code": "invalid_choice"}},
		{"collection cannot gain filters", "PATCH", at("p1", coll), "alice", `{"filters": {"a": 1}}`, 400,
			map[string]any{"detail": "You cannot update a collection to add filters"}},
		{"collection may keep empty filters", "PATCH", at("p1", coll), "alice", `{"filters": {}}`, 200, nil},
		{"filters playlist cannot be emptied", "PATCH", at("p1", filt), "alice", `{"filters": {}}`, 400,
			map[string]any{"detail": "You cannot remove all filters when updating a saved filter"}},
		{"filters playlist takes new filters", "PATCH", at("p1", filt), "alice", `{"filters": {"date_from": "-7d"}}`, 200,
			map[string]any{"filters": map[string]any{"date_from": "-7d"}}},
		{"filters playlist refuses filters it cannot evaluate", "PATCH", at("p1", filt), "alice", `{"filters": {"date_from": "someday"}}`, 400,
			map[string]any{"attr": "filters"}},
		{"name too long on update", "PATCH", at("p1", coll), "alice", `{"name": "` + strings.Repeat("n", 401) + `"}`, 400, map[string]any{"attr": "name"}},
		{"malformed JSON on update", "PATCH", at("p1", coll), "alice", `{`, 400, map[string]any{"code": "parse_error"}},
		{"delete answers 405 with an empty body", "DELETE", at("p1", coll), "alice", nil, 405, nil},
		{"delete of an unknown playlist answers 405 too", "DELETE", at("p1", "zzzzzzzz"), "alice", nil, 405, nil},
		{"soft delete a filters playlist without filters in the body", "PATCH", at("p1", filt), "alice", `{"deleted": true}`, 200,
			map[string]any{"deleted": true}},
		{"soft-deleted is gone from retrieve", "GET", at("p1", filt), "alice", nil, 404, nil},
		{"soft-deleted is gone from the list", "GET", e.path("p1", "/session_recording_playlists/"), "alice", nil, 200, map[string]any{"count": 1}},
		{"restore", "PATCH", at("p1", filt), "alice", `{"deleted": false}`, 200, map[string]any{"deleted": false}},
		{"restored is back", "GET", at("p1", filt), "alice", nil, 200, nil},
	})
	if r := e.do("DELETE", at("p1", coll), "alice", nil); len(r.body) != 0 {
		t.Errorf("DELETE body = %q, want empty", r.body)
	}
	if r := e.do("GET", at("p1", coll), "alice", nil); r.json(t)["name"] != "Coll" {
		t.Errorf("playlist changed by a rejected request: %s", r.body)
	}
}

func TestPlaylistLastModified(t *testing.T) {
	e := newEnv(t)
	short := e.create("p1", "alice", `{"name": "Rules", "filters": {"date_from": "-1d"}}`)["short_id"].(string)
	at := e.path("p1", "/session_recording_playlists/"+short+"/")
	created := "2026-03-01T12:00:00Z"

	steps := []struct {
		body       string
		key        string
		wantAt     string
		wantByMail string
	}{
		{`{"pinned": true}`, "carol", created, "alice@example.com"},
		{`{"deleted": true}`, "carol", created, "alice@example.com"},
		{`{"deleted": false, "name": "Rules"}`, "carol", created, "alice@example.com"}, // same name: no change
		{`{"name": "Renamed"}`, "carol", "2026-03-01T12:00:04Z", "carol@example.com"},
		{`{"derived_name": "auto"}`, "alice", "2026-03-01T12:00:05Z", "alice@example.com"},
		{`{"description": "why"}`, "carol", "2026-03-01T12:00:06Z", "carol@example.com"},
		{`{"filters": {"date_from": "-2d"}}`, "alice", "2026-03-01T12:00:07Z", "alice@example.com"},
		{`{"filters": {"date_from": "-2d"}, "pinned": false}`, "carol", "2026-03-01T12:00:07Z", "alice@example.com"},
	}
	for i, st := range steps {
		e.clock.Advance(time.Second)
		r := e.do("PATCH", at, st.key, st.body)
		if r.status != 200 {
			t.Fatalf("step %d %s: %d %s", i, st.body, r.status, r.body)
		}
		p := r.json(t)
		by := p["last_modified_by"].(map[string]any)["email"]
		if p["last_modified_at"] != st.wantAt || by != st.wantByMail {
			t.Errorf("step %d %s: last_modified_at %v by %v, want %s by %s", i, st.body, p["last_modified_at"], by, st.wantAt, st.wantByMail)
		}
		if p["created_at"] != created || p["created_by"].(map[string]any)["email"] != "alice@example.com" {
			t.Errorf("step %d changed created_at/created_by: %v", i, p)
		}
	}
}

func TestPlaylistList(t *testing.T) {
	e := newEnv(t)
	mk := func(key, body string) string {
		e.clock.Advance(time.Minute)
		return e.create("p1", key, body)["short_id"].(string)
	}
	// Created a minute apart from 12:01 on: a..f.
	a := mk("alice", `{"name": "Checkout funnel", "pinned": true}`)
	b := mk("carol", `{"name": "beta testers", "filters": {"date_from": "-3d"}}`)
	c := mk("alice", `{"derived_name": "Auto CHECKOUT errors"}`)
	d := mk("carol", `{"name": "100% rage_clicks"}`)
	f := mk("alice", `{"name": "Zebra", "pinned": true, "filters": {"date_from": "-5d"}}`)
	del := mk("alice", `{"name": "Deleted checkout"}`)
	e.do("PATCH", e.path("p1", "/session_recording_playlists/"+del+"/"), "alice", `{"deleted": true}`)
	e.create("p2", "alice", `{"name": "Checkout elsewhere"}`)

	list := e.path("p1", "/session_recording_playlists/")
	ids := func(body []byte) string {
		var page struct {
			Results []struct {
				ShortID string `json:"short_id"`
			}
		}
		json.Unmarshal(body, &page)
		var out []string
		for _, r := range page.Results {
			out = append(out, r.ShortID)
		}
		return strings.Join(out, ",")
	}
	join := func(s ...string) string { return strings.Join(s, ",") }
	cases := []struct {
		query string
		want  string
	}{
		{"", join(f, d, c, b, a)},
		{"?order=-last_modified_at", join(f, d, c, b, a)},
		{"?order=last_modified_at", join(a, b, c, d, f)},
		{"?order=created_at", join(a, b, c, d, f)},
		{"?order=-created_at", join(f, d, c, b, a)},
		{"?order=name", join(c, d, b, a, f)}, // null name sorts first; case-insensitive
		{"?order=-name", join(f, a, b, d, c)},
		{"?search=checkout", join(c, a)},
		{"?search=CHECKOUT%20F", a},
		{"?search=%25", d},
		{"?search=_", d},
		{"?search=x'%20OR%20'1'='1", ""},
		{"?search=%25'%20--", ""},
		{"?created_by=" + fmt.Sprint(e.users["carol"].ID), join(d, b)},
		{"?user=true", join(f, c, a)},
		{"?user=false", join(f, d, c, b, a)},
		{"?pinned=true", join(f, a)},
		{"?pinned=false", join(d, c, b)},
		{"?type=filters", join(f, b)},
		{"?type=collection", join(d, c, a)},
		{"?short_id=" + c, c},
		{"?short_id=nothing0", ""},
		{"?date_from=2026-03-01T12:02:30Z", join(f, d, c)},
		{"?date_to=2026-03-01T12:02:30Z", join(b, a)},
		{"?date_from=-3m&date_to=2026-03-01T12:03:30Z", join(c, b, a)},
		{"?type=collection&pinned=true&search=funnel", a},
		{"?limit=2", join(f, d)},
		{"?limit=2&offset=2", join(c, b)},
		{"?limit=2&offset=4", a},
		{"?offset=10", ""},
		{"?limit=100000", join(f, d, c, b, a)},
	}
	for _, tc := range cases {
		r := e.do("GET", list+tc.query, "alice", nil)
		if r.status != 200 {
			t.Errorf("%s: %d %s", tc.query, r.status, r.body)
			continue
		}
		if got := ids(r.body); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.query, got, tc.want)
		}
	}

	run(t, e, []scenario{
		{"limit that is not a number", "GET", list + "?limit=ten", "alice", nil, 400, map[string]any{"attr": "limit"}},
		{"negative limit", "GET", list + "?limit=-1", "alice", nil, 400, map[string]any{"attr": "limit"}},
		{"zero limit", "GET", list + "?limit=0", "alice", nil, 400, map[string]any{"attr": "limit"}},
		{"negative offset", "GET", list + "?offset=-5", "alice", nil, 400, map[string]any{"attr": "offset"}},
		{"bad order", "GET", list + "?order=id%3BDROP%20TABLE%20playlists", "alice", nil, 400, map[string]any{"attr": "order", "code": "invalid_choice"}},
		{"bad type", "GET", list + "?type=smart", "alice", nil, 400, map[string]any{"attr": "type"}},
		{"bad pinned", "GET", list + "?pinned=sometimes", "alice", nil, 400, map[string]any{"attr": "pinned"}},
		{"bad created_by", "GET", list + "?created_by=alice", "alice", nil, 400, map[string]any{"attr": "created_by"}},
		{"bad date_from", "GET", list + "?date_from=yesterday", "alice", nil, 400, map[string]any{"attr": "date_from"}},
		{"bad date_to", "GET", list + "?date_to=2026-13-45", "alice", nil, 400, map[string]any{"attr": "date_to"}},
		{"count covers the whole selection", "GET", list + "?limit=1", "alice", nil, 200, map[string]any{"count": 5}},
	})

	// Links are absolute and carry limit and offset, DRF style.
	page := e.do("GET", list+"?limit=2&offset=2&search=", "alice", nil).json(t)
	base := e.srv.URL + list[:len(list)-1]
	if want := base + "?limit=2&offset=4&search="; page["next"] != want {
		t.Errorf("next = %v, want %s", page["next"], want)
	}
	if want := base + "?limit=2&search="; page["previous"] != want {
		t.Errorf("previous = %v, want %s", page["previous"], want)
	}
	last := e.do("GET", list+"?limit=2&offset=4", "alice", nil).json(t)
	if last["next"] != nil || last["previous"] != base+"?limit=2&offset=2" {
		t.Errorf("last page links: next %v previous %v", last["next"], last["previous"])
	}
}

func TestPlaylistListPagesNeverRepeat(t *testing.T) {
	e := newEnv(t)
	// The clock stands still, so every playlist has the same
	// last_modified_at: only the id tie-breaker orders them.
	for i := range 23 {
		e.create("p1", "alice", fmt.Sprintf(`{"name": "same %d"}`, i%3))
	}
	for _, order := range []string{"", "name", "-name", "created_at", "-last_modified_at"} {
		seen := map[string]bool{}
		for offset := 0; offset < 23; offset += 5 {
			r := e.do("GET", e.path("p1", fmt.Sprintf("/session_recording_playlists/?limit=5&offset=%d&order=%s", offset, order)), "alice", nil)
			var page struct {
				Results []struct {
					ShortID string `json:"short_id"`
				}
			}
			json.Unmarshal(r.body, &page)
			for _, p := range page.Results {
				if seen[p.ShortID] {
					t.Errorf("order %q: %s repeated", order, p.ShortID)
				}
				seen[p.ShortID] = true
			}
		}
		if len(seen) != 23 {
			t.Errorf("order %q: saw %d playlists over the pages, want 23", order, len(seen))
		}
	}
}

func TestPlaylistConcurrentCreates(t *testing.T) {
	e := newEnv(t)
	const n = 40
	var wg sync.WaitGroup
	shorts := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.do("POST", e.path("p1", "/session_recording_playlists/"), "alice", fmt.Sprintf(`{"name": "parallel %d"}`, i))
			if r.status != 201 {
				t.Errorf("create %d: %d %s", i, r.status, r.body)
				return
			}
			var p struct {
				ShortID string `json:"short_id"`
			}
			json.Unmarshal(r.body, &p)
			shorts <- p.ShortID
		}()
	}
	wg.Wait()
	close(shorts)
	seen := map[string]bool{}
	for s := range shorts {
		if seen[s] {
			t.Errorf("short id %s given twice", s)
		}
		seen[s] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct short ids, want %d", len(seen), n)
	}
	if r := e.do("GET", e.path("p1", "/session_recording_playlists/"), "alice", nil); r.json(t)["count"] != float64(n) {
		t.Errorf("list count %v, want %d", r.json(t)["count"], n)
	}
}

func TestPlaylistSearchBeyondASCII(t *testing.T) {
	e := newEnv(t)
	short := e.create("p1", "alice", `{"name": "Ärger im Checkout"}`)["short_id"]
	list := e.path("p1", "/session_recording_playlists/")
	for _, q := range []string{"%C3%84rger", "%C3%84RGER", "checkout", "IM%20CH"} {
		var page struct{ Results []map[string]any }
		json.Unmarshal(e.do("GET", list+"?search="+q, "alice", nil).body, &page)
		if len(page.Results) != 1 || page.Results[0]["short_id"] != short {
			t.Errorf("search %s: %v", q, page.Results)
		}
	}
}
