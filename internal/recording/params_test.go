package recording

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/apierror"
)

func TestParseListQueryValues(t *testing.T) {
	parse := func(query string) Query {
		t.Helper()
		v, err := url.ParseQuery(query)
		if err != nil {
			t.Fatal(err)
		}
		q, err := ParseListQuery(v, testNow)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return q
	}
	q := parse("")
	if q.Limit != DefaultLimit || q.Offset != 0 || q.Order != "" || q.Ascending || q.DateFrom != nil || q.DateTo != nil ||
		q.SessionIDs != nil || q.HideViewed != "" {
		t.Errorf("defaults: %+v", q)
	}
	if q := parse("limit=5000&offset=12345"); q.Limit != MaxLimit || q.Offset != 12345 {
		t.Errorf("limit %d offset %d, want the clamp %d and 12345", q.Limit, q.Offset, MaxLimit)
	}
	if q := parse("limit=1000"); q.Limit != 1000 {
		t.Errorf("limit %d", q.Limit)
	}
	q = parse("date_from=-24h&date_to=2026-03-01T10:00:00.5Z")
	if !q.DateFrom.Equal(testNow.Add(-24*time.Hour)) || !q.DateTo.Equal(time.Date(2026, 3, 1, 10, 0, 0, 500e6, time.UTC)) {
		t.Errorf("dates %v %v", q.DateFrom, q.DateTo)
	}
	for _, rel := range []struct {
		s    string
		want time.Time
	}{{"-3d", testNow.AddDate(0, 0, -3)}, {"-2w", testNow.AddDate(0, 0, -14)}, {"-1m", testNow.AddDate(0, -1, 0)},
		{"-1y", testNow.AddDate(-1, 0, 0)}, {"-24h", testNow.Add(-24 * time.Hour)}} {
		if q := parse("date_from=" + rel.s); !q.DateFrom.Equal(rel.want) {
			t.Errorf("%s: %v, want %v", rel.s, q.DateFrom, rel.want)
		}
	}
	if q := parse("order=activity_score&order_direction=Asc"); q.Order != OrderActivityScore || !q.Ascending {
		t.Errorf("order %q asc %v", q.Order, q.Ascending)
	}
	if q := parse("hide_viewed_recordings=any-user"); q.HideViewed != HideViewedAnyUser {
		t.Errorf("hide viewed %q", q.HideViewed)
	}
	if q := parse(`hide_viewed_recordings="current-user"`); q.HideViewed != HideViewedCurrentUser {
		t.Errorf("hide viewed %q", q.HideViewed)
	}
	if q := parse("filter_test_accounts=true"); !q.FilterTestAccounts {
		t.Error("filter_test_accounts")
	}
	if q := parse(`session_ids=["b","a"]&distinct_ids=["x"]&person_uuid="u"&session_recording_id=r`); strings.Join(q.SessionIDs, ",") != "b,a" ||
		strings.Join(q.DistinctIDs, ",") != "x" || q.PersonUUID != "u" || q.SessionRecordingID != "r" {
		t.Errorf("ids %+v", q)
	}
	// Django keeps the last of repeated values.
	if q := parse("limit=3&limit=4"); q.Limit != 4 {
		t.Errorf("repeated limit: %d", q.Limit)
	}
}

