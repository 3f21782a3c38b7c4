package httpapi_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestRecordingViewed(t *testing.T) {
	e := newCaptureEnv(t)
	e.sendAll(11)
	at := e.path("fx", "/session_recordings/"+formSession+"/")
	run(t, e, []scenario{
		{"loading does not mark viewed", "GET", at, "alice", nil, 200, map[string]any{"viewed": false, "viewers": []any{}}},
		{"nothing to do", "PATCH", at, "alice", `{}`, 400, map[string]any{"attr": "viewed"}},
		{"viewed false is nothing to do", "PATCH", at, "alice", `{"viewed": false}`, 400, nil},
		{"viewed of the wrong type", "PATCH", at, "alice", `{"viewed": "maybe"}`, 400, map[string]any{"attr": "viewed"}},
		{"needs the write scope", "PATCH", at, "alice-read", `{"viewed": true}`, 403, nil},
		{"unknown recording", "PATCH", e.path("fx", "/session_recordings/nope/"), "alice", `{"viewed": true}`, 404, nil},
		{"alice views", "PATCH", at, "alice", `{"viewed": true}`, 200, map[string]any{"success": true}},
		{"again", "PATCH", at, "alice", `{"viewed": true}`, 200, nil},
		{"alice sees viewed", "GET", at, "alice", nil, 200, map[string]any{"viewed": true, "viewers": []any{}}},
		{"carol sees alice as a viewer", "GET", at, "carol", nil, 200,
			map[string]any{"viewed": false, "viewers": []any{"alice@example.com"}}},
		{"carol views", "PATCH", at, "carol", `{"viewed": true}`, 200, nil},
		{"alice sees carol", "GET", at, "alice", nil, 200, map[string]any{"viewed": true, "viewers": []any{"carol@example.com"}}},
	})
}

func TestRecordingDelete(t *testing.T) {
	e := newCaptureEnv(t)
	e.sendAll(2, 3, 11)
	at := e.path("fx", "/session_recordings/"+docsSession+"/")
	// The blocks are inline (not compacted yet): they go with the rows.
	countBlocks := func() int {
		n := 0
		for _, session := range []string{docsSession, formSession} {
			blocks, err := e.store.Blocks(context.Background(), e.projects["fx"].ID, session)
			if err != nil {
				t.Fatal(err)
			}
			n += len(blocks)
		}
		return n
	}
	if n := countBlocks(); n != 3 {
		t.Fatalf("%d blocks before delete, want 3", n)
	}
	run(t, e, []scenario{
		{"needs the write scope", "DELETE", at, "alice-read", nil, 403, nil},
		{"not through another project", "DELETE", e.path("p1", "/session_recordings/"+docsSession+"/"), "alice", nil, 204, nil},
		{"still there", "GET", at, "alice", nil, 200, nil},
		{"delete", "DELETE", at, "alice", nil, 204, nil},
		{"gone", "GET", at, "alice", nil, 404, nil},
		{"snapshots gone", "GET", at + "snapshots", "alice", nil, 404, nil},
		{"again", "DELETE", at, "alice", nil, 204, nil},
		{"the other recording stays", "GET", e.path("fx", "/session_recordings/"+formSession+"/"), "alice", nil, 200, nil},
	})
	if n := countBlocks(); n != 1 {
		t.Errorf("%d blocks after delete, want the other recording's 1", n)
	}
}

