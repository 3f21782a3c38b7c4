package store

import (
	"context"
	"database/sql"
	"sync"
)

// Tx is a write transaction for work that reads and writes several tables
// at once, such as ingesting a capture request.
type Tx struct {
	tx     *sql.Tx
	rebind func(string) string
	engine engine
	// stmts keeps prepared statements across transactions on SQLite (nil on
	// PostgreSQL, whose driver keeps its own cache): preparing a statement
	// costs about as much as running it.
	stmts *stmtCache
	// unprepared are the queries run in this transaction that stmts does not
	// hold yet, to be prepared once the transaction is over.
	unprepared []string
	// listVersions are the list versions the transaction moved projects
	// to, and stamps the recordings it wrote (true) or touched (false) on
	// SQLite (see list_changes.go).
	listVersions map[int64]int64
	stamps       map[RecordingKey]bool
}

// Write runs fn in one write transaction, committed when fn returns nil and
// rolled back otherwise.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	cache := s.stmts
	var tx *Tx
	err := s.tx(ctx, func(t *sql.Tx) error {
		tx = &Tx{tx: t, rebind: s.rebind, engine: s.engine, stmts: cache}
		if err := fn(tx); err != nil {
			return err
		}
		return tx.stampTouched(ctx)
	})
	if tx != nil && len(tx.unprepared) > 0 {
		// The writer connection is free again: prepare on it what the next
		// transactions will run.
		cache.prepare(ctx, s.write, tx.unprepared)
	}
	return err
}

// maxCachedStatements bounds the statements kept per store; multi-row
// inserts make one query text per row count.
const maxCachedStatements = 512

// stmtCache holds statements prepared on a store's writer connection, by
// query text. On SQLite the writer is a single connection, so a statement
// prepared on the pool is prepared on that connection, and a transaction
// uses it through Tx.StmtContext without preparing it again.
type stmtCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func (c *stmtCache) get(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stmts[q]
}

// prepare prepares the queries on db (outside any transaction) and keeps
// them; a query that cannot be prepared is left to run unprepared.
func (c *stmtCache) prepare(ctx context.Context, db *sql.DB, queries []string) {
	for _, q := range queries {
		c.mu.Lock()
		_, have := c.stmts[q]
		full := len(c.stmts) >= maxCachedStatements
		c.mu.Unlock()
		if have || full {
			continue
		}
		st, err := db.PrepareContext(context.WithoutCancel(ctx), q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, have := c.stmts[q]; have {
			st.Close()
		} else {
			c.stmts[q] = st
		}
		c.mu.Unlock()
	}
}

// lock takes the named advisory lock until the transaction ends (see
// Store.lockTx).
func (t *Tx) lock(ctx context.Context, name string) error { return lockTx(ctx, t.engine, t.tx, name) }

// prepared returns the cached statement of q bound to the transaction, or
// nil when there is none yet (q is then noted for preparing later).
func (t *Tx) prepared(ctx context.Context, q string) *sql.Stmt {
	if t.stmts == nil {
		return nil
	}
	if st := t.stmts.get(q); st != nil {
		return t.tx.StmtContext(ctx, st)
	}
	t.unprepared = append(t.unprepared, q)
	return nil
}

func (t *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = t.rebind(q)
	if st := t.prepared(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, q, args...)
}

func (t *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = t.rebind(q)
	if st := t.prepared(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}

func (t *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = t.rebind(q)
	if st := t.prepared(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, q, args...)
}

// SingleWriter reports whether the store takes one write transaction at a
// time (SQLite), so that callers gain by grouping concurrent writes into one
// transaction; PostgreSQL runs concurrent transactions.
func (s *Store) SingleWriter() bool { return s.engine == engineSQLite }
