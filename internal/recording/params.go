package recording

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tapedeck/tapedeck/internal/apierror"
	"github.com/tapedeck/tapedeck/internal/timeparse"
)

// listParams are the query parameters the list endpoint accepts.
//
// Besides the filters, ordering and page window of PostHog's
// RecordingsQuery, it takes personal_api_key (read by authentication),
// kind (PostHog's frontend sends "RecordingsQuery"), filter_test_accounts
// (accepted; Tapedeck has no test-account filters, so it changes nothing),
// user_modified_filters (PostHog's frontend analytics; ignored), and the
// legacy parameters PostHog itself drops before validating: version,
// as_query, hogql_filtering and add_events_to_property_queries. comment_text
// and actions are accepted only when empty: Tapedeck has no comments or
// actions to filter on. Anything else is refused.
var listParams = []string{
	"limit", "offset", "date_from", "date_to", "session_ids", "person_uuid", "distinct_ids", "order",
	"order_direction", "properties", "having_predicates", "console_log_filters", "events", "actions", "operand",
	"hide_viewed_recordings", "session_recording_id", "filter_test_accounts", "kind", "comment_text",
	"user_modified_filters", "personal_api_key", "version", "as_query", "hogql_filtering",
	"add_events_to_property_queries",
}

// params reads the list endpoint's query string. Like PostHog, which
// JSON-decodes every parameter, it takes a value given as a JSON string
// ("\"-3d\"") as that string, and null or an empty value as absent.
type params url.Values

// get returns the last value of a parameter (as Django's QueryDict does),
// with ok false when it is absent, empty or null.
func (p params) get(name string) (string, bool) {
	vs := p[name]
	if len(vs) == 0 {
		return "", false
	}
	v := strings.TrimSpace(vs[len(vs)-1])
	if v == "" || v == "null" {
		return "", false
	}
	return v, true
}

// text returns a parameter's text, unquoting a valid JSON string (any
// other value, like PostHog's, is taken as it is).
func (p params) text(name string) (string, bool, error) {
	v, ok := p.get(name)
	if !ok || !strings.HasPrefix(v, `"`) {
		return v, ok, nil
	}
	var s string
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		return v, true, nil
	}
	return s, s != "", nil
}

// count reads a whole number of at least 0.
func (p params) count(name string) (int, bool, error) {
	v, ok, err := p.text(name)
	if err != nil || !ok {
		return 0, false, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, false, apierror.Invalid(name, name+" must be a whole number of at least 0.")
	}
	return n, true, nil
}

// decode reads a JSON parameter into out.
func (p params) decode(name, shape string, out any) (bool, error) {
	v, ok := p.get(name)
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal([]byte(v), out); err != nil {
		return false, apierror.Invalid(name, fmt.Sprintf("%s must be %s.", name, shape))
	}
	return true, nil
}

// ids reads a JSON array of strings.
func (p params) ids(name string) ([]string, bool, error) {
	var ids []string
	ok, err := p.decode(name, "a JSON array of strings", &ids)
	if err != nil || !ok {
		return nil, false, err
	}
	if len(ids) > maxIDs {
		return nil, false, apierror.Invalid(name, fmt.Sprintf("%s lists more than %d ids.", name, maxIDs))
	}
	if ids == nil {
		ids = []string{}
	}
	return ids, true, nil
}

