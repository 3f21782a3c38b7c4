package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"modernc.org/sqlite"
)

// Condition is a boolean SQL expression over the recordings table, which
// the listing queries alias r, with the arguments of its ? placeholders in
// order. The recording package writes conditions; the store only places
// them in a query.
type Condition struct {
	SQL  string
	Args []any
	// CountSQL and CountArgs, when set, are the same condition written to
	// examine every recording (a count) rather than a few (a page).
	CountSQL  string
	CountArgs []any
	// From, when later than the retention bound, replaces it: the
	// recordings must have started at or after it (rrweb milliseconds). A
	// lower bound given here, rather than in SQL, bounds the start index's
	// range, and a count cached for an earlier From is brought forward
	// instead of read again.
	From int64
}

// Order is a comma-separated list of SQL sort keys over the recordings
// table r (each with its direction), with the arguments of its
// placeholders. The store appends the session id as the last key, so that
// the order is total and pages never repeat or skip a recording.
type Order struct {
	SQL  string
	Args []any
	// Index names the index that holds the first sort key (then the session
	// id), if one does. On SQLite a page is read through it, in order: the
	// planner, without statistics, could otherwise pick the recordings by
	// another index (the start's, or one that a filter's range fits) and
	// sort every match to find one page.
	Index string
}

// Dialect writes the SQL that differs from one database to another. Each
// method wraps SQL expressions given to it; the SQL it returns holds the
// placeholders of those expressions first, in their order, and then its own
// (the method says which).
type Dialect interface {
	// JSONText is the value of a top-level key of the JSON object doc, as
	// text: a string as itself, a number or boolean as its JSON text, an
	// object or array as JSON. It is NULL when the key is missing, its
	// value is JSON null, or doc is not valid JSON. One placeholder: the
	// key.
	JSONText(doc string) string
	// JSONNumber is the value of a top-level key of the JSON object doc as
	// a number: a JSON number, or a string that holds one. It is NULL
	// otherwise. One placeholder: the key.
	JSONNumber(doc string) string
	// Regexp is true when text matches a regular expression (unanchored),
	// NULL when text is NULL. One placeholder: the pattern, as
	// RegexpPattern writes it.
	Regexp(text string) string
	// RegexpPattern is the value of Regexp's placeholder for a pattern in
	// RE2 syntax (Go's regexp): the same pattern in the database's syntax.
	RegexpPattern(re2 string) (string, error)
	// ContainsFold is true when text contains a string, ignoring case
	// (both compared in Unicode lower case), NULL when text is NULL. One
	// placeholder: the string sought.
	ContainsFold(text string) string
}

// Dialect returns the SQL dialect of the store's database.
func (s *Store) Dialect() Dialect {
	if s.engine == enginePostgres {
		return PostgresDialect{}
	}
	return SQLiteDialect{}
}

// SQLiteDialect is the Dialect of SQLite. Its regular expressions and case
// folding are Go functions the store registers with the SQLite driver.
type SQLiteDialect struct{}

// jsonEach walks the top-level members of doc, or none when doc is not
// valid JSON (so that one malformed row cannot fail a whole list).
func jsonEach(doc string) string {
	return `json_each(CASE WHEN json_valid(` + doc + `) THEN ` + doc + ` END) j`
}

// JSONText implements Dialect.
func (SQLiteDialect) JSONText(doc string) string {
	return `(SELECT CASE j.type WHEN 'null' THEN NULL WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
		ELSE CAST(j.value AS TEXT) END FROM ` + jsonEach(doc) + ` WHERE j.key = ?)`
}

// JSONNumber implements Dialect.
func (SQLiteDialect) JSONNumber(doc string) string {
	return `(SELECT CASE j.type WHEN 'integer' THEN j.atom WHEN 'real' THEN j.atom
		WHEN 'text' THEN tapedeck_number(j.atom) END FROM ` + jsonEach(doc) + ` WHERE j.key = ?)`
}

// Regexp implements Dialect. SQLite's X REGEXP Y calls regexp(Y, X).
func (SQLiteDialect) Regexp(text string) string { return `(` + text + ` REGEXP ?)` }

// RegexpPattern implements Dialect: SQLite's regexp is Go's, which reads
// RE2 syntax.
func (SQLiteDialect) RegexpPattern(re2 string) (string, error) { return sqlitePattern(re2) }

