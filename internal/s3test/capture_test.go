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
	"github.com/tapedeck/tapedeck/internal/s3test"
	"github.com/tapedeck/tapedeck/internal/store"
)

// While the S3 server is down, capture answers 503 (so posthog-js retries)
// and loses nothing it acknowledged; once the server is back, the retried
// request is stored and both recordings play.
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
	if status, body := send("session-acked", now); status != 200 {
		t.Fatalf("capture with S3 up: %d %s", status, body)
	}

	srv.Stop()
	start := time.Now()
	status, body := send("session-retried", now+1)
	if status != http.StatusServiceUnavailable || !strings.Contains(body, `"unavailable"`) {
		t.Fatalf("capture with S3 down: %d %s, want 503 unavailable", status, body)
	}
	t.Logf("503 after %s with S3 down: %s", time.Since(start).Round(time.Millisecond), body)
	if status, _ := get("/session_recordings/session-retried/snapshots"); status != 404 {
		t.Errorf("the refused request made a recording: %d", status)
	}

	srv.Restart()
	if status, body := send("session-retried", now+1); status != 200 {
		t.Fatalf("capture retried with S3 back: %d %s", status, body)
	}

	for _, c := range []struct {
		session string
		ts      int64
	}{{"session-acked", now}, {"session-retried", now + 1}} {
		status, list := get("/session_recordings/" + c.session + "/snapshots")
		var sources struct {
			Sources []struct {
				BlobKey string `json:"blob_key"`
			} `json:"sources"`
		}
		if status != 200 || json.Unmarshal(list, &sources) != nil || len(sources.Sources) != 1 {
			t.Errorf("%s: sources %d %s", c.session, status, list)
			continue
		}
		k := sources.Sources[0].BlobKey
		status, lines := get("/session_recordings/" + c.session + "/snapshots?source=blob_v2&start_blob_key=" + k + "&end_blob_key=" + k)
		want := fmt.Sprintf(`"timestamp":%d`, c.ts)
		if status != 200 || !bytes.Contains(lines, []byte(want)) {
			t.Errorf("%s: blocks %d %s, want an event with %s", c.session, status, lines, want)
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
