package recording

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// filtersAttr is the attr of errors about a playlist's saved filters.
const filtersAttr = "filters"

// universalFields are the members of a universal filters object:
// limit, version and hogql_filtering are accepted and ignored (PostHog
// drops the last two before evaluating; a saved filter's page size is the
// caller's).
var universalFields = []string{"date_from", "date_to", "duration", "filter_group", "filter_test_accounts", "order",
	"order_direction", "session_ids", "limit", "version", "hogql_filtering"}

// legacyFields are members of PostHog's filters from before universal
// filters.
var legacyFields = []string{"events", "actions", "properties", "console_logs", "console_search_query",
	"session_recording_duration", "duration_type_filter", "snapshot_source", "operand"}

// ParseFilters reads a filters playlist's saved filters, PostHog's
// "universal filters" object, at now:
//
//	{"date_from": "-3d", "date_to": null,
//	 "duration": [{"type": "recording", "key": "duration", "operator": "gt", "value": 60}],
//	 "filter_group": {"type": "AND", "values": [{"type": "AND", "values": [...filters]}]},
//	 "filter_test_accounts": false, "order": "start_time", "order_direction": "DESC"}
//
// The duration filters always apply. filter_group is evaluated as the tree
// it is: each group joins its values with its own AND or OR (PostHog
// flattens the tree and joins everything with OR when any group is OR;
// the two agree for the one-level trees its editor builds). Its leaves are
// person, event, recording and log_entry property filters and events
// filters. Anything that cannot be evaluated is a 400 with attr "filters"
// whose detail names the place: it is never ignored. Limit is DefaultLimit.
func ParseFilters(raw json.RawMessage, now time.Time) (Query, error) {
	q, err := parseUniversal(raw, now)
	if err != nil {
		return Query{}, asAPIError(filtersAttr, err)
	}
	return q, nil
}

func parseUniversal(raw json.RawMessage, now time.Time) (Query, error) {
	const path = filtersAttr
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return Query{}, errorf(path, "must be a JSON object")
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if slices.Contains(legacyFields, k) {
			return Query{}, errorf(path, "%q belongs to PostHog's legacy filters, which are not supported: "+
				"use universal filters (filter_group)", k)
		}
	}
	if _, err := decodeObject(raw, path, universalFields...); err != nil {
		return Query{}, err
	}
	q := Query{Limit: DefaultLimit}
	for _, name := range []string{"date_from", "date_to"} {
		s, ok, err := decodeString(m[name], path+"."+name)
		if err != nil {
			return Query{}, err
		}
		if !ok || s == "" {
			continue
		}
		t, err := parseDate(s, now)
		if err != nil {
			return Query{}, errorf(path+"."+name, "%s", err)
		}
		if name == "date_from" {
			q.DateFrom = t
		} else {
			q.DateTo = t
		}
	}
	durations, err := decodeArray(m["duration"], path+".duration")
	if err != nil {
		return Query{}, err
	}
	for i, d := range durations {
		p := fmt.Sprintf("%s.duration[%d]", path, i)
		f, err := parseProperty(d, p, kindRecording, kindRecording)
		if err != nil {
			return Query{}, err
		}
		if !slices.Contains(durationKeys, f.key) {
			return Query{}, errorf(p+".key", "must be one of %s", strings.Join(durationKeys, ", "))
		}
		if !slices.Contains(durationOp, f.op) {
			return Query{}, errorf(p+".operator", "must be one of %s", strings.Join(durationOp, ", "))
		}
		q.having = append(q.having, f)
	}
	if !isNull(m["filter_group"]) {
		if q.where, err = parseGroup(m["filter_group"], path+".filter_group", 0); err != nil {
			return Query{}, err
		}
	}
	if n := q.where.size() + len(q.having); n > maxFilters {
		return Query{}, errorf(path, "at most %d filters can be combined; these have %d", maxFilters, n)
	}
	if !isNull(m["filter_test_accounts"]) {
		if err := json.Unmarshal(m["filter_test_accounts"], &q.FilterTestAccounts); err != nil {
			return Query{}, errorf(path+".filter_test_accounts", "must be true or false")
		}
	}
	if s, ok, err := decodeString(m["order"], path+".order"); err != nil {
		return Query{}, err
	} else if ok {
		if _, known := orderKeys[s]; !known {
			return Query{}, errorf(path+".order", "must be one of %s", strings.Join(orderNames, ", "))
		}
		q.Order = s
	}
	if s, ok, err := decodeString(m["order_direction"], path+".order_direction"); err != nil {
		return Query{}, err
	} else if ok {
		switch strings.ToUpper(s) {
		case "ASC":
			q.Ascending = true
		case "DESC":
		default:
			return Query{}, errorf(path+".order_direction", "must be ASC or DESC")
		}
	}
	if !isNull(m["session_ids"]) {
		if err := json.Unmarshal(m["session_ids"], &q.SessionIDs); err != nil {
			return Query{}, errorf(path+".session_ids", "must be a list of strings")
		}
		if len(q.SessionIDs) > maxIDs {
			return Query{}, errorf(path+".session_ids", "lists more than %d ids", maxIDs)
		}
		if q.SessionIDs == nil {
			q.SessionIDs = []string{}
		}
	}
	return q, nil
}
