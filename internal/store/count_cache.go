package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
)

// How the recordings list counts on SQLite.
//
// Counting a list means reading every recording that matches, which at a
// million recordings costs far more than reading one page. So the store
// keeps, per project and condition, the set of recordings that matched (as
// a bitmap of their row ids), with the project's list version it was read
// at and the start bound it was read from. Writes stamp every recording
// they change with a new list version (list_changes.go), so a cached set is
// brought up to date by reading the recordings stamped since it was read,
// taking them out of the set and putting back those that match now; there
// are few of them even while recordings arrive continuously. As time
// passes, the retention bound (or a list's own start bound, date_from)
// moves forward: the recordings that started between the two bounds are
// taken out, or, for a list that read the clock a moment before the cached
// one, added. Deleted recordings are taken out by their row ids, which a
// trigger logs in list_removals (kept for an hour: TrimListRemovals). The
// count is always exact, in the list's own snapshot. A set is read in full
// the first time a condition is listed, when it is older than the removals
// kept, and when more than maxCatchUp recordings changed since it was read.
//
// PostgreSQL counts every time: it counts quickly with index-only and
// parallel scans, and sequences or counters updated by every write would
// serialise concurrent writers across nodes.

// smallMatchSet is the most matches whose page is read from the matches
// alone, by row id, instead of by scanning the project's recordings in
// order for the few that match.
var smallMatchSet = 5000

// maxCatchUp is the most changed recordings a cached set is brought up to
// date with; past it, the set is read again in full.
var maxCatchUp = 20000

// maxCachedCounts bounds the counts kept per store; the least recently
// used goes first. A set of half a million recordings takes about 100 KB.
const maxCachedCounts = 64

// matchSet is what a count found: how many recordings match and, when the
// store caches counts, their row ids.
type matchSet struct {
	count int
	rows  *roaring64.Bitmap
}

// small reports whether the matches are few enough to page from their row
// ids.
func (m matchSet) small() bool { return m.rows != nil && m.count <= smallMatchSet }

// countEntry is a cached count. Its set is never changed once stored: an
// update stores a new entry.
type countEntry struct {
	// version is the project's list version the set was read at.
	version int64
	// from is the start bound the set was read from.
	from int64
	set  matchSet
	// used is when the entry was last stored or used; reused is set once
	// the key was listed again.
	used   time.Time
	reused bool
}

// newer reports whether e was read later than old (or from a later bound).
func (e *countEntry) newer(old *countEntry) bool {
	if e.version != old.version {
		return e.version > old.version
	}
	return e.from > old.from
}

// CountCacheStats says how the store's list counts were answered since it
// was opened.
type CountCacheStats struct {
	// Hits were answered from a cached set as it was.
	Hits int64
	// Updates were answered from a cached set brought up to date.
	Updates int64
	// Misses were read in full.
	Misses int64
}

// countCache holds one store's cached counts.
type countCache struct {
	mu      sync.Mutex
	entries map[string]*countEntry
	stats   CountCacheStats
}

