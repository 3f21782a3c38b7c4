package store

import (
	"context"
	"database/sql"
)

// Tx is a write transaction for work that reads and writes several tables
// at once, such as ingesting a capture request.
type Tx struct {
	tx     *sql.Tx
	rebind func(string) string
	engine engine
}

// Write runs fn in one write transaction, committed when fn returns nil and
// rolled back otherwise.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	return s.tx(ctx, func(t *sql.Tx) error { return fn(&Tx{tx: t, rebind: s.rebind, engine: s.engine}) })
}

// lock takes the named advisory lock until the transaction ends (see
// Store.lockTx).
func (t *Tx) lock(ctx context.Context, name string) error { return lockTx(ctx, t.engine, t.tx, name) }

func (t *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.rebind(q), args...)
}

func (t *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.rebind(q), args...)
}

func (t *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.rebind(q), args...)
}

// SingleWriter reports whether the store takes one write transaction at a
// time (SQLite), so that callers gain by grouping concurrent writes into one
// transaction; PostgreSQL runs concurrent transactions.
func (s *Store) SingleWriter() bool { return s.engine == engineSQLite }
