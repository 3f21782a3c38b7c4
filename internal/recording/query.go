package recording

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tapedeck/tapedeck/internal/store"
)

// Query selects and orders a project's recordings. ParseListQuery reads one
// from the list endpoint's query string and ParseFilters from a filters
// playlist's saved filters; Compile turns it into SQL for the store.
type Query struct {
	// DateFrom and DateTo bound the recordings' start time, both
	// inclusive; nil leaves that side open.
	DateFrom, DateTo *time.Time
	// SessionIDs, when not nil, keeps only these recordings (none for an
	// empty list) and orders them as listed.
	SessionIDs []string
	// PersonUUID keeps the recordings of any distinct id of that person.
	PersonUUID string
	// DistinctIDs keeps the recordings of these distinct ids.
	DistinctIDs []string
	// ExcludeSessionIDs leaves these recordings out (for a playlist's
	// matches after its pinned recordings).
	ExcludeSessionIDs []string
	// Order is the sort key (OrderStartTime when empty); Ascending turns
	// the default descending order around.
	Order     string
	Ascending bool
	// HideViewed leaves out the recordings the requesting user
	// (HideViewedCurrentUser) or anybody (HideViewedAnyUser) has watched.
	// As in PostHog, it does not apply to an explicit SessionIDs list.
	HideViewed string
	// SessionRecordingID is listed first whether or not it matches the
	// filters (as PostHog does for the recording being watched).
	SessionRecordingID string
	// FilterTestAccounts is accepted for compatibility and changes
	// nothing: Tapedeck has no test-account filters to apply.
	FilterTestAccounts bool
	// Limit and Offset are the page window.
	Limit, Offset int

	// where holds the property, event and console filters, joined by the
	// operand (or the universal filter's groups).
	where group
	// having holds recording filters that always apply (the duration
	// filters and having_predicates), whatever the operand.
	having []filter
}

// The orders a query may use. OrderRecordingTTL sorts as the start time
// does (a later start keeps a recording longer).
const (
	OrderStartTime          = "start_time"
	OrderDuration           = "duration"
	OrderRecordingDuration  = "recording_duration"
	OrderActiveSeconds      = "active_seconds"
	OrderInactiveSeconds    = "inactive_seconds"
	OrderConsoleErrorCount  = "console_error_count"
	OrderClickCount         = "click_count"
	OrderKeypressCount      = "keypress_count"
	OrderMouseActivityCount = "mouse_activity_count"
	OrderActivityScore      = "activity_score"
	OrderRecordingTTL       = "recording_ttl"
)

// orderKeys maps each order to its SQL sort key.
var orderKeys = map[string]string{
	OrderStartTime:          "r.first_ts",
	OrderDuration:           durationSQL,
	OrderRecordingDuration:  durationSQL,
	OrderActiveSeconds:      "r.active_ms",
	OrderInactiveSeconds:    inactiveSQL,
	OrderConsoleErrorCount:  "r.console_error_count",
	OrderClickCount:         "r.click_count",
	OrderKeypressCount:      "r.keypress_count",
	OrderMouseActivityCount: "r.mouse_activity_count",
	OrderActivityScore:      activityScoreSQL,
	OrderRecordingTTL:       "r.first_ts",
}

// orderIndexes names the store's index of each order's key (migration
// 00005), which holds the key, then the session id.
var orderIndexes = map[string]string{
	OrderStartTime:          "recordings_list_start",
	OrderDuration:           "recordings_order_duration",
	OrderRecordingDuration:  "recordings_order_duration",
	OrderActiveSeconds:      "recordings_order_active",
	OrderInactiveSeconds:    "recordings_order_inactive",
	OrderConsoleErrorCount:  "recordings_order_errors",
	OrderClickCount:         "recordings_order_clicks",
	OrderKeypressCount:      "recordings_order_keypresses",
	OrderMouseActivityCount: "recordings_order_mouse",
	OrderActivityScore:      "recordings_order_score",
	OrderRecordingTTL:       "recordings_list_start",
}

// orderNames lists the orders for error messages.
var orderNames = []string{OrderStartTime, OrderDuration, OrderRecordingDuration, OrderActiveSeconds,
	OrderInactiveSeconds, OrderConsoleErrorCount, OrderClickCount, OrderKeypressCount, OrderMouseActivityCount,
	OrderActivityScore, OrderRecordingTTL}

// The values of Query.HideViewed.
const (
	HideViewedCurrentUser = "current-user"
	HideViewedAnyUser     = "any-user"
)

// List limits.
const (
	// DefaultLimit is the page size when the query names none.
	DefaultLimit = 50
	// MaxLimit is the largest page; larger limits are clamped to it.
	MaxLimit = 1000
	// maxIDs bounds the session and distinct id lists of one query, which
	// become bound parameters (SQLite takes up to 32766 per statement).
	maxIDs = 5000
)

// RetentionFrom is the earliest start (rrweb milliseconds) of a recording
// that has not expired at now: the store's retentionFrom argument, the
// same boundary as Expired.
func RetentionFrom(retentionDays int, now time.Time) int64 {
	return now.UTC().AddDate(0, 0, -retentionDays).UnixMilli() + 1
}

