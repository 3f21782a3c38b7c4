package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/pgtest"
	"github.com/tapedeck/tapedeck/internal/s3test"
	"github.com/tapedeck/tapedeck/internal/store"
)

// multiNode is one `tapedeck serve` process of a multi-node setup.
type multiNode struct {
	name string
	addr string
	log  *syncBuffer
	cmd  *exec.Cmd
	done chan struct{}
}

// call sends a request with a personal API key and returns the status and
// the raw body.
func (n *multiNode) call(t *testing.T, method, path, key, body string) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://"+n.addr+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		t.Errorf("%s %s on node %s: %v", method, path, n.name, err)
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// object is call for an answer that is one JSON object.
func (n *multiNode) object(t *testing.T, method, path, key, body string) (int, map[string]any) {
	t.Helper()
	code, raw := n.call(t, method, path, key, body)
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil && code != 0 {
		t.Errorf("%s %s on node %s: %d with a body that is not a JSON object: %.300s", method, path, n.name, code, raw)
	}
	return code, obj
}

// countLogged counts the log lines holding every one of parts.
func countLogged(log string, parts ...string) int {
	n := 0
	for line := range strings.Lines(log) {
		all := true
		for _, p := range parts {
			if !strings.Contains(line, p) {
				all = false
				break
			}
		}
		if all {
			n++
		}
	}
	return n
}

// snapshotBatch is a /s/ body of one $snapshot event holding clicks rrweb
// mouse clicks at ts (Unix milliseconds) and after.
func snapshotBatch(token, session, uuid string, ts int64, clicks int) string {
	var events []string
	for i := range clicks {
		events = append(events, fmt.Sprintf(`{"type": 3, "timestamp": %d, "data": {"source": 2, "type": 2, "id": %d, "x": 1, "y": 1}}`, ts+int64(i), i))
	}
	return fmt.Sprintf(`[{"event": "$snapshot", "uuid": %q, "properties": {"token": %q, "distinct_id": "multi-user",
		"$session_id": %q, "$window_id": "w", "$snapshot_data": [%s]}}]`, uuid, token, session, strings.Join(events, ","))
}

