package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/pgtest"
)

const testVersion = "v0.0.0-test"

var (
	buildOnce sync.Once
	buildDir  string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	// pgtest.Run stops the PostgreSQL cluster the PostgreSQL tests start.
	code := pgtest.Run(m)
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binary builds the real tapedeck binary once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "tapedeck-bin-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "tapedeck")
		// The test's working directory is this package's directory.
		cmd := exec.Command("go", "build", "-ldflags", "-X main.version="+testVersion, "-o", binPath, "./")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// childEnv is the environment of a child process: this one's without any
// TAPEDECK_* setting, plus the given ones.
func childEnv(dataDir string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TAPEDECK_") {
			env = append(env, kv)
		}
	}
	return append(append(env, "TAPEDECK_DATA_DIR="+dataDir), extra...)
}

// freeAddr finds a free local port.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// runBinary runs the built binary as a CLI against dataDir.
func runBinary(t *testing.T, dataDir string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Env = childEnv(dataDir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("tapedeck %s: %v", strings.Join(args, " "), err)
	}
	return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}
}

// binaryOK runs the binary, requires success and decodes its one line of
// JSON into v.
func binaryOK(t *testing.T, dataDir string, v any, args ...string) {
	t.Helper()
	r := runBinary(t, dataDir, args...)
	if r.code != 0 {
		t.Fatalf("tapedeck %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
	}
	decodeLine(t, r.stdout, v)
}

// serverProc is a running `tapedeck serve` process.
type serverProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string
	stderr *syncBuffer
	done   chan struct{}
}

// startServer starts `tapedeck serve` on dataDir and waits until
// GET /_health answers 200.
func startServer(t *testing.T, dataDir string) *serverProc {
	t.Helper()
	s := &serverProc{t: t, addr: freeAddr(t), stderr: &syncBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(binary(t), "serve")
	s.cmd.Env = childEnv(dataDir, "TAPEDECK_ADDR="+s.addr)
	s.cmd.Stdout = s.stderr
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.cmd.Wait()
		close(s.done)
	}()
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
	return s
}

// waitHealthy polls GET /_health until it answers 200, the server exits
// (done closes) or the deadline passes.
func waitHealthy(addr string, done <-chan struct{}, within time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(within)
	for {
		select {
		case <-done:
			return errors.New("the server exited before it was healthy")
		default:
		}
		resp, err := client.Get("http://" + addr + "/_health")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				var h map[string]any
				if err := json.Unmarshal(body, &h); err != nil {
					return errors.New("/_health answered 200 with a body that is not JSON: " + string(body))
				}
				return nil
			}
		}
		if time.Now().After(deadline) {
			return errors.New("GET /_health did not answer 200 within " + within.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM and requires a clean exit within 20s.
func (s *serverProc) stop() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.t.Fatalf("the server did not exit within 20s of SIGTERM; output:\n%s", s.stderr.String())
	}
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		s.t.Errorf("exit code %d after SIGTERM, want 0; output:\n%s", code, s.stderr.String())
	}
	log := s.stderr.String()
	if !strings.Contains(log, "msg=stopped") || !strings.Contains(log, `msg="shutting down"`) {
		s.t.Errorf("log lacks the shutting down / stopped lines:\n%s", log)
	}
}

// get calls the server with a personal API key (none when key is "").
func (s *serverProc) get(path, key string) (int, map[string]any) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+s.addr+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		s.t.Fatalf("GET %s: %d with a body that is not a JSON object: %v", path, resp.StatusCode, err)
	}
	return resp.StatusCode, body
}

const defaultsCreated = "created a default organization and project"

var tokenInLog = regexp.MustCompile(`project_api_token=(\S+)`)

// loggedToken returns the token of the default-project log line.
func loggedToken(t *testing.T, log string) string {
	t.Helper()
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		if strings.Contains(sc.Text(), defaultsCreated) {
			lines = append(lines, sc.Text())
		}
	}
	if len(lines) != 1 {
		t.Fatalf("want one %q line, got %d in:\n%s", defaultsCreated, len(lines), log)
	}
	m := tokenInLog.FindStringSubmatch(lines[0])
	if m == nil || !projectTokenRE.MatchString(m[1]) {
		t.Fatalf("the %q line has no phc_ project_api_token: %s", defaultsCreated, lines[0])
	}
	if !strings.Contains(lines[0], "tapedeck apikey create") || !strings.Contains(lines[0], "tapedeck user create") {
		t.Errorf("the %q line does not say how to create an API key: %s", defaultsCreated, lines[0])
	}
	return m[1]
}

func TestBinaryVersion(t *testing.T) {
	r := runBinary(t, t.TempDir(), "version")
	if r.code != 0 || r.stdout != "tapedeck "+testVersion+"\n" || r.stderr != "" {
		t.Errorf("version: exit %d, stdout %q, stderr %q; want \"tapedeck %s\"", r.code, r.stdout, r.stderr, testVersion)
	}
}

