package doccheck_test

// These tests run the documentation's examples.
//
// Convention: a fenced block tagged ```sh is a runnable example. All the
// ```sh blocks of one file are run, in order, as ONE bash script
// (bash -euo pipefail) against a fresh in-process server, with
// TAPEDECK_URL, TAPEDECK_KEY (a personal API key with every scope),
// TAPEDECK_TOKEN (the default project's public token, for capture) and
// TAPEDECK_PASSWORD (the password of you@example.com, for signing in) in the
// environment, so a later block may use a variable an earlier one set
// (SHORT_ID=$(curl ... | jq -r .short_id)).
// Commands that cannot run here — starting the server, `go run` and
// `go test` lines, CLI commands — go in ```bash or ```console blocks, and
// sample output goes in ```json blocks; none of those are run.
//
// Every curl command in a ```sh block must fail the script on an
// unexpected status: use `curl -sS --fail-with-body ...`, or, when the
// example shows an error status, print the status with
// `-w '%{http_code}'` and compare it, e.g.
// `test "$(curl -sS -o /dev/null -w '%{http_code}' ...)" = 405`.
//
// posthog-js's browser files under /static/ exist only when they were
// built (npm ci --prefix web && npm run --prefix web build) before the
// test binary was compiled, as CI does. Without them, the lines of the
// ```sh blocks that name $TAPEDECK_URL/static/ are left out of the script
// and the /static/ routes need no example; the test logs that it did so.
// Write each such example on one line.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/account"
	"github.com/tapedeck/tapedeck/internal/blob"
	"github.com/tapedeck/tapedeck/internal/config"
	"github.com/tapedeck/tapedeck/internal/httpapi"
	"github.com/tapedeck/tapedeck/internal/static"
	"github.com/tapedeck/tapedeck/internal/store"
)

// The account the examples assume, as made by the README's quick start.
const (
	exampleEmail    = "you@example.com"
	examplePassword = "correct horse battery staple"
)

// TestAPIDocExamples runs every ```sh example of docs/API.md and checks
// that together they exercise every route of the server.
func TestAPIDocExamples(t *testing.T) {
	doc := readDoc(t, "docs/API.md")
	script, blocks := shScript(doc)
	built := static.Built()
	if !built {
		var skipped int
		script, skipped = withoutStaticExamples(t, "docs/API.md", script)
		t.Logf("posthog-js's browser files are not built into this test binary (%s): "+
			"left out %d lines of docs/API.md that fetch /static/ files", static.NotBuiltDetail, skipped)
	}
	curls := checkCurlCommands(t, "docs/API.md", script)

	env := newExampleServer(t)
	routes := env.routes()
	exempt := func(route string) bool {
		return slices.Contains(notYetInAPIDoc, route) || (!built && isStaticRoute(route))
	}
	documented := 0
	for _, r := range routes {
		if !exempt(r) {
			documented++
		}
	}
	if curls < documented {
		t.Errorf("docs/API.md has %d curl commands in ```sh blocks, fewer than the %d routes it documents", curls, documented)
	}
	ran := runScript(t, env, "API.md", script)
	t.Logf("docs/API.md: %d ```sh blocks, %d curl commands written, %d run, %d routes documented", blocks, curls, ran, documented)
	if ran < curls {
		t.Errorf("the script ran %d curl commands, but docs/API.md writes %d: some examples never ran", ran, curls)
	}
	for _, r := range notYetInAPIDoc {
		if !slices.Contains(routes, r) {
			t.Errorf("notYetInAPIDoc lists %s, which the server does not serve: remove it", r)
		}
	}
	uncovered := env.uncovered(routes)
	for _, r := range notYetInAPIDoc {
		if slices.Contains(routes, r) && !slices.Contains(uncovered, r) {
			t.Logf("route %s now has a working example in docs/API.md: remove it from notYetInAPIDoc", r)
		}
	}
	for _, missing := range uncovered {
		if slices.Contains(notYetInAPIDoc, missing) {
			t.Logf("route %s has no example in docs/API.md yet (listed in notYetInAPIDoc)", missing)
			continue
		}
		if !built && isStaticRoute(missing) {
			t.Logf("route %s was not tried: posthog-js's browser files are not built", missing)
			continue
		}
		t.Errorf("route %s has no example in docs/API.md that reaches its handler successfully; add one in a ```sh block", missing)
	}
}

