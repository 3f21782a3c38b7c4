package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/static"
	"github.com/tapedeck/tapedeck/internal/webui"
)

const (
	uiEmail    = "ui@example.com"
	uiPassword = "tape-deck-e2e-password"
	// What the recorded shop page says, and the error its visitor's
	// console logged (testdata/page.html and testdata/drive.mjs).
	shopHeading  = "Tapedeck test shop"
	consoleError = "payment declined"
	uiTimeout    = 60 * time.Second
)

// uiResult is what testdata/ui.mjs prints.
type uiResult struct {
	Steps []struct {
		Name string `json:"name"`
		Ms   int    `json:"ms"`
	} `json:"steps"`
	ListURL        string   `json:"listURL"`
	RowText        string   `json:"rowText"`
	RowUnviewed    bool     `json:"rowUnviewedBefore"`
	ReplayText     string   `json:"replayText"`
	ConsoleTexts   []string `json:"consoleTexts"`
	NotFound       string   `json:"notFound"`
	NoProject      string   `json:"noProject"`
	Refusal        string   `json:"refusal"`
	PageErrors     []string `json:"pageErrors"`
	FailedRequests []string `json:"failedRequests"`
	Outside        []string `json:"outside"`
	SavedSummary   string   `json:"savedSummary"`
	CSPViolations  []string `json:"cspViolations"`
}

