package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"
)

// MarkViewed records that the user watched the recording; the first view
// is kept.
func (s *Store) MarkViewed(ctx context.Context, projectID int64, sessionID string, userID int64, now time.Time) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO recording_views (project_id, session_id, user_id, viewed_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (project_id, session_id, user_id) DO NOTHING`),
		projectID, sessionID, userID, micros(now))
	return err
}

// DeleteRecording removes a recording's rows for good (inline blocks go
// with them) and returns the blob keys of its blocks in the blob store,
// for the caller to delete. Deleting a recording that does not exist is
// not an error.
func (s *Store) DeleteRecording(ctx context.Context, projectID int64, sessionID string) ([]string, error) {
	var keys []string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		keys = nil
		rows, err := tx.QueryContext(ctx, s.rebind(
			`SELECT blob_key FROM recording_blocks WHERE project_id = ? AND session_id = ? AND blob_key <> ''`),
			projectID, sessionID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return err
			}
			keys = append(keys, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, table := range []string{"recording_blocks", "recording_urls", "recording_console", "recording_views", "recordings"} {
			if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM `+table+` WHERE project_id = ? AND session_id = ?`),
				projectID, sessionID); err != nil {
				return err
			}
		}
		return nil
	})
	return keys, err
}

// RecordingKey names one recording.
type RecordingKey struct {
	ProjectID int64
	SessionID string
}

// ExpiredRecordings lists up to limit recordings that started more than
// their project's retention before now.
func (s *Store) ExpiredRecordings(ctx context.Context, now time.Time, limit int) ([]RecordingKey, error) {
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT r.project_id, r.session_id FROM recordings r
		JOIN projects p ON p.id = r.project_id
		WHERE r.first_ts <= CAST(? AS BIGINT) - p.retention_days * CAST(86400000 AS BIGINT)
		ORDER BY r.first_ts LIMIT ?`), now.UnixMilli(), limit)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (RecordingKey, error) {
		var k RecordingKey
		return k, sc.Scan(&k.ProjectID, &k.SessionID)
	})
}

// AddPlaylistItem pins a recording to a playlist; pinning it again changes
// nothing.
func (s *Store) AddPlaylistItem(ctx context.Context, playlistID int64, sessionID string, now time.Time) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO playlist_items (playlist_id, session_id, created_at)
		VALUES (?, ?, ?) ON CONFLICT (playlist_id, session_id) DO NOTHING`), playlistID, sessionID, micros(now))
	return err
}

// RemovePlaylistItem unpins a recording; ErrNotFound when it was not pinned.
func (s *Store) RemovePlaylistItem(ctx context.Context, playlistID int64, sessionID string) error {
	res, err := s.write.ExecContext(ctx, s.rebind(`DELETE FROM playlist_items WHERE playlist_id = ? AND session_id = ?`),
		playlistID, sessionID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// PlaylistItems lists a playlist's pinned session ids, most recently pinned
// first.
func (s *Store) PlaylistItems(ctx context.Context, playlistID int64) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT session_id FROM playlist_items WHERE playlist_id = ?
		ORDER BY created_at DESC, session_id`), playlistID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (string, error) {
		var id string
		return id, sc.Scan(&id)
	})
}

// SavedFilterCount is the last count of a filters playlist's matches.
type SavedFilterCount struct {
	PlaylistID    int64
	Count         int
	HasMore       bool
	PreviousCount *int
	SessionIDs    []string
	RefreshedAt   time.Time
}

// PutSavedFilterCount stores a new count, keeping the one before as the
// previous count.
func (s *Store) PutSavedFilterCount(ctx context.Context, c SavedFilterCount) error {
	ids, err := json.Marshal(c.SessionIDs)
	if err != nil {
		return err
	}
	_, err = s.write.ExecContext(ctx, s.rebind(`INSERT INTO playlist_counts (playlist_id, count, has_more, previous_count,
		  session_ids, refreshed_at) VALUES (?, ?, ?, NULL, ?, ?)
		ON CONFLICT (playlist_id) DO UPDATE SET previous_count = playlist_counts.count, count = excluded.count,
		  has_more = excluded.has_more, session_ids = excluded.session_ids, refreshed_at = excluded.refreshed_at`),
		c.PlaylistID, c.Count, c.HasMore, string(ids), micros(c.RefreshedAt))
	return err
}

// SavedFilterCounts returns the stored counts of the playlists that have one.
func (s *Store) SavedFilterCounts(ctx context.Context, playlistIDs []int64) (map[int64]SavedFilterCount, error) {
	out := map[int64]SavedFilterCount{}
	if len(playlistIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(playlistIDs))
	for i, id := range playlistIDs {
		args[i] = id
	}
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT playlist_id, count, has_more, previous_count, session_ids,
		refreshed_at FROM playlist_counts WHERE playlist_id IN (`+placeholders(len(args))+`)`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c SavedFilterCount
		var ids string
		var refreshed int64
		if err := rows.Scan(&c.PlaylistID, &c.Count, &c.HasMore, &c.PreviousCount, &ids, &refreshed); err != nil {
			return nil, err
		}
		json.Unmarshal([]byte(ids), &c.SessionIDs)
		c.RefreshedAt = fromMicros(refreshed)
		out[c.PlaylistID] = c
	}
	return out, rows.Err()
}

// ViewedBy returns which of the sessions the user has viewed.
func (s *Store) ViewedBy(ctx context.Context, projectID, userID int64, sessionIDs []string) (map[string]bool, error) {
	out := map[string]bool{}
	for start := 0; start < len(sessionIDs); start += 500 {
		chunk := sessionIDs[start:min(start+500, len(sessionIDs))]
		args := []any{projectID, userID}
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT session_id FROM recording_views
			WHERE project_id = ? AND user_id = ? AND session_id IN (`+placeholders(len(chunk))+`)`), args...)
		if err != nil {
			return nil, err
		}
		ids, err := collect(rows, func(sc interface{ Scan(...any) error }) (string, error) {
			var id string
			return id, sc.Scan(&id)
		})
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			out[id] = true
		}
	}
	return out, nil
}
