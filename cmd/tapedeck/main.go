// Command tapedeck is the Tapedeck session-replay server and its
// administration commands.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/tapedeck/tapedeck/internal/account"
	"github.com/tapedeck/tapedeck/internal/config"
	"github.com/tapedeck/tapedeck/internal/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `usage: tapedeck COMMAND [ARGS]

commands:
  serve                                   run the HTTP server
  migrate                                 create or upgrade the store's schema
  version                                 print the version
  organization create --name N
  project create --name N [--organization ID]
  project list
  project set-retention --project ID --days N
  user create --email E [--first-name F] [--last-name L] [--organization ID] [--password P]
  user set-password --email E             (reads the password from the first line of stdin)
  apikey create [--user EMAIL] [--scopes a,b] [--projects 1,2] [--label L]
  apikey list
  apikey revoke ID
  migrate-store --to-database URL --to-blob URL
                                          move the store into PostgreSQL + S3 (stop the server first)
  bench [SCENARIO ...]                    measure a fresh server against its floors (bench --help)

Settings come from TAPEDECK_* environment variables (see docs/OPERATIONS.md).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// run executes one command and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		// Bad arguments get one line; the usage is for 'tapedeck help'.
		fmt.Fprintln(stderr, "tapedeck: missing command (run 'tapedeck help')")
		return 2
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if args[0] == "bench" {
		return runBench(ctx, args[1:], stdout, stderr)
	}
	if args[0] == "version" {
		fmt.Fprintf(stdout, "tapedeck %s\n", version)
		return 0
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "tapedeck: configuration: %s\n", oneLine(err))
		return 2
	}
	logger := newLogger(cfg, stderr)
	if args[0] == "serve" {
		if len(args) > 1 {
			fmt.Fprintln(stderr, "tapedeck serve: takes no arguments (settings come from TAPEDECK_* variables)")
			return 2
		}
		if err := serve(ctx, cfg, logger, getenv); err != nil {
			logger.Error("server stopped", "err", err)
			return 1
		}
		return 0
	}
	if args[0] == "migrate-store" {
		return migrateStore(ctx, cfg, args[1:], stdout, stderr, getenv)
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "tapedeck: unknown command %q (run 'tapedeck help')\n", args[0])
		return 2
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.SQLitePath())
	if err != nil {
		fmt.Fprintf(stderr, "tapedeck: open store: %s\n", oneLine(err))
		return 1
	}
	defer st.Close()
	adm := admin{accounts: account.Service{Store: st, Now: time.Now}, store: st, stdin: stdin, stdout: stdout}
	if err := cmd(ctx, adm, args[1:]); err != nil {
		fmt.Fprintf(stderr, "tapedeck %s: %s\n", args[0], oneLine(err))
		return exitCode(err)
	}
	return 0
}

// oneLine renders err on a single line (errors.Join separates with newlines).
func oneLine(err error) string {
	return strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