// notYetInAPIDoc lists routes, written as "METHOD /path" with the
// /api/environments/{project_id} prefix for a project's routes, that may
// go without an example in docs/API.md. Keep it short: it is for a route
// documented elsewhere, or one that lands before its documentation. The
// test logs every route it lets pass this way.
var notYetInAPIDoc = []string{
	// None today: every route has an example.
}

// isStaticRoute reports whether a route serves posthog-js's browser files.
func isStaticRoute(route string) bool {
	_, path, _ := strings.Cut(route, " ")
	return strings.HasPrefix(path, static.Prefix)
}

// withoutStaticExamples blanks the script's lines that fetch /static/
// files, keeping every other line where it is, and returns how many it
// blanked.
func withoutStaticExamples(t *testing.T, name, script string) (string, int) {
	t.Helper()
	lines := strings.Split(script, "\n")
	n := 0
	for i, line := range lines {
		if !strings.Contains(line, "$TAPEDECK_URL"+static.Prefix) {
			continue
		}
		if strings.HasSuffix(strings.TrimSpace(line), "\\") || (i > 0 && strings.HasSuffix(strings.TrimSpace(lines[i-1]), "\\")) {
			t.Errorf("%s: write an example that fetches %s on one line, without continuations: %s", name, static.Prefix, strings.TrimSpace(line))
		}
		lines[i] = ""
		n++
	}
	return strings.Join(lines, "\n"), n
}

// TestReadmeExamples runs the quick start's ```sh examples of README.md.
func TestReadmeExamples(t *testing.T) {
	doc := readDoc(t, "README.md")
	script, blocks := shScript(doc)
	curls := checkCurlCommands(t, "README.md", script)
	if curls < 2 {
		t.Fatalf("README.md has %d curl commands in ```sh blocks; the quick start should create and list a playlist", curls)
	}
	env := newExampleServer(t)
	ran := runScript(t, env, "README.md", script)
	t.Logf("README.md: %d ```sh blocks, %d curl commands written, %d run", blocks, curls, ran)
	if ran < curls {
		t.Errorf("the script ran %d curl commands, but README.md writes %d: some examples never ran", ran, curls)
	}
}

// The README's commands to run the server and the tests. The server's
// command builds posthog-js's browser files and the web UI first: the
// server embeds them when it is compiled. The test command first gets what
// the tests need (scripts/test-deps: curl, jq, Chromium, the npm build and
// the S3 server), as CI does.
const (
	readmeRunCommand  = "npm ci --prefix web && npm run --prefix web build && go run ./cmd/tapedeck serve"
	readmeTestCommand = "scripts/test-deps && go test ./..."
)

// TestReadmeCommands checks that the README gives the commands to run the
// server and the tests, each alone in a code block, and that CI runs the
// README's test command.
func TestReadmeCommands(t *testing.T) {
	doc := readDoc(t, "README.md")
	for _, cmd := range []string{readmeRunCommand, readmeTestCommand} {
		if !regexp.MustCompile("(?m)^```[a-z]*\\n" + regexp.QuoteMeta(cmd) + "\\n```$").MatchString(doc) {
			t.Errorf("README.md has no code block holding just %q", cmd)
		}
	}
	ci := readDoc(t, ".ci/run")
	if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(readmeTestCommand) + `\s*$`).MatchString(ci) {
		t.Errorf(".ci/run does not run the README's test command %q on a line of its own", readmeTestCommand)
	}
}