// CountCacheStats reports how the list counts were answered since the
// store was opened (all zero on PostgreSQL, which does not cache them).
func (s *Store) CountCacheStats() CountCacheStats {
	c := s.counts
	if c == nil {
		return CountCacheStats{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

func (c *countCache) get(key string) *countEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries[key]
}

// count adds one answer to the stats.
func (c *countCache) count(stat *int64) {
	c.mu.Lock()
	*stat++
	c.mu.Unlock()
}

// hit counts a list answered from e as it was.
func (c *countCache) hit(e *countEntry) {
	c.mu.Lock()
	c.stats.Hits++
	e.used, e.reused = time.Now(), true
	c.mu.Unlock()
}

// put keeps e unless the cache holds a newer entry for the key. When the
// cache is full, the least recently used entry goes, but one that was
// never used again goes first: a list whose condition changes with every
// request (a relative date_to, say) then only pushes out its own kind.
func (c *countCache) put(key string, e *countEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.used = time.Now()
	old, ok := c.entries[key]
	if ok {
		e.reused = true
		if !e.newer(old) {
			old.used, old.reused = e.used, true
			return
		}
	}
	if !ok && len(c.entries) >= maxCachedCounts {
		var oldest string
		for k, v := range c.entries {
			if o := c.entries[oldest]; oldest == "" || v.reused == o.reused && v.used.Before(o.used) || o.reused && !v.reused {
				oldest = k
			}
		}
		delete(c.entries, oldest)
	}
	c.entries[key] = e
}

// countKey identifies a project's condition: its SQL and arguments, and
// whether it bounds the start (not the bound itself, which moves).
func countKey(projectID int64, c Condition) string {
	var b strings.Builder
	b.WriteString(strconv.FormatInt(projectID, 10))
	b.WriteByte(0)
	b.WriteString(c.SQL)
	if c.From != 0 {
		b.WriteString("\x00from")
	}
	for _, a := range c.Args {
		b.WriteByte(0)
		switch v := a.(type) {
		case string:
			b.WriteByte('s')
			b.WriteString(strconv.Itoa(len(v)))
			b.WriteByte(':')
			b.WriteString(v)
		case int64:
			b.WriteByte('i')
			b.WriteString(strconv.FormatInt(v, 10))
		case int:
			b.WriteByte('i')
			b.WriteString(strconv.Itoa(v))
		case float64:
			b.WriteByte('f')
			b.Write(binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)))
		case bool:
			b.WriteByte('b')
			b.WriteString(strconv.FormatBool(v))
		case nil:
			b.WriteByte('n')
		default:
			fmt.Fprintf(&b, "%T:%v", v, v)
		}
	}
	return b.String()
}

// listVersion reads, within tx, the project's list version and the version
// up to which its removals were trimmed (a set read before it cannot be
// brought up to date).
func (s *Store) listVersion(ctx context.Context, tx *sql.Tx, projectID int64) (version, trimmed int64, err error) {
	err = tx.QueryRowContext(ctx, `SELECT version, trimmed FROM list_versions WHERE project_id = ?`, projectID).
		Scan(&version, &trimmed)
	if err == sql.ErrNoRows {
		return 0, 0, nil
	}
	return version, trimmed, err
}

