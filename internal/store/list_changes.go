package store

import (
	"context"
	"database/sql"
	"time"
)

// How writes tell the count cache what changed (SQLite).
//
// Every recording carries the list version of its last change that a list
// can see (recordings.list_version, migration 00008). A transaction that
// changes a project's recordings moves the project's list version forward
// once and stamps the recordings it changed with the new version: the
// recording itself when it is written, and, before the commit, each
// recording whose URLs, console messages or events it added without
// writing the recording. Triggers do the same for views, persons and
// distinct ids, and for a recording written or changed without a stamp.
// Since SQLite runs one write transaction at a time, a recording changed
// after a count was read at version V is stamped later than V, so the
// count is brought up to date from those recordings alone (count_cache.go).
// A trigger logs the row ids of deleted recordings in list_removals, with
// the version of their deletion, for the same purpose.

// bumpListVersion moves the project's list version forward, once per
// transaction, and returns the version the transaction stamps the
// project's recordings with.
func (t *Tx) bumpListVersion(ctx context.Context, projectID int64) (int64, error) {
	if v, ok := t.listVersions[projectID]; ok {
		return v, nil
	}
	var v int64
	err := t.queryRow(ctx, `INSERT INTO list_versions (project_id, version) VALUES (?, 1)
		ON CONFLICT (project_id) DO UPDATE SET version = list_versions.version + 1 RETURNING version`,
		projectID).Scan(&v)
	if err != nil {
		return 0, err
	}
	if t.listVersions == nil {
		t.listVersions = make(map[int64]int64)
	}
	t.listVersions[projectID] = v
	return v, nil
}

// stamped notes that the transaction stamped the recording.
func (t *Tx) stamped(projectID int64, sessionID string) {
	if t.stamps == nil {
		t.stamps = make(map[RecordingKey]bool)
	}
	t.stamps[RecordingKey{projectID, sessionID}] = true
}

// touch notes that the transaction changed what a list reads of the
// recording (its URLs, console messages or events), for stampTouched.
func (t *Tx) touch(projectID int64, sessionID string) {
	if t.engine != engineSQLite || sessionID == "" {
		return
	}
	k := RecordingKey{projectID, sessionID}
	if _, ok := t.stamps[k]; ok {
		return
	}
	if t.stamps == nil {
		t.stamps = make(map[RecordingKey]bool)
	}
	t.stamps[k] = false
}

// stampTouched stamps the recordings the transaction touched but did not
// write, just before it commits. A recording that does not exist (yet)
// needs none: it is stamped when it is written.
func (t *Tx) stampTouched(ctx context.Context) error {
	for k, done := range t.stamps {
		if done {
			continue
		}
		v, err := t.bumpListVersion(ctx, k.ProjectID)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE recordings SET list_version = ? WHERE project_id = ? AND session_id = ?`,
			v, k.ProjectID, k.SessionID); err != nil {
			return err
		}
	}
	return nil
}

// ListRemovalsKept is how long the row ids of deleted recordings are kept
// for the count cache: a count read longer ago than that, and not listed
// since, is read again in full.
const ListRemovalsKept = time.Hour

// TrimListRemovals forgets the deleted recordings logged before the given
// time and returns how many it forgot (none on PostgreSQL, which logs
// none).
func (s *Store) TrimListRemovals(ctx context.Context, before time.Time) (int64, error) {
	if s.engine != engineSQLite {
		return 0, nil
	}
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		// A set read at a version up to the last one forgotten cannot be
		// brought up to date any more.
		if _, err := tx.ExecContext(ctx, `UPDATE list_versions SET trimmed = (SELECT MAX(r.version) FROM list_removals r
			WHERE r.project_id = list_versions.project_id AND r.removed_at < ?)
			WHERE EXISTS (SELECT 1 FROM list_removals r WHERE r.project_id = list_versions.project_id AND r.removed_at < ?)`,
			micros(before), micros(before)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM list_removals WHERE removed_at < ?`, micros(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
