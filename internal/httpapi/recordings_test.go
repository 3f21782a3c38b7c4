package httpapi_test

import (
	"os"
	"path/filepath"
	"testing"
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
	countBlocks := func() int {
		n := 0
		filepath.Walk(e.blobDir, func(_ string, info os.FileInfo, _ error) error {
			if info != nil && !info.IsDir() {
				n++
			}
			return nil
		})
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
