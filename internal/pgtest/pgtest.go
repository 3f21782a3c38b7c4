// Package pgtest runs a throwaway PostgreSQL cluster for tests: Debian's
// server programs (initdb and postgres, from the postgresql package) over a
// temporary directory, listening on a free loopback port. One cluster
// serves a whole test binary; each test gets a database of its own.
//
// A package whose tests use it runs them through Run from TestMain, which
// stops the cluster at the end:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }
//
// Without PostgreSQL installed, the tests that need it fail with the
// command that installs it; they never skip.
package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver for database/sql
)

// InstallCommand installs PostgreSQL's server programs on Debian.
const InstallCommand = "apt-get install -y postgresql"

// BinDir returns the directory of PostgreSQL's server programs:
// $TAPEDECK_PG_BIN, or the newest /usr/lib/postgresql/VERSION/bin that
// holds initdb and postgres.
func BinDir() (string, error) {
	if dir := os.Getenv("TAPEDECK_PG_BIN"); dir != "" {
		return dir, hasServer(dir)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	// Newest first: 16 before 15 (not as strings, where "9" > "16").
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, dir := range dirs {
		if hasServer(dir) == nil {
			return dir, nil
		}
	}
	return "", errors.New("no /usr/lib/postgresql/*/bin holds initdb and postgres")
}

// version is the major version in a /usr/lib/postgresql/VERSION/bin path.
func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

func hasServer(dir string) error {
	for _, name := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

// cluster is a running PostgreSQL server and its data directory.
type cluster struct {
	root  string // temporary directory: data/, sockets, log
	port  int
	cmd   *exec.Cmd
	log   *bytes.Buffer
	done  chan struct{}
	admin *sql.DB // connected to the postgres database, for CREATE DATABASE
}

var shared struct {
	once    sync.Once
	mu      sync.Mutex
	c       *cluster
	err     error
	elapsed time.Duration
}

// Run runs the package's tests (m.Run) and then stops the cluster, if a
// test started it. It returns the exit code for os.Exit.
func Run(m *testing.M) int {
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.c != nil {
		shared.c.stop()
		shared.c = nil
	}
	return code
}

// StartTime is how long starting the shared cluster took (zero before it
// starts).
func StartTime() time.Duration {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	return shared.elapsed
}

// NewDatabase creates an empty database on the shared cluster, starting
// the cluster on first use, and returns its URL. The database is dropped
// when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	c := get(t)
	name := "t_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := c.admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return c.url(name)
}

// get returns the shared cluster, starting it if needed, or fails the test.
func get(t testing.TB) *cluster {
	t.Helper()
	shared.once.Do(func() {
		started := time.Now()
		c, err := start()
		shared.mu.Lock()
		shared.c, shared.err, shared.elapsed = c, err, time.Since(started)
		shared.mu.Unlock()
	})
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	if shared.c == nil {
		t.Fatal("pgtest: the cluster was stopped (NewDatabase after Run returned)")
	}
	return shared.c
}

// url is the URL of a database of the cluster.
func (c *cluster) url(database string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, database)
}

// start creates a cluster in a new temporary directory and starts it.
func start() (*cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, fmt.Errorf("the PostgreSQL tests need PostgreSQL's server programs (%v); install them with\n\t%s\n(scripts/test-deps does) or set TAPEDECK_PG_BIN to the directory that holds initdb and postgres",
			err, InstallCommand)
	}
	root, err := os.MkdirTemp(tempParent(), "tapedeck-pg-")
	if err != nil {
		return nil, err
	}
	// PostgreSQL refuses to run as root: as root, run it as the postgres
	// user, which must own the directory.
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(root)
			return nil, fmt.Errorf("pgtest: running as root, PostgreSQL must run as the postgres user, which does not exist (%v); install PostgreSQL with\n\t%s", err, InstallCommand)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(root, uid, gid); err != nil {
			os.RemoveAll(root)
			return nil, err
		}
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	c := &cluster{root: root}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(root, "data"), "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions")
	initdb.Dir = root
	initdb.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(root)
		return nil, fmt.Errorf("pgtest: initdb: %v\n%s", err, out)
	}
	// A port that looked free may be taken by the time the server binds
	// it: try a few.
	for attempt := 0; ; attempt++ {
		err = c.run(bin, cred)
		if err == nil {
			return c, nil
		}
		if attempt == 2 || !strings.Contains(c.log.String(), "could not bind") {
			os.RemoveAll(root)
			return nil, err
		}
	}
}

// run starts the server on a free port and waits until it accepts
// connections.
func (c *cluster) run(bin string, cred *syscall.Credential) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	c.port = port
	c.log = &bytes.Buffer{}
	// Durability is of no use to a throwaway cluster; speed is.
	c.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", filepath.Join(c.root, "data"),
		"-p", strconv.Itoa(port), "-h", "127.0.0.1", "-k", c.root,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=300", "-c", "shared_buffers=64MB", "-c", "log_min_messages=warning")
	c.cmd.Dir = c.root
	c.cmd.Stdout, c.cmd.Stderr = c.log, c.log
	// The server goes when the test binary goes, however it ends.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	if err := c.cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	c.done = make(chan struct{})
	go func() { c.cmd.Wait(); close(c.done) }()

	db, err := sql.Open("pgx", c.url("postgres"))
	if err != nil {
		c.kill()
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-c.done:
			db.Close()
			return fmt.Errorf("pgtest: postgres exited at start: %s\n%s", c.cmd.ProcessState, c.log)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			c.admin = db
			return nil
		}
		if time.Now().After(deadline) {
			db.Close()
			c.kill()
			return fmt.Errorf("pgtest: postgres did not accept connections on port %d within 30s: %v\n%s", port, err, c.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop shuts the server down and removes its directory.
func (c *cluster) stop() {
	if c.admin != nil {
		c.admin.Close()
	}
	c.kill()
	os.RemoveAll(c.root)
}

// kill shuts the server down: a fast shutdown, then a kill.
func (c *cluster) kill() {
	if c.cmd != nil && c.cmd.Process != nil {
		c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			c.cmd.Process.Kill()
			<-c.done
		}
	}
}

// tempParent is where the cluster's directory goes: the temporary
// directory, unless running as root with one that other users cannot
// reach (the server runs as the postgres user), then /tmp.
func tempParent() string {
	dir := os.TempDir()
	if os.Geteuid() != 0 {
		return dir
	}
	for d := dir; ; d = filepath.Dir(d) {
		info, err := os.Stat(d)
		if err != nil || info.Mode().Perm()&0o001 == 0 {
			return "/tmp"
		}
		if d == filepath.Dir(d) {
			return dir
		}
	}
}

// freePort picks a free loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
