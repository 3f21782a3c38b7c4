package bench

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/capture"
)

// binary is the tapedeck executable TestMain builds for the scenarios.
var binary string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "tapedeck-bench-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	binary = filepath.Join(dir, "tapedeck")
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = "/usr/local/go/bin/go"
	}
	build := exec.Command(goCmd, "build", "-o", binary, "./cmd/tapedeck")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build ./cmd/tapedeck: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// moduleRoot is the nearest directory above the working directory that
// holds go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// tinyOptions are sizes that run a scenario in a few seconds.
func tinyOptions(t *testing.T) Options {
	return Options{Binary: binary, Dir: t.TempDir(), Clients: 2, Duration: time.Second, Rate: 50, Sessions: 2, Log: testLog{t}}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// TestScenarios runs each scenario at tiny sizes against the real binary
// and checks that every expected figure is there, positive, and that those
// with a floor have a positive ratio.
func TestBenchScenarios(t *testing.T) {
	cases := []struct {
		name string
		// rows are the figures expected (by name prefix); floor marks those
		// that must have a floor and a ratio.
		rows  []string
		floor []string
	}{
		{"ingest",
			[]string{"throughput", "ack latency p50", "ack latency p99", "server CPU per GB", "server peak RSS", "stored bytes per JSONL byte", "paced: achieved rate", "paced: latency p50", "paced: latency p99"},
			[]string{"throughput", "throughput, rrweb JSON", "throughput, request body"}},
		{"storage",
			[]string{"stored per session before compaction, median session", "stored per session before compaction, worst session", "JSONL per session"},
			[]string{"stored per session before compaction, median session", "stored per session before compaction, worst session"}},
		{"snapshots",
			[]string{"JSONL served", "block range request p50", "block range request p99", "sources request p50", "requests"},
			[]string{"JSONL served"}},
		{"playlists",
			[]string{"create (POST)", "patch (PATCH)", "list (GET, 100 per page)", "health p50"},
			[]string{"create (POST)", "patch (PATCH)", "list (GET, 100 per page)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.name == "storage" {
				if _, err := exec.LookPath("zstd"); err != nil {
					c.floor = nil // the floor is reported as unavailable
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			reports, err := Run(ctx, []string{c.name}, tinyOptions(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(reports) != 1 || reports[0].Scenario != c.name {
				t.Fatalf("reports: %+v", reports)
			}
			rows := map[string]Row{}
			for _, row := range reports[0].Rows {
				rows[row.Name] = row
			}
			for _, want := range c.rows {
				row, ok := findRow(reports[0].Rows, want)
				if !ok {
					t.Errorf("no row %q in %+v", want, reports[0].Rows)
					continue
				}
				if !(row.Value > 0) {
					t.Errorf("row %q: value %v, want > 0", row.Name, row.Value)
				}
			}
			for _, want := range c.floor {
				row, ok := rows[want]
				if !ok {
					t.Errorf("no row %q", want)
					continue
				}
				if row.Floor == nil || row.Ratio == nil || !(*row.Floor > 0) || !(*row.Ratio > 0) {
					t.Errorf("row %q: floor %v ratio %v, want both > 0", want, row.Floor, row.Ratio)
				}
			}
			if row, ok := rows["errors"]; !ok || row.Value != 0 {
				t.Errorf("errors row: %+v", row)
			}
		})
	}
}

func findRow(rows []Row, prefix string) (Row, bool) {
	for _, r := range rows {
		if strings.HasPrefix(r.Name, prefix) {
			return r, true
		}
	}
	return Row{}, false
}

// TestBenchPayloadsDecode checks that the generated requests are what the
// server's own decoder reads as posthog-js requests, and that the sizes
// the figures use are the decoded ones.
func TestBenchPayloadsDecode(t *testing.T) {
	sessions, err := generateSessions("phc_bench", 2, sessionShape{Pages: 2, BatchesPerPage: 5, Heavy: true}, 7)
	if err != nil {
		t.Fatal(err)
	}
	query, _ := url.ParseQuery("compression=gzip-js&ver=" + sdkVersion)
	for _, s := range sessions {
		for i, b := range s.Batches {
			events, err := capture.Decode(b.Body, "text/plain", query, capture.Limits{})
			if err != nil {
				t.Fatalf("batch %d: %v", i, err)
			}
			recs, others, err := capture.Snapshots(events, capture.Limits{})
			if err != nil || len(others) != 0 || len(recs) != 1 {
				t.Fatalf("batch %d: %d recordings, %d other events, %v", i, len(recs), len(others), err)
			}
			rec := recs[0]
			if rec.SessionID != s.SessionID || rec.WindowID != s.WindowID || rec.DistinctID != s.DistinctID || rec.Token != "phc_bench" {
				t.Fatalf("batch %d: %+v", i, rec)
			}
			var plain, jsonl int64
			for _, ev := range rec.Events {
				plain += int64(len(ev))
				jsonl += int64(len(ev) + len(s.WindowID) + 6)
			}
			if plain != b.RRWeb || jsonl != b.JSONL {
				t.Fatalf("batch %d: rrweb %d bytes (generator says %d), JSONL %d (generator says %d)", i, plain, b.RRWeb, jsonl, b.JSONL)
			}
		}
		first := s.Batches[0]
		events, _ := capture.Decode(first.Body, "text/plain", query, capture.Limits{})
		if raw := string(events[0].Properties["$snapshot_data"]); !strings.Contains(raw, `"cv":"2024-10"`) || !strings.Contains(raw, `"type":2`) {
			t.Fatalf("the first request has no compressed full snapshot")
		}
	}
}
