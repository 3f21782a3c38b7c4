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
)

// How the recordings list counts on SQLite.
//
// Counting a list means reading every recording that matches, which at a
// million recordings costs far more than reading one page. So the store
// keeps, per project and condition, the count it last read (and, for a
// list of at most smallMatchSet recordings, the matches themselves), with
// the project's list version: a number that triggers (migration 00005)
// move forward, in the same transaction, on every change to the tables a
// list reads or filters on (recordings, their URLs, console messages,
// events, persons and distinct ids, and views). A cached count is used only
// while the version read in the list's own snapshot is the one it was
// counted at, so it is never stale. As time passes, the retention bound
// (or a list's own start bound, date_from) moves forward: the recordings
// that left it since are counted (a range of the start index) and taken
// off, and a list that read the clock a moment before the cached one gets
// the few recordings in between added, so that the count stays exact. The
// first list of a condition, and the first after any change to the
// project's recordings, counts in full.
//
// PostgreSQL counts every time: it counts quickly with index-only and
// parallel scans, and sequences or counters updated by every write would
// serialise concurrent writers across nodes.

// smallMatchSet is the most matches a cached count keeps the session ids
// of. A page of such a list is read from those recordings alone, instead of
// scanning the project's recordings in order for the few that match.
var smallMatchSet = 5000

// maxCachedCounts bounds the counts kept per store; the least recently
// used goes first.
const maxCachedCounts = 64

// match is a recording a condition matched.
type match struct {
	sessionID string
	firstTS   int64
}

// matchSet is what a count found: how many recordings match and, when
// there are at most smallMatchSet, which ones (ids is nil otherwise).
type matchSet struct {
	count int
	ids   []match
}

// countEntry is a cached count. It is never changed once stored: an update
// stores a new entry.
type countEntry struct {
	version int64
	// from is the retention bound the set was read with.
	from int64
	set  matchSet
	used time.Time
}

// countCache holds one store's cached counts.
type countCache struct {
	mu      sync.Mutex
	entries map[string]*countEntry
	hits    int64
	misses  int64
}

// CountCacheStats reports how many list counts were answered from the
// cache and how many were read, since the store was opened.
func (s *Store) CountCacheStats() (hits, misses int64) {
	c := s.counts
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits, c.misses
}

func (c *countCache) get(key string) *countEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[key]
	if e != nil {
		c.hits++
	} else {
		c.misses++
	}
	return e
}

// miss turns a hit that could not be used into a miss.
func (c *countCache) miss() {
	c.mu.Lock()
	c.hits--
	c.misses++
	c.mu.Unlock()
}

