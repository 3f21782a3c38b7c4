package store

import "testing"

func TestBothEnginesHaveTheSameMigrations(t *testing.T) {
	if s, p := latestVersion("migrations/sqlite"), latestVersion("migrations/postgres"); s != p || s == 0 {
		t.Errorf("newest migration: SQLite %d, PostgreSQL %d", s, p)
	}
}
