package recording

import (
	"fmt"
	"strings"

	"github.com/tapedeck/tapedeck/internal/store"
)

// frag is a piece of SQL with the arguments of its placeholders.
type frag struct {
	sql  string
	args []any
}

// sqlTrue and sqlFalse are portable boolean constants.
var (
	sqlTrue  = frag{sql: "1 = 1"}
	sqlFalse = frag{sql: "1 = 0"}
)

// joinFrags joins parts with AND or OR, in parentheses.
func joinFrags(parts []frag, or bool) frag {
	switch len(parts) {
	case 0:
		return sqlTrue
	case 1:
		return parts[0]
	}
	sep := " AND "
	if or {
		sep = " OR "
	}
	var b strings.Builder
	var args []any
	b.WriteString("(")
	for i, p := range parts {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(p.sql)
		args = append(args, p.args...)
	}
	b.WriteString(")")
	return frag{b.String(), args}
}

// not denies a boolean fragment that is never NULL.
func not(f frag) frag { return frag{"NOT (" + f.sql + ")", f.args} }

// inList is "expr IN (?, ...)" over the values.
func inList[T any](expr frag, values []T) frag { return inListOf(expr, values, "?") }

// inListOf is "expr IN (arg, ...)" over the values, with arg the SQL of
// one value's placeholder.
func inListOf[T any](expr frag, values []T, arg string) frag {
	args := append([]any{}, expr.args...)
	for _, v := range values {
		args = append(args, v)
	}
	return frag{expr.sql + " IN (" + strings.TrimSuffix(strings.Repeat(arg+", ", len(values)), ", ") + ")", args}
}

// numberArg is the placeholder of a number a filter compares with: a
// float64 given as such, whatever the type of the other side (an integer
// column on PostgreSQL would otherwise take it as an integer).
const numberArg = "CAST(? AS DOUBLE PRECISION)"

// The SQL of the recording's computed fields, as in Compute, computed the
// same way on every database: integer division where Compute divides
// integers, and double precision elsewhere (PostgreSQL would otherwise
// compute in exact decimals, which round differently). ROUND rounds half
// away from zero on SQLite and half to even on PostgreSQL: the score is
// rounded as Compute's math.Round does, with FLOOR(x + 0.5) (a score is
// never negative).
const (
	durationSQL       = `((r.last_ts - r.first_ts) / 1000)`
	activeSecondsSQL  = `(CAST(r.active_ms AS DOUBLE PRECISION) / 1000)`
	inactiveSQL       = `(CASE WHEN ` + durationSQL + ` * 1000 > r.active_ms THEN CAST(` + durationSQL + ` * 1000 - r.active_ms AS DOUBLE PRECISION) / 1000 ELSE 0 END)`
	scoreNumeratorSQL = `(` + activeSecondsSQL + ` + (r.click_count + r.keypress_count + r.console_error_count))`
	scoreDenomSQL     = `(r.mouse_activity_count + ` + durationSQL + ` + r.console_error_count + r.console_log_count + r.console_warn_count)`
	// activityScoreSQL rounds to two places as Compute does: round(x·100)/100.
	activityScoreSQL = `(CASE WHEN ` + scoreDenomSQL + ` = 0 THEN NULL ELSE FLOOR(((100 * ` + scoreNumeratorSQL +
		`) / ` + scoreDenomSQL + `) * 100 + 0.5) / 100 END)`
)

// recordingNumbers maps numeric recording filter keys to their SQL.
var recordingNumbers = map[string]string{
	"duration":             durationSQL,
	"active_seconds":       activeSecondsSQL,
	"inactive_seconds":     inactiveSQL,
	"click_count":          "r.click_count",
	"keypress_count":       "r.keypress_count",
	"mouse_activity_count": "r.mouse_activity_count",
	"console_log_count":    "r.console_log_count",
	"console_warn_count":   "r.console_warn_count",
	"console_error_count":  "r.console_error_count",
	"activity_score":       activityScoreSQL,
}

// recordingTexts maps the text recording filter keys stored on the
// recording row to their SQL (visited_page has its own table).
var recordingTexts = map[string]string{
	"start_url":        "r.start_url",
	"snapshot_source":  "r.snapshot_source",
	"snapshot_library": "r.snapshot_library",
}

// personDoc is the properties of the recording's person, or NULL when its
// distinct id has no person (which then has no properties).
const personDoc = `(SELECT p.properties FROM person_distinct_ids pd JOIN persons p ON p.id = pd.person_id
	WHERE pd.project_id = r.project_id AND pd.distinct_id = r.distinct_id)`

