package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestSQLitePragmas checks the settings both connection pools open with:
// durable WAL commits on both, statement journals in memory on the writer
// only.
func TestSQLitePragmas(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check := func(pool string, q string, want any) {
		t.Helper()
		db := s.read
		if pool == "write" {
			db = s.write
		}
		var got any
		if err := db.QueryRowContext(ctx, q).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: %s = %v (%T), want %v", pool, q, got, got, want)
		}
	}
	for _, pool := range []string{"write", "read"} {
		check(pool, "PRAGMA journal_mode", "wal")
		check(pool, "PRAGMA synchronous", int64(2))
		check(pool, "PRAGMA foreign_keys", int64(1))
	}
	check("write", "PRAGMA temp_store", int64(2))
	check("read", "PRAGMA temp_store", int64(0))
}