func TestServe(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	s := startServer(t, dataDir)
	token := loggedToken(t, s.stderr.String())

	// The CLI works on the same store while the server runs.
	var projects []projectRow
	binaryOK(t, dataDir, &projects, "project", "list")
	if len(projects) != 1 || projects[0].APIToken != token || projects[0].Name != "Default project" {
		t.Fatalf("project list %+v, want the default project with the logged token %s", projects, token)
	}

	var user, key map[string]any
	binaryOK(t, dataDir, &user, "user", "create", "--email", "ops@example.com")
	binaryOK(t, dataDir, &key, "apikey", "create", "--user", "ops@example.com", "--label", "serve test")
	k := str(t, key, "key")

	if code, body := s.get("/api/projects/", ""); code != http.StatusUnauthorized || body["code"] != "not_authenticated" {
		t.Errorf("GET /api/projects/ without a key: %d %v, want 401 not_authenticated", code, body)
	}
	code, body := s.get("/api/projects/", k)
	if code != http.StatusOK {
		t.Fatalf("GET /api/projects/ with the new key: %d %v", code, body)
	}
	if body["count"] != json.Number("1") {
		t.Errorf("count %v, want 1 (body %v)", body["count"], body)
	}
	results, _ := body["results"].([]any)
	if len(results) != 1 {
		t.Fatalf("results %v, want one project", body["results"])
	}
	p, _ := results[0].(map[string]any)
	if p["api_token"] != token || p["id"] != json.Number(jsonInt(projects[0].ID)) {
		t.Errorf("listed project %v, want id %d with token %s", p, projects[0].ID, token)
	}

	// Revoking with the CLI takes effect on the running server.
	var revoked map[string]any
	binaryOK(t, dataDir, &revoked, "apikey", "revoke", jsonInt(id(t, key, "id")))
	if code, body := s.get("/api/projects/", k); code != http.StatusUnauthorized || body["code"] != "authentication_failed" {
		t.Errorf("GET /api/projects/ with the revoked key: %d %v, want 401 authentication_failed", code, body)
	}

	s.stop()
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestServeSecondStartKeepsDefaults(t *testing.T) {
	dataDir := t.TempDir()
	first := startServer(t, dataDir)
	token := loggedToken(t, first.stderr.String())
	first.stop()

	second := startServer(t, dataDir)
	if log := second.stderr.String(); strings.Contains(log, defaultsCreated) || strings.Contains(log, "project_api_token") {
		t.Errorf("the second start created defaults again:\n%s", log)
	}
	var projects []projectRow
	binaryOK(t, dataDir, &projects, "project", "list")
	if len(projects) != 1 || projects[0].APIToken != token {
		t.Errorf("after a restart, projects %+v, want only the first default project (token %s)", projects, token)
	}
	second.stop()
}

func TestServeCreatesDataDir(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "does", "not", "exist")
	s := startServer(t, dataDir)

	dbPath := filepath.Join(dataDir, "tapedeck.db")
	if fi, err := os.Stat(dbPath); err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
		t.Fatalf("SQLite file %s: %v (info %v)", dbPath, err, fi)
	}
	if fi, err := os.Stat(filepath.Join(dataDir, "blobs")); err != nil || !fi.IsDir() {
		t.Errorf("blob directory: %v (info %v)", err, fi)
	}
	if !strings.Contains(s.stderr.String(), dbPath) {
		t.Errorf("the store-ready log line does not name %s:\n%s", dbPath, s.stderr.String())
	}

	// The file is a SQLite database in WAL mode (so the CLI can write
	// while the server runs) with the schema applied.
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q (err %v), want wal", mode, err)
	}
	var orgs int
	if err := db.QueryRow(`SELECT COUNT(*) FROM organizations`).Scan(&orgs); err != nil || orgs != 1 {
		t.Errorf("organizations %d (err %v), want the default one", orgs, err)
	}
	s.stop()
}

// serveInProcess runs `serve` through run() until ctx ends.
func serveInProcess(ctx context.Context, c *cli, log io.Writer) <-chan int {
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"serve"}, nil, io.Discard, log, c.getenv)
	}()
	return code
}

func TestServeInProcessJSONLog(t *testing.T) {
	c := newCLI(t)
	c.env["TAPEDECK_ADDR"] = freeAddr(t)
	c.env["TAPEDECK_LOG_FORMAT"] = "json"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := &syncBuffer{}
	codec := serveInProcess(ctx, c, log)
	done := make(chan struct{})
	var code int
	go func() { code = <-codec; close(done) }()
	if err := waitHealthy(c.env["TAPEDECK_ADDR"], done, 30*time.Second); err != nil {
		t.Fatalf("%v; log:\n%s", err, log.String())
	}

	// The in-process CLI works on the store the server has open.
	list := c.projects()
	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("serve did not return within 20s of cancellation; log:\n%s", log.String())
	}
	if code != 0 {
		t.Errorf("serve returned %d, want 0; log:\n%s", code, log.String())
	}

	var msgs []string
	var token any
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		msg, _ := rec["msg"].(string)
		msgs = append(msgs, msg)
		if msg == defaultsCreated {
			token = rec["project_api_token"]
		}
	}
	if len(list) != 1 || token != list[0].APIToken {
		t.Errorf("logged token %v, projects %+v: want the one default project's token", token, list)
	}
	for _, want := range []string{"store ready", defaultsCreated, "listening", "shutting down", "stopped"} {
		if !strings.Contains(strings.Join(msgs, "\n"), want) {
			t.Errorf("log messages %q lack %q", msgs, want)
		}
	}
}

func TestServeAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c := newCLI(t)
	c.env["TAPEDECK_ADDR"] = ln.Addr().String()
	// If serve wrongly started, the deadline makes it return 0 and fail.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	log := &syncBuffer{}
	if code := <-serveInProcess(ctx, c, log); code != 1 {
		t.Errorf("serve on a busy address returned %d, want 1", code)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	if l := log.String(); !strings.Contains(l, "server stopped") || !strings.Contains(l, port) {
		t.Errorf("log does not report the busy address %s:\n%s", ln.Addr(), l)
	}
}
