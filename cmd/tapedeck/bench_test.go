package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tapedeck/tapedeck/internal/bench"
)

func TestBenchHelpListsScenarios(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"bench", "--help"}, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, stderr.String())
	}
	scenarios := bench.Scenarios()
	if len(scenarios) == 0 {
		t.Fatal("no scenario is registered")
	}
	for _, s := range scenarios {
		if !strings.Contains(stdout.String(), "  "+s.Name+" ") {
			t.Errorf("--help does not list %q:\n%s", s.Name, stdout.String())
		}
	}
	for _, name := range []string{"ingest", "storage", "snapshots", "playlists"} {
		if !strings.Contains(stdout.String(), "  "+name+" ") {
			t.Errorf("--help does not list %q", name)
		}
	}
}

func TestBenchUnknownScenario(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"bench", "no-such-scenario"}, strings.NewReader(""), &stdout, &stderr, func(string) string { return "" })
	if code == 0 {
		t.Fatalf("exit 0 for an unknown scenario; stdout: %s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "no-such-scenario") {
		t.Errorf("stderr does not name the scenario: %s", stderr.String())
	}
}
