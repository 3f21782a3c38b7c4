package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Recording is a recorded session's aggregate. Timestamps named TS are rrweb
// milliseconds.
type Recording struct {
	ProjectID          int64
	SessionID          string
	DistinctID         string
	FirstTS, LastTS    int64
	ClickCount         int
	KeypressCount      int
	MouseActivityCount int
	ConsoleLogCount    int
	ConsoleWarnCount   int
	ConsoleErrorCount  int
	ActiveMS           int64
	EventCount         int
	StartURL           string
	StartURLTS         int64
	SnapshotSource     string
	SnapshotLibrary    string
	// Activity is the encoded (timestamp, active) point list of every event.
	Activity       []byte
	BlockCount     int
	RawBytes       int64
	StoredBytes    int64
	CreatedAt      time.Time
	LastIngestedAt time.Time
}

// Block is one immutable block of a recording. Its compressed bytes are
// either in the blob store under BlobKey or, with BlobKey empty, inline in
// the metadata store (Data): ingest writes blocks inline, and compaction
// moves them to the blob store.
type Block struct {
	ProjectID int64
	SessionID string
	Seq       int
	// BlobKey is the block's key in the blob store, or "" for an inline
	// block.
	BlobKey string
	// Data is an inline block's compressed bytes. Only BlockRange and
	// BlockData read it; Blocks leaves it nil.
	Data            []byte
	WindowID        string
	FirstTS, LastTS int64
	EventCount      int
	RawBytes        int64
	StoredBytes     int64
	CreatedAt       time.Time
	// Segments are the snapshot sources of a compacted block, in the order
	// of its JSONL; none for a block that is one source (Sources).
	Segments []Segment
}

// URLVisit is a URL a recording visited and when it was first seen.
type URLVisit struct {
	URL     string
	FirstTS int64
}

// ConsoleEntry is one console message of a recording.
type ConsoleEntry struct {
	TS      int64
	Level   string
	Message string
}

const recordingColumns = `project_id, session_id, distinct_id, first_ts, last_ts, click_count, keypress_count,
	mouse_activity_count, console_log_count, console_warn_count, console_error_count, active_ms, event_count,
	COALESCE(start_url, ''), COALESCE(start_url_ts, 0), snapshot_source, COALESCE(snapshot_library, ''), activity,
	block_count, raw_bytes, stored_bytes, created_at, last_ingested_at`

func scanRecording(sc interface{ Scan(...any) error }) (Recording, error) {
	var r Recording
	var created, ingested int64
	err := sc.Scan(&r.ProjectID, &r.SessionID, &r.DistinctID, &r.FirstTS, &r.LastTS, &r.ClickCount, &r.KeypressCount,
		&r.MouseActivityCount, &r.ConsoleLogCount, &r.ConsoleWarnCount, &r.ConsoleErrorCount, &r.ActiveMS, &r.EventCount,
		&r.StartURL, &r.StartURLTS, &r.SnapshotSource, &r.SnapshotLibrary, &r.Activity,
		&r.BlockCount, &r.RawBytes, &r.StoredBytes, &created, &ingested)
	if err != nil {
		return r, notFound(err)
	}
	r.CreatedAt, r.LastIngestedAt = fromMicros(created), fromMicros(ingested)
	return r, nil
}

// Recording returns one recording of the project.
func (s *Store) Recording(ctx context.Context, projectID int64, sessionID string) (Recording, error) {
	return scanRecording(s.read.QueryRowContext(ctx, s.rebind(
		`SELECT `+recordingColumns+` FROM recordings WHERE project_id = ? AND session_id = ?`), projectID, sessionID))
}

// Recording returns one recording within the transaction. The recording
// stays locked until the transaction ends, so that two transactions that
// read and then update the same recording's aggregate (or create it) take
// turns.
func (t *Tx) Recording(ctx context.Context, projectID int64, sessionID string) (Recording, error) {
	if err := t.lock(ctx, "recording:"+strconv.FormatInt(projectID, 10)+":"+sessionID); err != nil {
		return Recording{}, err
	}
	return scanRecording(t.queryRow(ctx,
		`SELECT `+recordingColumns+` FROM recordings WHERE project_id = ? AND session_id = ?`, projectID, sessionID))
}

