package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ErrRecordingChanged is returned by ReplaceBlocks when the recording got
// new blocks (or was deleted) after its blocks were read.
var ErrRecordingChanged = errors.New("store: the recording changed while its blocks were rewritten")

// CompactionCandidates lists up to limit recordings that hold blocks not
// written by compaction and received nothing since before, oldest first.
// Every block ingest writes (inline) counts in block_count and not in
// compacted_blocks, so a recording with an inline block is a candidate.
func (s *Store) CompactionCandidates(ctx context.Context, before time.Time, limit int) ([]RecordingKey, error) {
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT project_id, session_id FROM recordings
		WHERE block_count > compacted_blocks AND last_ingested_at < ?
		ORDER BY last_ingested_at LIMIT ?`), micros(before), limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (RecordingKey, error) {
		var k RecordingKey
		return k, sc.Scan(&k.ProjectID, &k.SessionID)
	})
}

// BlockState is what a recording's blocks were read at: ReplaceBlocks
// proceeds only if it still holds.
type BlockState struct {
	BlockCount     int
	LastIngestedAt time.Time
}

// ReplaceBlocks swaps all of a recording's block rows for blocks, numbered
// seq 0, 1, … in the order given, whose bytes are already in the blob
// store, and marks them all as compacted. It runs in one transaction under
// the recording's lock (the one ingest takes), and only if the recording
// is still at state; otherwise it returns ErrRecordingChanged and changes
// nothing. The old rows go with their inline data, if any. It returns the
// blob keys of the removed rows that had one (inline blocks have none),
// which nothing refers to once it returns. With no blocks, it only marks
// the existing ones as compacted.
func (s *Store) ReplaceBlocks(ctx context.Context, projectID int64, sessionID string, state BlockState, blocks []Block) ([]string, error) {
	var old []string
	err := s.Write(ctx, func(tx *Tx) error {
		old = nil
		r, err := tx.Recording(ctx, projectID, sessionID)
		if errors.Is(err, ErrNotFound) {
			return ErrRecordingChanged
		} else if err != nil {
			return err
		}
		if r.BlockCount != state.BlockCount || !r.LastIngestedAt.Equal(state.LastIngestedAt) {
			return ErrRecordingChanged
		}
		if len(blocks) == 0 {
			_, err := tx.exec(ctx, `UPDATE recordings SET compacted_blocks = block_count
				WHERE project_id = ? AND session_id = ?`, projectID, sessionID)
			return err
		}
		rows, err := tx.query(ctx, `SELECT blob_key FROM recording_blocks WHERE project_id = ? AND session_id = ?`,
			projectID, sessionID)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return err
			}
			n++
			if k != "" {
				old = append(old, k)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if n != state.BlockCount {
			return ErrRecordingChanged
		}
		if _, err := tx.exec(ctx, `DELETE FROM recording_blocks WHERE project_id = ? AND session_id = ?`,
			projectID, sessionID); err != nil {
			return err
		}
		var stored int64
		for i, b := range blocks {
			b.ProjectID, b.SessionID, b.Seq = projectID, sessionID, i
			if err := tx.InsertBlock(ctx, b); err != nil {
				return err
			}
			stored += b.StoredBytes
		}
		_, err = tx.exec(ctx, `UPDATE recordings SET block_count = ?, compacted_blocks = ?, stored_bytes = ?
			WHERE project_id = ? AND session_id = ?`, len(blocks), len(blocks), stored, projectID, sessionID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return old, nil
}

// FirstBlock returns the row of a recording's block seq 0, without its
// inline bytes. Once a recording is compacted this is its first compacted
// block, the one the dictionary of the later compacted blocks is taken
// from; later batches get later seqs. A recording without blocks is
// ErrNotFound.
func (s *Store) FirstBlock(ctx context.Context, projectID int64, sessionID string) (Block, error) {
	b := Block{ProjectID: projectID, SessionID: sessionID}
	var created int64
	err := s.read.QueryRowContext(ctx, s.rebind(`SELECT seq, blob_key, window_id, first_ts, last_ts, event_count,
		  raw_bytes, stored_bytes, created_at
		FROM recording_blocks WHERE project_id = ? AND session_id = ? AND seq = 0`), projectID, sessionID).
		Scan(&b.Seq, &b.BlobKey, &b.WindowID, &b.FirstTS, &b.LastTS, &b.EventCount, &b.RawBytes, &b.StoredBytes, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Block{}, ErrNotFound
	}
	b.CreatedAt = fromMicros(created)
	return b, err
}