func TestPlaylistRecordingsAddRemove(t *testing.T) {
	e := newCaptureEnv(t)
	coll := e.create("fx", "alice", `{"name": "Pinned"}`)["short_id"].(string)
	filt := e.create("fx", "alice", `{"name": "Saved", "filters": {"date_from": "-7d"}}`)["short_id"].(string)
	items := func(short, session string) string {
		return e.path("fx", "/session_recording_playlists/"+short+"/recordings/"+session+"/")
	}
	run(t, e, []scenario{
		{"add a recording that has not arrived yet", "POST", items(coll, formSession), "alice", nil, 200, map[string]any{"success": true}},
		{"add again", "POST", items(coll, formSession), "alice", nil, 200, map[string]any{"success": true}},
		{"add another", "POST", items(coll, docsSession), "alice", nil, 200, nil},
		{"not to a filters playlist", "POST", items(filt, formSession), "alice", nil, 400,
			map[string]any{"detail": "Cannot add recordings to a playlist that is type 'filters'."}},
		{"not to an unknown playlist", "POST", items("zzzzzzzz", formSession), "alice", nil, 404, nil},
		{"not with a bad id", "POST", items(coll, "bad%20id"), "alice", nil, 400, nil},
		{"needs the write scope", "POST", items(coll, formSession), "alice-read", nil, 403, nil},
		{"the playlist lists as containing it", "GET", e.path("fx", "/session_recording_playlists/?session_recording_id="+formSession), "alice", nil, 200,
			map[string]any{"count": 1}},
		{"remove", "DELETE", items(coll, formSession), "alice", nil, 204, nil},
		{"remove again", "DELETE", items(coll, formSession), "alice", nil, 404, nil},
		{"no longer listed", "GET", e.path("fx", "/session_recording_playlists/?session_recording_id="+formSession), "alice", nil, 200,
			map[string]any{"count": 0}},
	})
	r := e.do("GET", e.path("fx", "/session_recording_playlists/"+coll+"/"), "alice", nil).json(t)
	counts := r["recordings_counts"].(map[string]any)["collection"].(map[string]any)
	if counts["count"] != float64(1) || counts["watched_count"] != float64(0) {
		t.Errorf("collection counts %v, want 1 pinned, 0 watched", counts)
	}
	e.sendAll(2)
	e.do("PATCH", e.path("fx", "/session_recordings/"+docsSession+"/"), "alice", `{"viewed": true}`)
	r = e.do("GET", e.path("fx", "/session_recording_playlists/"+coll+"/"), "alice", nil).json(t)
	counts = r["recordings_counts"].(map[string]any)["collection"].(map[string]any)
	if counts["watched_count"] != float64(1) {
		t.Errorf("watched_count %v after viewing, want 1", counts["watched_count"])
	}
	r = e.do("GET", e.path("fx", "/session_recording_playlists/"+coll+"/"), "carol", nil).json(t)
	counts = r["recordings_counts"].(map[string]any)["collection"].(map[string]any)
	if counts["watched_count"] != float64(0) {
		t.Errorf("carol's watched_count %v, want 0", counts["watched_count"])
	}
}