// PutRecording inserts the recording or replaces its aggregate.
func (t *Tx) PutRecording(ctx context.Context, r *Recording) error {
	var startURL, startTS, library any
	if r.StartURL != "" {
		startURL, startTS = r.StartURL, r.StartURLTS
	}
	if r.SnapshotLibrary != "" {
		library = r.SnapshotLibrary
	}
	activity := r.Activity
	if activity == nil {
		// No points: an empty value, which the column needs (SQLite reads
		// an empty one back as nil).
		activity = []byte{}
	}
	args := []any{r.ProjectID, r.SessionID, r.DistinctID, r.FirstTS, r.LastTS, r.ClickCount, r.KeypressCount,
		r.MouseActivityCount, r.ConsoleLogCount, r.ConsoleWarnCount, r.ConsoleErrorCount, r.ActiveMS, r.EventCount,
		startURL, startTS, r.SnapshotSource, library, activity, r.BlockCount, r.RawBytes, r.StoredBytes,
		micros(r.CreatedAt), micros(r.LastIngestedAt)}
	q := putRecordingPostgres
	if t.engine == engineSQLite {
		v, err := t.bumpListVersion(ctx, r.ProjectID)
		if err != nil {
			return err
		}
		q, args = putRecordingSQLite, append(args, v)
		t.stamped(r.ProjectID, r.SessionID)
	}
	_, err := t.exec(ctx, q, args...)
	return err
}

// putRecording writes a recording: an upsert of every column, and on
// SQLite its list version (the last argument; see list_changes.go).
func putRecording(listVersion bool) string {
	columns, values, set := "", "", ""
	if listVersion {
		columns, values, set = ", list_version", ", ?", ", list_version = excluded.list_version"
	}
	return `INSERT INTO recordings (project_id, session_id, distinct_id, first_ts, last_ts, click_count,
		  keypress_count, mouse_activity_count, console_log_count, console_warn_count, console_error_count, active_ms,
		  event_count, start_url, start_url_ts, snapshot_source, snapshot_library, activity, block_count, raw_bytes,
		  stored_bytes, created_at, last_ingested_at` + columns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?` + values + `)
		ON CONFLICT (project_id, session_id) DO UPDATE SET
		  distinct_id = excluded.distinct_id, first_ts = excluded.first_ts, last_ts = excluded.last_ts,
		  click_count = excluded.click_count, keypress_count = excluded.keypress_count,
		  mouse_activity_count = excluded.mouse_activity_count, console_log_count = excluded.console_log_count,
		  console_warn_count = excluded.console_warn_count, console_error_count = excluded.console_error_count,
		  active_ms = excluded.active_ms, event_count = excluded.event_count, start_url = excluded.start_url,
		  start_url_ts = excluded.start_url_ts, snapshot_source = excluded.snapshot_source,
		  snapshot_library = excluded.snapshot_library, activity = excluded.activity,
		  block_count = excluded.block_count, raw_bytes = excluded.raw_bytes, stored_bytes = excluded.stored_bytes,
		  last_ingested_at = excluded.last_ingested_at` + set
}

var (
	putRecordingSQLite   = putRecording(true)
	putRecordingPostgres = putRecording(false)
)

// InsertBlock records a block: one whose bytes are already in the blob
// store (BlobKey set, Data nil), or an inline one (BlobKey empty, its
// bytes in Data), committed with the row.
func (t *Tx) InsertBlock(ctx context.Context, b Block) error {
	if (b.BlobKey == "") == (b.Data == nil) {
		return fmt.Errorf("store: block %s/%d needs either a blob key or inline data", b.SessionID, b.Seq)
	}
	var data any
	if b.Data != nil {
		data = b.Data
	}
	var segments any
	if len(b.Segments) > 0 {
		segments = encodeSegments(b.Segments)
	}
	_, err := t.exec(ctx, `INSERT INTO recording_blocks (project_id, session_id, seq, blob_key, data, window_id,
		  first_ts, last_ts, event_count, raw_bytes, stored_bytes, created_at, segments)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.ProjectID, b.SessionID, b.Seq, b.BlobKey, data, b.WindowID, b.FirstTS, b.LastTS, b.EventCount, b.RawBytes,
		b.StoredBytes, micros(b.CreatedAt), segments)
	return err
}

// maxRowsPerInsert caps the rows of one multi-row INSERT, well below the
// bound parameters SQLite and PostgreSQL take in one statement.
const maxRowsPerInsert = 500

