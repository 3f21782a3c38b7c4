// Package s3test runs a real S3 server for tests: Versity's S3 gateway
// (versitygw) over a temporary directory, on a free loopback port. The
// binary is built once from its Go module (see Binary) and found through
// TAPEDECK_VERSITYGW or the user's cache; without it the tests that need it
// fail with the command that builds it.
package s3test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Version is the versitygw release the tests run.
const Version = "v1.8.0"

// Binary returns the path of the versitygw binary: $TAPEDECK_VERSITYGW, or
// versitygw under the cache directory where scripts/test-deps builds it.
func Binary() string {
	if p := os.Getenv("TAPEDECK_VERSITYGW"); p != "" {
		return p
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = filepath.Join(os.Getenv("HOME"), ".cache")
	}
	return filepath.Join(cache, "tapedeck", "versitygw-"+Version, "versitygw")
}

// BuildCommand is the command that builds the binary where Binary looks.
func BuildCommand() string {
	return fmt.Sprintf("GOBIN=%s go install github.com/versity/versitygw/cmd/versitygw@%s",
		filepath.Dir(Binary()), Version)
}

// Server is a running (or stopped) versitygw.
type Server struct {
	// Addr is HOST:PORT, on the loopback interface.
	Addr string
	// AccessKey and SecretKey are the root credentials it accepts.
	AccessKey, SecretKey string

	t       testing.TB
	bin     string
	dataDir string
	metaDir string

	mu   sync.Mutex
	cmd  *exec.Cmd
	out  *bytes.Buffer
	done chan struct{}
}

// Start runs a versitygw over a fresh temporary directory and stops it when
// the test ends. The test fails (never skips) when the binary is missing.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary()
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("the S3 tests need versitygw %s at %s (%v); build it with\n\t%s\nor set TAPEDECK_VERSITYGW to its path (scripts/test-deps builds it)",
			Version, bin, err, BuildCommand())
	}
	root := t.TempDir()
	s := &Server{AccessKey: "tapedeck-test", SecretKey: randomHex(20), t: t, bin: bin,
		dataDir: filepath.Join(root, "data"), metaDir: filepath.Join(root, "meta")}
	for _, d := range []string{s.dataDir, s.metaDir} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	s.Addr = freeAddr(t)
	t.Cleanup(s.Stop)
	s.Restart()
	return s
}

// Endpoint is the server's URL, http://HOST:PORT.
func (s *Server) Endpoint() string { return "http://" + s.Addr }

// BlobURL is a TAPEDECK_BLOB_URL for bucket on this server.
func (s *Server) BlobURL(bucket string) string {
	return "s3://" + bucket + "?endpoint=" + s.Endpoint()
}

// BucketDir is the directory where the server keeps the objects of
// bucket, one file per object (the gateway's posix backend), for tests
// that look at or take away what is stored.
func (s *Server) BucketDir(bucket string) string { return filepath.Join(s.dataDir, bucket) }

// Env is a getenv holding the server's credentials in the standard AWS
// variables; other names come from next, when not nil.
func (s *Server) Env(next func(string) string) func(string) string {
	return func(name string) string {
		switch name {
		case "AWS_ACCESS_KEY_ID":
			return s.AccessKey
		case "AWS_SECRET_ACCESS_KEY":
			return s.SecretKey
		}
		if next != nil {
			return next(name)
		}
		return ""
	}
}

// Restart starts the server on its address and directories (after Stop,
// or the first time) and waits until it answers HTTP.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		s.t.Fatal("s3test: Restart while running")
	}
	out := &bytes.Buffer{}
	cmd := exec.Command(s.bin, "--port", s.Addr, "--quiet", "--keep-alive",
		"posix", "--sidecar", s.metaDir, s.dataDir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.AccessKey, "ROOT_SECRET_KEY="+s.SecretKey)
	// One writer for both streams: exec then writes from one goroutine, and
	// out is read only once the process is gone.
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("s3test: start versitygw: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.cmd, s.out, s.done = cmd, out, done

	deadline := time.Now().Add(20 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-done:
			s.cmd = nil
			s.t.Fatalf("s3test: versitygw exited at start: %s\n%s", cmd.ProcessState, out)
		default:
		}
		resp, err := client.Get(s.Endpoint() + "/")
		if err == nil {
			resp.Body.Close()
			return // any answer, even 403, means it serves S3
		}
		if time.Now().After(deadline) {
			s.stopLocked()
			s.t.Fatalf("s3test: versitygw did not answer on %s within 20s: %v\n%s", s.Addr, err, out)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Stop ends the server, keeping its directories for Restart. Stopping a
// stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
}

func (s *Server) stopLocked() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// freeAddr picks a free loopback port.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
