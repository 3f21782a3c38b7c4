package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/tapedeck/tapedeck/internal/pgtest"
	"github.com/tapedeck/tapedeck/internal/s3test"
	"github.com/tapedeck/tapedeck/internal/store"
)

// msServer is a `tapedeck serve` process for the migrate-store test.
type msServer struct {
	*serverProc
}

// startServerEnv starts `tapedeck serve` on dataDir with extra settings.
func startServerEnv(t *testing.T, dataDir string, extra ...string) msServer {
	t.Helper()
	s := &serverProc{t: t, addr: freeAddr(t), stderr: &syncBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(binary(t), "serve")
	s.cmd.Env = childEnv(dataDir, append([]string{"TAPEDECK_ADDR=" + s.addr}, extra...)...)
	s.cmd.Stdout, s.cmd.Stderr = s.stderr, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	if err := waitHealthy(s.addr, s.done, 30*time.Second); err != nil {
		t.Fatalf("%v; server output:\n%s", err, s.stderr.String())
	}
	return msServer{s}
}

// do sends a request (with the API key when not empty) and returns the
// status and body.
func (s msServer) do(method, path, key, body string) (int, []byte) {
	s.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://"+s.addr+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.StatusCode, b
}

// must sends a request that must answer want and decodes its JSON body.
func (s msServer) must(want int, method, path, key, body string) map[string]any {
	s.t.Helper()
	code, b := s.do(method, path, key, body)
	if code != want {
		s.t.Fatalf("%s %s: %d %s, want %d", method, path, code, b, want)
	}
	var v map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		s.t.Fatalf("%s %s: body %q is not a JSON object", method, path, b)
	}
	return v
}

// msView is what the API shows of an installation, to compare before and
// after the move.
type msView struct {
	Projects   map[string]any
	Playlists  map[string]any
	Items      map[string]any
	Recordings map[string]any
	Snapshots  map[string]string
}

func readView(t *testing.T, s msServer, pid int64, key string, sessions []string) msView {
	t.Helper()
	api := fmt.Sprintf("/api/projects/%d", pid)
	v := msView{Items: map[string]any{}, Recordings: map[string]any{}, Snapshots: map[string]string{}}
	v.Projects = s.must(200, "GET", "/api/projects/", key, "")
	v.Playlists = s.must(200, "GET", api+"/session_recording_playlists/", key, "")
	for _, p := range v.Playlists["results"].([]any) {
		short := p.(map[string]any)["short_id"].(string)
		v.Items[short] = s.must(200, "GET", api+"/session_recording_playlists/"+short+"/recordings", key, "")["results"]
	}
	for _, session := range sessions {
		v.Recordings[session] = s.must(200, "GET", api+"/session_recordings/"+session, key, "")
		sources := s.must(200, "GET", api+"/session_recordings/"+session+"/snapshots", key, "")["sources"].([]any)
		for _, src := range sources {
			k := src.(map[string]any)["blob_key"].(string)
			code, body := s.do("GET", api+"/session_recordings/"+session+"/snapshots?source=blob_v2&start_blob_key="+k+"&end_blob_key="+k, key, "")
			if code != 200 {
				t.Fatalf("snapshots of %s: %d %s", session, code, body)
			}
			v.Snapshots[session+"/"+k] = string(body)
		}
	}
	return v
}

// waitBlobFiles waits until the blob directory holds n files.
func waitBlobFiles(t *testing.T, dir string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		files := 0
		filepath.Walk(dir, func(_ string, info os.FileInfo, _ error) error {
			if info != nil && !info.IsDir() {
				files++
			}
			return nil
		})
		if files == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d files in %s, want %d", files, dir, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// runMigrateStore runs migrate-store in-process and returns what it did.
func runMigrateStore(t *testing.T, env func(string) string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, append([]string{"migrate-store"}, args...), nil, &stdout, &stderr, env)
	return result{code, stdout.String(), stderr.String()}
}