// Correlated subqueries over the recording's events, URLs and console.
const (
	sessionEvents  = `SELECT 1 FROM events e WHERE e.project_id = r.project_id AND e.session_id = r.session_id`
	sessionURLs    = `SELECT 1 FROM recording_urls u WHERE u.project_id = r.project_id AND u.session_id = r.session_id`
	sessionConsole = `SELECT 1 FROM recording_console c WHERE c.project_id = r.project_id AND c.session_id = r.session_id`
)

// operand is a value a filter compares: its text and number forms, and
// whether it can be missing (NULL).
type operand struct {
	text, number frag
	nullable     bool
}

// compiler turns filters into SQL for one dialect.
type compiler struct {
	d store.Dialect
	// personSets writes person filters as the set of distinct ids whose
	// person satisfies them, read once, instead of looking up each
	// recording's person: the faster form when every recording is
	// examined (a count), the slower when a page needs only a few.
	personSets bool
}

// personSet is a person filter as a set: the recordings whose distinct id
// belongs to a person whose properties satisfy f's positive operator, or,
// for a negative operator, those whose distinct id belongs to no person
// satisfying its positive counterpart (a recording without a person has no
// properties: it satisfies every negative operator and no positive one,
// as compare has it).
func (c compiler) personSet(f filter) (frag, error) {
	if f.any {
		return sqlTrue, nil
	}
	pos, negative := negated[f.op]
	if negative {
		f.op = pos
	}
	cond, err := c.positive(f.op, c.jsonOperand("p.properties", f.key), f)
	if err != nil {
		return frag{}, err
	}
	set := frag{`(r.project_id, r.distinct_id) IN (SELECT pd.project_id, pd.distinct_id FROM person_distinct_ids pd
		JOIN persons p ON p.id = pd.person_id WHERE ` + cond.sql + `)`, cond.args}
	if negative {
		return not(set), nil
	}
	return set, nil
}

// jsonOperand is a top-level key of the JSON object doc.
func (c compiler) jsonOperand(doc, key string) operand {
	return operand{
		text:     frag{c.d.JSONText(doc), []any{key}},
		number:   frag{c.d.JSONNumber(doc), []any{key}},
		nullable: true,
	}
}

// columnOperand is a text column.
func columnOperand(sql string, nullable bool) operand {
	return operand{text: frag{sql: sql}, number: frag{sql: sql}, nullable: nullable}
}

// positive is the condition of a positive operator on v; it is NULL or
// false when v is missing.
func (c compiler) positive(op string, v operand, f filter) (frag, error) {
	switch op {
	case opExact:
		if f.numbers != nil && f.texts == nil {
			return inListOf(v.number, f.numbers, numberArg), nil
		}
		return inList(v.text, f.texts), nil
	case opIContains, opRegex:
		parts := make([]frag, len(f.texts))
		for i, t := range f.texts {
			sql := c.d.ContainsFold(v.text.sql)
			if op == opRegex {
				sql = c.d.Regexp(v.text.sql)
				var err error
				if t, err = c.d.RegexpPattern(t); err != nil {
					return frag{}, err
				}
			}
			parts[i] = frag{sql, append(append([]any{}, v.text.args...), t)}
		}
		return joinFrags(parts, true), nil
	case opIsSet:
		return frag{v.text.sql + " IS NOT NULL", v.text.args}, nil
	case opGT, opLT, opGTE, opLTE:
		sym := map[string]string{opGT: " > " + numberArg, opLT: " < " + numberArg, opGTE: " >= " + numberArg,
			opLTE: " <= " + numberArg}[op]
		return frag{v.number.sql + sym, append(append([]any{}, v.number.args...), f.numbers[0])}, nil
	}
	return frag{}, fmt.Errorf("recording: no SQL for operator %q", op)
}

// compare is the condition of f's operator on one value: a missing value
// never satisfies a positive operator and always satisfies a negative one.
func (c compiler) compare(v operand, f filter) (frag, error) {
	if f.any {
		return sqlTrue, nil
	}
	pos, ok := negated[f.op]
	if !ok {
		return c.positive(f.op, v, f)
	}
	if f.op == opIsNotSet {
		return frag{v.text.sql + " IS NULL", v.text.args}, nil
	}
	p, err := c.positive(pos, v, f)
	if err != nil {
		return frag{}, err
	}
	if !v.nullable {
		return not(p), nil
	}
	// The missing test reads the form the positive condition compares.
	missing := v.text
	if f.numbers != nil && f.texts == nil {
		missing = v.number
	}
	return joinFrags([]frag{{missing.sql + " IS NULL", missing.args}, not(p)}, true), nil
}

