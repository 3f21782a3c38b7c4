package recording

// How filters are evaluated (the list endpoint, a filters playlist's
// recordings and its saved-filter count all use this):
//
//   - person: a property of the person of the recording's distinct id. A
//     recording whose distinct id has no person is treated as a person with
//     no properties (as it is shown).
//   - event: a property of the session's analytics events. A positive
//     operator holds when some event satisfies it; a negative one when the
//     session has events and none of them satisfies the positive
//     counterpart (is_not x: no event has x). A session without events
//     matches no event filter.
//   - events: the session has an event of that name (any event for a null
//     id) whose own properties satisfy every property of the filter.
//   - recording: a field of the recording (duration, counts, activity
//     score, start_url, snapshot_source, snapshot_library), or visited_page:
//     some URL it visited satisfies a positive operator; no URL satisfies
//     the counterpart of a negative one.
//   - log_entry: a console entry's level or message. The console filters of
//     one group are evaluated together on each entry: "level is error AND
//     message contains x" asks for an error whose message contains x. The
//     levels PostHog offers are info, warn and error; info is what Tapedeck
//     stores as log (console.log, info, debug and the rest).
//
// Operators: exact, is_not (a list value means any of / none of the list);
// icontains, not_icontains (case-insensitive over Unicode; % and _ are plain
// characters); regex, not_regex (RE2, unanchored: Go's regexp and
// ClickHouse's re2 share the syntax); gt, lt, gte, lte (numbers; a string
// that holds a number counts as one); is_set, is_not_set (a JSON null is
// not set). A missing property never satisfies a positive operator and
// always satisfies a negative one, as in PostHog. exact compares text: a
// number as its JSON text, a boolean as true or false; it is
// case-sensitive. An empty value list places no condition (as PostHog).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The property operators a filter may use.
const (
	opExact        = "exact"
	opIsNot        = "is_not"
	opIContains    = "icontains"
	opNotIContains = "not_icontains"
	opRegex        = "regex"
	opNotRegex     = "not_regex"
	opGT           = "gt"
	opLT           = "lt"
	opGTE          = "gte"
	opLTE          = "lte"
	opIsSet        = "is_set"
	opIsNotSet     = "is_not_set"
)

// Operator sets.
var (
	allOps     = []string{opExact, opIsNot, opIContains, opNotIContains, opRegex, opNotRegex, opGT, opLT, opGTE, opLTE, opIsSet, opIsNotSet}
	textOps    = []string{opExact, opIsNot, opIContains, opNotIContains, opRegex, opNotRegex, opIsSet, opIsNotSet}
	numberOps  = []string{opExact, opIsNot, opGT, opLT, opGTE, opLTE}
	durationOp = []string{opGT, opLT, opGTE, opLTE, opExact}
	levelOps   = []string{opExact, opIsNot}
	messageOps = []string{opExact, opIsNot, opIContains, opNotIContains, opRegex, opNotRegex}
)

// negated maps each negative operator to the positive one it denies.
var negated = map[string]string{
	opIsNot:        opExact,
	opNotIContains: opIContains,
	opNotRegex:     opRegex,
	opIsNotSet:     opIsSet,
}

// The kinds of filter leaf.
const (
	// kindPerson is a property of the recording's person.
	kindPerson = "person"
	// kindEvent is a property of the session's analytics events.
	kindEvent = "event"
	// kindEventRow is a property of one event, inside an events filter.
	kindEventRow = "event_row"
	// kindRecording is a field of the recording itself.
	kindRecording = "recording"
	// kindLog is a console log entry of the recording.
	kindLog = "log_entry"
	// kindEvents is "the session has an event named so (with these
	// properties)".
	kindEvents = "events"
)

// numberKeys are the recording filter keys compared as numbers.
var numberKeys = []string{"duration", "active_seconds", "inactive_seconds", "click_count", "keypress_count",
	"mouse_activity_count", "console_log_count", "console_warn_count", "console_error_count", "activity_score"}

// textKeys are the recording filter keys compared as text; visited_page
// looks at every URL the recording visited.
var textKeys = []string{"visited_page", "start_url", "snapshot_source", "snapshot_library"}

// durationKeys are the keys of a universal filter's duration list.
var durationKeys = []string{"duration", "active_seconds", "inactive_seconds"}