// readDoc reads a file relative to the repository root.
func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// shScript returns the ```sh blocks of a Markdown document as one script in
// which every line keeps its line number in the document (other lines are
// blank), so that bash's trace points at the document's lines. It also
// returns how many blocks there were.
func shScript(doc string) (string, int) {
	lines := strings.Split(doc, "\n")
	out := make([]string, len(lines))
	blocks := 0
	in, indent := false, ""
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		switch {
		case !in && trimmed == "```sh":
			in, indent = true, line[:len(line)-len(strings.TrimLeft(line, " "))]
			blocks++
		case in && trimmed == "```":
			in = false
		case in:
			out[i] = strings.TrimPrefix(line, indent)
		}
	}
	return strings.Join(out, "\n") + "\n", blocks
}

// checkCurlCommands requires every curl command of the script to check
// the status it gets, and returns how many there are.
func checkCurlCommands(t *testing.T, name, script string) int {
	t.Helper()
	// Join continuation lines so that one command is one line.
	joined := strings.ReplaceAll(script, "\\\n", " ")
	n := 0
	for _, line := range strings.Split(joined, "\n") {
		c := strings.Count(line, "curl ")
		if c == 0 {
			continue
		}
		n += c
		if c > 1 {
			t.Errorf("%s: one example per line, please: %s", name, strings.TrimSpace(line))
		}
		if !strings.Contains(line, "--fail-with-body") && !strings.Contains(line, "%{http_code}") {
			t.Errorf("%s: this curl command does not fail on an unexpected status "+
				"(use --fail-with-body, or compare -w '%%{http_code}'): %s", name, strings.TrimSpace(line))
		}
	}
	return n
}

// exampleServer is a fresh server as a new user meets it after the quick
// start: the default organization and project, the user you@example.com
// and a personal API key with every scope. It records the requests it
// answers.
type exampleServer struct {
	srv      *httptest.Server
	api      *httpapi.Server
	key      string
	token    string // the default project's public token
	mu       sync.Mutex
	requests []answered
}

type answered struct {
	method, path string
	status       int
}

func newExampleServer(t *testing.T) *exampleServer {
	t.Helper()
	ctx := context.Background()
	// The same settings as `tapedeck serve` with no TAPEDECK_* variables.
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	st, err := store.OpenSQLite(ctx, filepath.Join(dataDir, "tapedeck.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	blobs, err := blob.OpenDir(filepath.Join(dataDir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	accounts := account.Service{Store: st, Now: time.Now}
	project, created, err := accounts.EnsureDefaults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !created {
		t.Fatal("a fresh store already had a default project")
	}
	if _, err := accounts.CreateUser(ctx, account.NewUser{Email: exampleEmail, Password: examplePassword}); err != nil {
		t.Fatal(err)
	}
	_, key, err := accounts.CreateAPIKey(ctx, account.NewAPIKey{UserEmail: exampleEmail})
	if err != nil {
		t.Fatal(err)
	}
	e := &exampleServer{key: key, token: project.APIToken}
	e.api = httpapi.New(httpapi.Options{
		Store:              st,
		Log:                slog.New(slog.NewTextHandler(io.Discard, nil)),
		MaxBodyBytes:       cfg.MaxAPIBodyBytes,
		RateLimitPerMinute: cfg.RateLimitPerMinute,
		RateLimitPerHour:   cfg.RateLimitPerHour,
		Blobs:              blobs,
		CaptureLimits: httpapi.CaptureLimits{
			MaxBodyBytes:         cfg.MaxCaptureBodyBytes,
			MaxDecompressedBytes: cfg.MaxDecompressedBytes,
		},
	})
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		e.api.ServeHTTP(sw, r)
		e.mu.Lock()
		e.requests = append(e.requests, answered{r.Method, r.URL.Path, sw.status})
		e.mu.Unlock()
	}))
	t.Cleanup(e.srv.Close)
	return e
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// The two spellings of a project's API; the second is an alias of the first.
const (
	environmentsPrefix = "/api/environments/{project_id}"
	projectsPrefix     = "/api/projects/{project_id}"
)