func listIDs(t *testing.T, body []byte) string {
	t.Helper()
	var page struct {
		Results []struct {
			ID string `json:"id"`
		} `json:"results"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("not a recordings page: %s", body)
	}
	var ids []string
	for _, r := range page.Results {
		switch r.ID {
		case docsSession:
			ids = append(ids, "docs")
		case formSession:
			ids = append(ids, "form")
		default:
			ids = append(ids, r.ID)
		}
	}
	return strings.Join(ids, ",")
}

func TestRecordingsList(t *testing.T) {
	e := newCaptureEnv(t)
	e.sendAll(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
	list := e.path("fx", "/session_recordings/")
	form := e.recording(formSession)
	personUUID := form["person"].(map[string]any)["uuid"].(string)
	q := url.QueryEscape
	cases := []struct {
		query string
		want  string
	}{
		{"", "form,docs"},
		{"?order=start_time&order_direction=ASC", "docs,form"},
		{"?order=duration", "docs,form"},
		{"?order=click_count", "docs,form"}, // 13 clicks on the docs visit, 7 on the form
		{"?order=console_error_count&order_direction=asc", "docs,form"},
		{"?session_ids=" + q(`["`+docsSession+`","`+formSession+`"]`), "docs,form"},
		{"?session_ids=" + q(`["`+formSession+`","nope"]`), "form"},
		{"?distinct_ids=" + q(`["acceptance-user-1"]`), "form"},
		{"?person_uuid=" + personUUID, "form"},
		{"?having_predicates=" + q(`[{"type":"recording","key":"duration","value":10,"operator":"gt"}]`), "docs"},
		{"?console_log_filters=" + q(`[{"type":"log_entry","key":"level","value":["error"],"operator":"exact"}]`), "form"},
		{"?console_log_filters=" + q(`[{"type":"log_entry","key":"message","value":"card declined","operator":"icontains"}]`), "form"},
		{"?properties=" + q(`[{"type":"person","key":"email","value":"ALICE","operator":"icontains"}]`), "form"},
		{"?properties=" + q(`[{"type":"person","key":"email","value":"' OR 1=1 --","operator":"exact"}]`), ""},
		{"?events=" + q(`[{"id":"$identify","type":"events","name":"$identify"}]`), "form"},
		{"?date_from=-1d", "form,docs"},
		{"?date_to=2026-11-26T03:43:00Z", "docs"},
		{"?date_from=2026-11-27", ""},
		{"?limit=1", "form"},
		{"?limit=1&offset=1", "docs"},
		{"?session_recording_id=" + docsSession + "&distinct_ids=" + q(`["acceptance-user-1"]`), "docs,form"},
	}
	for _, c := range cases {
		r := e.do("GET", list+c.query, "alice", nil)
		if r.status != 200 {
			t.Errorf("%s: %d %s", c.query, r.status, r.body)
			continue
		}
		if got := listIDs(t, r.body); got != c.want {
			t.Errorf("%s: got %q, want %q", c.query, got, c.want)
		}
	}

	page := e.do("GET", list+"?limit=1", "alice", nil).json(t)
	if page["count"] != float64(2) || page["has_next"] != true || page["previous"] != nil ||
		!strings.HasPrefix(page["next"].(string), e.srv.URL) || !strings.Contains(page["next"].(string), "offset=1") {
		t.Errorf("first page: %v", page)
	}
	last := e.do("GET", list+"?limit=1&offset=1", "alice", nil).json(t)
	if last["has_next"] != false || last["next"] != nil || last["previous"] == nil {
		t.Errorf("last page: %v", last)
	}

	e.do("PATCH", list+formSession+"/", "alice", `{"viewed": true}`)
	// The list shows each recording with its own person and viewers, as
	// retrieving it one by one does.
	var all struct{ Results []map[string]any }
	json.Unmarshal(e.do("GET", list, "carol", nil).body, &all)
	for _, r := range all.Results {
		one := e.do("GET", list+r["id"].(string)+"/", "carol", nil).json(t)
		for _, field := range []string{"person", "viewed", "viewers"} {
			if a, b := mustJSON(r[field]), mustJSON(one[field]); string(a) != string(b) {
				t.Errorf("%s of %s: list %s, retrieve %s", field, r["id"], a, b)
			}
		}
		if r["id"] == formSession && (r["person"].(map[string]any)["name"] != "alice@example.com" ||
			len(r["viewers"].([]any)) != 1) {
			t.Errorf("form recording in the list: person %v, viewers %v", r["person"], r["viewers"])
		}
	}
	for _, c := range []struct{ key, mode, want string }{
		{"alice", "current-user", "docs"},
		{"carol", "current-user", "form,docs"},
		{"carol", "any-user", "docs"},
	} {
		r := e.do("GET", list+"?hide_viewed_recordings="+c.mode, c.key, nil)
		if got := listIDs(t, r.body); got != c.want {
			t.Errorf("%s hide_viewed=%s: got %q, want %q", c.key, c.mode, got, c.want)
		}
	}

	run(t, e, []scenario{
		{"unknown parameter", "GET", list + "?colour=red", "alice", nil, 400, map[string]any{"attr": "colour"}},
		{"garbage JSON", "GET", list + "?session_ids=%5Bnope", "alice", nil, 400, map[string]any{"attr": "session_ids"}},
		{"bad order", "GET", list + "?order=id", "alice", nil, 400, map[string]any{"attr": "order"}},
		{"bad direction", "GET", list + "?order_direction=sideways", "alice", nil, 400, map[string]any{"attr": "order_direction"}},
		{"negative limit", "GET", list + "?limit=-5", "alice", nil, 400, map[string]any{"attr": "limit"}},
		{"bad regex", "GET", list + "?properties=" + q(`[{"type":"person","key":"email","value":"(","operator":"regex"}]`), "alice", nil, 400, nil},
		{"unknown operator", "GET", list + "?properties=" + q(`[{"type":"person","key":"email","value":"x","operator":"near"}]`), "alice", nil, 400, nil},
		{"bad date", "GET", list + "?date_from=yesterday", "alice", nil, 400, map[string]any{"attr": "date_from"}},
		{"needs the recording scope", "GET", list, "alice-read", nil, 403, nil},
		{"another project lists nothing of this one", "GET", e.path("p1", "/session_recordings/"), "alice", nil, 200,
			map[string]any{"count": 0, "results": []any{}}},
		{"another organization", "GET", list, "bob", nil, 403, nil},
	})
}

func TestPlaylistRecordingsList(t *testing.T) {
	e := newCaptureEnv(t)
	e.sendAll(2, 3, 4, 5, 6, 7, 11)
	coll := e.create("fx", "alice", `{"name": "Pinned"}`)["short_id"].(string)
	pin := func(session string) {
		e.clock.Advance(time.Second)
		if r := e.do("POST", e.path("fx", "/session_recording_playlists/"+coll+"/recordings/"+session+"/"), "alice", nil); r.status != 200 {
			t.Fatalf("pin %s: %d %s", session, r.status, r.body)
		}
	}
	pin(formSession)
	pin("not-arrived-yet")
	pin(docsSession)
	recs := e.path("fx", "/session_recording_playlists/"+coll+"/recordings/")
	r := e.do("GET", recs, "alice", nil)
	if got := listIDs(t, r.body); r.status != 200 || got != "docs,form" {
		t.Fatalf("collection recordings: %d %q", r.status, got)
	}
	if page := r.json(t); page["count"] != float64(2) || page["has_next"] != false {
		t.Errorf("collection page: %v", page)
	}
	if got := listIDs(t, e.do("GET", recs+"?limit=1&offset=1", "alice", nil).body); got != "form" {
		t.Errorf("second page: %q", got)
	}

	filt := e.create("fx", "alice", `{"name": "Long ones", "filters": {"duration": [{"type": "recording", "key": "duration", "value": 10, "operator": "gt"}], "filter_group": {"type": "AND", "values": [{"type": "AND", "values": []}]}}}`)["short_id"].(string)
	if got := listIDs(t, e.do("GET", e.path("fx", "/session_recording_playlists/"+filt+"/recordings/"), "alice", nil).body); got != "docs" {
		t.Errorf("filters playlist recordings: %q", got)
	}
	// Retrieving the playlist refreshes its saved-filter count in the
	// background.
	at := e.path("fx", "/session_recording_playlists/"+filt+"/")
	deadline := time.Now().Add(10 * time.Second)
	for {
		p := e.do("GET", at, "alice", nil).json(t)
		sf := p["recordings_counts"].(map[string]any)["saved_filters"].(map[string]any)
		if sf["count"] != nil {
			if sf["count"] != float64(1) || sf["has_more"] != false || sf["watched_count"] != float64(0) || sf["last_refreshed_at"] == nil {
				t.Errorf("saved_filters %v", sf)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the saved-filter count was never refreshed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.do("PATCH", e.path("fx", "/session_recordings/"+docsSession+"/"), "alice", `{"viewed": true}`)
	sf := e.do("GET", at, "alice", nil).json(t)["recordings_counts"].(map[string]any)["saved_filters"].(map[string]any)
	if sf["watched_count"] != float64(1) {
		t.Errorf("watched_count after viewing: %v", sf)
	}
	// Changing the filters recounts at once, whatever the count's age.
	if r := e.do("PATCH", at, "alice", `{"filters": {"duration": [{"type": "recording", "key": "duration", "value": 1, "operator": "gt"}]}}`); r.status != 200 {
		t.Fatalf("patch filters: %d %s", r.status, r.body)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		sf := e.do("GET", at, "alice", nil).json(t)["recordings_counts"].(map[string]any)["saved_filters"].(map[string]any)
		if sf["count"] == float64(2) {
			if sf["increased"] != true {
				t.Errorf("increased after the count went from 1 to 2: %v", sf)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the count did not follow the new filters: %v", sf)
		}
	}

}