// logLevels maps the console levels a filter may name to the stored ones:
// PostHog calls console.log and console.info "info"; Tapedeck stores both
// (and every level other than warn and error) as "log".
var logLevels = map[string]string{"info": "log", "log": "log", "warn": "warn", "error": "error"}

// maxFilters bounds the number of filter leaves of one query.
const maxFilters = 200

// maxDepth bounds the nesting of filter groups.
const maxDepth = 16

// filter is one leaf of a query's filters.
type filter struct {
	kind string
	key  string
	op   string
	// texts are the values of a text comparison, numbers those of a
	// numeric one; either may be empty for is_set and is_not_set.
	texts   []string
	numbers []float64
	// any is set when the value was an empty list, which (as in PostHog)
	// places no condition.
	any bool
	// event is the event name of an events filter; allEvents means any event.
	event     string
	allEvents bool
	// props are an events filter's conditions on the same event.
	props []filter
}

// group is a list of filters and groups joined by AND or by OR. An empty
// group matches every recording.
type group struct {
	or      bool
	filters []filter
	groups  []group
}

// size counts the leaves of g.
func (g group) size() int {
	n := 0
	for _, f := range g.filters {
		n += 1 + len(f.props)
	}
	for _, sub := range g.groups {
		n += sub.size()
	}
	return n
}

// fieldError is a problem with one part of the input, at path.
type fieldError struct {
	path string
	msg  string
}

func (e *fieldError) Error() string {
	if e.path == "" {
		return e.msg
	}
	return e.path + ": " + e.msg
}

func errorf(path, format string, args ...any) error {
	return &fieldError{path: path, msg: fmt.Sprintf(format, args...)}
}

// decodeObject reads a JSON object into its members, refusing members
// other than allowed.
func decodeObject(raw json.RawMessage, path string, allowed ...string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, errorf(path, "must be a JSON object")
	}
	for k := range m {
		if !slices.Contains(allowed, k) {
			// Name the first unknown field in order, so that the error
			// does not depend on map order.
			for _, k := range slices.Sorted(maps.Keys(m)) {
				if !slices.Contains(allowed, k) {
					return nil, errorf(path, "unknown field %q (allowed: %s)", k, strings.Join(allowed, ", "))
				}
			}
		}
	}
	return m, nil
}

// isNull reports whether a member is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// decodeString reads an optional JSON string member.
func decodeString(raw json.RawMessage, path string) (string, bool, error) {
	if isNull(raw) {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, errorf(path, "must be a string")
	}
	return s, true, nil
}

// decodeArray reads an optional JSON array member.
func decodeArray(raw json.RawMessage, path string) ([]json.RawMessage, error) {
	if isNull(raw) {
		return nil, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, errorf(path, "must be a JSON array")
	}
	return list, nil
}

// scalar is one filter value: its text, and its number when it is a JSON
// number or a string that holds one.
type scalar struct {
	text   string
	number *float64
}

// decodeValues reads a filter's value: a scalar or a list of scalars.
// present is false for a missing or null value.
func decodeValues(raw json.RawMessage, path string) (values []scalar, present bool, err error) {
	if isNull(raw) {
		return nil, false, nil
	}
	raw = bytes.TrimSpace(raw)
	if raw[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, false, errorf(path, "must be a string, a number, a boolean or a list of them")
		}
		for _, item := range list {
			v, err := decodeScalar(item, path)
			if err != nil {
				return nil, false, err
			}
			values = append(values, v)
		}
		return values, true, nil
	}
	v, err := decodeScalar(raw, path)
	if err != nil {
		return nil, false, err
	}
	return []scalar{v}, true, nil
}

func decodeScalar(raw json.RawMessage, path string) (scalar, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return scalar{}, errorf(path, "must be a string, a number, a boolean or a list of them")
	}
	switch v := v.(type) {
	case string:
		s := scalar{text: v}
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			s.number = &f
		}
		return s, nil
	case json.Number:
		f, err := v.Float64()
		if err != nil || math.IsInf(f, 0) {
			return scalar{}, errorf(path, "%s is not a usable number", v)
		}
		return scalar{text: v.String(), number: &f}, nil
	case bool:
		return scalar{text: strconv.FormatBool(v)}, nil
	}
	return scalar{}, errorf(path, "must be a string, a number, a boolean or a list of them")
}

