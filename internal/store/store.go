// Package store is Tapedeck's metadata store: one SQL layer over the
// embedded SQLite database or a PostgreSQL server. The queries are written
// once, with ? placeholders, in SQL that both engines run the same way;
// what differs (placeholders, migrations, error codes, locks and the
// filter functions of Dialect) is chosen when the store is opened.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotFound is returned when the requested row does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a write would break a uniqueness rule.
var ErrConflict = errors.New("conflict")

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Store is the metadata store. On SQLite, writes go through a single
// connection (SQLite allows one writer at a time) and reads use a pool; on
// PostgreSQL both use one pool.
type Store struct {
	write *sql.DB
	read  *sql.DB
	// rebind turns the ? placeholders the queries are written with into the
	// dialect's own.
	rebind func(string) string
	// engine is the database behind the store.
	engine engine
	// path is the SQLite file (empty on PostgreSQL), next to which the
	// lock files of TryLock live.
	path string
	// stmts keeps statements prepared on the writer connection, and counts
	// the recordings lists' counts (both SQLite only: nil on PostgreSQL).
	stmts  *stmtCache
	counts *countCache
}

// engine names the database a store runs on.
type engine int

const (
	engineSQLite engine = iota
	enginePostgres
)

// Open opens the store that databaseURL names: a postgres:// or
// postgresql:// URL opens PostgreSQL (see OpenPostgres); anything else,
// empty included, opens the SQLite file at sqlitePath.
func Open(ctx context.Context, databaseURL, sqlitePath string) (*Store, error) {
	if IsPostgresURL(databaseURL) {
		return OpenPostgres(ctx, databaseURL)
	}
	return OpenSQLite(ctx, sqlitePath)
}

// IsPostgresURL reports whether u names a PostgreSQL database.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// OpenSQLite opens (creating if needed) the SQLite database at path and
// brings its schema up to date.
func OpenSQLite(ctx context.Context, path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	dsn := func(extra string) string {
		q := url.Values{}
		// busy_timeout first so that every later pragma already waits for locks.
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Add("_pragma", "foreign_keys(1)")
		return "file:" + filepath.ToSlash(path) + "?" + q.Encode() + extra
	}
	// The writer keeps its statement journals in memory: an upsert of a
	// recording whose activity points are large otherwise spills its
	// rollback data to a temporary file, and every later statement of the
	// transaction pays a system call for it. Readers keep the default, so
	// that a large sort spills to disk rather than growing the process.
	write, err := sql.Open("sqlite", dsn("&_txlock=immediate&_pragma=temp_store(MEMORY)"))
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	read, err := sql.Open("sqlite", dsn(""))
	if err != nil {
		write.Close()
		return nil, err
	}
	read.SetMaxOpenConns(4)
	s := &Store{write: write, read: read, rebind: func(q string) string { return q }, engine: engineSQLite, path: path,
		stmts: &stmtCache{stmts: map[string]*sql.Stmt{}}, counts: &countCache{entries: map[string]*countEntry{}}}
	// Processes opening a new store at once (a server and a CLI command)
	// take turns at migrating it.
	unlock, err := lockFile(path + ".migrate-lock")
	if err != nil {
		s.Close()
		return nil, err
	}
	defer unlock()
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// lockFile holds an exclusive lock on the file at path until the returned
// function is called.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// tryLockFile takes an exclusive lock on the file at path if no one holds
// it; ok is false when someone does.
func tryLockFile(path string) (unlock func(), ok bool, err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, false, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("lock %s: %w", path, err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			f.Close()
		})
	}, true, nil
}

// Close releases the database connections.
func (s *Store) Close() error {
	if s.read == s.write {
		return s.write.Close()
	}
	return errors.Join(s.write.Close(), s.read.Close())
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.read.PingContext(ctx) }

// migrate applies the migrations of the store's engine that are not
// applied yet, each in its own transaction.
func (s *Store) migrate(ctx context.Context) error {
	dir, dialect := "migrations/sqlite", goose.DialectSQLite3
	if s.engine == enginePostgres {
		dir, dialect = "migrations/postgres", goose.DialectPostgres
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(dialect, s.write, sub)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// SchemaVersion reports the version of the newest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.read.QueryRowContext(ctx,
		`SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&v)
	return v, err
}

// tx runs fn in a write transaction, committing when fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	t, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(t); err != nil {
		t.Rollback()
		return err
	}
	return t.Commit()
}

// isUnique reports whether err is a unique-constraint violation.
func isUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == pgUniqueViolation
	}
	return false
}

// micros converts a time to the stored form.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros converts a stored time back.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// joinIDs stores a list of ids as a comma-separated string.
func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// splitIDs reads what joinIDs stored.
func splitIDs(s string) []int64 {
	if s == "" {
		return nil
	}
	var ids []int64
	for _, p := range strings.Split(s, ",") {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
