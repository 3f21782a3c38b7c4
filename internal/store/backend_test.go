package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tapedeck/tapedeck/internal/pgtest"
)

// The store's tests run against SQLite and against a throwaway
// PostgreSQL cluster, shared by the test binary and stopped at the end.
func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// backend opens fresh, empty stores of one engine.
type backend struct {
	name string
	open func(t *testing.T) *Store
}

var backends = []backend{
	{"sqlite", func(t *testing.T) *Store {
		t.Helper()
		s, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "tapedeck.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"postgres", func(t *testing.T) *Store {
		t.Helper()
		s, err := OpenPostgres(context.Background(), pgtest.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

// forEachBackend runs fn as one subtest per engine.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { fn(t, b) })
	}
}
