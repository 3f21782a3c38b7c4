// Package bench measures a running Tapedeck server against what the
// machine can do at best. Each scenario starts a real server on a fresh
// store, drives it over HTTP, and measures a floor for the same work in the
// same run (the bytes through the bare libraries, the SQL run directly), so
// that its figures are comparable as ratios on a noisy machine.
package bench

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Options are the settings shared by every scenario; each scenario reads
// the ones it needs.
type Options struct {
	// Binary is the tapedeck executable that is started as the server.
	Binary string
	// Dir is where fresh stores are created (a temporary directory each).
	Dir string
	// Clients is the number of concurrent clients.
	Clients int
	// Duration is how long a timed phase runs.
	Duration time.Duration
	// Rate, when above zero, paces ingest at this many requests per second.
	Rate float64
	// Recordings is the number of recordings the list scenario seeds.
	Recordings int
	// Projects is the number of projects the seeded recordings spread over.
	Projects int
	// Sessions is the number of long recordings the snapshots and storage
	// measurements use.
	Sessions int
	// Runs is how many times each scenario runs; with more than one, every
	// figure reported is the median of the runs.
	Runs int
	// Log receives progress lines.
	Log io.Writer
}

// DefaultOptions are the sizes the documented figures were measured with.
func DefaultOptions() Options {
	return Options{Clients: 8, Duration: 20 * time.Second, Recordings: 1_000_000, Projects: 10, Sessions: 20, Runs: 1, Log: io.Discard}
}

// Scenario is one benchmark.
type Scenario struct {
	Name string
	// Summary is one line for --help.
	Summary string
	// Sizes says which options the scenario reads, for --help.
	Sizes string
	Run   func(ctx context.Context, o Options) (*Report, error)
}

var scenarios = map[string]Scenario{}

// register adds a scenario; scenario files call it from init.
func register(s Scenario) {
	if _, dup := scenarios[s.Name]; dup {
		panic("bench: scenario registered twice: " + s.Name)
	}
	scenarios[s.Name] = s
}

// Scenarios returns every scenario by name.
func Scenarios() []Scenario {
	out := make([]Scenario, 0, len(scenarios))
	for _, s := range scenarios {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Run runs the named scenarios in order ("all" runs every one) and returns
// their reports.
func Run(ctx context.Context, names []string, o Options) ([]*Report, error) {
	if len(names) == 0 || (len(names) == 1 && names[0] == "all") {
		names = nil
		for _, s := range Scenarios() {
			names = append(names, s.Name)
		}
	}
	var reports []*Report
	for _, n := range names {
		s, ok := scenarios[n]
		if !ok {
			return reports, fmt.Errorf("unknown scenario %q (have: %s)", n, strings.Join(scenarioNames(), ", "))
		}
		var runs []*Report
		for i := range max(o.Runs, 1) {
			fmt.Fprintf(o.Log, "bench: %s, run %d of %d…\n", n, i+1, max(o.Runs, 1))
			r, err := s.Run(ctx, o)
			if err != nil {
				return reports, fmt.Errorf("%s: %w", n, err)
			}
			runs = append(runs, r)
		}
		r := medianReport(runs)
		r.Scenario = n
		reports = append(reports, r)
	}
	return reports, nil
}

func scenarioNames() []string {
	var names []string
	for _, s := range Scenarios() {
		names = append(names, s.Name)
	}
	return names
}