// An embedded installation moves into PostgreSQL and S3 whole: the same
// API key reads the same projects, playlists, recordings and snapshots
// there; moving again verifies again; a target holding other data for the
// same keys is refused.
func TestMigrateStore(t *testing.T) {
	dataDir := t.TempDir()
	// The first session is compacted into the blob store; the second stays
	// inline in the database (the server is restarted with compaction at
	// its default of an hour before it arrives).
	src := startServerEnv(t, dataDir, "TAPEDECK_COMPACT_AFTER=1s", "TAPEDECK_JOBS_INTERVAL=200ms")
	const password = "a long enough password"
	binaryOK(t, dataDir, &map[string]any{}, "user", "create", "--email", "ada@example.com", "--password", password)
	var key struct {
		Key string `json:"key"`
	}
	binaryOK(t, dataDir, &key, "apikey", "create", "--user", "ada@example.com", "--label", "move")
	projects := src.must(200, "GET", "/api/projects/", key.Key, "")["results"].([]any)
	project := projects[0].(map[string]any)
	pid, _ := project["id"].(json.Number).Int64()
	token := project["api_token"].(string)
	api := fmt.Sprintf("/api/projects/%d", pid)

	sessions := []string{"ms-session-one", "ms-session-two"}
	now := time.Now().UnixMilli()
	for i, session := range sessions {
		body := fmt.Sprintf(`[{"event": "$snapshot", "uuid": "01a215f3-0000-7000-8000-00000000000%d", "properties": {
			"token": %q, "distinct_id": "visitor-%d", "$session_id": %q, "$window_id": "w1",
			"$snapshot_data": [
				{"type": 4, "timestamp": %d, "data": {"href": "https://shop.example/page-%d", "width": 800, "height": 600}},
				{"type": 3, "timestamp": %d, "data": {"source": 2, "type": 2, "id": 7}},
				{"type": 6, "timestamp": %d, "data": {"plugin": "rrweb/console@1", "payload": {"level": "warn", "payload": ["careful \u0000 here"]}}}
			]}},
			{"event": "$pageview", "uuid": "01a215f3-0000-7000-8000-00000000001%d", "properties": {
			"token": %q, "distinct_id": "visitor-%d", "$session_id": %q, "$current_url": "https://shop.example/page-%d"},
			"timestamp": "2026-01-01T00:00:00Z"}]`,
			i, token, i, session, now+int64(i), i, now+int64(i)+100, now+int64(i)+200, i, token, i, session, i)
		if code, b := src.do("POST", "/s/", "", body); code != 200 {
			t.Fatalf("capture %s: %d %s", session, code, b)
		}
		if i == 0 {
			waitBlobFiles(t, filepath.Join(dataDir, "blobs"), 1)
			src.stop()
			src = startServerEnv(t, dataDir)
		}
	}
	collection := src.must(201, "POST", api+"/session_recording_playlists/", key.Key, `{"name": "Pinned", "type": "collection"}`)
	short := collection["short_id"].(string)
	src.must(200, "POST", api+"/session_recording_playlists/"+short+"/recordings/"+sessions[0], key.Key, "")
	src.must(201, "POST", api+"/session_recording_playlists/", key.Key, `{"name": "Everything", "type": "filters", "filters": {"date_from": "-7d"}}`)
	src.must(200, "PATCH", api+"/session_recordings/"+sessions[1], key.Key, `{"viewed": true}`)
	before := readView(t, src, pid, key.Key, sessions)
	src.stop()

	dbURL := pgtest.NewDatabase(t)
	s3 := s3test.Start(t)
	const bucket = "tapedeck-moved"
	blobURL := s3.BlobURL(bucket)
	env := s3.Env(func(name string) string {
		if name == "TAPEDECK_DATA_DIR" {
			return dataDir
		}
		return ""
	})

	start := time.Now()
	r := runMigrateStore(t, env, "--to-database", dbURL, "--to-blob", blobURL)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("migrate-store: exit %d, stderr %q", r.code, r.stderr)
	}
	t.Logf("first move in %s: %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(r.stdout))
	var out struct {
		Tables map[string]struct {
			Rows *int64 `json:"rows"`
		} `json:"tables"`
		Blocks   int   `json:"blocks"`
		Bytes    int64 `json:"bytes"`
		Verified bool  `json:"verified"`
	}
	decodeLine(t, r.stdout, &out)
	if tables := len(store.CopyTables()); !out.Verified || out.Blocks != 2 || out.Bytes <= 0 || len(out.Tables) != tables {
		t.Errorf("migrate-store printed %s; want %d tables, 2 blocks, verified", r.stdout, tables)
	}
	for name, n := range map[string]int64{"organizations": 1, "projects": 1, "users": 1, "personal_api_keys": 1,
		"playlists": 2, "playlist_items": 1, "recording_views": 1, "recordings": 2, "recording_blocks": 2, "events": 2} {
		if got := out.Tables[name].Rows; got == nil || *got != n {
			t.Errorf("table %s: rows %v, want %d", name, got, n)
		}
	}

	// An interrupted move leaves rows and blocks out: running again puts
	// them back, and a run over a complete target copies nothing and
	// verifies again.
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var blobKey string
	if err := db.QueryRow(`SELECT blob_key FROM recording_blocks LIMIT 1`).Scan(&blobKey); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DELETE FROM events`, `DELETE FROM recording_console`,
		`DELETE FROM recording_blocks`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(filepath.Join(s3.BucketDir(bucket), blobKey)); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		start = time.Now()
		r = runMigrateStore(t, env, "--to-database", dbURL, "--to-blob", blobURL)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("migrate-store again (%d): exit %d, stderr %q", i, r.code, r.stderr)
		}
		t.Logf("move again (%d) in %s", i, time.Since(start).Round(time.Millisecond))
		decodeLine(t, r.stdout, &out)
		if !out.Verified || out.Blocks != 2 || *out.Tables["events"].Rows != 2 || *out.Tables["recording_console"].Rows != 2 {
			t.Errorf("migrate-store again (%d): %s", i, r.stdout)
		}
	}

	dst := startServerEnv(t, t.TempDir(), "TAPEDECK_DATABASE_URL="+dbURL, "TAPEDECK_BLOB_URL="+blobURL,
		"AWS_ACCESS_KEY_ID="+s3.AccessKey, "AWS_SECRET_ACCESS_KEY="+s3.SecretKey)
	after := readView(t, dst, pid, key.Key, sessions)
	// The counts of a filters playlist are refreshed in the background, so
	// they may have been counted on one side and not yet on the other.
	for _, v := range []msView{before, after} {
		for _, p := range v.Playlists["results"].([]any) {
			delete(p.(map[string]any), "recordings_counts")
		}
	}
	for _, c := range []struct {
		name       string
		got, wantv any
	}{{"projects", after.Projects, before.Projects}, {"playlists", after.Playlists, before.Playlists},
		{"playlist recordings", after.Items, before.Items}, {"recordings", after.Recordings, before.Recordings},
		{"snapshots", after.Snapshots, before.Snapshots}} {
		if !reflect.DeepEqual(c.got, c.wantv) {
			g, _ := json.Marshal(c.got)
			w, _ := json.Marshal(c.wantv)
			t.Errorf("%s after the move:\n%s\nwant\n%s", c.name, g, w)
		}
	}
	if len(after.Snapshots) != 2 {
		t.Errorf("%d snapshot blocks read back, want 2", len(after.Snapshots))
	}
	if code, b := dst.do("POST", "/api/login/", "", fmt.Sprintf(`{"email": "ada@example.com", "password": %q}`, password)); code != 200 {
		t.Errorf("sign in with the moved password: %d %s", code, b)
	}
	// New rows take new ids past the copied ones.
	p := dst.must(201, "POST", api+"/session_recording_playlists/", key.Key, `{"name": "New", "type": "collection"}`)
	if id, _ := p["id"].(json.Number).Int64(); id != 3 {
		t.Errorf("a new playlist on the target has id %v, want 3", p["id"])
	}
	dst.stop()

	// A target holding other data for the same keys is refused.
	// (The target's server has been at work since: the only difference
	// before playlists' is that a name was changed there.)
	for _, q := range []string{`DELETE FROM playlists WHERE id = 3`, `UPDATE playlists SET name = 'Changed' WHERE id = 1`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	r = runMigrateStore(t, env, "--to-database", dbURL, "--to-blob", blobURL)
	if r.code != 1 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "verify: table playlists differs") {
		t.Errorf("migrate-store onto changed data: exit %d, stdout %q, stderr %q; want exit 1 and one line", r.code, r.stdout, r.stderr)
	}
	t.Logf("refused: %s", strings.TrimSpace(r.stderr))

	// Bad arguments exit 2 on one line.
	for _, args := range [][]string{{}, {"--to-database", dbURL}, {"--to-database", "mysql://x", "--to-blob", blobURL}} {
		if r := runMigrateStore(t, env, args...); r.code != 2 || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("migrate-store %v: exit %d, stderr %q; want 2 and one line", args, r.code, r.stderr)
		}
	}
}