func TestParseListQueryErrors(t *testing.T) {
	many := make([]string, maxFilters+1)
	for i := range many {
		many[i] = prop("person", "k", "exact", `"v"`)
	}
	tooManyIDs := `["` + strings.Repeat(`x","`, maxIDs) + `x"]`
	cases := []struct {
		query, attr string
	}{
		{"foo=1", "foo"},
		{"date_range=%7B%7D", "date_range"},
		{"after=abc", "after"},
		{"limit=10&zzz=1&aaa=2", "aaa"},
		{"limit=-1", "limit"},
		{"limit=abc", "limit"},
		{"limit=1.5", "limit"},
		{"limit=%5B1%5D", "limit"},
		{"offset=-5", "offset"},
		{"offset=x", "offset"},
		{"date_from=yesterday", "date_from"},
		{"date_from=-3x", "date_from"},
		{"date_to=2026-13-45", "date_to"},
		{"session_ids=abc", "session_ids"},
		{`session_ids={"a":1}`, "session_ids"},
		{`session_ids=[1,2]`, "session_ids"},
		{"session_ids=" + url.QueryEscape(tooManyIDs), "session_ids"},
		{`distinct_ids=[1]`, "distinct_ids"},
		{`distinct_ids="bob"`, "distinct_ids"},
		{"order=name", "order"},
		{"order=-start_time", "order"},
		{"order_direction=up", "order_direction"},
		{"operand=XOR", "operand"},
		{"hide_viewed_recordings=someone", "hide_viewed_recordings"},
		{"filter_test_accounts=maybe", "filter_test_accounts"},
		{"kind=EventsQuery", "kind"},
		{"comment_text=" + url.QueryEscape(prop("recording", "comment_text", "icontains", `"x"`)), "comment_text"},
		{"actions=" + url.QueryEscape(`[{"id":1,"type":"actions"}]`), "actions"},
		{"actions=oops", "actions"},
		{"user_modified_filters=%5B", "user_modified_filters"},
		{"properties=garbage", "properties"},
		{"properties=%7B%7D", "properties"},
		{"properties=%5B1%5D", "properties"},
		{properties(`{"key":"a","value":"b","operator":"exact","type":"person","extra":1}`), "properties"},
		{properties(`{"value":"b","operator":"exact","type":"person"}`), "properties"},
		{properties(`{"key":"","value":"b","type":"person"}`), "properties"},
		{properties(`{"key":1,"value":"b","type":"person"}`), "properties"},
		{properties(prop("person", "a", "between", `[1,2]`)), "properties"},
		{properties(prop("person", "a", "is_date_before", `"2026-01-01"`)), "properties"},
		{properties(prop("person", "a", "regex", `"("`)), "properties"},
		{properties(prop("person", "a", "not_regex", `["ok","a{2,1}"]`)), "properties"},
		{properties(prop("person", "a", "gt", `"abc"`)), "properties"},
		{properties(prop("person", "a", "gt", `[1,2]`)), "properties"},
		{properties(prop("person", "a", "lt", `null`)), "properties"},
		{properties(prop("person", "a", "exact", `null`)), "properties"},
		{properties(prop("person", "a", "exact", `{"b":1}`)), "properties"},
		{properties(prop("person", "a", "exact", `[[1]]`)), "properties"},
		{properties(prop("cohort", "id", "in", `1`)), "properties"},
		{properties(prop("group", "name", "exact", `"x"`)), "properties"},
		{properties(prop("hogql", "true", "exact", `null`)), "properties"},
		{properties(prop("session", "$entry_current_url", "exact", `"x"`)), "properties"},
		{properties(prop("element", "selector", "exact", `"a"`)), "properties"},
		{properties(prop("log_entry", "level", "exact", `"error"`)), "properties"},
		{properties(prop("recording", "nonsense", "exact", `1`)), "properties"},
		{properties(prop("recording", "comment_text", "icontains", `"x"`)), "properties"},
		{properties(prop("recording", "duration", "icontains", `"1"`)), "properties"},
		{properties(prop("recording", "duration", "exact", `"one"`)), "properties"},
		{properties(prop("recording", "snapshot_source", "gt", `1`)), "properties"},
		{properties(many...), "properties"},
		{"having_predicates=" + url.QueryEscape(`[`+prop("person", "email", "exact", `"x"`)+`]`), "having_predicates"},
		{"having_predicates=%5B", "having_predicates"},
		{"console_log_filters=" + url.QueryEscape(`[`+prop("log_entry", "level", "exact", `["debug"]`)+`]`), "console_log_filters"},
		{"console_log_filters=" + url.QueryEscape(`[`+prop("log_entry", "source", "exact", `"x"`)+`]`), "console_log_filters"},
		{"console_log_filters=" + url.QueryEscape(`[`+prop("log_entry", "level", "regex", `"err"`)+`]`), "console_log_filters"},
		{"console_log_filters=" + url.QueryEscape(`[`+prop("log_entry", "message", "regex", `"[z-a]"`)+`]`), "console_log_filters"},
		{"console_log_filters=" + url.QueryEscape(`[`+prop("person", "email", "exact", `"x"`)+`]`), "console_log_filters"},
		{"events=notjson", "events"},
		{"events=" + url.QueryEscape(`[{"id":7,"type":"actions"}]`), "events"},
		{"events=" + url.QueryEscape(`[{"id":"x","type":"events","math":"total"}]`), "events"},
		{"events=" + url.QueryEscape(`[{"id":1,"type":"events"}]`), "events"},
		{"events=" + url.QueryEscape(`[{"kind":"ActionsNode","id":"x"}]`), "events"},
		{"events=" + url.QueryEscape(`[{"id":"x","properties":[`+prop("person", "email", "exact", `"x"`)+`]}]`), "events"},
		{"events=" + url.QueryEscape(`[{"id":"x","properties":[`+prop("event", "a", "regex", `"\\"`)+`]}]`), "events"},
		{"events=" + url.QueryEscape(`[{"id":"x","properties":{}}]`), "events"},
	}
	for _, c := range cases {
		t.Run(c.query[:min(len(c.query), 80)], func(t *testing.T) {
			v, err := url.ParseQuery(c.query)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParseListQuery(v, testNow)
			var ae *apierror.Error
			if !errors.As(err, &ae) {
				t.Fatalf("want an *apierror.Error, got %v", err)
			}
			if ae.Status != 400 || ae.Type != "validation_error" || ae.Attr == nil || *ae.Attr != c.attr {
				t.Errorf("got %d %s attr %v: %s; want 400 attr %s", ae.Status, ae.Type, ae.Attr, ae.Detail, c.attr)
			}
			if ae.Detail == "" || strings.Contains(strings.ToLower(ae.Detail), "select ") {
				t.Errorf("detail %q", ae.Detail)
			}
		})
	}
}

// TestParseListQueryDetails checks that a filter's error says where it is.
func TestParseListQueryDetails(t *testing.T) {
	v := url.Values{"properties": {`[` + prop("person", "a", "exact", `"x"`) + `,` + prop("person", "b", "regex", `"(x"`) + `]`}}
	_, err := ParseListQuery(v, testNow)
	var ae *apierror.Error
	if !errors.As(err, &ae) || !strings.HasPrefix(ae.Detail, "properties[1].value: invalid regular expression") {
		t.Errorf("got %v", err)
	}
}