// valueRows returns "(?, ?), (?, ?)" for n rows of width values.
func valueRows(n, width int) string {
	row := "(" + placeholders(width) + ")"
	var b strings.Builder
	b.Grow(n * (len(row) + 2))
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// insertRows runs one INSERT per chunk of at most maxRowsPerInsert rows:
// head is the statement up to VALUES, tail what follows the rows, and row
// appends the values of row i to args. It returns the rows affected.
func (t *Tx) insertRows(ctx context.Context, n, width int, head, tail string, row func(i int, args []any) []any) (int64, error) {
	var affected int64
	args := make([]any, 0, min(n, maxRowsPerInsert)*width)
	for start := 0; start < n; start += maxRowsPerInsert {
		end := min(n, start+maxRowsPerInsert)
		args = args[:0]
		for i := start; i < end; i++ {
			args = row(i, args)
		}
		res, err := t.exec(ctx, head+" VALUES "+valueRows(end-start, width)+" "+tail, args...)
		if err != nil {
			return affected, err
		}
		k, err := res.RowsAffected()
		if err != nil {
			return affected, err
		}
		affected += k
	}
	return affected, nil
}

// AddURLs records visited URLs, keeping each URL's earliest timestamp.
func (t *Tx) AddURLs(ctx context.Context, projectID int64, sessionID string, urls []URLVisit) error {
	// One statement may not update a row twice (PostgreSQL): one row per URL.
	byURL := make(map[string]int64, len(urls))
	var list []URLVisit
	for _, u := range urls {
		if ts, ok := byURL[u.URL]; !ok {
			byURL[u.URL] = u.FirstTS
			list = append(list, u)
		} else if u.FirstTS < ts {
			byURL[u.URL] = u.FirstTS
		}
	}
	t.touch(projectID, sessionID)
	_, err := t.insertRows(ctx, len(list), 4, `INSERT INTO recording_urls (project_id, session_id, url, first_ts)`,
		`ON CONFLICT (project_id, session_id, url) DO UPDATE SET first_ts =
		  CASE WHEN excluded.first_ts < recording_urls.first_ts THEN excluded.first_ts ELSE recording_urls.first_ts END`,
		func(i int, args []any) []any {
			return append(args, projectID, sessionID, list[i].URL, byURL[list[i].URL])
		})
	return err
}

// AddConsole records console messages.
func (t *Tx) AddConsole(ctx context.Context, projectID int64, sessionID string, entries []ConsoleEntry) error {
	t.touch(projectID, sessionID)
	_, err := t.insertRows(ctx, len(entries), 5, `INSERT INTO recording_console (project_id, session_id, ts, level, message)`, "",
		func(i int, args []any) []any {
			c := entries[i]
			return append(args, projectID, sessionID, c.TS, c.Level, c.Message)
		})
	return err
}

// ClaimSnapshotUUIDs records the uuids and returns how many of them had been
// recorded before (a uuid listed twice counts as recorded before the second
// time).
func (t *Tx) ClaimSnapshotUUIDs(ctx context.Context, projectID int64, uuids []string, now time.Time) (int, error) {
	created := micros(now)
	inserted, err := t.insertRows(ctx, len(uuids), 3, `INSERT INTO snapshot_uuids (project_id, uuid, created_at)`,
		`ON CONFLICT (project_id, uuid) DO NOTHING`,
		func(i int, args []any) []any { return append(args, projectID, uuids[i], created) })
	if err != nil {
		return 0, err
	}
	return len(uuids) - int(inserted), nil
}

// Blocks lists a recording's blocks in time order, without the bytes of
// inline blocks (see BlockRange and BlockData).
func (s *Store) Blocks(ctx context.Context, projectID int64, sessionID string) ([]Block, error) {
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT project_id, session_id, seq, blob_key, window_id, first_ts,
		  last_ts, event_count, raw_bytes, stored_bytes, created_at, segments
		FROM recording_blocks WHERE project_id = ? AND session_id = ? ORDER BY first_ts, seq`), projectID, sessionID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (Block, error) {
		var b Block
		var created int64
		var segments []byte
		err := sc.Scan(&b.ProjectID, &b.SessionID, &b.Seq, &b.BlobKey, &b.WindowID, &b.FirstTS, &b.LastTS,
			&b.EventCount, &b.RawBytes, &b.StoredBytes, &created, &segments)
		b.CreatedAt = fromMicros(created)
		if err == nil {
			b.Segments, err = decodeSegments(segments)
		}
		return b, err
	})
}

// Viewer is a user who watched a recording.
type Viewer struct {
	UserID int64
	Email  string
}

// Viewers returns the users who watched the recording, first viewer first.
func (s *Store) Viewers(ctx context.Context, projectID int64, sessionID string) ([]Viewer, error) {
	viewers, err := s.ViewersOf(ctx, projectID, []string{sessionID})
	return viewers[sessionID], err
}

// ViewersOf returns, by session id, the users who watched each recording,
// first viewer first; one query serves any number of recordings.
func (s *Store) ViewersOf(ctx context.Context, projectID int64, sessionIDs []string) (map[string][]Viewer, error) {
	out := map[string][]Viewer{}
	if len(sessionIDs) == 0 {
		return out, nil
	}
	args := []any{projectID}
	for _, id := range sessionIDs {
		args = append(args, id)
	}
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT v.session_id, u.id, u.email FROM recording_views v
		JOIN users u ON u.id = v.user_id WHERE v.project_id = ? AND v.session_id IN (`+placeholders(len(sessionIDs))+`)
		ORDER BY v.viewed_at, u.id`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var session string
		var v Viewer
		if err := rows.Scan(&session, &v.UserID, &v.Email); err != nil {
			return nil, err
		}
		out[session] = append(out[session], v)
	}
	return out, rows.Err()
}