// propertyFields are the members of a property filter object.
var propertyFields = []string{"type", "key", "value", "operator", "label"}

// parseProperty reads a property filter object. defaultType is the type
// assumed when the object has none; allowed lists the types accepted here.
func parseProperty(raw json.RawMessage, path, defaultType string, allowed ...string) (filter, error) {
	m, err := decodeObject(raw, path, propertyFields...)
	if err != nil {
		return filter{}, err
	}
	typ, ok, err := decodeString(m["type"], path+".type")
	if err != nil {
		return filter{}, err
	}
	if !ok {
		typ = defaultType
	}
	if !slices.Contains(allowed, typ) {
		return filter{}, unsupportedType(path+".type", typ, allowed)
	}
	key, ok, err := decodeString(m["key"], path+".key")
	if err != nil {
		return filter{}, err
	}
	if !ok || key == "" {
		return filter{}, errorf(path+".key", "is required")
	}
	op, ok, err := decodeString(m["operator"], path+".operator")
	if err != nil {
		return filter{}, err
	}
	if !ok {
		op = opExact // PostHog's default operator
	}
	values, present, err := decodeValues(m["value"], path+".value")
	if err != nil {
		return filter{}, err
	}
	f := filter{kind: typ, key: key, op: op}
	ops := allOps
	switch typ {
	case kindRecording:
		switch {
		case slices.Contains(numberKeys, key):
			ops = numberOps
		case slices.Contains(textKeys, key):
			ops = textOps
		case key == "comment_text":
			return filter{}, errorf(path+".key", "comment search is not supported: Tapedeck has no recording comments")
		default:
			return filter{}, errorf(path+".key", "unknown recording filter %q (supported: %s)", key,
				strings.Join(append(slices.Clone(numberKeys), textKeys...), ", "))
		}
	case kindLog:
		switch key {
		case "level":
			ops = levelOps
		case "message":
			ops = messageOps
		default:
			return filter{}, errorf(path+".key", "unknown console log filter %q (supported: level, message)", key)
		}
	}
	if !slices.Contains(ops, op) {
		return filter{}, errorf(path+".operator", "unsupported operator %q for %s filter %q (supported: %s)",
			op, typ, key, strings.Join(ops, ", "))
	}
	if err := f.setValues(values, present, path+".value", ops); err != nil {
		return filter{}, err
	}
	return f, nil
}

