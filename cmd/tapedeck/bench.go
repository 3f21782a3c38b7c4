package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tapedeck/tapedeck/internal/bench"
)

// runBench runs `tapedeck bench [flags] [SCENARIO ...]`.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o := bench.DefaultOptions()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.Clients, "clients", o.Clients, "concurrent clients")
	fs.DurationVar(&o.Duration, "duration", o.Duration, "length of each timed phase")
	fs.Float64Var(&o.Rate, "rate", o.Rate, "ingest requests per second in the paced phase (0: the scenario's default)")
	fs.IntVar(&o.Recordings, "recordings", o.Recordings, "recordings seeded for the list scenario")
	fs.IntVar(&o.Projects, "projects", o.Projects, "projects the seeded recordings spread over")
	fs.IntVar(&o.Sessions, "sessions", o.Sessions, "long recordings for the snapshots and storage figures")
	fs.IntVar(&o.Runs, "runs", o.Runs, "runs of each scenario; every figure printed is the median of the runs")
	fs.StringVar(&o.Dir, "dir", "", "where fresh stores are created (default: the system's temporary directory)")
	asJSON := fs.Bool("json", false, "print the figures as JSON")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			benchUsage(stdout, fs)
			return 0
		}
		fmt.Fprintln(stderr, "tapedeck bench: run 'tapedeck bench --help' for the scenarios and flags")
		return 2
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "tapedeck bench: %s\n", err)
		return 1
	}
	o.Binary, o.Log = exe, stderr
	reports, err := bench.Run(ctx, fs.Args(), o)
	write := bench.WriteText
	if *asJSON {
		write = bench.WriteJSON
	}
	if len(reports) > 0 {
		write(stdout, reports)
	}
	if err != nil {
		fmt.Fprintf(stderr, "tapedeck bench: %s\n", oneLine(err))
		return 1
	}
	return 0
}

func benchUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `usage: tapedeck bench [flags] [SCENARIO ...|all]

Runs each scenario against a real server on a fresh embedded store it
creates, and measures a floor for the same work in the same run; every
figure with a floor is printed with the ratio Tapedeck/floor.

scenarios:
`)
	for _, s := range bench.Scenarios() {
		fmt.Fprintf(w, "  %-10s %s\n", s.Name, s.Summary)
		if s.Sizes != "" {
			fmt.Fprintf(w, "  %-10s sizes: %s\n", "", s.Sizes)
		}
	}
	fmt.Fprintln(w, "\nflags:")
	var b strings.Builder
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(w)
	fmt.Fprint(w, b.String())
}