func (c *countCache) put(key string, e *countEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.used = time.Now()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= maxCachedCounts {
		var oldest string
		for k, v := range c.entries {
			if oldest == "" || v.used.Before(c.entries[oldest].used) {
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

// listVersion reads the project's list version within tx.
func (s *Store) listVersion(ctx context.Context, tx *sql.Tx, projectID int64) (int64, error) {
	var v int64
	err := tx.QueryRowContext(ctx, `SELECT version FROM list_versions WHERE project_id = ?`, projectID).Scan(&v)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return v, err
}

// matches counts the project's recordings within retention that satisfy
// c, in tx's snapshot, from the cache when it can.
func (s *Store) matches(ctx context.Context, tx *sql.Tx, projectID, retentionFrom int64, c Condition) (matchSet, error) {
	cache := s.counts
	if cache == nil {
		if c.CountSQL != "" {
			c = Condition{SQL: c.CountSQL, Args: c.CountArgs, From: c.From}
		}
		set, _, err := s.readMatches(ctx, tx, projectID, retentionFrom, c, false)
		return set, err
	}
	// A list with a start bound of its own is cached apart from the same
	// list without one, whose bound is the retention's.
	key := countKey(projectID, c)
	retentionFrom = max(retentionFrom, c.From)
	// The count form reads every recording; a move between two bounds
	// reads a few, in the page's form.
	all := Condition{SQL: c.SQL, Args: c.Args}
	if c.CountSQL != "" {
		all = Condition{SQL: c.CountSQL, Args: c.CountArgs}
	}
	c = Condition{SQL: c.SQL, Args: c.Args}
	version, err := s.listVersion(ctx, tx, projectID)
	if err != nil {
		return matchSet{}, err
	}
	if e := cache.get(key); e != nil {
		if e.version == version {
			if e.from == retentionFrom {
				return e.set, nil
			}
			set, err := s.move(ctx, tx, projectID, e, retentionFrom, c)
			if err != nil {
				return matchSet{}, err
			}
			// Keep the cached bound moving forward only: concurrent lists
			// read the clock in any order, and the later bound is the one
			// the next lists will ask for.
			if retentionFrom > e.from {
				cache.put(key, &countEntry{version: version, from: retentionFrom, set: set})
			}
			return set, nil
		}
		cache.miss()
	}
	set, _, err := s.readMatches(ctx, tx, projectID, retentionFrom, all, true)
	if err != nil {
		return matchSet{}, err
	}
	cache.put(key, &countEntry{version: version, from: retentionFrom, set: set})
	return set, nil
}

// move brings a cached set to the retention bound from: the matches that
// started between the two bounds are taken off (a later bound) or added
// (an earlier one, as when a list read the clock just before another).
func (s *Store) move(ctx context.Context, tx *sql.Tx, projectID int64, e *countEntry, from int64, c Condition) (matchSet, error) {
	if from > e.from && e.set.ids != nil {
		ids := slices.DeleteFunc(slices.Clone(e.set.ids), func(m match) bool { return m.firstTS < from })
		return matchSet{count: len(ids), ids: ids}, nil
	}
	lo, hi := min(from, e.from), max(from, e.from)
	where, args := recordingWhere(projectID, lo, c)
	// The few recordings between the bounds, by the start index (the
	// planner, not knowing how few, might take a filter's index instead).
	where, args = ` INDEXED BY recordings_list_start`+where+` AND r.first_ts < ?`, append(args, hi)
	if from > e.from {
		var left int
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM recordings r`+where), args...).Scan(&left); err != nil {
			return matchSet{}, err
		}
		return matchSet{count: e.set.count - left}, nil
	}
	more, _, err := s.readMatchesWhere(ctx, tx, where, args, e.set.ids != nil)
	if err != nil {
		return matchSet{}, err
	}
	if e.set.ids != nil && more.ids != nil && len(e.set.ids)+len(more.ids) <= smallMatchSet {
		return matchSet{count: e.set.count + more.count, ids: slices.Concat(more.ids, e.set.ids)}, nil
	}
	return matchSet{count: e.set.count + more.count}, nil
}

// readMatches counts the matches in tx's snapshot. With keepSmall, a set
// of at most smallMatchSet recordings is read whole, with their ids (one
// pass when the set is small; a larger one is counted in a second).
func (s *Store) readMatches(ctx context.Context, tx *sql.Tx, projectID, from int64, c Condition, keepSmall bool) (matchSet, bool, error) {
	where, args := recordingWhere(projectID, from, c)
	return s.readMatchesWhere(ctx, tx, where, args, keepSmall)
}

// readMatchesWhere is readMatches over the recordings r that satisfy
// where, a WHERE clause (which may start with an INDEXED BY) with its
// arguments.
func (s *Store) readMatchesWhere(ctx context.Context, tx *sql.Tx, where string, args []any, keepSmall bool) (matchSet, bool, error) {
	if keepSmall {
		rows, err := tx.QueryContext(ctx, s.rebind(`SELECT r.session_id, r.first_ts FROM recordings r`+where+` LIMIT ?`),
			append(slices.Clone(args), smallMatchSet+1)...)
		if err != nil {
			return matchSet{}, false, err
		}
		ids, err := collect(rows, func(sc interface{ Scan(...any) error }) (match, error) {
			var m match
			return m, sc.Scan(&m.sessionID, &m.firstTS)
		})
		if err != nil {
			return matchSet{}, false, err
		}
		if len(ids) <= smallMatchSet {
			if ids == nil {
				ids = []match{}
			}
			return matchSet{count: len(ids), ids: ids}, true, nil
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM recordings r`+where), args...).Scan(&n); err != nil {
		return matchSet{}, false, err
	}
	return matchSet{count: n}, false, nil
}
