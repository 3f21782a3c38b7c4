package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// copyTable is a table that CopyTo moves, with its columns in the order
// both schemas give them meaning.
type copyTable struct {
	name string
	// key are the columns of the primary key (empty for a table without
	// one), which the rows are read in the order of.
	key []string
	// columns are every column.
	columns []string
	// flags are the columns PostgreSQL keeps as BOOLEAN and SQLite as 0 or 1.
	flags []string
	// identity is set for a table whose id column PostgreSQL fills from an
	// identity sequence.
	identity bool
}

// copyTables are every table of the schema, parents before children so
// that the foreign keys hold while rows arrive.
var copyTables = []copyTable{
	{name: "organizations", key: []string{"id"}, columns: []string{"id", "name", "created_at"}},
	{name: "users", key: []string{"id"}, identity: true, flags: []string{"is_email_verified"},
		columns: []string{"id", "uuid", "email", "first_name", "last_name", "distinct_id", "is_email_verified", "created_at", "password_hash"}},
	{name: "projects", key: []string{"id"}, identity: true,
		columns: []string{"id", "uuid", "organization_id", "name", "api_token", "timezone", "created_at", "retention_days"}},
	{name: "memberships", key: []string{"organization_id", "user_id"},
		columns: []string{"organization_id", "user_id", "created_at"}},
	{name: "personal_api_keys", key: []string{"id"}, identity: true,
		columns: []string{"id", "user_id", "label", "secure_value", "mask_value", "scopes", "projects", "created_at", "last_used_at"}},
	{name: "playlists", key: []string{"id"}, identity: true, flags: []string{"pinned", "deleted"},
		columns: []string{"id", "project_id", "short_id", "name", "derived_name", "description", "pinned", "deleted", "filters", "type",
			"created_at", "created_by", "last_modified_at", "last_modified_by"}},
	{name: "playlist_items", key: []string{"playlist_id", "session_id"},
		columns: []string{"playlist_id", "session_id", "created_at"}},
	{name: "playlist_counts", key: []string{"playlist_id"}, flags: []string{"has_more"},
		columns: []string{"playlist_id", "count", "has_more", "previous_count", "session_ids", "refreshed_at"}},
	{name: "recording_views", key: []string{"project_id", "session_id", "user_id"},
		columns: []string{"project_id", "session_id", "user_id", "viewed_at"}},
	{name: "recordings", key: []string{"project_id", "session_id"},
		columns: []string{"project_id", "session_id", "distinct_id", "first_ts", "last_ts", "click_count", "keypress_count",
			"mouse_activity_count", "console_log_count", "console_warn_count", "console_error_count", "active_ms", "event_count",
			"start_url", "start_url_ts", "snapshot_source", "snapshot_library", "activity", "block_count", "raw_bytes",
			"stored_bytes", "created_at", "last_ingested_at", "compacted_blocks", "list_version"}},
	{name: "recording_blocks", key: []string{"project_id", "session_id", "seq"},
		columns: []string{"project_id", "session_id", "seq", "blob_key", "window_id", "first_ts", "last_ts", "event_count",
			"raw_bytes", "stored_bytes", "created_at", "data", "segments"}},
	{name: "recording_urls", key: []string{"project_id", "session_id", "url"},
		columns: []string{"project_id", "session_id", "url", "first_ts"}},
	{name: "recording_console",
		columns: []string{"project_id", "session_id", "ts", "level", "message"}},
	{name: "snapshot_uuids", key: []string{"project_id", "uuid"},
		columns: []string{"project_id", "uuid", "created_at"}},
	{name: "events", key: []string{"project_id", "uuid"},
		columns: []string{"project_id", "uuid", "event", "distinct_id", "session_id", "timestamp", "current_url", "properties"}},
	{name: "persons", key: []string{"id"}, identity: true,
		columns: []string{"id", "project_id", "uuid", "properties", "created_at"}},
	{name: "person_distinct_ids", key: []string{"project_id", "distinct_id"},
		columns: []string{"project_id", "distinct_id", "person_id"}},
	{name: "user_sessions", key: []string{"id"}, identity: true,
		columns: []string{"id", "token_hash", "user_id", "created_at", "last_seen_at", "expires_at"}},
	{name: "list_versions", key: []string{"project_id"}, columns: []string{"project_id", "version", "trimmed"}},
	{name: "list_removals", columns: []string{"project_id", "version", "row_id", "removed_at"}},
}

