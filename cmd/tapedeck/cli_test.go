package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "modernc.org/sqlite"

	"github.com/tapedeck/tapedeck/internal/auth"
)

// result is what one in-process run of the CLI produced.
type result struct {
	code           int
	stdout, stderr string
}

// cli runs commands in-process against one data directory.
type cli struct {
	t   *testing.T
	dir string
	env map[string]string
}

// newCLI returns a CLI whose TAPEDECK_DATA_DIR is a fresh temporary
// directory. Only the variables in env are visible to the command, so the
// developer's own TAPEDECK_* settings cannot leak in.
func newCLI(t *testing.T) *cli {
	t.Helper()
	dir := t.TempDir()
	return &cli{t: t, dir: dir, env: map[string]string{"TAPEDECK_DATA_DIR": dir}}
}

func (c *cli) getenv(name string) string { return c.env[name] }

// run runs one command with an empty stdin and returns its exit code and
// output.
func (c *cli) run(args ...string) result {
	c.t.Helper()
	return c.runWithInput("", args...)
}

// runWithInput runs one command reading input as its stdin.
func (c *cli) runWithInput(input string, args ...string) result {
	c.t.Helper()
	// A deadline, so that a command that wrongly starts serving fails the
	// test instead of hanging it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, strings.NewReader(input), &stdout, &stderr, c.getenv)
	return result{code, stdout.String(), stderr.String()}
}

// ok runs a command that must succeed and returns its stdout.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 {
		c.t.Fatalf("tapedeck %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
	}
	if r.stderr != "" {
		c.t.Errorf("tapedeck %s: unexpected stderr %q", strings.Join(args, " "), r.stderr)
	}
	return r.stdout
}

// object runs a command that must print exactly one JSON object with
// exactly the keys want, and returns it.
func (c *cli) object(want []string, args ...string) map[string]any {
	c.t.Helper()
	out := c.ok(args...)
	var obj map[string]any
	decodeLine(c.t, out, &obj)
	var got []string
	for k := range obj {
		got = append(got, k)
	}
	sort.Strings(got)
	want = slices.Clone(want)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		c.t.Fatalf("tapedeck %s: keys %v, want %v (output %s)", strings.Join(args, " "), got, want, out)
	}
	return obj
}

// decodeLine checks that out is exactly one line of JSON and decodes it.
func decodeLine(t *testing.T, out string, v any) {
	t.Helper()
	if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
		t.Fatalf("want exactly one line of output, got %q", out)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("output %q is not the JSON expected: %v", out, err)
	}
	if dec.More() {
		t.Fatalf("output %q holds more than one JSON value", out)
	}
}

// projectRow is one element of `project list`.
type projectRow struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Organization string `json:"organization"`
	APIToken     string `json:"api_token"`
}

func (c *cli) projects() []projectRow {
	c.t.Helper()
	var rows []projectRow
	decodeLine(c.t, c.ok("project", "list"), &rows)
	return rows
}

// keyRow is one element of `apikey list`.
type keyRow struct {
	ID         int64    `json:"id"`
	UserID     int64    `json:"user_id"`
	Label      string   `json:"label"`
	MaskValue  string   `json:"mask_value"`
	Scopes     []string `json:"scopes"`
	Projects   []int64  `json:"projects"`
	CreatedAt  string   `json:"created_at"`
	LastUsedAt *string  `json:"last_used_at"`
}

func (c *cli) keys() (rows []keyRow, raw string) {
	c.t.Helper()
	raw = c.ok("apikey", "list")
	decodeLine(c.t, raw, &rows)
	return rows, raw
}

// db opens the data directory's SQLite file directly.
func (c *cli) db() *sql.DB {
	c.t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(c.dir, "tapedeck.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { db.Close() })
	return db
}

// membership returns the organization the user belongs to (exactly one).
func (c *cli) membership(userID int64) string {
	c.t.Helper()
	rows, err := c.db().Query(`SELECT organization_id FROM memberships WHERE user_id = ?`, userID)
	if err != nil {
		c.t.Fatal(err)
	}
	defer rows.Close()
	var orgs []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			c.t.Fatal(err)
		}
		orgs = append(orgs, o)
	}
	if err := rows.Err(); err != nil {
		c.t.Fatal(err)
	}
	if len(orgs) != 1 {
		c.t.Fatalf("user %d belongs to organizations %v, want exactly one", userID, orgs)
	}
	return orgs[0]
}

