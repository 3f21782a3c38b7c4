// Package storetest opens the metadata stores that tests run against: a
// SQLite file in the test's temporary directory, or a fresh database on a
// throwaway PostgreSQL cluster (see pgtest). Tests that take their store
// from Open run on SQLite, or on PostgreSQL when TAPEDECK_TEST_BACKEND is
// postgres; their package's TestMain must call Run.
package storetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tapedeck/tapedeck/internal/pgtest"
	"github.com/tapedeck/tapedeck/internal/store"
)

// EnvBackend names the environment variable that picks the backend of
// Open: empty or sqlite, or postgres.
const EnvBackend = "TAPEDECK_TEST_BACKEND"

// Run runs the package's tests and then stops the PostgreSQL cluster, if
// a test started it. Call it from TestMain: os.Exit(storetest.Run(m)).
func Run(m *testing.M) int { return pgtest.Run(m) }

// Backend is the backend TAPEDECK_TEST_BACKEND picks: "sqlite" or
// "postgres". Another value fails the test.
func Backend(t testing.TB) string {
	t.Helper()
	switch v := os.Getenv(EnvBackend); v {
	case "", "sqlite":
		return "sqlite"
	case "postgres":
		return "postgres"
	default:
		t.Fatalf("%s=%q: want sqlite or postgres", EnvBackend, v)
		return ""
	}
}

// Open opens a fresh store on the backend that TAPEDECK_TEST_BACKEND
// picks, closed when the test ends.
func Open(t testing.TB) *store.Store {
	t.Helper()
	if Backend(t) == "postgres" {
		return OpenPostgres(t)
	}
	return OpenSQLite(t)
}

// OpenSQLite opens a fresh SQLite store, closed when the test ends.
func OpenSQLite(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "tapedeck.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// OpenPostgres opens a store on a fresh PostgreSQL database, closed (and
// the database dropped) when the test ends.
func OpenPostgres(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.OpenPostgres(context.Background(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
