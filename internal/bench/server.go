package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Store is a fresh embedded store with the credentials a scenario needs:
// the default project's token for capture and a personal API key with
// every scope for the API.
type Store struct {
	// Dir is the data directory (TAPEDECK_DATA_DIR).
	Dir       string
	ProjectID int64
	Token     string
	APIKey    string
	binary    string
}

// NewStore creates a fresh store in a new directory under o.Dir by running
// the tapedeck administration commands.
func NewStore(ctx context.Context, o Options) (*Store, error) {
	dir, err := os.MkdirTemp(o.Dir, "tapedeck-bench-")
	if err != nil {
		return nil, err
	}
	s := &Store{Dir: dir, binary: o.Binary}
	if err := s.init(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// init gives a new store a project and a user with an API key.
func (s *Store) init(ctx context.Context) error {
	var projects []struct {
		ID       int64  `json:"id"`
		APIToken string `json:"api_token"`
	}
	if err := s.Admin(ctx, &projects, "project", "list"); err != nil {
		return err
	}
	if len(projects) == 0 {
		// A store gets its default project when the server first starts;
		// creating a project makes the defaults too.
		var p struct {
			ID       int64  `json:"id"`
			APIToken string `json:"api_token"`
		}
		if err := s.Admin(ctx, &p, "project", "create", "--name", "Bench"); err != nil {
			return err
		}
		projects = append(projects, p)
	}
	s.ProjectID, s.Token = projects[0].ID, projects[0].APIToken
	if err := s.Admin(ctx, nil, "user", "create", "--email", "bench@example.com"); err != nil {
		return err
	}
	var key struct {
		Key string `json:"key"`
	}
	if err := s.Admin(ctx, &key, "apikey", "create", "--user", "bench@example.com", "--label", "bench"); err != nil {
		return err
	}
	s.APIKey = key.Key
	return nil
}

// SQLitePath is the store's SQLite file.
func (s *Store) SQLitePath() string { return filepath.Join(s.Dir, "tapedeck.db") }

// BlobDir is the store's blob directory.
func (s *Store) BlobDir() string { return filepath.Join(s.Dir, "blobs") }

// startFresh creates a fresh store and starts a server on it with env
// (see Start); stop stops the server and removes the store.
func startFresh(ctx context.Context, o Options, env ...string) (st *Store, srv *Server, stop func(), err error) {
	if st, err = NewStore(ctx, o); err != nil {
		return nil, nil, nil, err
	}
	if srv, err = st.Start(ctx, env...); err != nil {
		st.Remove()
		return nil, nil, nil, err
	}
	return st, srv, func() { srv.Stop(); st.Remove() }, nil
}

// Remove deletes the store's directory.
func (s *Store) Remove() error { return os.RemoveAll(s.Dir) }

// Admin runs an administration command (like "project create --name x")
// on the store and decodes its JSON output into out when out is not nil.
func (s *Store) Admin(ctx context.Context, out any, args ...string) error {
	cmd := exec.CommandContext(ctx, s.binary, args...)
	cmd.Env = s.env("", nil)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("tapedeck %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(stdout.Bytes(), out)
}

// env is the environment of a tapedeck command on the store: this process's
// environment, the store's settings, then extra (later entries win).
func (s *Store) env(addr string, extra []string) []string {
	env := append(os.Environ(),
		"TAPEDECK_DATA_DIR="+s.Dir,
		"TAPEDECK_DATABASE_URL=",
		"TAPEDECK_BLOB_URL=",
		"TAPEDECK_LOG_LEVEL=warn",
		"TAPEDECK_RATE_LIMIT_PER_MINUTE=0",
		"TAPEDECK_RATE_LIMIT_PER_HOUR=0")
	if addr != "" {
		env = append(env, "TAPEDECK_ADDR="+addr)
	}
	return append(env, extra...)
}

// Server is a running `tapedeck serve` process.
type Server struct {
	// URL is the server's base URL, without a trailing slash.
	URL   string
	cmd   *exec.Cmd
	store *Store
	// Client is an HTTP client with enough idle connections for the
	// scenario's clients.
	Client *http.Client
}

// Start runs `tapedeck serve` on the store and waits until it answers.
// env holds extra NAME=value settings for the server (such as
// TAPEDECK_JOBS_INTERVAL=1s); they override the store's defaults.
func (s *Store) Start(ctx context.Context, env ...string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	logFile, err := os.Create(filepath.Join(s.Dir, "server.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(s.binary, "serve")
	cmd.Env = s.env(addr, env)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	logFile.Close()
	srv := &Server{URL: "http://" + addr, cmd: cmd, store: s, Client: &http.Client{
		Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true},
		Timeout:   60 * time.Second,
	}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := srv.Client.Get(srv.URL + "/_health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return srv, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			srv.Stop()
			log, _ := os.ReadFile(filepath.Join(s.Dir, "server.log"))
			return nil, fmt.Errorf("server did not start: %v\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the server with SIGTERM and waits for it.
func (srv *Server) Stop() error {
	srv.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- srv.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		srv.cmd.Process.Kill()
		return <-done
	}
}

// Pid is the server's process id.
func (srv *Server) Pid() int { return srv.cmd.Process.Pid }

// CPU returns the CPU time (user + system) the server has used so far.
func (srv *Server) CPU() (time.Duration, error) { return processCPU(srv.Pid()) }

// PeakRSS returns the server's peak resident set size so far, in bytes.
func (srv *Server) PeakRSS() (int64, error) { return processPeakRSS(srv.Pid()) }

// addPeakRSS adds the server's peak resident set size so far to r.
func (srv *Server) addPeakRSS(r *Report) error {
	rss, err := srv.PeakRSS()
	if err == nil {
		r.Add("server peak RSS", float64(rss)/1e6, "MB")
	}
	return err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