func str(t *testing.T, obj map[string]any, key string) string {
	t.Helper()
	s, ok := obj[key].(string)
	if !ok {
		t.Fatalf("%q is %#v, want a string", key, obj[key])
	}
	return s
}

func id(t *testing.T, obj map[string]any, key string) int64 {
	t.Helper()
	n, ok := obj[key].(json.Number)
	if !ok {
		t.Fatalf("%q is %#v, want a number", key, obj[key])
	}
	v, err := n.Int64()
	if err != nil || v <= 0 {
		t.Fatalf("%q is %v, want a positive whole number", key, n)
	}
	return v
}

var (
	projectTokenRE = regexp.MustCompile(`^phc_[A-Za-z0-9_-]{32,}$`)
	personalKeyRE  = regexp.MustCompile(`^phx_[A-Za-z0-9_-]{40,}$`)
)

var (
	orgKeys     = []string{"id", "name"}
	projectKeys = []string{"id", "name", "organization", "api_token"}
	userKeys    = []string{"id", "uuid", "email", "distinct_id"}
	apikeyKeys  = []string{"id", "key", "label", "scopes"}
)

func TestVersion(t *testing.T) {
	c := newCLI(t)
	r := c.run("version")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "tapedeck ") || strings.Count(r.stdout, "\n") != 1 || !strings.HasSuffix(r.stdout, "\n") {
		t.Fatalf("stdout %q, want one line starting with \"tapedeck \"", r.stdout)
	}
	if v := strings.TrimSpace(strings.TrimPrefix(r.stdout, "tapedeck ")); v != version {
		t.Errorf("version %q, want %q", v, version)
	}
	if _, err := os.Stat(filepath.Join(c.dir, "tapedeck.db")); !os.IsNotExist(err) {
		t.Errorf("version touched the store (stat: %v)", err)
	}
}

func TestHelp(t *testing.T) {
	c := newCLI(t)
	for _, arg := range []string{"help", "-h", "--help"} {
		r := c.run(arg)
		if r.code != 0 {
			t.Errorf("%s: exit %d", arg, r.code)
		}
		for _, cmd := range []string{"serve", "migrate", "organization create", "project create", "project list",
			"user create", "user set-password", "--password", "apikey create", "apikey list", "apikey revoke"} {
			if !strings.Contains(r.stdout, cmd) {
				t.Errorf("%s: usage does not mention %q", arg, cmd)
			}
		}
	}
}