// ContainsFold implements Dialect.
func (SQLiteDialect) ContainsFold(text string) string { return `tapedeck_icontains(` + text + `, ?)` }

func init() {
	// VolatileArgs: the functions see text arguments whole (a NUL byte
	// included) and retain none of them.
	for name, fn := range map[string]struct {
		args   int32
		scalar func(*sqlite.FunctionContext, []driver.Value) (driver.Value, error)
	}{
		"regexp":             {2, sqliteRegexp},
		"tapedeck_icontains": {2, sqliteContainsFold},
		"tapedeck_number":    {1, sqliteNumber},
	} {
		sqlite.MustRegisterFunction(name, &sqlite.FunctionImpl{NArgs: fn.args, Deterministic: true,
			Scalar: fn.scalar, VolatileArgs: true})
	}
}

// textArg reads a text argument of a SQL function; ok is false for NULL.
func textArg(v driver.Value) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case []byte:
		return string(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), true
	}
	return "", false
}

// patterns caches compiled regular expressions: a list query applies the
// same few patterns to every row.
var patterns struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}

// maxCachedPatterns bounds the pattern cache; when it is full it starts over.
const maxCachedPatterns = 256

func compilePattern(p string) (*regexp.Regexp, error) {
	patterns.Lock()
	defer patterns.Unlock()
	if re, ok := patterns.m[p]; ok {
		return re, nil
	}
	// p may be a view of SQLite's memory: keep a copy.
	p = strings.Clone(p)
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, err
	}
	if patterns.m == nil || len(patterns.m) >= maxCachedPatterns {
		patterns.m = make(map[string]*regexp.Regexp)
	}
	patterns.m[p] = re
	return re, nil
}

// sqliteRegexp is regexp(pattern, text): Go's RE2 search, NULL for NULL.
func sqliteRegexp(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	p, ok := textArg(args[0])
	if !ok {
		return nil, nil
	}
	s, ok := textArg(args[1])
	if !ok {
		return nil, nil
	}
	re, err := compilePattern(p)
	if err != nil {
		return nil, fmt.Errorf("regexp: %w", err)
	}
	return re.MatchString(s), nil
}

// sqliteContainsFold is tapedeck_icontains(text, sought).
func sqliteContainsFold(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	s, ok := textArg(args[0])
	if !ok {
		return nil, nil
	}
	sub, ok := textArg(args[1])
	if !ok {
		return nil, nil
	}
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub)), nil
}

// sqliteNumber is tapedeck_number(x): x as a finite number, or NULL.
func sqliteNumber(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	switch v := args[0].(type) {
	case int64:
		return float64(v), nil
	case float64:
		return v, nil
	}
	s, ok := textArg(args[0])
	if !ok {
		return nil, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, nil
	}
	return f, nil
}

// listColumns are recordingColumns without the activity points, which a
// list never needs and which can be large.
var listColumns = func() string {
	c := strings.Replace(recordingColumns, " activity,", " NULL AS activity,", 1)
	if c == recordingColumns {
		panic("store: recordingColumns no longer lists activity")
	}
	return c
}()

// recordingWhere is the WHERE clause shared by the listing queries.
func recordingWhere(projectID, retentionFrom int64, c Condition) (string, []any) {
	retentionFrom = max(retentionFrom, c.From)
	where := ` WHERE r.project_id = ? AND r.first_ts >= ?`
	args := []any{projectID, retentionFrom}
	if c.SQL != "" {
		where += ` AND (` + c.SQL + `)`
		args = append(args, c.Args...)
	}
	return where, args
}

