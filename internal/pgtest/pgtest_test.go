package pgtest

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Run(m)) }

// Without PostgreSQL's server programs the tests fail, saying how to
// install them; they never skip.
func TestStartFailsWithoutPostgres(t *testing.T) {
	t.Setenv("TAPEDECK_PG_BIN", filepath.Join(t.TempDir(), "none"))
	_, err := start()
	if err == nil {
		t.Fatal("started without server programs")
	}
	for _, want := range []string{InstallCommand, "TAPEDECK_PG_BIN", "scripts/test-deps"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the failure does not say %q: %v", want, err)
		}
	}
}

// scripts/test-deps installs PostgreSQL where BinDir looks.
func TestCIInstallsPostgres(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("..", "..", "scripts", "test-deps"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "/usr/lib/postgresql/*/bin/initdb") || !strings.Contains(string(script), "packages+=(postgresql)") {
		t.Error("scripts/test-deps does not install postgresql")
	}
}

// Each database is new and empty, usable by its URL, and dropped at the
// end of its test.
func TestNewDatabase(t *testing.T) {
	var first string
	t.Run("a", func(t *testing.T) {
		first = NewDatabase(t)
		db, err := sql.Open("pgx", first)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`CREATE TABLE t (x INT)`); err != nil {
			t.Fatal(err)
		}
		var encoding, ctype string
		if err := db.QueryRow(`SELECT pg_encoding_to_char(encoding), datctype FROM pg_database WHERE datname = current_database()`).
			Scan(&encoding, &ctype); err != nil || encoding != "UTF8" {
			t.Errorf("encoding %q ctype %q (%v), want UTF8", encoding, ctype, err)
		}
	})
	second := NewDatabase(t)
	if second == first {
		t.Fatal("two tests got one database")
	}
	db, err := sql.Open("pgx", second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM pg_database WHERE datname = $1`, first[strings.LastIndex(first, "/")+1:strings.Index(first, "?")]).
		Scan(&n); err != nil || n != 0 {
		t.Errorf("the first test's database is still there (%d, %v)", n, err)
	}
	if err := db.PingContext(context.Background()); err != nil {
		t.Error(err)
	}
	t.Logf("cluster started in %s", StartTime())
}