// matches counts the project's recordings within retention that satisfy
// c, in tx's snapshot, from the cache when it can.
func (s *Store) matches(ctx context.Context, tx *sql.Tx, projectID, retentionFrom int64, c Condition) (matchSet, error) {
	cache := s.counts
	if cache == nil {
		if c.CountSQL != "" {
			c = Condition{SQL: c.CountSQL, Args: c.CountArgs, From: c.From}
		}
		where, args := recordingWhere(projectID, retentionFrom, c)
		var n int
		err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM recordings r`+where), args...).Scan(&n)
		return matchSet{count: n}, err
	}
	// A list with a start bound of its own is cached apart from the same
	// list without one, whose bound is the retention's.
	key := countKey(projectID, c)
	from := max(retentionFrom, c.From)
	// The count form reads every recording; the page form a few.
	all := Condition{SQL: c.SQL, Args: c.Args}
	if c.CountSQL != "" {
		all = Condition{SQL: c.CountSQL, Args: c.CountArgs}
	}
	c = Condition{SQL: c.SQL, Args: c.Args}
	version, trimmed, err := s.listVersion(ctx, tx, projectID)
	if err != nil {
		return matchSet{}, err
	}
	e := cache.get(key)
	if e != nil && e.version >= trimmed && e.version <= version {
		if e.version == version && e.from == from {
			cache.hit(e)
			return e.set, nil
		}
		set, ok, err := s.catchUp(ctx, tx, projectID, e, c)
		if err != nil {
			return matchSet{}, err
		}
		if ok {
			if set, err = s.move(ctx, tx, projectID, set, e.from, from, c); err != nil {
				return matchSet{}, err
			}
			cache.count(&cache.stats.Updates)
			cache.put(key, &countEntry{version: version, from: from, set: set})
			return set, nil
		}
	}
	cache.count(&cache.stats.Misses)
	set, err := s.readMatches(ctx, tx, projectID, from, all)
	if err != nil {
		return matchSet{}, err
	}
	cache.put(key, &countEntry{version: version, from: from, set: set})
	return set, nil
}

// catchUp brings a cached set up to date with the recordings deleted and
// changed since it was read: they are taken out, and those that match now
// put back. ok is false when more than maxCatchUp recordings changed or
// were deleted.
func (s *Store) catchUp(ctx context.Context, tx *sql.Tx, projectID int64, e *countEntry, c Condition) (matchSet, bool, error) {
	set := e.set
	if set.rows == nil {
		return matchSet{}, false, nil
	}
	removed, err := s.rowIDs(ctx, tx, `SELECT row_id FROM list_removals WHERE project_id = ? AND version > ? LIMIT ?`,
		projectID, e.version, maxCatchUp+1)
	if err != nil {
		return matchSet{}, false, err
	}
	changed, err := s.rowIDs(ctx, tx, `SELECT rowid FROM recordings INDEXED BY recordings_changed
		WHERE project_id = ? AND list_version > ? LIMIT ?`, projectID, e.version, maxCatchUp+1)
	if err != nil || len(removed)+len(changed) == 0 {
		return set, err == nil, err
	}
	if len(removed)+len(changed) > maxCatchUp {
		return matchSet{}, false, nil
	}
	where, args := recordingWhere(projectID, e.from, c)
	matched, err := s.rowIDs(ctx, tx, `SELECT r.rowid FROM recordings r INDEXED BY recordings_changed`+where+
		` AND r.list_version > ?`, append(args, e.version)...)
	if err != nil {
		return matchSet{}, false, err
	}
	rows := set.rows.Clone()
	for _, id := range slices.Concat(removed, changed) {
		rows.Remove(id)
	}
	rows.AddMany(matched)
	return matchSet{count: int(rows.GetCardinality()), rows: rows}, true, nil
}

// move brings a set read from the start bound was to the bound from: the
// recordings that started between the two are taken out (a later bound) or
// the matches among them added (an earlier one, as when a list read the
// clock just before another).
func (s *Store) move(ctx context.Context, tx *sql.Tx, projectID int64, set matchSet, was, from int64, c Condition) (matchSet, error) {
	if from == was {
		return set, nil
	}
	var between []uint64
	var err error
	if from > was {
		between, err = s.rowIDs(ctx, tx, `SELECT rowid FROM recordings INDEXED BY recordings_list_start
			WHERE project_id = ? AND first_ts >= ? AND first_ts < ?`, projectID, was, from)
	} else {
		// The few recordings between the bounds, by the start index (the
		// planner, not knowing how few, might take a filter's index instead).
		where, args := recordingWhere(projectID, from, c)
		between, err = s.rowIDs(ctx, tx, `SELECT r.rowid FROM recordings r INDEXED BY recordings_list_start`+where+
			` AND r.first_ts < ?`, append(args, was)...)
	}
	if err != nil || len(between) == 0 {
		return set, err
	}
	rows := set.rows.Clone()
	if from > was {
		for _, id := range between {
			rows.Remove(id)
		}
	} else {
		rows.AddMany(between)
	}
	return matchSet{count: int(rows.GetCardinality()), rows: rows}, nil
}

// readMatches reads the row ids of the project's recordings that started
// at or after from and satisfy c, in tx's snapshot.
func (s *Store) readMatches(ctx context.Context, tx *sql.Tx, projectID, from int64, c Condition) (matchSet, error) {
	where, args := recordingWhere(projectID, from, c)
	var b []byte
	if err := tx.QueryRowContext(ctx, `SELECT tapedeck_rowset(r.rowid) FROM recordings r`+where, args...).Scan(&b); err != nil {
		return matchSet{}, err
	}
	rows, err := readRowset(b)
	if err != nil {
		return matchSet{}, err
	}
	return matchSet{count: int(rows.GetCardinality()), rows: rows}, nil
}

// rowIDs runs a query of row ids in tx.
func (s *Store) rowIDs(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]uint64, error) {
	rows, err := tx.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []uint64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, uint64(id))
	}
	return ids, rows.Err()
}