// TestMultiNode runs two servers on one PostgreSQL database and one S3
// bucket, as two nodes behind a load balancer, and checks that what one
// node writes the other reads, that concurrent writes through both are not
// lost, and that a background job runs on one node at a time.
func TestMultiNode(t *testing.T) {
	started := time.Now()
	dbURL := pgtest.NewDatabase(t)
	s3 := s3test.Start(t)
	blobURL := s3.BlobURL("tapedeck-multinode")
	bin := binary(t)

	nodes := []*multiNode{{name: "A"}, {name: "B"}}
	for _, n := range nodes {
		n.addr, n.log, n.done = freeAddr(t), &syncBuffer{}, make(chan struct{})
		n.cmd = exec.Command(bin, "serve")
		n.cmd.Env = childEnv(t.TempDir(), "TAPEDECK_ADDR="+n.addr, "TAPEDECK_DATABASE_URL="+dbURL,
			"TAPEDECK_BLOB_URL="+blobURL, "TAPEDECK_JOBS_INTERVAL=1s",
			"AWS_ACCESS_KEY_ID="+s3.AccessKey, "AWS_SECRET_ACCESS_KEY="+s3.SecretKey)
		n.cmd.Stdout, n.cmd.Stderr = n.log, n.log
		if err := n.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { n.cmd.Wait(); close(n.done) }()
		t.Cleanup(func() {
			select {
			case <-n.done:
			default:
				n.cmd.Process.Kill()
				<-n.done
			}
		})
	}
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Go(func() {
			if err := waitHealthy(n.addr, n.done, 30*time.Second); err != nil {
				t.Errorf("node %s: %v; output:\n%s", n.name, err, n.log.String())
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	a, b := nodes[0], nodes[1]

	c := newCLI(t)
	c.env["TAPEDECK_DATABASE_URL"] = dbURL
	c.object(userKeys, "user", "create", "--email", "multi@example.com")
	var keyOut map[string]any
	decodeLine(t, c.ok("apikey", "create", "--user", "multi@example.com"), &keyOut)
	key := str(t, keyOut, "key")
	projects := c.projects()
	if len(projects) != 1 {
		t.Fatalf("projects %+v, want the one default project", projects)
	}
	pid := projects[0].ID
	token := projects[0].APIToken
	api := fmt.Sprintf("/api/environments/%d", pid)

	capture := func(n *multiNode, body string) {
		t.Helper()
		if code, raw := n.call(t, "POST", "/s/", "", body); code != http.StatusOK {
			t.Errorf("capture on node %s: %d %.300s", n.name, code, raw)
		}
	}

	// (a) Captured through A, read through B: the recording and its data,
	// which B can only have from the shared database and bucket.
	now := time.Now().UnixMilli()
	capture(a, snapshotBatch(token, "multi-a", "01a21600-0000-7000-8000-00000000a001", now, 3))
	if code, rec := b.object(t, "GET", api+"/session_recordings/multi-a", key, ""); code != http.StatusOK || rec["click_count"] != json.Number("3") {
		t.Errorf("recording captured on A, read on B: %d %v", code, rec)
	}
	code, raw := b.call(t, "GET", api+"/session_recordings/multi-a/snapshots?source=blob_v2&start_blob_key=0&end_blob_key=0", key, "")
	if code != http.StatusOK || bytes.Count(raw, []byte("\n")) != 3 {
		t.Errorf("snapshots captured on A, read on B: %d, %d lines: %.300s", code, bytes.Count(raw, []byte("\n")), raw)
	}
	for line := range strings.Lines(string(raw)) {
		if !json.Valid([]byte(line)) {
			t.Errorf("snapshot line is not JSON: %q", line)
		}
	}

	// (b) Playlists created through both nodes at once: all created, each
	// with its own short id, and both nodes list all of them.
	const playlists = 20
	shortIDs := make([]string, playlists)
	for i := range playlists {
		n := nodes[i%2]
		wg.Go(func() {
			code, p := n.object(t, "POST", api+"/session_recording_playlists/", key, fmt.Sprintf(`{"name": "list %d"}`, i))
			if code != http.StatusCreated {
				t.Errorf("create playlist %d on node %s: %d %v", i, n.name, code, p)
				return
			}
			shortIDs[i], _ = p["short_id"].(string)
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, s := range shortIDs {
		if s == "" || seen[s] {
			t.Errorf("playlist %d has short id %q (all %v)", i, s, shortIDs)
		}
		seen[s] = true
	}
	for _, n := range nodes {
		if code, list := n.object(t, "GET", api+"/session_recording_playlists/?limit=100", key, ""); code != http.StatusOK || list["count"] != json.Number(fmt.Sprint(playlists)) {
			t.Errorf("list playlists on node %s: %d count %v, want %d", n.name, code, list["count"], playlists)
		}
	}
	// Renames of one playlist through both nodes at once all succeed and
	// leave both nodes showing the same name, one of those sent.
	target := shortIDs[0]
	names := map[string]bool{}
	const renames = 16
	for i := range renames {
		n := nodes[i%2]
		name := fmt.Sprintf("renamed %d", i)
		names[name] = true
		wg.Go(func() {
			if code, p := n.object(t, "PATCH", api+"/session_recording_playlists/"+target+"/", key, fmt.Sprintf(`{"name": %q}`, name)); code != http.StatusOK || p["name"] != name {
				t.Errorf("rename %d on node %s: %d %v", i, n.name, code, p)
			}
		})
	}
	wg.Wait()
	var final []any
	for _, n := range nodes {
		code, p := n.object(t, "GET", api+"/session_recording_playlists/"+target+"/", key, "")
		if code != http.StatusOK {
			t.Errorf("get playlist on node %s: %d %v", n.name, code, p)
		}
		final = append(final, p["name"])
	}
	if name, _ := final[0].(string); final[0] != final[1] || !names[name] {
		t.Errorf("after concurrent renames A shows %v and B %v; want the same, one of those sent", final[0], final[1])
	}

	// (c) One session captured through both nodes at once, several batches
	// each: the aggregate counts every click, none lost to a concurrent
	// update.
	const batchesPerNode, clicksPerBatch = 6, 4
	start := time.Now().UnixMilli()
	for i := range 2 * batchesPerNode {
		n := nodes[i%2]
		wg.Go(func() {
			capture(n, snapshotBatch(token, "multi-c", fmt.Sprintf("01a21600-0000-7000-8000-0000000c%04d", i),
				start+int64(i*100), clicksPerBatch))
		})
	}
	wg.Wait()
	wantClicks := json.Number(fmt.Sprint(2 * batchesPerNode * clicksPerBatch))
	for _, n := range nodes {
		if code, rec := n.object(t, "GET", api+"/session_recordings/multi-c", key, ""); code != http.StatusOK || rec["click_count"] != wantClicks {
			t.Errorf("session captured through both nodes, read on %s: %d click_count %v, want %s", n.name, code, rec["click_count"], wantClicks)
		}
	}

	// (d) The retention purge runs on one node at a time. A recording two
	// days old, kept while the retention is 30 days...
	old := time.Now().Add(-48 * time.Hour).UnixMilli()
	capture(b, snapshotBatch(token, "multi-old", "01a21600-0000-7000-8000-00000000d001", old, 2))
	if code, rec := a.object(t, "GET", api+"/session_recordings/multi-old", key, ""); code != http.StatusOK {
		t.Fatalf("two-day-old recording on node A: %d %v", code, rec)
	}
	// ...is not purged while the test holds the job's lock, though both
	// nodes run their jobs every second...
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var unlock func()
	for deadline := time.Now().Add(10 * time.Second); unlock == nil; {
		u, ok, err := st.TryLock(ctx, "job-retention-purge")
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			unlock = u
		} else if time.Now().After(deadline) {
			t.Fatal("the retention purge lock stayed held for 10s")
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	c.object([]string{"id", "retention_period_days"}, "project", "set-retention", "--project", fmt.Sprint(pid), "--days", "1")
	time.Sleep(3 * time.Second)
	for _, n := range nodes {
		if got := countLogged(n.log.String(), `msg="retention purge"`); got != 0 {
			t.Errorf("node %s purged while the job's lock was held elsewhere:\n%s", n.name, n.log.String())
		}
	}
	if code, _ := a.call(t, "GET", api+"/session_recordings/multi-old", key, ""); code != http.StatusNotFound {
		t.Errorf("expired recording: %d, want 404 at once", code)
	}
	// ...and once the lock is free, exactly one node purges it.
	unlock()
	deadline := time.Now().Add(15 * time.Second)
	for countLogged(a.log.String()+b.log.String(), `msg="retention purge"`) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no node logged a retention purge within 15s; A:\n%s\nB:\n%s", a.log.String(), b.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2500 * time.Millisecond) // a few more runs on each node
	purged := map[string]int{}
	for _, n := range nodes {
		log := n.log.String()
		purged[n.name] = countLogged(log, `msg="retention purge"`, "recordings=1")
		if other := countLogged(log, `msg="retention purge"`) - purged[n.name]; other != 0 {
			t.Errorf("node %s logged %d other retention purge lines:\n%s", n.name, other, log)
		}
	}
	if purged["A"]+purged["B"] != 1 {
		t.Errorf("retention purge of the one expired recording logged %d times on A and %d on B, want once in all", purged["A"], purged["B"])
	}
	for _, n := range nodes {
		if code, _ := n.call(t, "GET", api+"/session_recordings/multi-old", key, ""); code != http.StatusNotFound {
			t.Errorf("purged recording on node %s: %d, want 404", n.name, code)
		}
		// The recent recordings outlive the purge.
		if code, _ := n.call(t, "GET", api+"/session_recordings/multi-c", key, ""); code != http.StatusOK {
			t.Errorf("recent recording on node %s after the purge: %d, want 200", n.name, code)
		}
	}

	for _, n := range nodes {
		if log := n.log.String(); strings.Contains(log, "level=ERROR") {
			t.Errorf("node %s logged an error:\n%s", n.name, log)
		}
	}
	for _, n := range nodes {
		(&serverProc{t: t, cmd: n.cmd, addr: n.addr, stderr: n.log, done: n.done}).stop()
	}
	t.Logf("two nodes on PostgreSQL and S3: %s in all", time.Since(started).Round(100*time.Millisecond))
}
