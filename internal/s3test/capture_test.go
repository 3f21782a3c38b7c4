package s3test_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/account"
	"github.com/tapedeck/tapedeck/internal/blob"
	"github.com/tapedeck/tapedeck/internal/httpapi"
	"github.com/tapedeck/tapedeck/internal/jobs"
	"github.com/tapedeck/tapedeck/internal/s3test"
	"github.com/tapedeck/tapedeck/internal/store"
)

// Capture does not touch the blob store: while the S3 server is down,
// capture still acknowledges (200) and the recordings play from the
// metadata store, where ingest keeps their blocks. Compaction fails softly
// meanwhile (the blocks stay where they are) and moves them to S3 once the
// server is back; the recordings play the same.
func TestCaptureWhileS3IsDown(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	blobs, err := blob.Open(ctx, srv.BlobURL("tapedeck-capture"), "", srv.Env(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer blobs.Close()

	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "tapedeck.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	accounts := account.Service{Store: st, Now: time.Now}
	org, err := accounts.CreateOrganization(ctx, "Org")
	if err != nil {
		t.Fatal(err)
	}
	project, err := accounts.CreateProject(ctx, "Shop", org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.CreateUser(ctx, account.NewUser{Email: "alice@example.com", FirstName: "Alice", OrganizationID: org.ID}); err != nil {
		t.Fatal(err)
	}
	_, key, err := accounts.CreateAPIKey(ctx, account.NewAPIKey{UserEmail: "alice@example.com", Scopes: "*", Label: "test"})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(httpapi.New(httpapi.Options{Store: st, Blobs: blobs, Now: time.Now,
		Log: slog.New(slog.DiscardHandler)}))
	defer api.Close()

	send := func(session string, ts int64) (int, string) {
		t.Helper()
		body := fmt.Sprintf(`[{"event": "$snapshot", "uuid": "%s", "properties": {"token": %q, "distinct_id": "d1",
			"$session_id": %q, "$window_id": "w1",
			"$snapshot_data": [{"type": 3, "timestamp": %d, "data": {"source": 2, "type": 2, "id": 7}}]}}]`,
			uuidFor(session), project.APIToken, session, ts)
		resp, err := http.Post(api.URL+"/s/", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	get := func(path string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", api.URL+fmt.Sprintf("/api/environments/%d", project.ID)+path, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}

	now := time.Now().UnixMilli()
	// played checks that each session's one block plays and returns it.
	played := func(when string) map[string][]byte {
		t.Helper()
		out := map[string][]byte{}
		for _, c := range []struct {
			session string
			ts      int64
		}{{"session-acked", now}, {"session-while-down", now + 1}} {
			status, list := get("/session_recordings/" + c.session + "/snapshots")
			var sources struct {
				Sources []struct {
					BlobKey string `json:"blob_key"`
				} `json:"sources"`
			}
			if status != 200 || json.Unmarshal(list, &sources) != nil || len(sources.Sources) != 1 {
				t.Errorf("%s, %s: sources %d %s", when, c.session, status, list)
				continue
			}
			k := sources.Sources[0].BlobKey
			status, lines := get("/session_recordings/" + c.session + "/snapshots?source=blob_v2&start_blob_key=" + k + "&end_blob_key=" + k)
			want := fmt.Sprintf(`"timestamp":%d`, c.ts)
			if status != 200 || !bytes.Contains(lines, []byte(want)) {
				t.Errorf("%s, %s: blocks %d %s, want an event with %s", when, c.session, status, lines, want)
			}
			out[c.session] = lines
		}
		return out
	}
	// keys returns the blob keys of the sessions' block rows ("" inline).
	keys := func() []string {
		t.Helper()
		var out []string
		for _, session := range []string{"session-acked", "session-while-down"} {
			blocks, err := st.Blocks(ctx, project.ID, session)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range blocks {
				out = append(out, b.BlobKey)
			}
		}
		return out
	}
	// The runner sees both recordings as idle for two hours.
	runner := &jobs.Runner{Store: st, Blobs: blobs, Log: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Now().Add(2 * time.Hour) }, CompactAfter: time.Hour}

	if status, body := send("session-acked", now); status != 200 {
		t.Fatalf("capture with S3 up: %d %s", status, body)
	}

	srv.Stop()
	start := time.Now()
	if status, body := send("session-while-down", now+1); status != 200 {
		t.Fatalf("capture with S3 down: %d %s, want 200", status, body)
	}
	t.Logf("acknowledged in %s with S3 down", time.Since(start).Round(time.Millisecond))
	before := played("S3 down")
	if n, err := runner.Compact(ctx); err == nil || n != 0 {
		t.Errorf("compaction with S3 down: %d recordings, %v; want an error and none", n, err)
	}
	if k := keys(); len(k) != 2 || k[0] != "" || k[1] != "" {
		t.Errorf("blob keys after a failed compaction: %q, want two inline blocks", k)
	}
	played("S3 down, after a failed compaction")

	srv.Restart()
	if n, err := runner.Compact(ctx); err != nil || n != 2 {
		t.Fatalf("compaction with S3 back: %d recordings, %v; want 2", n, err)
	}
	if k := keys(); len(k) != 2 || k[0] == "" || k[1] == "" {
		t.Errorf("blob keys after compaction: %q, want two blocks in S3", k)
	}
	after := played("S3 back, compacted")
	for session, lines := range before {
		if !bytes.Equal(after[session], lines) {
			t.Errorf("%s: %d bytes served after compaction, %d before", session, len(after[session]), len(lines))
		}
	}
}

// uuidFor is a fixed event uuid per session, so that a resent request is
// the same request.
func uuidFor(session string) string {
	if session == "session-acked" {
		return "01a215f3-0000-7000-8000-000000000001"
	}
	return "01a215f3-0000-7000-8000-000000000002"
}