// routes lists the server's routes, counting a route under the
// /api/projects/{project_id} alias as the same route as under
// /api/environments/{project_id}.
func (e *exampleServer) routes() []string {
	var out []string
	for _, p := range e.api.Patterns() {
		p = canonical(p)
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

func canonical(pattern string) string {
	method, path, _ := strings.Cut(pattern, " ")
	if rest, ok := strings.CutPrefix(path, projectsPrefix); ok {
		path = environmentsPrefix + rest
	}
	return method + " " + path
}

// uncovered lists the routes no request reached with success. Success is a
// status below 400, or 405 from a route itself (a playlist's DELETE always
// answers 405).
func (e *exampleServer) uncovered(routes []string) []string {
	mux := http.NewServeMux()
	for _, p := range e.api.Patterns() {
		mux.Handle(p, http.NotFoundHandler())
	}
	covered := map[string]bool{}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, a := range e.requests {
		if a.status >= 400 && a.status != http.StatusMethodNotAllowed {
			continue
		}
		path := a.path
		if len(path) > 1 {
			path = strings.TrimSuffix(path, "/")
		}
		req, err := http.NewRequest(a.method, "http://example"+path, nil)
		if err != nil {
			continue
		}
		if _, pattern := mux.Handler(req); pattern != "" {
			covered[canonical(pattern)] = true
		}
	}
	var out []string
	for _, r := range routes {
		if !covered[r] {
			out = append(out, r)
		}
	}
	return out
}

// runScript runs the script with bash -euo pipefail against the server and
// returns how many times it ran curl. A failing script fails the test with
// the script's output.
func runScript(t *testing.T, e *exampleServer, name, script string) int {
	t.Helper()
	bash := tool(t, "bash")
	realCurl := tool(t, "curl")
	tool(t, "jq")

	dir := t.TempDir()
	// A curl on PATH that counts its runs, so that the test knows the
	// examples ran.
	count := filepath.Join(dir, "curl-runs")
	bin := filepath.Join(dir, "bin")
	wrapper := fmt.Sprintf("#!/bin/sh\nprintf x >> %q\nexec %q \"$@\"\n", count, realCurl)
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "curl"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	// The document's first line is never part of a ```sh block, so the
	// script's first line is free for the trace prompt (bash ignores PS4
	// from the environment when run as root). The trace names the
	// document's line: the script keeps the document's line numbers.
	first, rest, _ := strings.Cut(script, "\n")
	if strings.TrimSpace(first) != "" {
		t.Fatalf("%s: the first line of the document cannot be in a ```sh block", name)
	}
	script = fmt.Sprintf("PS4='+ %s:${LINENO}: '\n", name) + rest
	path := filepath.Join(dir, name+".sh")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, "-euo", "pipefail", "-x", path)
	cmd.Dir = work
	cmd.Stdin = nil
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TAPEDECK_") && !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env,
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"TAPEDECK_URL="+e.srv.URL,
		"TAPEDECK_KEY="+e.key,
		"TAPEDECK_TOKEN="+e.token,
		"TAPEDECK_PASSWORD="+examplePassword,
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the ```sh examples of %s failed (%v); the last command traced is the one that failed, "+
			"and the numbers are the document's lines:\n%s", name, err, tail(string(out), 60))
	}
	runs, err := os.ReadFile(count)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return len(runs)
}

// tool finds a program the examples need. CI must have it; elsewhere its
// absence skips the test.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is needed to run the documentation's examples: %v", name, err)
		}
		t.Skipf("%s is needed to run the documentation's examples (apt-get install curl jq): %v", name, err)
	}
	return p
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) <= n {
		return strings.Join(lines, "\n")
	}
	return fmt.Sprintf("[%d earlier lines left out]\n", len(lines)-n) + strings.Join(lines[len(lines)-n:], "\n")
}