func TestMigrate(t *testing.T) {
	c := newCLI(t)
	first := c.object([]string{"schema_version"}, "migrate")
	v := id(t, first, "schema_version")
	if _, err := os.Stat(filepath.Join(c.dir, "tapedeck.db")); err != nil {
		t.Fatalf("migrate did not create the SQLite file: %v", err)
	}
	// Migrating again is a no-op reporting the same version.
	if again := id(t, c.object([]string{"schema_version"}, "migrate"), "schema_version"); again != v {
		t.Errorf("second migrate reports version %d, first %d", again, v)
	}
	var applied int64
	if err := c.db().QueryRow(`SELECT MAX(version_id) FROM goose_db_version WHERE is_applied`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != v {
		t.Errorf("migrate printed %d, the database is at %d", v, applied)
	}
	// migrate alone does not create accounts.
	if p := c.projects(); len(p) != 0 {
		t.Errorf("after migrate, projects %v, want none", p)
	}
}

func TestOrganizationCreate(t *testing.T) {
	c := newCLI(t)
	a := c.object(orgKeys, "organization", "create", "--name", "R&D <Lab>")
	if _, err := uuid.Parse(str(t, a, "id")); err != nil {
		t.Errorf("id %q is not a UUID: %v", a["id"], err)
	}
	if got := str(t, a, "name"); got != "R&D <Lab>" {
		t.Errorf("name %q, want \"R&D <Lab>\" (printed unescaped)", got)
	}
	b := c.object(orgKeys, "organization", "create", "--name=Second")
	if a["id"] == b["id"] {
		t.Errorf("two organizations share id %v", a["id"])
	}
	// Creating an organization does not create a project.
	if p := c.projects(); len(p) != 0 {
		t.Errorf("projects %v, want none", p)
	}
}

func TestProjectCreateWithoutOrganizationOnEmptyStore(t *testing.T) {
	c := newCLI(t)
	p := c.object(projectKeys, "project", "create", "--name", "Web")
	pid := id(t, p, "id")
	if str(t, p, "name") != "Web" {
		t.Errorf("name %v, want Web", p["name"])
	}
	if tok := str(t, p, "api_token"); !projectTokenRE.MatchString(tok) {
		t.Errorf("api_token %q is not a phc_ token", tok)
	}
	org := str(t, p, "organization")
	if _, err := uuid.Parse(org); err != nil {
		t.Errorf("organization %q is not an organization id", org)
	}

	// The empty store got the default organization and project first.
	list := c.projects()
	if len(list) != 2 {
		t.Fatalf("projects %+v, want the default project and Web", list)
	}
	if list[0].Name != "Default project" || list[0].Organization != org {
		t.Errorf("first project %+v, want the default project in organization %s", list[0], org)
	}
	if list[1].ID != pid || list[1].Name != "Web" || list[1].Organization != org || list[1].APIToken != p["api_token"] {
		t.Errorf("second project %+v, want %v", list[1], p)
	}
	if list[0].APIToken == list[1].APIToken || !projectTokenRE.MatchString(list[0].APIToken) {
		t.Errorf("tokens %q and %q: want two distinct phc_ tokens", list[0].APIToken, list[1].APIToken)
	}
}

func TestProjectCreateTargetsOrganization(t *testing.T) {
	c := newCLI(t)
	first := str(t, c.object(orgKeys, "organization", "create", "--name", "First"), "id")
	second := str(t, c.object(orgKeys, "organization", "create", "--name", "Second"), "id")

	inSecond := c.object(projectKeys, "project", "create", "--name", "In second", "--organization", second)
	if got := str(t, inSecond, "organization"); got != second {
		t.Errorf("--organization %s: project in %s", second, got)
	}
	inFirst := c.object(projectKeys, "project", "create", "--name", "In first")
	if got := str(t, inFirst, "organization"); got != first {
		t.Errorf("no --organization: project in %s, want the first organization %s", got, first)
	}

	list := c.projects()
	want := []projectRow{
		{id(t, inSecond, "id"), "In second", second, str(t, inSecond, "api_token")},
		{id(t, inFirst, "id"), "In first", first, str(t, inFirst, "api_token")},
	}
	if !slices.Equal(list, want) {
		t.Errorf("project list %+v, want %+v (and no default project, since organizations exist)", list, want)
	}
	if want[0].APIToken == want[1].APIToken {
		t.Errorf("two projects share the token %s", want[0].APIToken)
	}
}

func TestUserCreate(t *testing.T) {
	c := newCLI(t)
	u := c.object(userKeys, "user", "create", "--email", "ada@example.com", "--first-name", "Ada", "--last-name", "Lovelace")
	uid := id(t, u, "id")
	if _, err := uuid.Parse(str(t, u, "uuid")); err != nil {
		t.Errorf("uuid %q: %v", u["uuid"], err)
	}
	if str(t, u, "email") != "ada@example.com" {
		t.Errorf("email %v", u["email"])
	}
	if d := str(t, u, "distinct_id"); len(d) < 16 {
		t.Errorf("distinct_id %q, want a long random id", d)
	}
	var first, last string
	if err := c.db().QueryRow(`SELECT first_name, last_name FROM users WHERE id = ?`, uid).Scan(&first, &last); err != nil {
		t.Fatal(err)
	}
	if first != "Ada" || last != "Lovelace" {
		t.Errorf("stored name %q %q, want Ada Lovelace", first, last)
	}

	// On an empty store the user joins the default organization, created
	// with its default project.
	list := c.projects()
	if len(list) != 1 || list[0].Name != "Default project" {
		t.Fatalf("projects %+v, want only the default project", list)
	}
	if org := c.membership(uid); org != list[0].Organization {
		t.Errorf("user in organization %s, want the default one %s", org, list[0].Organization)
	}

	v := c.object(userKeys, "user", "create", "--email", "bob@example.com")
	if v["id"] == u["id"] || v["uuid"] == u["uuid"] || v["distinct_id"] == u["distinct_id"] {
		t.Errorf("two users share an identifier: %v and %v", u, v)
	}
}

func TestUserCreateTargetsOrganization(t *testing.T) {
	c := newCLI(t)
	first := str(t, c.object(orgKeys, "organization", "create", "--name", "First"), "id")
	second := str(t, c.object(orgKeys, "organization", "create", "--name", "Second"), "id")

	a := c.object(userKeys, "user", "create", "--email", "a@example.com")
	b := c.object(userKeys, "user", "create", "--email", "b@example.com", "--organization", second)
	if got := c.membership(id(t, a, "id")); got != first {
		t.Errorf("no --organization: user in %s, want the first organization %s", got, first)
	}
	if got := c.membership(id(t, b, "id")); got != second {
		t.Errorf("--organization %s: user in %s", second, got)
	}
}

func TestAPIKeyCreateDefaults(t *testing.T) {
	c := newCLI(t)
	first := c.object(userKeys, "user", "create", "--email", "first@example.com")
	second := c.object(userKeys, "user", "create", "--email", "second@example.com")

	k := c.object(apikeyKeys, "apikey", "create")
	key := str(t, k, "key")
	if !personalKeyRE.MatchString(key) || len(key) < 44 {
		t.Errorf("key %q: want phx_ and at least 40 URL-safe characters", key)
	}
	if str(t, k, "label") != "" {
		t.Errorf("label %v, want empty", k["label"])
	}
	if s, _ := json.Marshal(k["scopes"]); string(s) != `["*"]` {
		t.Errorf("scopes %s, want [\"*\"]", s)
	}
	kid := id(t, k, "id")

	k2 := c.object(apikeyKeys, "apikey", "create", "--user", "second@example.com", "--label", "CI")
	if k2["key"] == key || k2["id"] == k["id"] {
		t.Errorf("two keys share a value: %v and %v", k, k2)
	}
	if str(t, k2, "label") != "CI" {
		t.Errorf("label %v, want CI", k2["label"])
	}

	rows, _ := c.keys()
	if len(rows) != 2 {
		t.Fatalf("apikey list %+v, want two keys", rows)
	}
	if rows[0].ID != kid || rows[0].UserID != id(t, first, "id") {
		t.Errorf("no --user: key %+v, want owned by the first user %v", rows[0], first["id"])
	}
	if rows[1].ID != id(t, k2, "id") || rows[1].UserID != id(t, second, "id") || rows[1].Label != "CI" {
		t.Errorf("--user second: key %+v, want owned by %v labelled CI", rows[1], second["id"])
	}
	if !slices.Equal(rows[0].Scopes, []string{"*"}) || len(rows[0].Projects) != 0 || rows[0].Projects == nil {
		t.Errorf("default key %+v: want scopes [*] and projects [] (not null)", rows[0])
	}
	if rows[0].LastUsedAt != nil {
		t.Errorf("new key has last_used_at %q", *rows[0].LastUsedAt)
	}
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`).MatchString(rows[0].CreatedAt) {
		t.Errorf("created_at %q is not an ISO 8601 UTC time", rows[0].CreatedAt)
	}
}

func TestAPIKeyCreateWithScopesAndProjects(t *testing.T) {
	c := newCLI(t)
	c.ok("user", "create", "--email", "ops@example.com")
	p2 := id(t, c.object(projectKeys, "project", "create", "--name", "Second"), "id")
	p1 := c.projects()[0].ID

	k := c.object(apikeyKeys, "apikey", "create", "--user", "ops@example.com",
		"--scopes", "session_recording_playlist:read,session_recording:read",
		"--projects", fmt.Sprintf("%d, %d", p2, p1), "--label", "read only")
	want := []string{"session_recording_playlist:read", "session_recording:read"}
	var scopes []string
	for _, s := range k["scopes"].([]any) {
		scopes = append(scopes, s.(string))
	}
	if !slices.Equal(scopes, want) {
		t.Errorf("scopes %v, want %v", scopes, want)
	}
	rows, _ := c.keys()
	if len(rows) != 1 {
		t.Fatalf("apikey list %+v, want one key", rows)
	}
	if !slices.Equal(rows[0].Scopes, want) || !slices.Equal(rows[0].Projects, []int64{p2, p1}) || rows[0].Label != "read only" {
		t.Errorf("listed key %+v, want scopes %v, projects [%d %d], label \"read only\"", rows[0], want, p2, p1)
	}
}

func TestAPIKeyStoredOnlyAsHash(t *testing.T) {
	c := newCLI(t)
	c.ok("user", "create", "--email", "sec@example.com")
	k := c.object(apikeyKeys, "apikey", "create", "--label", "hash check")
	key := str(t, k, "key")
	secret := key[len("phx_"):]

	rows, err := c.db().Query(`SELECT * FROM personal_api_keys WHERE id = ?`, id(t, k, "id"))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		t.Fatal("the key's row is missing")
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	var secure string
	for i, col := range cols {
		v := fmt.Sprint(vals[i])
		if b, ok := vals[i].([]byte); ok {
			v = string(b)
		}
		if strings.Contains(v, secret) || strings.Contains(v, secret[:20]) || strings.Contains(v, secret[len(secret)-20:]) {
			t.Errorf("column %s holds the key (or a long part of it): %q", col, v)
		}
		if col == "secure_value" {
			secure = v
		}
	}
	if secure == "" || secure == key {
		t.Fatalf("secure_value %q: want a hash of the key", secure)
	}
	if secure != auth.HashKey(key) {
		t.Errorf("secure_value %q is not the hash the server checks keys against", secure)
	}
}

func TestAPIKeyListShowsMaskNotKey(t *testing.T) {
	c := newCLI(t)
	c.ok("user", "create", "--email", "m@example.com")
	k1 := str(t, c.object(apikeyKeys, "apikey", "create"), "key")
	k2 := str(t, c.object(apikeyKeys, "apikey", "create"), "key")
	rows, raw := c.keys()
	if len(rows) != 2 {
		t.Fatalf("apikey list %+v, want two keys", rows)
	}
	for i, key := range []string{k1, k2} {
		if strings.Contains(raw, key) || strings.Contains(raw, key[4:24]) {
			t.Errorf("apikey list shows key %d: %s", i, raw)
		}
		m := rows[i].MaskValue
		if !strings.HasPrefix(m, "phx_") || !strings.HasSuffix(m, key[len(key)-4:]) || len(m) >= 20 {
			t.Errorf("mask %q does not identify key %d (…%s) without revealing it", m, i, key[len(key)-4:])
		}
	}
}

func TestAPIKeyRevoke(t *testing.T) {
	c := newCLI(t)
	c.ok("user", "create", "--email", "r@example.com")
	gone := c.object(apikeyKeys, "apikey", "create", "--label", "gone")
	kept := c.object(apikeyKeys, "apikey", "create", "--label", "kept")
	goneID := id(t, gone, "id")

	out := c.object([]string{"id", "revoked"}, "apikey", "revoke", strconv.FormatInt(goneID, 10))
	if id(t, out, "id") != goneID || out["revoked"] != true {
		t.Errorf("revoke printed %v", out)
	}
	rows, _ := c.keys()
	if len(rows) != 1 || rows[0].ID != id(t, kept, "id") {
		t.Errorf("after revoking %d, apikey list %+v, want only key %v", goneID, rows, kept["id"])
	}
	var n int
	if err := c.db().QueryRow(`SELECT COUNT(*) FROM personal_api_keys WHERE id = ?`, goneID).Scan(&n); err != nil || n != 0 {
		t.Errorf("revoked key still stored (count %d, err %v)", n, err)
	}

	again := c.run("apikey", "revoke", strconv.FormatInt(goneID, 10))
	if again.code == 0 || again.stdout != "" || strings.Count(again.stderr, "\n") != 1 || !strings.Contains(again.stderr, strconv.FormatInt(goneID, 10)) {
		t.Errorf("revoking again: exit %d, stdout %q, stderr %q; want a failure naming the key", again.code, again.stdout, again.stderr)
	}
}

func TestCLIErrors(t *testing.T) {
	c := newCLI(t)
	org := str(t, c.object(orgKeys, "organization", "create", "--name", "Acme"), "id")
	c.ok("user", "create", "--email", "taken@example.com")
	baseProjects := len(c.projects())

	cases := []struct {
		name string
		args []string
		// want is a piece of the error line that tells the user what is wrong.
		want string
	}{
		{"no args", nil, "missing command"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown subcommand", []string{"project", "delete"}, `unknown subcommand "delete"`},
		{"missing subcommand", []string{"apikey"}, "missing subcommand"},
		{"unknown flag", []string{"project", "create", "--name", "X", "--colour", "red"}, "colour"},
		{"flag without value", []string{"project", "create", "--name"}, "name"},
		{"stray argument", []string{"project", "list", "extra"}, "argument"},
		{"organization without name", []string{"organization", "create"}, "--name is required"},
		{"organization blank name", []string{"organization", "create", "--name", "   "}, "--name is required"},
		{"organization name too long", []string{"organization", "create", "--name", strings.Repeat("x", 65)}, "organization name"},
		{"project without name", []string{"project", "create", "--organization", org}, "--name is required"},
		{"user without email", []string{"user", "create", "--first-name", "X"}, "--email is required"},
		{"bad email", []string{"user", "create", "--email", "not-an-email"}, "not an email address"},
		{"email with display name", []string{"user", "create", "--email", "Bob <bob@example.com>"}, "not an email address"},
		{"duplicate email", []string{"user", "create", "--email", "taken@example.com"}, "exists already"},
		{"project in unknown organization", []string{"project", "create", "--name", "X", "--organization", "nope"}, "no organization nope"},
		{"user in unknown organization", []string{"user", "create", "--email", "new@example.com", "--organization", "nope"}, "no organization nope"},
		{"key for unknown user", []string{"apikey", "create", "--user", "ghost@example.com"}, "ghost@example.com"},
		{"unknown scope", []string{"apikey", "create", "--scopes", "session_recording:read,everything"}, `"everything"`},
		{"empty scopes", []string{"apikey", "create", "--scopes", " , "}, "scope"},
		{"projects not a number", []string{"apikey", "create", "--projects", "1,abc"}, `"abc"`},
		{"projects zero", []string{"apikey", "create", "--projects", "0"}, `"0"`},
		{"unknown project", []string{"apikey", "create", "--projects", "999"}, "999"},
		{"revoke without id", []string{"apikey", "revoke"}, "argument"},
		{"revoke non-number", []string{"apikey", "revoke", "abc"}, `"abc"`},
		{"revoke unknown", []string{"apikey", "revoke", "12345"}, "12345"},
		{"migrate with argument", []string{"migrate", "now"}, "no arguments"},
		{"serve with argument", []string{"serve", "--port", "1"}, "no arguments"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.run(tc.args...)
			if r.code == 0 {
				t.Errorf("exit 0, want non-zero")
			}
			if r.code != 2 {
				t.Errorf("exit %d, want 2 (bad arguments)", r.code)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			if !strings.HasSuffix(r.stderr, "\n") || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("stderr %q, want exactly one line", r.stderr)
			}
			if !strings.HasPrefix(r.stderr, "tapedeck") || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr %q, want a tapedeck error mentioning %q", r.stderr, tc.want)
			}
		})
	}

	// None of the failures changed the store.
	if n := len(c.projects()); n != baseProjects {
		t.Errorf("projects went from %d to %d", baseProjects, n)
	}
	if rows, _ := c.keys(); len(rows) != 0 {
		t.Errorf("failed commands left keys %+v", rows)
	}
	var users int
	if err := c.db().QueryRow(`SELECT COUNT(*) FROM users`).Scan(&users); err != nil || users != 1 {
		t.Errorf("users %d (err %v), want only the first one", users, err)
	}
}

func TestAPIKeyCreateWithoutUsers(t *testing.T) {
	c := newCLI(t)
	r := c.run("apikey", "create")
	if r.code == 0 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "user create") {
		t.Errorf("exit %d, stdout %q, stderr %q; want one line telling to create a user", r.code, r.stdout, r.stderr)
	}
}

func TestBadConfiguration(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{"TAPEDECK_LOG_LEVEL": "loud"}, []string{"TAPEDECK_LOG_LEVEL"}},
		{map[string]string{"TAPEDECK_LOG_FORMAT": "xml"}, []string{"TAPEDECK_LOG_FORMAT"}},
		{map[string]string{"TAPEDECK_ADDR": "8000"}, []string{"TAPEDECK_ADDR"}},
		{map[string]string{"TAPEDECK_MAX_API_BODY_BYTES": "lots"}, []string{"TAPEDECK_MAX_API_BODY_BYTES"}},
		{map[string]string{"TAPEDECK_SHUTDOWN_TIMEOUT": "-1s"}, []string{"TAPEDECK_SHUTDOWN_TIMEOUT"}},
		{map[string]string{"TAPEDECK_DATABASE_URL": "mysql://u:secret@db/x"}, []string{"TAPEDECK_DATABASE_URL"}},
		{map[string]string{"TAPEDECK_DATABASE_URL": "postgres://u:secret@db"}, []string{"TAPEDECK_DATABASE_URL"}},
		// Several bad variables still make one line, naming each.
		{map[string]string{"TAPEDECK_LOG_LEVEL": "loud", "TAPEDECK_RATE_LIMIT_PER_MINUTE": "-5"},
			[]string{"TAPEDECK_LOG_LEVEL", "TAPEDECK_RATE_LIMIT_PER_MINUTE"}},
	}
	for _, tc := range cases {
		for _, args := range [][]string{{"project", "list"}, {"serve"}} {
			c := newCLI(t)
			for k, v := range tc.env {
				c.env[k] = v
			}
			r := c.run(args...)
			if r.code == 0 || r.stdout != "" {
				t.Errorf("%v %v: exit %d, stdout %q; want a failure", tc.env, args, r.code, r.stdout)
			}
			if !strings.HasSuffix(r.stderr, "\n") || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("%v %v: stderr %q, want exactly one line", tc.env, args, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("%v %v: stderr %q does not name %s", tc.env, args, r.stderr, w)
				}
			}
			if strings.Contains(r.stderr, "secret") {
				t.Errorf("%v: stderr %q leaks a password", tc.env, r.stderr)
			}
			if entries, err := os.ReadDir(c.dir); err != nil || len(entries) != 0 {
				t.Errorf("%v %v: bad configuration still touched the data directory (%v, %v)", tc.env, args, entries, err)
			}
		}
	}
}

func TestDatabaseURLSelectsSQLiteFile(t *testing.T) {
	c := newCLI(t)
	path := filepath.Join(t.TempDir(), "elsewhere", "meta.db")
	c.env["TAPEDECK_DATABASE_URL"] = "sqlite:" + path
	c.ok("organization", "create", "--name", "Elsewhere")
	if _, err := os.Stat(path); err != nil {
		t.Errorf("TAPEDECK_DATABASE_URL file not created: %v", err)
	}
	if _, err := os.Stat(filepath.Join(c.dir, "tapedeck.db")); !os.IsNotExist(err) {
		t.Errorf("the data directory's default database was used too (stat: %v)", err)
	}
}

// TestConcurrentUserCreate runs many `user create` commands at once, each
// with its own connections to the same SQLite file, as separate processes
// would.
func TestConcurrentUserCreate(t *testing.T) {
	c := newCLI(t)
	// The store exists (and has its default organization) before the
	// burst; see the report for what happens on a brand-new store.
	firstUser := c.object(userKeys, "user", "create", "--email", "first@example.com")
	org := c.membership(id(t, firstUser, "id"))

	const n = 12
	type created struct {
		r    result
		user map[string]any
	}
	results := make([]created, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			var stdout, stderr bytes.Buffer
			args := []string{"user", "create", "--email", fmt.Sprintf("user%02d@example.com", i)}
			code := run(context.Background(), args, nil, &stdout, &stderr, c.getenv)
			results[i].r = result{code, stdout.String(), stderr.String()}
		}()
	}
	close(start)
	wg.Wait()

	ids := map[int64]int{id(t, firstUser, "id"): -1}
	for i, res := range results {
		if res.r.code != 0 {
			t.Errorf("user %d: exit %d, stderr %q", i, res.r.code, res.r.stderr)
			continue
		}
		var u map[string]any
		decodeLine(t, res.r.stdout, &u)
		uid := id(t, u, "id")
		if j, dup := ids[uid]; dup {
			t.Errorf("users %d and %d share id %d", i, j, uid)
		}
		ids[uid] = i
		if got := str(t, u, "email"); got != fmt.Sprintf("user%02d@example.com", i) {
			t.Errorf("user %d: email %q", i, got)
		}
		if got := c.membership(uid); got != org {
			t.Errorf("user %d joined organization %s, want %s", i, got, org)
		}
	}
	var count int
	if err := c.db().QueryRow(`SELECT COUNT(*) FROM users`).Scan(&count); err != nil || count != n+1 {
		t.Errorf("users stored %d (err %v), want %d", count, err, n+1)
	}
	if p := c.projects(); len(p) != 1 {
		t.Errorf("projects %+v, want only the default one", p)
	}
}

// TestConcurrentFirstCommands starts several commands at once on a store
// that does not exist yet: they take turns creating it, and exactly one
// default organization and project come out.
func TestConcurrentFirstCommands(t *testing.T) {
	for round := range 3 {
		c := newCLI(t)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var stdout, stderr bytes.Buffer
				args := []string{"user", "create", "--email", fmt.Sprintf("u%d@example.com", i)}
				if code := run(context.Background(), args, nil, &stdout, &stderr, c.getenv); code != 0 {
					t.Errorf("round %d user %d: exit %d: %s", round, i, code, stderr.String())
				}
			}()
		}
		wg.Wait()
		var projects []map[string]any
		if err := json.Unmarshal([]byte(c.run("project", "list").stdout), &projects); err != nil {
			t.Fatal(err)
		}
		if len(projects) != 1 {
			t.Errorf("round %d: %d projects, want the one default project", round, len(projects))
		}
	}
}

func TestProjectSetRetention(t *testing.T) {
	c := newCLI(t)
	c.run("migrate")
	project := c.object([]string{"id", "name", "organization", "api_token"}, "project", "create", "--name", "Kept")
	pid := fmt.Sprint(id(t, project, "id"))
	got := c.object([]string{"id", "retention_period_days"}, "project", "set-retention", "--project", pid, "--days", "90")
	if fmt.Sprint(got["retention_period_days"]) != "90" {
		t.Errorf("set-retention printed %v", got)
	}
	var projects []map[string]any
	json.Unmarshal([]byte(c.run("project", "list").stdout), &projects)
	days := map[string]string{}
	for _, p := range projects {
		days[fmt.Sprint(p["name"])] = fmt.Sprint(p["retention_period_days"])
	}
	if days["Kept"] != "90" || days["Default project"] != "30" {
		t.Errorf("project list after set-retention: %v", projects)
	}
	for _, args := range [][]string{
		{"project", "set-retention", "--project", pid, "--days", "0"},
		{"project", "set-retention", "--project", pid, "--days", "many"},
		{"project", "set-retention", "--days", "30"},
		{"project", "set-retention", "--project", "999", "--days", "30"},
	} {
		r := c.run(args...)
		if r.code == 0 || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
}