// Compile writes the query's condition and order as SQL of dialect d, for
// the requesting user userID (0 for none, as when counting a playlist's
// matches in the background). The store adds the project, the retention
// bound, the session id as the last sort key, and the page window.
func (q Query) Compile(d store.Dialect, userID int64) (store.Condition, store.Order, error) {
	if _, ok := orderKeys[q.Order]; q.Order != "" && !ok {
		return store.Condition{}, store.Order{}, fmt.Errorf("recording: unknown order %q", q.Order)
	}
	var parts []frag
	var from int64
	if q.DateFrom != nil {
		// first_ts is whole milliseconds: start at the first one not
		// before DateFrom.
		ms := q.DateFrom.UnixMilli()
		if q.DateFrom.Sub(time.UnixMilli(ms)) > 0 {
			ms++
		}
		if q.SessionRecordingID == "" {
			// The store's start bound (the requested recording, listed
			// whatever its start, needs it in the SQL instead).
			from = ms
		} else {
			parts = append(parts, frag{"r.first_ts >= ?", []any{ms}})
		}
	}
	if q.DateTo != nil {
		ms := q.DateTo.UnixMilli()
		if q.DateTo.Sub(time.UnixMilli(ms)) < 0 {
			ms--
		}
		parts = append(parts, frag{"r.first_ts <= ?", []any{ms}})
	}
	if q.SessionIDs != nil {
		if len(q.SessionIDs) == 0 {
			parts = append(parts, sqlFalse)
		} else {
			parts = append(parts, inList(frag{sql: "r.session_id"}, q.SessionIDs))
		}
	}
	if q.PersonUUID != "" {
		// Not correlated with r, so that the person's few distinct ids are
		// read once and their recordings found by the distinct id index.
		parts = append(parts, frag{`(r.project_id, r.distinct_id) IN (SELECT pd.project_id, pd.distinct_id
			FROM person_distinct_ids pd JOIN persons p ON p.id = pd.person_id WHERE p.uuid = ?)`, []any{q.PersonUUID}})
	}
	if len(q.DistinctIDs) > 0 {
		parts = append(parts, inList(frag{sql: "r.distinct_id"}, q.DistinctIDs))
	}
	if len(q.ExcludeSessionIDs) > 0 {
		parts = append(parts, not(inList(frag{sql: "r.session_id"}, q.ExcludeSessionIDs)))
	}
	if q.SessionIDs == nil {
		const views = `SELECT 1 FROM recording_views v WHERE v.project_id = r.project_id AND v.session_id = r.session_id`
		switch q.HideViewed {
		case HideViewedCurrentUser:
			parts = append(parts, frag{"NOT EXISTS (" + views + " AND v.user_id = ?)", []any{userID}})
		case HideViewedAnyUser:
			parts = append(parts, frag{"NOT EXISTS (" + views + ")", nil})
		}
	}
	cond, err := q.filters(compiler{d: d}, parts)
	if err != nil {
		return store.Condition{}, store.Order{}, err
	}
	out := store.Condition{SQL: cond.sql, Args: cond.args, From: from}
	// The same condition with person filters as sets, for counting.
	counting, err := q.filters(compiler{d: d, personSets: true}, parts)
	if err != nil {
		return store.Condition{}, store.Order{}, err
	}
	if counting.sql != cond.sql {
		out.CountSQL, out.CountArgs = counting.sql, counting.args
	}
	return out, q.order(), nil
}

// filters joins parts (the conditions that do not depend on how filters
// are written) with the compiled filters.
func (q Query) filters(c compiler, parts []frag) (frag, error) {
	parts = slices.Clone(parts)
	for _, f := range q.having {
		cond, err := c.leaf(f)
		if err != nil {
			return frag{}, err
		}
		parts = append(parts, cond)
	}
	if where, err := c.group(q.where); err != nil {
		return frag{}, err
	} else if where.sql != sqlTrue.sql {
		parts = append(parts, where)
	}
	var cond frag
	if len(parts) > 0 {
		cond = joinFrags(parts, false)
	}
	if q.SessionRecordingID != "" && cond.sql != "" {
		cond = frag{"(" + cond.sql + ") OR r.session_id = ?", append(slices.Clone(cond.args), q.SessionRecordingID)}
	}
	return cond, nil
}

// order writes the sort keys: the requested recording first, then the
// session id list's order or the order key. An activity score of NULL (no
// activity at all) sorts last in either direction. The keys are the
// expressions the store indexes (migration 00005), so that a page is read
// in order instead of sorted.
func (q Query) order() store.Order {
	var keys []string
	var args []any
	if q.SessionRecordingID != "" {
		keys = append(keys, "CASE WHEN r.session_id = ? THEN 0 ELSE 1 END")
		args = append(args, q.SessionRecordingID)
	}
	if len(q.SessionIDs) > 0 {
		var b strings.Builder
		b.WriteString("CASE r.session_id")
		for i, id := range q.SessionIDs {
			b.WriteString(" WHEN ? THEN " + strconv.Itoa(i))
			args = append(args, id)
		}
		b.WriteString(" END")
		keys = append(keys, b.String())
		return store.Order{SQL: strings.Join(keys, ", "), Args: args}
	}
	dir := " DESC"
	if q.Ascending {
		dir = " ASC"
	}
	order := q.Order
	if order == "" {
		order = OrderStartTime
	}
	key := orderKeys[order]
	switch {
	case order == OrderActivityScore && !q.Ascending:
		// A score is never negative: -1 puts the recordings without one
		// last.
		keys = append(keys, "COALESCE("+key+", -1)"+dir)
	case order == OrderActivityScore:
		// No score reaches 1e300: the recordings without one come last.
		keys = append(keys, "COALESCE("+key+", 1e300)"+dir)
	default:
		keys = append(keys, key+dir)
	}
	index := orderIndexes[order]
	if order == OrderActivityScore && q.Ascending {
		index = "recordings_order_score_asc"
	}
	if q.SessionRecordingID != "" {
		index = ""
	}
	return store.Order{SQL: strings.Join(keys, ", "), Args: args, Index: index}
}