// TestWebUI records a visit with the real posthog-js, then uses the web UI
// the way a person would: signs in through /login with a password set by
// the CLI, finds the recording in the list, plays it, and checks that the
// replay shows the recorded page and the console panel its error, and that
// opening it marked it viewed. Screenshots of the list and the player are
// saved in TAPEDECK_E2E_OUT (or the test's temporary directory).
func TestWebUI(t *testing.T) {
	started := time.Now()
	chromium := os.Getenv("TAPEDECK_CHROMIUM")
	if chromium == "" {
		chromium = defaultChromium
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no browser at %s: %v; %s", chromium, err, installChromium)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed (Node.js 20 or newer): %v", err)
	}
	if _, err := os.Stat(filepath.Join(webDir, "node_modules", "playwright-core", "package.json")); err != nil {
		t.Fatalf("playwright-core is not installed in web/: %v; %s", err, installWeb)
	}
	if !static.Built() || !webui.Built() {
		t.Fatalf("posthog-js's files or the web UI are not built into tapedeck (static built: %v, UI built: %v); %s, then run the test again",
			static.Built(), webui.Built(), installWeb)
	}
	webAbs, err := filepath.Abs(webDir)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	outDir := os.Getenv("TAPEDECK_E2E_OUT")
	if outDir == "" {
		outDir = dir
	} else if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}

	srv := startServer(t, dir)
	t.Logf("tapedeck built and serving at %s after %s", srv.url, time.Since(started).Round(time.Millisecond))
	checkUIMounted(t, srv.url)

	var projects []struct {
		ID       int    `json:"id"`
		APIToken string `json:"api_token"`
	}
	srv.cli(t, &projects, "project", "list")
	if len(projects) == 0 {
		t.Fatal("tapedeck project list: no default project")
	}
	token := projects[0].APIToken
	srv.cli(t, nil, "user", "create", "--email", uiEmail, "--password", uiPassword)
	var key struct {
		Key string `json:"key"`
	}
	srv.cli(t, &key, "apikey", "create", "--user", uiEmail)
	api := &apiClient{base: srv.url, key: key.Key}

	// A visit to the shop, recorded by the current posthog-js.
	shop := startShop(t, srv.url, token)
	var g generation
	for _, gen := range generations(token) {
		if gen.name == static.Current() {
			g = gen
		}
	}
	begin := time.Now()
	v := drive(context.Background(), node, webAbs, chromium, shop+"/shop/?sdk="+g.sdk+"&script="+g.script,
		srv.url, token, g, filepath.Join(outDir, "ui-recorded-page.png"))
	v.check(t, g)
	checkRecording(t, api, g, v.d)
	t.Logf("visit recorded in %s (session %s)", time.Since(begin).Round(time.Millisecond), v.d.SessionID)

	recPath := "/api/environments/@current/session_recordings/" + v.d.SessionID + "/"
	if viewed := viewedFlag(t, api, recPath); viewed {
		t.Fatalf("the recording is viewed before anyone opened it")
	}

	// The person at the browser.
	begin = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), uiTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "testdata/ui.mjs")
	cmd.Env = append(os.Environ(),
		"BASE_URL="+srv.url,
		"EMAIL="+uiEmail,
		"PASSWORD="+uiPassword,
		"SESSION_ID="+v.d.SessionID,
		"PAGE_TEXT="+shopHeading,
		"CONSOLE_ERROR="+consoleError,
		"WEB_DIR="+webAbs,
		"CHROMIUM="+chromium,
		"OUT_DIR="+outDir,
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	t.Logf("browser session took %s:\n%s", time.Since(begin).Round(time.Millisecond), tail(stderr.String(), 40))
	if runErr != nil {
		t.Fatalf("node testdata/ui.mjs: %v (screenshot of the failure, if any: %s)", runErr, filepath.Join(outDir, "ui-failure.png"))
	}
	var res uiResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("ui.mjs printed %q: %v", stdout.String(), err)
	}

	// What the browser saw.
	if !strings.HasPrefix(res.ListURL, "/project/") || !strings.HasSuffix(res.ListURL, "/replay") {
		t.Errorf("after signing in the browser was at %q, want /project/<id>/replay", res.ListURL)
	}
	wantPerson := "e2e-" + g.sdk + "@example.com"
	if !strings.Contains(res.RowText, wantPerson) {
		t.Errorf("the list's row for the recording says %q; want the person %q in it", res.RowText, wantPerson)
	}
	if !res.RowUnviewed {
		t.Error("the list showed the recording as viewed before it was opened")
	}
	if !strings.Contains(res.ReplayText, shopHeading) || !strings.Contains(res.ReplayText, "Add tea") {
		t.Errorf("the replayer's iframe shows %q; want the recorded page's text", res.ReplayText)
	}
	foundError := false
	for _, line := range res.ConsoleTexts {
		if strings.Contains(line, consoleError) && strings.Contains(strings.ToLower(line), "error") {
			foundError = true
		}
	}
	if !foundError || len(res.ConsoleTexts) != v.d.Actions.Console.Log+v.d.Actions.Console.Warn+v.d.Actions.Console.Error {
		t.Errorf("the console panel lists %q; want the %d recorded messages, the error %q among them", res.ConsoleTexts,
			v.d.Actions.Console.Log+v.d.Actions.Console.Warn+v.d.Actions.Console.Error, consoleError)
	}
	if res.NotFound != "Recording not found" || res.NoProject != "Project not found" {
		t.Errorf("unknown ids showed %q and %q; want Recording not found and Project not found", res.NotFound, res.NoProject)
	}
	if len(res.PageErrors) > 0 {
		t.Errorf("the UI threw: %q", res.PageErrors)
	}
	if len(res.FailedRequests) > 0 {
		t.Errorf("the UI's requests that failed: %q", res.FailedRequests)
	}
	if len(res.CSPViolations) > 0 {
		t.Errorf("the page broke its Content-Security-Policy: %q", res.CSPViolations)
	}
	for _, want := range []string{"visited page contains “shop”", "console errors > 0", "duration ≥ 1 s"} {
		if !strings.Contains(res.SavedSummary, want) {
			t.Errorf("the saved playlist is described as %q; want %q in it", res.SavedSummary, want)
		}
	}
	if len(res.Outside) > 0 {
		t.Errorf("the UI requested other sites: %q", res.Outside)
	}

	// What the API says now.
	if !viewedFlag(t, api, recPath) {
		t.Error("opening the recording in the player did not mark it viewed")
	}
	status, _, body, err := api.get("/api/environments/@current/session_recording_playlists/?session_recording_id=" + url.QueryEscape(v.d.SessionID))
	if err != nil || status != http.StatusOK {
		t.Fatalf("list the playlists holding the recording: %d %v %.300s", status, err, body)
	}
	var holding struct {
		Results []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"results"`
	}
	if err := json.Unmarshal(body, &holding); err != nil {
		t.Fatal(err)
	}
	if len(holding.Results) != 1 || holding.Results[0].Name != "Checkout problems" || holding.Results[0].Type != "collection" {
		t.Errorf("collections holding the recording: %+v; want the one made in the player", holding.Results)
	}

	for _, name := range []string{"ui-list.png", "ui-player.png"} {
		if _, err := os.Stat(filepath.Join(outDir, name)); err != nil {
			t.Errorf("no screenshot %s: %v", name, err)
		}
	}
	t.Logf("screenshots in %s; whole test took %s", outDir, time.Since(started).Round(time.Millisecond))
}

// checkUIMounted fails the test when the server does not serve the UI.
func checkUIMounted(t *testing.T, base string) {
	t.Helper()
	resp, err := http.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), webui.AssetPrefix) {
		t.Fatalf("GET /login: status %d, body %.300s; the web UI is not mounted (see internal/webui.Paths)", resp.StatusCode, body)
	}
}

// startShop serves the test shop page (testdata/page.html) on another
// origin than tapedeck and returns its address.
func startShop(t *testing.T, apiHost, token string) string {
	t.Helper()
	page := template.Must(template.ParseFiles("testdata/page.html"))
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/shop/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := page.Execute(w, map[string]string{
			"APIHost": apiHost, "Token": token, "SDK": r.URL.Query().Get("sdk"), "Script": r.URL.Query().Get("script"),
		}); err != nil {
			t.Errorf("page template: %v", err)
		}
	}))
	t.Cleanup(shop.Close)
	return shop.URL
}

// viewedFlag reads the recording's viewed field for the key's user.
func viewedFlag(t *testing.T, api *apiClient, path string) bool {
	t.Helper()
	status, _, body, err := api.get(path)
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET %s: %d %v %.300s", path, status, err, body)
	}
	var rec struct {
		Viewed bool `json:"viewed"`
	}
	if err := json.Unmarshal(body, &rec); err != nil {
		t.Fatal(err)
	}
	return rec.Viewed
}

// TestUIModules runs the web UI's own unit tests (web/ui/test/, Node's test
// runner): the list's filters and how snapshots are read.
func TestUIModules(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed (Node.js 20 or newer): %v", err)
	}
	cmd := exec.Command(node, "--test", "ui/test/")
	cmd.Dir = webDir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test ui/test/ (in web/): %v\n%s", err, out)
	}
	var summary []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "# tests") || strings.HasPrefix(line, "# pass") || strings.HasPrefix(line, "# fail") {
			summary = append(summary, strings.TrimPrefix(line, "# "))
		}
	}
	t.Logf("web UI unit tests: %s", strings.Join(summary, ", "))
}