// CopyTables names the tables CopyTo moves, in the order it moves them.
func CopyTables() []string {
	names := make([]string, len(copyTables))
	for i, t := range copyTables {
		names[i] = t.name
	}
	return names
}

// copyBatch is the number of rows written by one INSERT.
const copyBatch = 200

// CopyTo copies every row of every table of s into dst, a PostgreSQL
// store (whose schema Open has brought up to date), keeping ids, and then
// moves dst's identity sequences past the largest id, so that new rows do
// not take copied ids. It can be run again after an interruption: a row
// whose primary key (or another unique value) dst already holds is left as
// it is, so a second run copies only what is missing, and Checksums then
// tells whether dst holds the same data. A table without a primary key
// (recording_console) is copied in one transaction, and only while dst's
// is empty. The stores should not be written to while it runs.
func (s *Store) CopyTo(ctx context.Context, dst *Store) error {
	if dst.engine != enginePostgres {
		return errors.New("store: the target of a copy must be PostgreSQL")
	}
	for _, t := range copyTables {
		if err := s.copyTable(ctx, dst, t); err != nil {
			return fmt.Errorf("copy %s: %w", t.name, err)
		}
	}
	for _, t := range copyTables {
		if !t.identity {
			continue
		}
		// The next id is one past the largest (1 on an empty table).
		q := `SELECT setval(pg_get_serial_sequence('` + t.name + `', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM ` + t.name
		if _, err := dst.write.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("reset the id sequence of %s: %w", t.name, err)
		}
	}
	return nil
}

