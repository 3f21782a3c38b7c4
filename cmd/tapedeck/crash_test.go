package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// crashServer is a tapedeck serve process of the binary under test.
type crashServer struct {
	cmd  *exec.Cmd
	addr string
	log  *bytes.Buffer
}

func startCrashServer(t *testing.T, bin, dataDir string) *crashServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &crashServer{addr: addr, log: &bytes.Buffer{}}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = append(os.Environ(), "TAPEDECK_DATA_DIR="+dataDir, "TAPEDECK_ADDR="+addr)
	s.cmd.Stderr = s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/_health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.cmd.Process.Kill()
	t.Fatalf("server did not become healthy: %s", s.log)
	return nil
}

func runCrashCLI(t *testing.T, bin, dataDir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "TAPEDECK_DATA_DIR="+dataDir)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tapedeck %v: %v", args, err)
	}
	return out
}

// TestAcknowledgedCaptureSurvivesKill9 sends recordings from several
// clients, kills the server with SIGKILL while they send, restarts it, and
// checks that every batch that was answered 200 is there in full.
func TestAcknowledgedCaptureSurvivesKill9(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "tapedeck")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	runCrashCLI(t, bin, data, "user", "create", "--email", "crash@example.com")
	var key struct{ Key string }
	json.Unmarshal(runCrashCLI(t, bin, data, "apikey", "create", "--user", "crash@example.com"), &key)
	var projects []struct {
		ID       int64  `json:"id"`
		APIToken string `json:"api_token"`
	}
	json.Unmarshal(runCrashCLI(t, bin, data, "project", "list"), &projects)
	if len(projects) == 0 || key.Key == "" {
		t.Fatal("no project or key")
	}
	token := projects[0].APIToken

	srv := startCrashServer(t, bin, data)
	const clients = 4
	const eventsPerBatch = 3
	var mu sync.Mutex
	var acked []string
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			for n := 0; ctx.Err() == nil; n++ {
				session := fmt.Sprintf("crash-%d-%d", c, n)
				now := time.Now().UnixMilli()
				var events []string
				for i := range eventsPerBatch {
					events = append(events, fmt.Sprintf(`{"type": 3, "timestamp": %d, "data": {"source": 2, "type": 2, "id": %d}}`, now+int64(i), i))
				}
				body := fmt.Sprintf(`[{"event": "$snapshot", "uuid": "%s", "properties": {"token": %q, "distinct_id": "crash-user",
					"$session_id": %q, "$window_id": "w", "$snapshot_data": [%s]}}]`,
					fmt.Sprintf("01a21600-0000-7000-8000-%04d%08d", c, n), token, session, strings.Join(events, ","))
				resp, err := client.Post("http://"+srv.addr+"/s/", "application/json", strings.NewReader(body))
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					mu.Lock()
					acked = append(acked, session)
					mu.Unlock()
				}
			}
		}()
	}
	// Kill once enough batches were acknowledged, while the clients go on.
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 100 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.cmd.Wait()
	stop()
	wg.Wait()
	mu.Lock()
	sessions := append([]string(nil), acked...)
	mu.Unlock()
	if len(sessions) < 20 {
		t.Fatalf("only %d batches were acknowledged before the kill", len(sessions))
	}

	srv = startCrashServer(t, bin, data)
	defer func() {
		srv.cmd.Process.Signal(syscall.SIGTERM)
		srv.cmd.Wait()
	}()
	missing := 0
	for _, session := range sessions {
		url := fmt.Sprintf("http://%s/api/environments/%d/session_recordings/%s/snapshots?source=blob_v2&start_blob_key=0&end_blob_key=0",
			srv.addr, projects[0].ID, session)
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+key.Key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || bytes.Count(body, []byte("\n")) != eventsPerBatch {
			missing++
			if missing <= 5 {
				t.Errorf("acknowledged batch %s: %d, %d lines: %.200s", session, resp.StatusCode, bytes.Count(body, []byte("\n")), body)
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged batches lost after kill -9", missing, len(sessions))
	}
	t.Logf("%d acknowledged batches all present after kill -9", len(sessions))
}