// setValues checks a filter's values against its operator and keeps them.
func (f *filter) setValues(values []scalar, present bool, path string, ops []string) error {
	switch f.op {
	case opIsSet, opIsNotSet:
		return nil
	case opGT, opLT, opGTE, opLTE:
		if len(values) != 1 || values[0].number == nil {
			return errorf(path, "operator %s needs one number", f.op)
		}
		f.numbers = []float64{*values[0].number}
		return nil
	}
	if !present {
		return errorf(path, "is required with operator %s", f.op)
	}
	if len(values) == 0 {
		f.any = true
		return nil
	}
	numeric := f.kind == kindRecording && slices.Contains(numberKeys, f.key)
	for _, v := range values {
		switch {
		case numeric:
			if v.number == nil {
				return errorf(path, "%q is not a number", v.text)
			}
			f.numbers = append(f.numbers, *v.number)
		case f.kind == kindLog && f.key == "level":
			level, ok := logLevels[strings.ToLower(v.text)]
			if !ok {
				return errorf(path, "unknown console level %q (use info, warn or error)", v.text)
			}
			if !slices.Contains(f.texts, level) {
				f.texts = append(f.texts, level)
			}
		default:
			if f.op == opRegex || f.op == opNotRegex {
				if _, err := regexp.Compile(v.text); err != nil {
					return errorf(path, "invalid regular expression %q: %s", v.text, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
				}
			}
			f.texts = append(f.texts, v.text)
		}
	}
	return nil
}

// unsupportedType explains why a filter type cannot be evaluated.
func unsupportedType(path, typ string, allowed []string) error {
	switch typ {
	case "actions":
		return errorf(path, "action filters are not supported: Tapedeck has no actions")
	case "cohort", "precalculated-cohort", "static-cohort":
		return errorf(path, "cohort filters are not supported: Tapedeck has no cohorts")
	case "group":
		return errorf(path, "group property filters are not supported: Tapedeck has no groups")
	case "hogql":
		return errorf(path, "HogQL filters are not supported")
	}
	return errorf(path, "unsupported filter type %q here (supported: %s)", typ, strings.Join(allowed, ", "))
}

// eventsFields are the members of an events filter object: PostHog's
// legacy entity (id, name, type, order, ...) and its EventsNode (kind,
// event) shapes.
var eventsFields = []string{"type", "id", "name", "order", "properties", "custom_name", "uuid", "kind", "event"}

// parseEvents reads an events filter: the session has an event with that
// name (any event when the id is null) whose properties match all of the
// filter's properties.
func parseEvents(raw json.RawMessage, path string) (filter, error) {
	m, err := decodeObject(raw, path, eventsFields...)
	if err != nil {
		return filter{}, err
	}
	typ, ok, err := decodeString(m["type"], path+".type")
	if err != nil {
		return filter{}, err
	}
	if ok && typ != kindEvents {
		return filter{}, unsupportedType(path+".type", typ, []string{kindEvents})
	}
	if kind, ok, err := decodeString(m["kind"], path+".kind"); err != nil {
		return filter{}, err
	} else if ok && kind != "EventsNode" {
		return filter{}, errorf(path+".kind", "unsupported kind %q (use EventsNode)", kind)
	}
	f := filter{kind: kindEvents}
	// The event is the id (legacy entities) or event (EventsNode); an id
	// or event given as null means any event. name is only a label, used
	// when neither is given.
	var name string
	switch {
	case m["id"] != nil:
		if !isNull(m["id"]) {
			if name, _, err = decodeString(m["id"], path+".id"); err != nil {
				return filter{}, err
			}
		}
	case m["event"] != nil:
		if name, _, err = decodeString(m["event"], path+".event"); err != nil {
			return filter{}, err
		}
	default:
		if name, _, err = decodeString(m["name"], path+".name"); err != nil {
			return filter{}, err
		}
	}
	f.event, f.allEvents = name, name == ""
	props, err := decodeArray(m["properties"], path+".properties")
	if err != nil {
		return filter{}, err
	}
	for i, p := range props {
		pf, err := parseProperty(p, fmt.Sprintf("%s.properties[%d]", path, i), kindEvent, kindEvent)
		if err != nil {
			return filter{}, err
		}
		pf.kind = kindEventRow
		f.props = append(f.props, pf)
	}
	return f, nil
}

// parseGroup reads a universal filter group: {"type": "AND"|"OR",
// "values": [...]}, whose values are groups or filters.
func parseGroup(raw json.RawMessage, path string, depth int) (group, error) {
	if depth > maxDepth {
		return group{}, errorf(path, "filter groups are nested more than %d deep", maxDepth)
	}
	m, err := decodeObject(raw, path, "type", "values")
	if err != nil {
		return group{}, err
	}
	var g group
	typ, _, err := decodeString(m["type"], path+".type")
	if err != nil {
		return group{}, err
	}
	switch strings.ToUpper(typ) {
	case "AND", "":
	case "OR":
		g.or = true
	default:
		return group{}, errorf(path+".type", "must be AND or OR")
	}
	values, err := decodeArray(m["values"], path+".values")
	if err != nil {
		return group{}, err
	}
	for i, v := range values {
		p := fmt.Sprintf("%s.values[%d]", path, i)
		var probe struct {
			Type   string          `json:"type"`
			Values json.RawMessage `json:"values"`
		}
		if err := json.Unmarshal(v, &probe); err != nil {
			return group{}, errorf(p, "must be a JSON object")
		}
		switch {
		case probe.Values != nil:
			sub, err := parseGroup(v, p, depth+1)
			if err != nil {
				return group{}, err
			}
			g.groups = append(g.groups, sub)
		case probe.Type == "actions":
			return group{}, unsupportedType(p+".type", probe.Type, nil)
		case probe.Type == kindEvents:
			f, err := parseEvents(v, p)
			if err != nil {
				return group{}, err
			}
			g.filters = append(g.filters, f)
		default:
			f, err := parseProperty(v, p, kindEvent, kindPerson, kindEvent, kindRecording, kindLog, kindEvents)
			if err != nil {
				return group{}, err
			}
			g.filters = append(g.filters, f)
		}
	}
	return g, nil
}
