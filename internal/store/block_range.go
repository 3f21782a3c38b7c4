package store

import (
	"context"
	"database/sql"
	"errors"
)

// BlockRange returns up to limit of a recording's blocks, skipping the
// first offset, in the order Blocks lists them (time order), inline
// blocks with their bytes in Data. Fewer than limit come back when the
// recording has fewer blocks past offset.
func (s *Store) BlockRange(ctx context.Context, projectID int64, sessionID string, offset, limit int) ([]Block, error) {
	return blockRange(ctx, s.read, s.rebind, projectID, sessionID, offset, limit)
}

// querier is what blockRange reads through: the read pool or a read
// transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func blockRange(ctx context.Context, q querier, rebind func(string) string, projectID int64, sessionID string, offset, limit int) ([]Block, error) {
	rows, err := q.QueryContext(ctx, rebind(`SELECT seq, blob_key, data, window_id, first_ts, last_ts,
		  event_count, raw_bytes, stored_bytes, created_at, segments
		FROM recording_blocks WHERE project_id = ? AND session_id = ? ORDER BY first_ts, seq LIMIT ? OFFSET ?`),
		projectID, sessionID, limit, offset)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (Block, error) {
		b := Block{ProjectID: projectID, SessionID: sessionID}
		var created int64
		var segments []byte
		err := sc.Scan(&b.Seq, &b.BlobKey, &b.Data, &b.WindowID, &b.FirstTS, &b.LastTS, &b.EventCount, &b.RawBytes,
			&b.StoredBytes, &created, &segments)
		b.CreatedAt = fromMicros(created)
		if err == nil {
			b.Segments, err = decodeSegments(segments)
		}
		return b, err
	})
}

// BlockData returns the bytes of one of a recording's inline blocks, and
// nil for a block whose bytes are in the blob store. A block that does
// not exist is ErrNotFound.
func (s *Store) BlockData(ctx context.Context, projectID int64, sessionID string, seq int) ([]byte, error) {
	var data []byte
	err := s.read.QueryRowContext(ctx, s.rebind(`SELECT data FROM recording_blocks
		WHERE project_id = ? AND session_id = ? AND seq = ?`), projectID, sessionID, seq).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return data, err
}
