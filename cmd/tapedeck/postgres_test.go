package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/pgtest"
	"github.com/tapedeck/tapedeck/internal/store"
)

// newPostgresCLI is a CLI whose store is a fresh PostgreSQL database.
func newPostgresCLI(t *testing.T) *cli {
	t.Helper()
	c := newCLI(t)
	c.env["TAPEDECK_DATABASE_URL"] = pgtest.NewDatabase(t)
	return c
}

// Every command works on PostgreSQL, and none of them touches the data
// directory's SQLite file.
func TestPostgresCLI(t *testing.T) {
	c := newPostgresCLI(t)
	if v, want := id(t, c.object([]string{"schema_version"}, "migrate"), "schema_version"), store.LatestSchemaVersion(); v != want {
		t.Errorf("schema version %d, want %d", v, want)
	}
	org := str(t, c.object(orgKeys, "organization", "create", "--name", "Acme"), "id")
	project := c.object(projectKeys, "project", "create", "--name", "Web", "--organization", org)
	pid := fmt.Sprint(id(t, project, "id"))
	c.object([]string{"id", "retention_period_days"}, "project", "set-retention", "--project", pid, "--days", "90")
	list := c.projects()
	if len(list) != 1 || list[0].Name != "Web" || list[0].Organization != org {
		t.Fatalf("projects %+v, want Web in %s", list, org)
	}
	c.object(userKeys, "user", "create", "--email", "ada@example.com", "--organization", org)
	if r := c.runWithInput("a long enough password\n", "user", "set-password", "--email", "ada@example.com"); r.code != 0 {
		t.Errorf("set-password: exit %d, stderr %q", r.code, r.stderr)
	}
	key := c.object([]string{"id", "key", "label", "scopes"},
		"apikey", "create", "--user", "ada@example.com", "--projects", pid, "--label", "pg")
	rows, _ := c.keys()
	if len(rows) != 1 || rows[0].ID != id(t, key, "id") {
		t.Errorf("apikey list %+v, want the key just made", rows)
	}
	c.ok("apikey", "revoke", fmt.Sprint(id(t, key, "id")))
	if rows, _ := c.keys(); len(rows) != 0 {
		t.Errorf("apikey list after revoke: %+v", rows)
	}
	if r := c.run("user", "create", "--email", "ada@example.com"); r.code == 0 {
		t.Errorf("a second user with the same email: exit 0, stdout %q", r.stdout)
	}
	if entries, err := os.ReadDir(c.dir); err != nil || len(entries) != 0 {
		t.Errorf("the data directory holds %v (%v); on PostgreSQL it should stay empty", entries, err)
	}
}

// A bad PostgreSQL URL fails on one line that does not show the password.
func TestPostgresUnreachable(t *testing.T) {
	c := newCLI(t)
	c.env["TAPEDECK_DATABASE_URL"] = "postgres://tapedeck:hunter2secret@127.0.0.1:1/tapedeck?connect_timeout=2"
	r := c.run("project", "list")
	if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "open store") {
		t.Errorf("exit %d, stderr %q; want one line saying the store could not be opened", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "hunter2secret") {
		t.Errorf("stderr shows the password: %q", r.stderr)
	}
}

// Commands started together on a brand-new PostgreSQL database take turns
// at migrating it and create one default organization between them.
func TestPostgresConcurrentFirstCommands(t *testing.T) {
	c := newPostgresCLI(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var stdout, stderr bytes.Buffer
			args := []string{"user", "create", "--email", fmt.Sprintf("u%d@example.com", i)}
			if code := run(context.Background(), args, nil, &stdout, &stderr, c.getenv); code != 0 {
				t.Errorf("user %d: exit %d: %s", i, code, stderr.String())
			}
		}()
	}
	wg.Wait()
	if projects := c.projects(); len(projects) != 1 {
		t.Errorf("%d projects, want the one default project: %+v", len(projects), projects)
	}
}

// Two servers started at once on one PostgreSQL database (as two nodes
// behind a load balancer) both serve it: one creates the defaults, and a
// key made with the CLI works on either.
func TestPostgresTwoServers(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	var servers [2]*serverProc
	var wg sync.WaitGroup
	for i := range servers {
		s := &serverProc{t: t, addr: freeAddr(t), stderr: &syncBuffer{}, done: make(chan struct{})}
		s.cmd = exec.Command(binary(t), "serve")
		s.cmd.Env = childEnv(t.TempDir(), "TAPEDECK_ADDR="+s.addr, "TAPEDECK_DATABASE_URL="+dbURL)
		s.cmd.Stdout, s.cmd.Stderr = s.stderr, s.stderr
		servers[i] = s
	}
	for _, s := range servers {
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
	}
	for _, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := waitHealthy(s.addr, s.done, 30*time.Second); err != nil {
				t.Errorf("%v; server output:\n%s", err, s.stderr.String())
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	created := 0
	for _, s := range servers {
		created += strings.Count(s.stderr.String(), defaultsCreated)
		if strings.Contains(s.stderr.String(), "level=ERROR") {
			t.Errorf("server logged an error:\n%s", s.stderr.String())
		}
	}
	if created != 1 {
		t.Errorf("%d servers created the defaults, want 1", created)
	}

	c := newCLI(t)
	c.env["TAPEDECK_DATABASE_URL"] = dbURL
	c.object(userKeys, "user", "create", "--email", "ops@example.com")
	var key map[string]any
	if err := json.Unmarshal([]byte(c.ok("apikey", "create", "--user", "ops@example.com")), &key); err != nil {
		t.Fatal(err)
	}
	for _, s := range servers {
		if code, body := s.get("/api/projects/", str(t, key, "key")); code != http.StatusOK || body["count"] != json.Number("1") {
			t.Errorf("GET /api/projects/ on %s: %d %v", s.addr, code, body)
		}
	}
	for _, s := range servers {
		s.stop()
	}
}