// exists wraps a correlated subquery, adding a condition on its rows.
func exists(subquery string, cond frag) frag {
	if cond.sql == sqlTrue.sql {
		return frag{"EXISTS (" + subquery + ")", nil}
	}
	return frag{"EXISTS (" + subquery + " AND " + cond.sql + ")", cond.args}
}

// inSet is the condition of f over a set of rows (the session's events or
// URLs): a positive operator holds when some row satisfies it, a negative
// one when no row satisfies its positive counterpart. requireRows adds
// that the set is not empty, for negative operators.
func (c compiler) inSet(subquery string, v operand, f filter, requireRows bool) (frag, error) {
	if f.any {
		return sqlTrue, nil
	}
	pos, negative := negated[f.op]
	if !negative {
		cond, err := c.positive(f.op, v, f)
		if err != nil {
			return frag{}, err
		}
		return exists(subquery, cond), nil
	}
	cond, err := c.positive(pos, v, f)
	if err != nil {
		return frag{}, err
	}
	none := not(exists(subquery, cond))
	if requireRows {
		return joinFrags([]frag{exists(subquery, sqlTrue), none}, false), nil
	}
	return none, nil
}

// leaf compiles one filter other than a console filter.
func (c compiler) leaf(f filter) (frag, error) {
	switch f.kind {
	case kindPerson:
		if c.personSets {
			return c.personSet(f)
		}
		return c.compare(c.jsonOperand(personDoc, f.key), f)
	case kindEvent:
		return c.inSet(sessionEvents, c.jsonOperand("e.properties", f.key), f, true)
	case kindEventRow:
		return c.compare(c.jsonOperand("e.properties", f.key), f)
	case kindEvents:
		parts := []frag{}
		if !f.allEvents {
			parts = append(parts, frag{"e.event = ?", []any{f.event}})
		}
		for _, p := range f.props {
			cond, err := c.leaf(p)
			if err != nil {
				return frag{}, err
			}
			parts = append(parts, cond)
		}
		return exists(sessionEvents, joinFrags(parts, false)), nil
	case kindRecording:
		if sql, ok := recordingNumbers[f.key]; ok {
			return c.compare(operand{number: frag{sql: sql}, text: frag{sql: sql}, nullable: f.key == "activity_score"}, f)
		}
		if f.key == "visited_page" {
			return c.inSet(sessionURLs, columnOperand("u.url", false), f, false)
		}
		if sql, ok := recordingTexts[f.key]; ok {
			return c.compare(columnOperand(sql, f.key != "snapshot_source"), f)
		}
	case kindLog:
		return c.consoleRow(f)
	}
	return frag{}, fmt.Errorf("recording: no SQL for %s filter %q", f.kind, f.key)
}

// consoleRow is a console filter's condition on one console entry c.
func (c compiler) consoleRow(f filter) (frag, error) {
	column := "c.message"
	if f.key == "level" {
		column = "c.level"
	}
	return c.compare(columnOperand(column, false), f)
}

// group compiles a group (an empty one matches everything). Its console
// filters are evaluated together against each console entry, so that
// "level is error AND message contains x" asks for an error whose message
// contains x (as PostHog does).
func (c compiler) group(g group) (frag, error) {
	var parts, console []frag
	for _, f := range g.filters {
		var cond frag
		var err error
		if f.kind == kindLog {
			if cond, err = c.consoleRow(f); err != nil {
				return frag{}, err
			}
			console = append(console, cond)
			continue
		}
		if cond, err = c.leaf(f); err != nil {
			return frag{}, err
		}
		parts = append(parts, cond)
	}
	if len(console) > 0 {
		parts = append(parts, exists(sessionConsole, joinFrags(console, g.or)))
	}
	for _, sub := range g.groups {
		if sub.size() == 0 {
			// An empty group places no condition: leave it out, so that
			// it does not make an OR group always true.
			continue
		}
		cond, err := c.group(sub)
		if err != nil {
			return frag{}, err
		}
		parts = append(parts, cond)
	}
	return joinFrags(parts, g.or), nil
}