// filters reads a JSON array of filters with parse.
func (p params) filters(name string, parse func(json.RawMessage, string) (filter, error)) ([]filter, error) {
	var list []json.RawMessage
	if _, err := p.decode(name, "a JSON array of filters", &list); err != nil {
		return nil, err
	}
	out := make([]filter, 0, len(list))
	for i, raw := range list {
		f, err := parse(raw, fmt.Sprintf("%s[%d]", name, i))
		if err != nil {
			return nil, asAPIError(name, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// asAPIError turns a filter problem into a 400 naming attr.
func asAPIError(attr string, err error) error {
	var fe *fieldError
	if errors.As(err, &fe) {
		return apierror.Invalid(attr, fe.Error()+".")
	}
	return err
}

// parseDate reads a date bound: a relative date (-3d), an ISO date or
// date-time (a date alone is its midnight, UTC), or "all" for none.
func parseDate(v string, now time.Time) (*time.Time, error) {
	if v == "all" {
		return nil, nil
	}
	t, err := timeparse.Parse(v, now)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// parseOrder reads an order key.
func parseOrder(name, v string) (string, error) {
	if _, ok := orderKeys[v]; !ok {
		return "", apierror.Invalid(name, fmt.Sprintf("%s must be one of %s.", name, strings.Join(orderNames, ", ")))
	}
	return v, nil
}

// parseDirection reads ASC or DESC in any case; ascending reports ASC.
func parseDirection(name, v string) (bool, error) {
	switch strings.ToUpper(v) {
	case "ASC":
		return true, nil
	case "DESC":
		return false, nil
	}
	return false, apierror.Invalid(name, name+" must be ASC or DESC.")
}

// ParseListQuery reads the query string of GET .../session_recordings/ at
// now. Every value is validated: an unknown parameter or a value that
// cannot be used is a 400 (*apierror.Error) naming the parameter. limit
// defaults to DefaultLimit (also for 0) and is clamped to MaxLimit.
//
// Filters: properties (person, event and recording filters), events,
// console_log_filters and the recording filters of having_predicates. The
// operand (AND by default) joins the first three kinds; having_predicates
// always apply, as in PostHog. date_from and date_to bound the start time,
// both inclusive; there is no default window (Tapedeck differs from
// PostHog's three days).
func ParseListQuery(v url.Values, now time.Time) (Query, error) {
	p := params(v)
	var unknown []string
	for name := range v {
		if !slices.Contains(listParams, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return Query{}, apierror.Invalid(unknown[0], fmt.Sprintf("Unknown parameter %q.", unknown[0]))
	}

	q := Query{Limit: DefaultLimit}
	if n, ok, err := p.count("limit"); err != nil {
		return Query{}, err
	} else if ok && n > 0 {
		q.Limit = min(n, MaxLimit)
	}
	if n, ok, err := p.count("offset"); err != nil {
		return Query{}, err
	} else if ok {
		q.Offset = n
	}
	for _, name := range []string{"date_from", "date_to"} {
		s, ok, err := p.text(name)
		if err != nil {
			return Query{}, err
		}
		if !ok {
			continue
		}
		t, err := parseDate(s, now)
		if err != nil {
			return Query{}, apierror.Invalid(name, fmt.Sprintf("%s: %s.", name, err))
		}
		if name == "date_from" {
			q.DateFrom = t
		} else {
			q.DateTo = t
		}
	}
	var err error
	if q.SessionIDs, _, err = p.ids("session_ids"); err != nil {
		return Query{}, err
	}
	if q.DistinctIDs, _, err = p.ids("distinct_ids"); err != nil {
		return Query{}, err
	}
	if q.PersonUUID, _, err = p.text("person_uuid"); err != nil {
		return Query{}, err
	}
	if q.SessionRecordingID, _, err = p.text("session_recording_id"); err != nil {
		return Query{}, err
	}
	if s, ok, err := p.text("order"); err != nil {
		return Query{}, err
	} else if ok {
		if q.Order, err = parseOrder("order", s); err != nil {
			return Query{}, err
		}
	}
	if s, ok, err := p.text("order_direction"); err != nil {
		return Query{}, err
	} else if ok {
		if q.Ascending, err = parseDirection("order_direction", s); err != nil {
			return Query{}, err
		}
	}
	if s, ok, err := p.text("hide_viewed_recordings"); err != nil {
		return Query{}, err
	} else if ok {
		switch strings.ToLower(s) {
		case HideViewedCurrentUser, "true":
			q.HideViewed = HideViewedCurrentUser
		case HideViewedAnyUser:
			q.HideViewed = HideViewedAnyUser
		case "false":
		default:
			return Query{}, apierror.Invalid("hide_viewed_recordings",
				"hide_viewed_recordings must be current-user or any-user.")
		}
	}
	if s, ok, err := p.text("filter_test_accounts"); err != nil {
		return Query{}, err
	} else if ok {
		b, err := strconv.ParseBool(strings.ToLower(s))
		if err != nil {
			return Query{}, apierror.Invalid("filter_test_accounts", "filter_test_accounts must be true or false.")
		}
		q.FilterTestAccounts = b
	}
	if s, ok, err := p.text("kind"); err != nil {
		return Query{}, err
	} else if ok && s != "RecordingsQuery" {
		return Query{}, apierror.Invalid("kind", "kind must be RecordingsQuery.")
	}
	if _, ok := p.get("comment_text"); ok {
		return Query{}, apierror.Invalid("comment_text", "Comment search is not supported: Tapedeck has no recording comments.")
	}
	var actions []json.RawMessage
	if _, err := p.decode("actions", "a JSON array", &actions); err != nil {
		return Query{}, err
	} else if len(actions) > 0 {
		return Query{}, apierror.Invalid("actions", "Action filters are not supported: Tapedeck has no actions.")
	}
	var modified map[string]any
	if _, err := p.decode("user_modified_filters", "a JSON object", &modified); err != nil {
		return Query{}, err
	}

	operand := "AND"
	if s, ok, err := p.text("operand"); err != nil {
		return Query{}, err
	} else if ok {
		operand = strings.ToUpper(s)
		if operand != "AND" && operand != "OR" {
			return Query{}, apierror.Invalid("operand", "operand must be AND or OR.")
		}
	}
	q.where.or = operand == "OR"
	props, err := p.filters("properties", func(raw json.RawMessage, path string) (filter, error) {
		return parseProperty(raw, path, kindEvent, kindPerson, kindEvent, kindRecording)
	})
	if err != nil {
		return Query{}, err
	}
	events, err := p.filters("events", parseEvents)
	if err != nil {
		return Query{}, err
	}
	logs, err := p.filters("console_log_filters", func(raw json.RawMessage, path string) (filter, error) {
		return parseProperty(raw, path, kindLog, kindLog)
	})
	if err != nil {
		return Query{}, err
	}
	if q.having, err = p.filters("having_predicates", func(raw json.RawMessage, path string) (filter, error) {
		return parseProperty(raw, path, kindRecording, kindRecording)
	}); err != nil {
		return Query{}, err
	}
	q.where.filters = slices.Concat(props, events, logs)
	if n := q.where.size() + len(q.having); n > maxFilters {
		return Query{}, apierror.Invalid("properties", fmt.Sprintf("At most %d filters can be combined; this query has %d.", maxFilters, n))
	}
	return q, nil
}