func (s *Store) copyTable(ctx context.Context, dst *Store, t copyTable) error {
	if len(t.key) == 0 {
		var n int64
		if err := dst.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t.name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			// Copied by an earlier run (in one transaction, so whole):
			// the checksums tell whether it is the same.
			return nil
		}
	}
	src, err := s.read.BeginTx(ctx, s.snapshot())
	if err != nil {
		return err
	}
	defer src.Rollback()
	rows, err := src.QueryContext(ctx, `SELECT `+strings.Join(t.columns, ", ")+` FROM `+t.name+orderBy(t))
	if err != nil {
		return err
	}
	defer rows.Close()

	// Without a primary key, everything goes in one transaction; with one,
	// each batch commits by itself and a rerun skips what is there.
	var tx *sql.Tx
	exec := func(q string, args ...any) error {
		var err error
		if tx != nil {
			_, err = tx.ExecContext(ctx, q, args...)
		} else {
			_, err = dst.write.ExecContext(ctx, q, args...)
		}
		return err
	}
	if len(t.key) == 0 {
		if tx, err = dst.write.BeginTx(ctx, nil); err != nil {
			return err
		}
		defer tx.Rollback()
	}
	flags := make([]bool, len(t.columns))
	for i, c := range t.columns {
		flags[i] = slices.Contains(t.flags, c)
	}
	var batch []any
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		var b strings.Builder
		b.WriteString(`INSERT INTO ` + t.name + ` (` + strings.Join(t.columns, ", ") + `) VALUES `)
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + placeholders(len(t.columns)) + ")")
		}
		b.WriteString(` ON CONFLICT DO NOTHING`)
		err := exec(rebindDollar(b.String()), batch...)
		batch, n = batch[:0], 0
		return err
	}
	for rows.Next() {
		vals := make([]any, len(t.columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			if flags[i] {
				if x, ok := v.(int64); ok {
					vals[i] = x != 0
				}
			}
		}
		batch = append(batch, vals...)
		n++
		if n == copyBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	if tx != nil {
		return tx.Commit()
	}
	return nil
}

// orderBy is the ORDER BY clause that reads t in primary-key order.
func orderBy(t copyTable) string {
	if len(t.key) == 0 {
		return ""
	}
	return ` ORDER BY ` + strings.Join(t.key, ", ")
}

// TableSum is the row count and checksum of one table.
type TableSum struct {
	Rows int64
	// SHA256 is the hex SHA-256 of the sorted SHA-256s of the rows, each
	// over the row's values in a form that does not depend on the engine
	// (a flag is 0 or 1, text and bytes are their bytes, text as
	// PostgreSQL stores it, NULL is marked apart). Sorting the rows' digests rather than the rows makes the
	// result independent of how each engine collates text.
	SHA256 string
}

// Checksums returns the TableSum of every table CopyTo moves, read in one
// snapshot.
func (s *Store) Checksums(ctx context.Context) (map[string]TableSum, error) {
	tx, err := s.read.BeginTx(ctx, s.snapshot())
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out := map[string]TableSum{}
	for _, t := range copyTables {
		sum, err := tableSum(ctx, tx, t)
		if err != nil {
			return nil, fmt.Errorf("checksum %s: %w", t.name, err)
		}
		out[t.name] = sum
	}
	return out, nil
}

func tableSum(ctx context.Context, tx *sql.Tx, t copyTable) (TableSum, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+strings.Join(t.columns, ", ")+` FROM `+t.name)
	if err != nil {
		return TableSum{}, err
	}
	defer rows.Close()
	var digests [][sha256.Size]byte
	vals := make([]any, len(t.columns))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var buf bytes.Buffer
	for rows.Next() {
		for i := range vals {
			vals[i] = nil
		}
		if err := rows.Scan(ptrs...); err != nil {
			return TableSum{}, err
		}
		buf.Reset()
		for _, v := range vals {
			if err := writeValue(&buf, v); err != nil {
				return TableSum{}, err
			}
		}
		digests = append(digests, sha256.Sum256(buf.Bytes()))
	}
	if err := rows.Err(); err != nil {
		return TableSum{}, err
	}
	slices.SortFunc(digests, func(a, b [sha256.Size]byte) int { return bytes.Compare(a[:], b[:]) })
	h := sha256.New()
	for _, d := range digests {
		h.Write(d[:])
	}
	return TableSum{Rows: int64(len(digests)), SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// writeValue writes one value as a kind byte and, for all but NULL, a
// length-prefixed body.
func writeValue(buf *bytes.Buffer, v any) error {
	var kind byte
	var body []byte
	switch x := v.(type) {
	case nil:
		buf.WriteByte('N')
		return nil
	case int64:
		kind, body = 'i', binary.BigEndian.AppendUint64(nil, uint64(x))
	case bool:
		n := uint64(0)
		if x {
			n = 1
		}
		kind, body = 'i', binary.BigEndian.AppendUint64(nil, n)
	case string:
		// As PostgreSQL keeps it: text it cannot hold (NUL, invalid
		// UTF-8) is written there with U+FFFD in its place.
		kind, body = 's', []byte(pgText(x))
	case []byte:
		kind, body = 's', x
	default:
		return fmt.Errorf("unexpected value of type %T", v)
	}
	buf.WriteByte(kind)
	buf.Write(binary.BigEndian.AppendUint64(nil, uint64(len(body))))
	buf.Write(body)
	return nil
}

// BlockRef is a block's key in the blob store and its stored size.
type BlockRef struct {
	// Key is "" for an inline block, whose bytes are a column of its row
	// (copied, and checked, with the table).
	Key         string
	StoredBytes int64
}

// BlockKeys returns the blob key of every block ("" for an inline one),
// in primary-key order.
func (s *Store) BlockKeys(ctx context.Context) ([]BlockRef, error) {
	rows, err := s.read.QueryContext(ctx,
		`SELECT blob_key, stored_bytes FROM recording_blocks ORDER BY project_id, session_id, seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BlockRef
	for rows.Next() {
		var b BlockRef
		if err := rows.Scan(&b.Key, &b.StoredBytes); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