// ListRecordings returns one page of the project's recordings that started
// at or after retentionFrom (rrweb milliseconds) and satisfy c, in order o,
// and how many there are in all, read from one snapshot (on SQLite the
// count may come from the cache, which is exact: see count_cache.go).
//
// The page is read in two steps: the session ids of the page, in order
// (from an index that holds the sort key when there is one, without
// reading the recordings that are skipped), then those recordings. When
// the condition matches few recordings, the page is sorted from those
// alone; when it matches none, or the page starts past the last one, no
// page is read.
func (s *Store) ListRecordings(ctx context.Context, projectID, retentionFrom int64, c Condition, o Order,
	limit, offset int) ([]Recording, int, error) {
	tx, err := s.read.BeginTx(ctx, s.snapshot())
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	set, err := s.matches(ctx, tx, projectID, retentionFrom, c)
	if err != nil {
		return nil, 0, err
	}
	if limit <= 0 || offset >= set.count {
		return nil, set.count, nil
	}
	var q string
	var args []any
	if set.small() {
		// The matches are known: look them up by row id and order them
		// alone (CROSS JOIN keeps SQLite from scanning an index in order
		// for them instead).
		var b strings.Builder
		for it := set.rows.Iterator(); it.HasNext(); {
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?)")
			args = append(args, int64(it.Next()))
		}
		q, args = orderedQuery(`SELECT r.session_id FROM (VALUES `+b.String()+`) ids CROSS JOIN recordings r
			WHERE r.rowid = ids.column1`, args, o, limit, offset)
	} else {
		where, whereArgs := recordingWhere(projectID, retentionFrom, c)
		from := ` FROM recordings r`
		if s.engine == engineSQLite && o.Index != "" {
			if !isIdentifier(o.Index) {
				return nil, 0, fmt.Errorf("store: bad index name %q", o.Index)
			}
			from += ` INDEXED BY ` + o.Index
		}
		q, args = orderedQuery(`SELECT r.session_id`+from+where, whereArgs, o, limit, offset)
	}
	rows, err := tx.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, 0, err
	}
	ids, err := collect(rows, scanString)
	if err != nil {
		return nil, 0, err
	}
	list, err := s.recordingsByID(ctx, tx, projectID, ids)
	return list, set.count, err
}

// isIdentifier reports whether name is a plain SQL identifier.
func isIdentifier(name string) bool {
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return name != ""
}

// scanString scans one text column.
func scanString(sc interface{ Scan(...any) error }) (string, error) {
	var v string
	return v, sc.Scan(&v)
}

// recordingsByID reads the listed recordings of the project, in the order
// of ids, without their activity points.
func (s *Store) recordingsByID(ctx context.Context, tx *sql.Tx, projectID int64, ids []string) ([]Recording, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{projectID}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := tx.QueryContext(ctx, s.rebind(`SELECT `+listColumns+` FROM recordings WHERE project_id = ? AND session_id IN (`+
		placeholders(len(ids))+`)`), args...)
	if err != nil {
		return nil, err
	}
	recs, err := collect(rows, scanRecording)
	if err != nil {
		return nil, err
	}
	at := make(map[string]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	list := make([]Recording, len(ids))
	for _, r := range recs {
		list[at[r.SessionID]] = r
	}
	return list, nil
}

// orderedQuery appends the order (with the session id as the last key) and
// the page window to a query.
func orderedQuery(q string, args []any, o Order, limit, offset int) (string, []any) {
	order := `r.session_id`
	if o.SQL != "" {
		order = o.SQL + `, r.session_id`
		args = append(args, o.Args...)
	}
	return q + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?`, append(args, limit, offset)
}

// CountRecordings counts the project's recordings within retention that
// satisfy c, reading at most limit+1 rows: when there are more than limit,
// it returns limit and capped = true.
func (s *Store) CountRecordings(ctx context.Context, projectID, retentionFrom int64, c Condition, limit int) (int, bool, error) {
	where, args := recordingWhere(projectID, retentionFrom, c)
	var n int
	err := s.read.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM (SELECT 1 FROM recordings r`+where+` LIMIT ?) m`),
		append(args, limit+1)...).Scan(&n)
	if err != nil {
		return 0, false, err
	}
	if n > limit {
		return limit, true, nil
	}
	return n, false, nil
}

// RecordingSessionIDs returns the session ids of up to limit of the
// project's recordings within retention that satisfy c, in order o, from
// offset on.
func (s *Store) RecordingSessionIDs(ctx context.Context, projectID, retentionFrom int64, c Condition, o Order,
	limit, offset int) ([]string, error) {
	where, args := recordingWhere(projectID, retentionFrom, c)
	q, args := orderedQuery(`SELECT r.session_id FROM recordings r`+where, args, o, limit, offset)
	rows, err := s.read.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanString)
}
