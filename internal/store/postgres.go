package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgUniqueViolation is PostgreSQL's SQLSTATE for a broken unique constraint.
const pgUniqueViolation = "23505"

// DefaultPostgresConns is the size of the connection pool to PostgreSQL
// when the URL does not set pool_max_conns.
const DefaultPostgresConns = 16

// OpenPostgres connects to the PostgreSQL database that databaseURL names
// (postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=...) and brings its
// schema up to date. Besides libpq's parameters, the URL may set
// pool_max_conns, the size of the connection pool (DefaultPostgresConns
// otherwise). Several processes may open the same database at once: they
// take turns at migrating it under an advisory lock.
func OpenPostgres(ctx context.Context, databaseURL string) (*Store, error) {
	connString, maxConns, err := poolSize(databaseURL)
	if err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", hidePassword(err, databaseURL))
	}
	db := sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg)})
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(time.Hour)
	s := &Store{write: db, read: db, rebind: rebindDollar, engine: enginePostgres}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", hidePassword(err, databaseURL))
	}
	if err := s.migrateLocked(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// pgConnector opens pgx connections whose arguments are text PostgreSQL
// can store (see pgConn.CheckNamedValue).
type pgConnector struct{ driver.Connector }

// Connect implements driver.Connector.
func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return pgConn{conn.(*stdlib.Conn)}, nil
}

// pgConn is a pgx connection for database/sql (every method is pgx's) that
// makes its string arguments text PostgreSQL can store.
type pgConn struct{ *stdlib.Conn }

// CheckNamedValue implements driver.NamedValueChecker. PostgreSQL's text
// is valid UTF-8 without NUL, where SQLite's may be any bytes: a NUL or an
// invalid byte in a string argument becomes U+FFFD, so that writing such
// text stores it (as the same replacement everywhere) instead of failing,
// and comparing with it behaves as with the stored text.
func (pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	switch v := nv.Value.(type) {
	case string:
		nv.Value = pgText(v)
	case *string:
		if v != nil {
			nv.Value = pgText(*v)
		}
	case sql.NullString:
		v.String = pgText(v.String)
		nv.Value = v
	}
	return nil
}

// pgText is s as text PostgreSQL can store.
func pgText(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// poolSize reads and removes the pool_max_conns parameter of a database
// URL, which is the pool's and not a server setting.
func poolSize(databaseURL string) (string, int, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", 0, errors.New("database URL: not a valid URL")
	}
	q := u.Query()
	n := DefaultPostgresConns
	if v := q.Get("pool_max_conns"); v != "" {
		// Migrating and the background jobs hold one connection for a
		// lock while they work with another.
		if n, err = strconv.Atoi(v); err != nil || n < 2 {
			return "", 0, fmt.Errorf("database URL: pool_max_conns: want a whole number of at least 2, got %q", v)
		}
		q.Del("pool_max_conns")
		u.RawQuery = q.Encode()
	}
	return u.String(), n, nil
}

// hidePassword replaces the password of databaseURL wherever err's text
// shows it.
func hidePassword(err error, databaseURL string) error {
	u, perr := url.Parse(databaseURL)
	if err == nil || perr != nil {
		return err
	}
	var secrets []string
	if pw, ok := u.User.Password(); ok && pw != "" {
		secrets = append(secrets, pw)
	}
	if pw := u.Query().Get("password"); pw != "" {
		secrets = append(secrets, pw)
	}
	msg := err.Error()
	for _, pw := range secrets {
		msg = strings.ReplaceAll(msg, pw, "…")
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}

// migrateLocked migrates the database while holding an advisory lock, so
// that nodes starting together do not migrate it at the same time.
func (s *Store) migrateLocked(ctx context.Context) error {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtextextended($1, 0))`, lockKey("migrate")); err != nil {
		return fmt.Errorf("lock for migrating: %w", err)
	}
	migrateErr := s.migrate(ctx)
	if _, err := conn.ExecContext(context.WithoutCancel(ctx),
		`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, lockKey("migrate")); err != nil {
		// The lock stays with the connection: drop it rather than let the
		// pool hand it out still locked.
		conn.Raw(func(any) error { return driver.ErrBadConn })
		return errors.Join(migrateErr, fmt.Errorf("unlock after migrating: %w", err))
	}
	return migrateErr
}

// lockKey is the name of an advisory lock in Tapedeck's namespace.
// PostgreSQL's advisory locks take a 64-bit key: the name's hash.
func lockKey(name string) string { return "tapedeck:" + name }

// lockTx takes the advisory lock name for the rest of the transaction, so
// that transactions that read and then write the same rows take turns.
// SQLite runs one write transaction at a time and needs none.
func (s *Store) lockTx(ctx context.Context, tx *sql.Tx, name string) error {
	return lockTx(ctx, s.engine, tx, name)
}

func lockTx(ctx context.Context, e engine, tx *sql.Tx, name string) error {
	if e != enginePostgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, lockKey(name))
	return err
}

// rebindDollar turns the ? placeholders of q into PostgreSQL's $1, $2, …
// A ? inside a quoted string or identifier stays as it is (the queries
// have none, which a test checks).
func rebindDollar(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte // the quote character of the literal being read, or 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0 // a doubled quote closes and reopens: same result
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// snapshot are the options of a read transaction whose statements all see
// the same data. SQLite's read transactions do already.
func (s *Store) snapshot() *sql.TxOptions {
	if s.engine == enginePostgres {
		return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return nil
}

// TryLock takes the lock name if no one holds it, for work that must not
// run in two places at once (such as a background job when several nodes
// share one database). ok is false when someone else holds it; otherwise
// unlock releases it. On PostgreSQL it is an advisory lock held by a
// connection set aside until unlock; on SQLite, a lock on a file next to
// the database. A lock is held by whoever took it, so a second TryLock of
// the same name fails even in the same process.
func (s *Store) TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error) {
	if strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" || name == "" {
		return nil, false, fmt.Errorf("store: lock name %q: use a-z, 0-9 and -", name)
	}
	if s.engine != enginePostgres {
		return tryLockFile(s.path + ".lock-" + name)
	}
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return nil, false, err
	}
	key := lockKey("lock:" + name)
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtextextended($1, 0))`, key).Scan(&ok); err != nil || !ok {
		conn.Close()
		return nil, false, err
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var released bool
			err := conn.QueryRowContext(ctx, `SELECT pg_advisory_unlock(hashtextextended($1, 0))`, key).Scan(&released)
			if err != nil || !released {
				// Closing the connection ends its session and so its locks.
				conn.Raw(func(any) error { return driver.ErrBadConn })
			}
			conn.Close()
		})
	}, true, nil
}
