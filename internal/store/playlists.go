package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"
)

// Playlist is a session recording playlist: a collection of pinned
// recordings or a saved filter.
type Playlist struct {
	ID             int64
	ProjectID      int64
	ShortID        string
	Name           *string
	DerivedName    *string
	Description    string
	Pinned         bool
	Deleted        bool
	Filters        json.RawMessage
	Type           string
	CreatedAt      time.Time
	CreatedBy      *User
	LastModifiedAt time.Time
	LastModifiedBy *User
}

// PlaylistQuery selects and orders a project's non-deleted playlists.
type PlaylistQuery struct {
	ProjectID int64
	// Search is a case-insensitive substring of name or derived_name.
	Search             string
	CreatedBy          *int64
	Pinned             *bool
	Type               string
	ShortID            string
	SessionRecordingID string
	// ModifiedAfter and ModifiedBefore bound last_modified_at (exclusive).
	ModifiedAfter  *time.Time
	ModifiedBefore *time.Time
	// Order is last_modified_at, created_at or name.
	Order  string
	Desc   bool
	Limit  int
	Offset int
}

// CollectionCount is how many recordings a collection pins, and how many
// of those one user has watched.
type CollectionCount struct {
	Count   int
	Watched int
}

// InsertPlaylist stores a new playlist and fills in its id. It returns
// ErrConflict when the short id is taken in the project.
func (s *Store) InsertPlaylist(ctx context.Context, p *Playlist) error {
	err := s.write.QueryRowContext(ctx, s.rebind(
		`INSERT INTO playlists (project_id, short_id, name, derived_name, description, pinned, deleted, filters,
		   type, created_at, created_by, last_modified_at, last_modified_by)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		p.ProjectID, p.ShortID, p.Name, p.DerivedName, p.Description, p.Pinned, p.Deleted, string(p.Filters),
		p.Type, micros(p.CreatedAt), userID(p.CreatedBy), micros(p.LastModifiedAt), userID(p.LastModifiedBy)).Scan(&p.ID)
	if isUnique(err) {
		return ErrConflict
	}
	return err
}

// UpdatePlaylist writes back every changeable field of p.
func (s *Store) UpdatePlaylist(ctx context.Context, p *Playlist) error {
	res, err := s.write.ExecContext(ctx, s.rebind(
		`UPDATE playlists SET name = ?, derived_name = ?, description = ?, pinned = ?, deleted = ?, filters = ?,
		   last_modified_at = ?, last_modified_by = ?
		 WHERE id = ? AND project_id = ?`),
		p.Name, p.DerivedName, p.Description, p.Pinned, p.Deleted, string(p.Filters),
		micros(p.LastModifiedAt), userID(p.LastModifiedBy), p.ID, p.ProjectID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

const playlistSelect = `SELECT p.id, p.project_id, p.short_id, p.name, p.derived_name, p.description, p.pinned,
	p.deleted, p.filters, p.type, p.created_at, p.last_modified_at,
	cb.id, cb.uuid, cb.email, cb.first_name, cb.last_name, cb.distinct_id, cb.is_email_verified, cb.created_at,
	lm.id, lm.uuid, lm.email, lm.first_name, lm.last_name, lm.distinct_id, lm.is_email_verified, lm.created_at
	FROM playlists p
	LEFT JOIN users cb ON cb.id = p.created_by
	LEFT JOIN users lm ON lm.id = p.last_modified_by`

// nullUser scans a LEFT JOINed user that may be absent.
type nullUser struct {
	id, created                        sql.NullInt64
	verified                           sql.NullBool
	uuid, email, first, last, distinct sql.NullString
}

func (n *nullUser) dests() []any {
	return []any{&n.id, &n.uuid, &n.email, &n.first, &n.last, &n.distinct, &n.verified, &n.created}
}

func (n *nullUser) user() *User {
	if !n.id.Valid {
		return nil
	}
	return &User{ID: n.id.Int64, UUID: n.uuid.String, Email: n.email.String, FirstName: n.first.String,
		LastName: n.last.String, DistinctID: n.distinct.String, IsEmailVerified: n.verified.Bool,
		CreatedAt: fromMicros(n.created.Int64)}
}

func scanPlaylist(sc interface{ Scan(...any) error }) (Playlist, error) {
	var p Playlist
	var filters string
	var created, modified int64
	var cb, lm nullUser
	dests := append([]any{&p.ID, &p.ProjectID, &p.ShortID, &p.Name, &p.DerivedName, &p.Description, &p.Pinned,
		&p.Deleted, &filters, &p.Type, &created, &modified}, cb.dests()...)
	if err := sc.Scan(append(dests, lm.dests()...)...); err != nil {
		return p, notFound(err)
	}
	p.Filters = json.RawMessage(filters)
	p.CreatedAt, p.LastModifiedAt = fromMicros(created), fromMicros(modified)
	p.CreatedBy, p.LastModifiedBy = cb.user(), lm.user()
	return p, nil
}

// Playlist returns a project's playlist by short id; a soft-deleted one
// only when withDeleted is set.
func (s *Store) Playlist(ctx context.Context, projectID int64, shortID string, withDeleted bool) (Playlist, error) {
	q := playlistSelect + ` WHERE p.project_id = ? AND p.short_id = ?`
	if !withDeleted {
		q += ` AND p.deleted = FALSE`
	}
	return scanPlaylist(s.read.QueryRowContext(ctx, s.rebind(q), projectID, shortID))
}

// Playlists returns one page of the playlists q selects and how many it
// selects in all.
func (s *Store) Playlists(ctx context.Context, q PlaylistQuery) ([]Playlist, int, error) {
	where := []string{`p.project_id = ?`, `p.deleted = FALSE`}
	args := []any{q.ProjectID}
	if q.Search != "" {
		// The database folds the term as it folds the names (SQLite's LOWER
		// folds ASCII letters only, PostgreSQL's those of its locale).
		pattern := "%" + escapeLike(q.Search) + "%"
		where = append(where, `(LOWER(COALESCE(p.name, '')) LIKE LOWER(?) ESCAPE '\' OR LOWER(COALESCE(p.derived_name, '')) LIKE LOWER(?) ESCAPE '\')`)
		args = append(args, pattern, pattern)
	}
	if q.CreatedBy != nil {
		where = append(where, `p.created_by = ?`)
		args = append(args, *q.CreatedBy)
	}
	if q.Pinned != nil {
		where = append(where, `p.pinned = ?`)
		args = append(args, *q.Pinned)
	}
	if q.Type != "" {
		where = append(where, `p.type = ?`)
		args = append(args, q.Type)
	}
	if q.ShortID != "" {
		where = append(where, `p.short_id = ?`)
		args = append(args, q.ShortID)
	}
	if q.SessionRecordingID != "" {
		where = append(where, `EXISTS (SELECT 1 FROM playlist_items i WHERE i.playlist_id = p.id AND i.session_id = ?)`)
		args = append(args, q.SessionRecordingID)
	}
	if q.ModifiedAfter != nil {
		where = append(where, `p.last_modified_at > ?`)
		args = append(args, micros(*q.ModifiedAfter))
	}
	if q.ModifiedBefore != nil {
		where = append(where, `p.last_modified_at < ?`)
		args = append(args, micros(*q.ModifiedBefore))
	}
	cond := ` WHERE ` + strings.Join(where, ` AND `)

	var total int
	if err := s.read.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM playlists p`+cond), args...).Scan(&total); err != nil {
		return nil, 0, err
	}

	key := map[string]string{
		"created_at": "p.created_at",
		"name":       "LOWER(COALESCE(p.name, ''))",
	}[q.Order]
	if key == "" {
		key = "p.last_modified_at"
	}
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	order := ` ORDER BY ` + key + dir + `, p.id` + dir
	rows, err := s.read.QueryContext(ctx, s.rebind(playlistSelect+cond+order+` LIMIT ? OFFSET ?`),
		append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	list, err := collect(rows, scanPlaylist)
	return list, total, err
}

// CollectionCounts returns, for each of the playlists that pins anything,
// how many recordings it pins and how many of those the user has watched.
func (s *Store) CollectionCounts(ctx context.Context, projectID int64, playlistIDs []int64, userID int64) (map[int64]CollectionCount, error) {
	counts := make(map[int64]CollectionCount, len(playlistIDs))
	if len(playlistIDs) == 0 {
		return counts, nil
	}
	args := []any{projectID, userID}
	for _, id := range playlistIDs {
		args = append(args, id)
	}
	rows, err := s.read.QueryContext(ctx, s.rebind(
		`SELECT i.playlist_id, COUNT(*), COUNT(v.user_id)
		 FROM playlist_items i
		 LEFT JOIN recording_views v ON v.project_id = ? AND v.session_id = i.session_id AND v.user_id = ?
		 WHERE i.playlist_id IN (`+placeholders(len(playlistIDs))+`)
		 GROUP BY i.playlist_id`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c CollectionCount
		if err := rows.Scan(&id, &c.Count, &c.Watched); err != nil {
			return nil, err
		}
		counts[id] = c
	}
	return counts, rows.Err()
}

// userID is the id of u, or NULL.
func userID(u *User) any {
	if u == nil {
		return nil
	}
	return u.ID
}

// escapeLike escapes LIKE's wildcards so that s matches itself.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// FiltersPlaylist is a filters playlist as the counts refresh needs it.
type FiltersPlaylist struct {
	ID            int64
	ProjectID     int64
	Filters       json.RawMessage
	RetentionDays int
	// RefreshedAt is when its count was last refreshed; zero if never.
	RefreshedAt time.Time
}

// FiltersPlaylists lists every filters playlist that is not deleted,
// least recently counted first.
func (s *Store) FiltersPlaylists(ctx context.Context) ([]FiltersPlaylist, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT p.id, p.project_id, p.filters, pr.retention_days, COALESCE(c.refreshed_at, 0)
		FROM playlists p JOIN projects pr ON pr.id = p.project_id
		LEFT JOIN playlist_counts c ON c.playlist_id = p.id
		WHERE p.type = 'filters' AND p.deleted = FALSE
		ORDER BY COALESCE(c.refreshed_at, 0), p.id`)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (FiltersPlaylist, error) {
		var f FiltersPlaylist
		var filters string
		var refreshed int64
		err := sc.Scan(&f.ID, &f.ProjectID, &filters, &f.RetentionDays, &refreshed)
		f.Filters = json.RawMessage(filters)
		if refreshed > 0 {
			f.RefreshedAt = fromMicros(refreshed)
		}
		return f, err
	})
}
