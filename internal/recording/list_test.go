package recording

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// prop writes a property filter as JSON for a query string.
func prop(typ, key, op, value string) string {
	return `{"type":"` + typ + `","key":` + quote(key) + `,"operator":"` + op + `","value":` + value + `}`
}

// quote writes s as a JSON string.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// idList is a JSON array of n ids, first among ones that match nothing.
func idList(first string, n int) string {
	ids := []string{first}
	for i := 1; i < n; i++ {
		ids = append(ids, "x"+strconv.Itoa(i))
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// param encodes one query parameter.
func param(name, value string) string { return name + "=" + url.QueryEscape(value) }

// properties is the properties parameter holding the filters.
func properties(filters ...string) string {
	return param("properties", "["+strings.Join(filters, ",")+"]")
}

func TestListParameters(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name  string
		query string
		want  []string
		count int // when not len(want)
	}{
		{"no parameters: every recording within retention, newest first", "", all, 0},
		{"personal_api_key and frontend extras change nothing",
			"personal_api_key=phx_x&kind=RecordingsQuery&filter_test_accounts=true&user_modified_filters=%7B%7D&version=2&as_query=true&hogql_filtering=true&add_events_to_property_queries=1&actions=%5B%5D&comment_text=null",
			all, 0},
		{"empty and null values are absent", "date_from=&date_to=null&person_uuid=&operand=&properties=null", all, 0},
		{"limit", "limit=2", []string{"s1", "s2"}, 6},
		{"limit 0 is the default", "limit=0", all, 0},
		{"offset", "limit=2&offset=4", []string{"s4", "s5"}, 6},
		{"offset past the end", "offset=100", nil, 6},
		{"limit as a JSON string", `limit="3"`, []string{"s1", "s2", "s7"}, 6},
		{"date_from relative", "date_from=-3d", []string{"s1", "s2", "s7", "s3"}, 0},
		{"date_from as a JSON string", `date_from="-3d"`, []string{"s1", "s2", "s7", "s3"}, 0},
		{"date_to is inclusive", "date_from=-3d&date_to=-2h", []string{"s2", "s7", "s3"}, 0},
		{"date_from ISO, inclusive", "date_from=2026-03-09T12:00:00Z", []string{"s1", "s2", "s7", "s3"}, 0},
		{"date_to as a date is its midnight", "date_to=2026-03-09", []string{"s4", "s5"}, 0},
		{"date range of weeks", "date_from=-1w&date_to=-2d", []string{"s4"}, 0},
		{"date_from all", "date_from=all", all, 0},
		{"session_ids in their order, expired and unknown left out", `session_ids=["s4","s1","nope","s6","s8"]`,
			[]string{"s4", "s1"}, 0},
		{"session_ids order wins over order", `session_ids=["s5","s2"]&order=duration&order_direction=ASC`,
			[]string{"s5", "s2"}, 0},
		{"session_ids empty: nothing", `session_ids=[]`, nil, 0},
		{"the longest id lists", param("session_ids", idList("s3", maxIDs)) + "&" + param("distinct_ids", idList("carol", maxIDs)),
			[]string{"s3"}, 0},
		{"person_uuid: every distinct id of the person", "person_uuid=" + uuidAlice, []string{"s1", "s5"}, 0},
		{"person_uuid of no person", "person_uuid=99999999-9999-4999-8999-999999999999", nil, 0},
		{"person_uuid of another project's person", "person_uuid=55555555-5555-4555-8555-555555555555", nil, 0},
		{"distinct_ids", `distinct_ids=["bob","dave","nobody"]`, []string{"s2", "s4"}, 0},
		{"distinct_ids and person_uuid both apply", `distinct_ids=["bob","alice"]&person_uuid=` + uuidAlice, []string{"s5"}, 0},
		{"hide viewed by me", "hide_viewed_recordings=current-user", []string{"s7", "s3", "s4", "s5"}, 0},
		{"hide viewed: true means by me", "hide_viewed_recordings=true", []string{"s7", "s3", "s4", "s5"}, 0},
		{"hide viewed: false hides nothing", "hide_viewed_recordings=false", all, 0},
		{"hide viewed by anyone", "hide_viewed_recordings=any-user", []string{"s7", "s4", "s5"}, 0},
		{"hide viewed does not apply to session_ids", `hide_viewed_recordings=any-user&session_ids=["s1","s3"]`,
			[]string{"s1", "s3"}, 0},
		{"session_recording_id comes first even when filtered out",
			"session_recording_id=s5&" + properties(prop("person", "email", "exact", `"bob@example.com"`)),
			[]string{"s5", "s2"}, 0},
		{"session_recording_id first without filters", "session_recording_id=s4", []string{"s4", "s1", "s2", "s7", "s3", "s5"}, 0},
		{"session_recording_id first on page one only", "session_recording_id=s4&limit=2&offset=2", []string{"s2", "s7"}, 6},
		{"session_recording_id that expired is not listed", "session_recording_id=s6&" +
			properties(prop("person", "email", "exact", `"bob@example.com"`)), []string{"s2"}, 0},
		{"session_recording_id with hide viewed", "session_recording_id=s1&hide_viewed_recordings=current-user",
			[]string{"s1", "s7", "s3", "s4", "s5"}, 0},
		{"operand OR", "operand=OR&" + properties(prop("person", "email", "exact", `"bob@example.com"`),
			prop("event", "$browser", "exact", `"Safari"`)), []string{"s2", "s3"}, 0},
		{"operand AND", "operand=AND&" + properties(prop("person", "plan", "exact", `"pro"`),
			prop("recording", "visited_page", "icontains", `"cart"`)), []string{"s1"}, 0},
		{"operand is case-insensitive", "operand=or&" + properties(prop("person", "email", "exact", `"bob@example.com"`),
			prop("event", "$browser", "exact", `"Safari"`)), []string{"s2", "s3"}, 0},
		{"having_predicates apply whatever the operand", "operand=OR&" +
			param("having_predicates", `[`+prop("recording", "duration", "gt", "100")+`]`) + "&" +
			properties(prop("person", "email", "exact", `"bob@example.com"`), prop("event", "$browser", "exact", `"Safari"`)),
			[]string{"s3"}, 0},
		{"having_predicates: several are all applied", param("having_predicates",
			`[`+prop("recording", "duration", "gte", "45")+`,`+prop("recording", "click_count", "gt", "5")+`]`),
			[]string{"s1", "s4"}, 0},
		{"having_predicates without a type are recording filters", param("having_predicates",
			`[{"key":"snapshot_source","operator":"exact","value":["mobile"]}]`), []string{"s3"}, 0},
		{"events parameter", param("events", `[{"id":"signup","type":"events","name":"signup","order":0}]`),
			[]string{"s3"}, 0},
		{"console_log_filters parameter", param("console_log_filters",
			`[{"type":"log_entry","key":"level","operator":"exact","value":["error"]}]`), []string{"s3", "s4"}, 0},
		{"filters with dates, pages visited and page window together", "date_from=-3d&limit=1&offset=1&" +
			properties(prop("recording", "visited_page", "is_set", "null")), []string{"s2"}, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, count := f.list(t, c.query)
			check(t, c.query, got, c.want)
			want := c.count
			if want == 0 {
				want = len(c.want)
			}
			if count != want {
				t.Errorf("count %d, want %d", count, want)
			}
		})
	}
}

func TestListOrders(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		order     string
		desc, asc []string
	}{
		{"start_time", all, []string{"s5", "s4", "s3", "s7", "s2", "s1"}},
		{"recording_ttl", all, []string{"s5", "s4", "s3", "s7", "s2", "s1"}},
		// s1 and s5 last 120 s each: the session id breaks the tie, the
		// same way in both directions.
		{"duration", []string{"s3", "s1", "s5", "s4", "s2", "s7"}, []string{"s7", "s2", "s4", "s1", "s5", "s3"}},
		{"recording_duration", []string{"s3", "s1", "s5", "s4", "s2", "s7"}, []string{"s7", "s2", "s4", "s1", "s5", "s3"}},
		{"active_seconds", []string{"s3", "s1", "s2", "s5", "s4", "s7"}, []string{"s7", "s4", "s5", "s2", "s1", "s3"}},
		// inactive: s3 500, s5 100, s1 60, s4 40, s2 0, s7 0.
		{"inactive_seconds", []string{"s3", "s5", "s1", "s4", "s2", "s7"}, []string{"s2", "s7", "s4", "s1", "s5", "s3"}},
		{"console_error_count", []string{"s3", "s4", "s1", "s2", "s5", "s7"}, []string{"s1", "s2", "s5", "s7", "s4", "s3"}},
		{"click_count", []string{"s1", "s4", "s3", "s5", "s2", "s7"}, []string{"s2", "s7", "s5", "s3", "s1", "s4"}},
		{"keypress_count", []string{"s3", "s1", "s5", "s2", "s4", "s7"}, []string{"s2", "s4", "s7", "s1", "s5", "s3"}},
		{"mouse_activity_count", []string{"s3", "s1", "s5", "s4", "s2", "s7"}, []string{"s2", "s7", "s4", "s1", "s5", "s3"}},
		// s7 has no activity at all: its score is null and sorts last
		// either way.
		{"activity_score", []string{"s2", "s1", "s4", "s3", "s5", "s7"}, []string{"s5", "s3", "s4", "s1", "s2", "s7"}},
	}
	for _, c := range cases {
		t.Run(c.order, func(t *testing.T) {
			got, _ := f.list(t, "order="+c.order)
			check(t, "default direction", got, c.desc)
			got, _ = f.list(t, "order="+c.order+"&order_direction=DESC")
			check(t, "DESC", got, c.desc)
			got, _ = f.list(t, "order="+c.order+"&order_direction=asc")
			check(t, "asc", got, c.asc)
			// Page by page, the same order: nothing repeats or is skipped.
			var paged []string
			for offset := 0; offset < len(all); offset += 4 {
				page, count := f.list(t, "order="+c.order+"&order_direction=ASC&limit=4&offset="+strconv.Itoa(offset))
				if count != len(all) {
					t.Fatalf("count %d", count)
				}
				paged = append(paged, page...)
			}
			check(t, "paged", paged, c.asc)
		})
	}
}

func TestListPersonProperties(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		key, op, value string
		want           []string
	}{
		{"email", "exact", `"alice@shop.example"`, []string{"s1", "s5"}},
		{"email", "exact", `["bob@example.com","alice@shop.example"]`, []string{"s1", "s2", "s5"}},
		{"email", "exact", `[]`, all}, // an empty list places no condition, as in PostHog
		// Negative operators match persons without the property and
		// recordings without a person (dave): both have no email.
		{"email", "is_not", `"alice@shop.example"`, []string{"s2", "s7", "s3", "s4"}},
		{"email", "is_not", `["alice@shop.example","bob@example.com"]`, []string{"s7", "s3", "s4"}},
		{"email", "icontains", `"SHOP"`, []string{"s1", "s5"}},
		{"email", "icontains", `["bob","nobody"]`, []string{"s2"}},
		{"email", "not_icontains", `"shop"`, []string{"s2", "s7", "s3", "s4"}},
		{"email", "regex", `"^bob@"`, []string{"s2"}},
		{"email", "regex", `"(?i)^ALICE"`, []string{"s1", "s5"}},
		{"email", "not_regex", `"^bob@"`, []string{"s1", "s7", "s3", "s4", "s5"}},
		{"age", "gt", `30`, []string{"s1", "s3", "s5"}},
		{"age", "gt", `"30"`, []string{"s1", "s3", "s5"}},
		{"age", "lt", `20`, []string{"s2"}}, // bob's age is the string "19"
		{"age", "gte", `34`, []string{"s1", "s3", "s5"}},
		{"age", "lte", `34`, []string{"s1", "s2", "s5"}},
		{"age", "lte", `[19]`, []string{"s2"}},
		{"age", "exact", `34`, []string{"s1", "s5"}},
		{"age", "exact", `61.5`, []string{"s3"}},
		{"score", "gt", `7`, []string{"s1", "s5"}},
		{"plan", "exact", `"pro"`, []string{"s1", "s5"}}, // exact is case-sensitive: carol's is "Pro"
		{"plan", "icontains", `"pro"`, []string{"s1", "s3", "s5"}},
		{"beta", "exact", `true`, []string{"s1", "s5"}},
		{"beta", "exact", `"true"`, []string{"s1", "s5"}},
		{"email", "is_set", `"is_set"`, []string{"s1", "s2", "s5"}},
		{"email", "is_not_set", `"is_not_set"`, []string{"s7", "s3", "s4"}},
		// A JSON null is not set.
		{"nick", "is_set", `null`, []string{"s2"}},
		{"nick", "is_not_set", `null`, []string{"s1", "s7", "s3", "s4", "s5"}},
		{`weird"key`, "exact", `"q\\'"`, []string{"s1", "s5"}},
		{"missing", "is_not", `"x"`, all},
		// dave has a person in the other project only.
		{"email", "exact", `"dave@example.com"`, nil},
		{"missing", "exact", `"x"`, nil},
	}
	for _, c := range cases {
		t.Run(c.key+" "+c.op+" "+c.value, func(t *testing.T) {
			query := properties(prop("person", c.key, c.op, c.value))
			got, _ := f.list(t, query)
			check(t, "", got, c.want)
			// Both ways of writing a person filter select the same.
			v, _ := url.ParseQuery(query)
			q, err := ParseListQuery(v, testNow)
			if err != nil {
				t.Fatal(err)
			}
			check(t, "for a page", f.runForm(t, q, false), c.want)
			check(t, "for a count", f.runForm(t, q, true), c.want)
		})
	}
}

func TestListEventProperties(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		key, op, value string
		want           []string
	}{
		// A positive operator: some event of the session satisfies it.
		{"$browser", "exact", `"Chrome"`, []string{"s1", "s3"}},
		{"$browser", "exact", `["Firefox","Safari"]`, []string{"s2", "s3"}},
		{"$browser", "icontains", `"fire"`, []string{"s2"}},
		{"$browser", "regex", `"^(Safari|Firefox)$"`, []string{"s2", "s3"}},
		{"$browser", "is_set", `null`, []string{"s1", "s2", "s3"}},
		// A negative operator: the session has events and none satisfies
		// the positive counterpart (an event without the property does
		// not). s4 and s7 have no events.
		{"$browser", "is_not", `"Chrome"`, []string{"s2", "s5"}},
		{"$browser", "not_icontains", `"fire"`, []string{"s1", "s3", "s5"}},
		{"$browser", "not_regex", `"^Chrome$"`, []string{"s2", "s5"}},
		{"$browser", "is_not_set", `null`, []string{"s5"}},
		{"amount", "gt", `50`, []string{"s1"}},
		{"amount", "gte", `12`, []string{"s1", "s3"}}, // signup's amount is the string "12"
		{"amount", "lt", `"20"`, []string{"s3"}},
		{"amount", "lte", `99.5`, []string{"s1", "s3"}},
		{"currency", "exact", `"EUR"`, []string{"s1"}},
		// The other project's event on a session named s4 is not s4's.
		{"amount", "gt", `500`, nil},
	}
	for _, c := range cases {
		t.Run(c.key+" "+c.op+" "+c.value, func(t *testing.T) {
			got, _ := f.list(t, properties(prop("event", c.key, c.op, c.value)))
			check(t, "", got, c.want)
		})
	}
	// A property filter without a type is an event property filter.
	got, _ := f.list(t, properties(`{"key":"$browser","value":"Firefox"}`))
	check(t, "untyped", got, []string{"s2"})
}

func TestListRecordingFilters(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		key, op, value string
		want           []string
	}{
		{"duration", "gt", `100`, []string{"s1", "s3", "s5"}},
		{"duration", "gt", `"100"`, []string{"s1", "s3", "s5"}},
		{"duration", "lt", `40`, []string{"s2", "s7"}},
		{"duration", "gte", `120`, []string{"s1", "s3", "s5"}},
		{"duration", "lte", `45`, []string{"s2", "s7", "s4"}},
		{"duration", "exact", `120`, []string{"s1", "s5"}},
		{"duration", "exact", `[30,45]`, []string{"s2", "s4"}},
		{"duration", "is_not", `120`, []string{"s2", "s7", "s3", "s4"}},
		{"active_seconds", "gt", `25`, []string{"s1", "s2", "s3"}},
		{"active_seconds", "exact", `5`, []string{"s4"}},
		{"inactive_seconds", "gt", `50`, []string{"s1", "s3", "s5"}},
		{"inactive_seconds", "exact", `0`, []string{"s2", "s7"}},
		{"click_count", "gte", `10`, []string{"s1", "s4"}},
		{"keypress_count", "gt", `10`, []string{"s3"}},
		{"mouse_activity_count", "lt", `50`, []string{"s2", "s7", "s4"}},
		{"console_error_count", "gt", `0`, []string{"s3", "s4"}},
		{"console_log_count", "exact", `2`, []string{"s1"}},
		{"console_warn_count", "gt", `0`, []string{"s1"}},
		{"activity_score", "gt", `20`, []string{"s1", "s2", "s4"}},
		{"activity_score", "lt", `20`, []string{"s3", "s5"}}, // s7's score is null
		{"activity_score", "exact", `33.63`, []string{"s1"}},
		{"activity_score", "exact", `17.17`, []string{"s3"}},
		{"activity_score", "is_not", `100`, []string{"s1", "s7", "s3", "s4", "s5"}},
		{"snapshot_source", "exact", `"mobile"`, []string{"s3"}},
		{"snapshot_source", "exact", `["mobile","unknown"]`, []string{"s7", "s3"}},
		{"snapshot_source", "is_not", `"web"`, []string{"s7", "s3"}},
		{"start_url", "icontains", `"CHECKOUT"`, []string{"s3"}},
		{"start_url", "is_set", `null`, []string{"s1", "s2", "s3", "s4"}},
		{"start_url", "is_not_set", `null`, []string{"s7", "s5"}},
		{"start_url", "not_icontains", `"shop"`, []string{"s2", "s7", "s5"}},
		{"start_url", "regex", `"\\?id=\\d+$"`, []string{"s2"}},
		// visited_page looks at every URL of the recording.
		{"visited_page", "exact", `"https://shop.example/cart"`, []string{"s1", "s3"}},
		{"visited_page", "icontains", `"BLOG"`, []string{"s2"}},
		{"visited_page", "regex", `"/cart$"`, []string{"s1", "s3"}},
		{"visited_page", "is_not", `"https://shop.example/cart"`, []string{"s2", "s7", "s4", "s5"}},
		{"visited_page", "not_icontains", `"shop"`, []string{"s2", "s7", "s5"}},
		{"visited_page", "not_regex", `"shop"`, []string{"s2", "s7", "s5"}},
		{"visited_page", "is_set", `null`, []string{"s1", "s2", "s3", "s4"}},
		{"visited_page", "is_not_set", `null`, []string{"s7", "s5"}},
	}
	for _, c := range cases {
		t.Run(c.key+" "+c.op+" "+c.value, func(t *testing.T) {
			got, _ := f.list(t, properties(prop("recording", c.key, c.op, c.value)))
			check(t, "in properties", got, c.want)
			got, _ = f.list(t, param("having_predicates", "["+prop("recording", c.key, c.op, c.value)+"]"))
			check(t, "in having_predicates", got, c.want)
		})
	}
}

func TestListConsoleFilters(t *testing.T) {
	f := newFixture(t)
	level := func(op, value string) string { return prop("log_entry", "level", op, value) }
	message := func(op, value string) string { return prop("log_entry", "message", op, value) }
	cases := []struct {
		name    string
		operand string
		filters []string
		want    []string
	}{
		{"errors", "", []string{level("exact", `["error"]`)}, []string{"s3", "s4"}},
		{"info is console.log", "", []string{level("exact", `["info"]`)}, []string{"s1", "s3", "s5"}},
		{"a single level", "", []string{level("exact", `"warn"`)}, []string{"s1"}},
		{"warn or error", "", []string{level("exact", `["warn","error"]`)}, []string{"s1", "s3", "s4"}},
		{"an entry that is not info", "", []string{level("is_not", `["info"]`)}, []string{"s1", "s3", "s4"}},
		{"message contains", "", []string{message("icontains", `"network"`)}, []string{"s3"}},
		{"message exact", "", []string{message("exact", `"app started"`)}, []string{"s1"}},
		{"message regex", "", []string{message("regex", `"^Type"`)}, []string{"s3"}},
		{"an entry without the text", "", []string{message("not_icontains", `"started"`)}, []string{"s1", "s3", "s4", "s5"}},
		{"an entry other than", "", []string{message("is_not", `"app started"`)}, []string{"s1", "s3", "s4", "s5"}},
		{"not_regex", "", []string{message("not_regex", `"e"`)}, nil},
		// With AND, level and message are of the same entry.
		{"an error about types", "AND", []string{level("exact", `["error"]`), message("icontains", `"type"`)}, []string{"s3"}},
		{"no error mentions checkout", "AND", []string{level("exact", `["error"]`), message("icontains", `"checkout"`)}, nil},
		{"an error or checkout", "OR", []string{level("exact", `["error"]`), message("icontains", `"checkout"`)}, []string{"s3", "s4"}},
		{"quote injection is text", "", []string{message("icontains", `"' OR 1=1 --"`)}, []string{"s4"}},
		{"percent is text", "", []string{message("icontains", `"%"`)}, []string{"s5"}},
		{"underscore is text", "", []string{message("icontains", `"_"`)}, []string{"s5"}},
		{"double quote is text", "", []string{message("icontains", `"\"quoted\""`)}, []string{"s5"}},
		{"backslash is text", "", []string{message("icontains", `"back\\slash"`)}, []string{"s5"}},
		{"percent exact", "", []string{message("exact", `"%"`)}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			query := param("console_log_filters", "["+strings.Join(c.filters, ",")+"]")
			if c.operand != "" {
				query += "&operand=" + c.operand
			}
			got, _ := f.list(t, query)
			check(t, query, got, c.want)
		})
	}
}

func TestListEventsFilters(t *testing.T) {
	f := newFixture(t)
	browser := func(op, value string) string { return prop("event", "$browser", op, value) }
	cases := []struct {
		name    string
		operand string
		events  string
		want    []string
	}{
		{"an event", "", `[{"id":"purchase","type":"events","name":"purchase","order":0}]`, []string{"s1"}},
		{"pageviews", "", `[{"id":"$pageview","type":"events"}]`, []string{"s1", "s2", "s3", "s5"}},
		{"all events", "", `[{"id":null,"type":"events","name":"All events"}]`, []string{"s1", "s2", "s3", "s5"}},
		{"EventsNode shape", "", `[{"kind":"EventsNode","event":"signup"}]`, []string{"s3"}},
		{"name alone", "", `[{"name":"signup","type":"events"}]`, []string{"s3"}},
		{"with a property of the same event", "",
			`[{"id":"$pageview","type":"events","properties":[` + browser("exact", `"Safari"`) + `]}]`, []string{"s3"}},
		// Per event, a missing property satisfies a negative operator:
		// s5's pageview has no browser.
		{"with a negative property", "",
			`[{"id":"$pageview","type":"events","properties":[` + browser("is_not", `"Chrome"`) + `]}]`, []string{"s2", "s3", "s5"}},
		{"properties are of the same event", "",
			`[{"id":"$pageview","type":"events","properties":[` + prop("event", "amount", "gt", "1") + `]}]`, nil},
		{"both events", "AND", `[{"id":"purchase","type":"events"},{"id":"signup","type":"events"}]`, nil},
		{"either event", "OR", `[{"id":"purchase","type":"events"},{"id":"signup","type":"events"}]`, []string{"s1", "s3"}},
		{"injection in the name", "", `[{"id":"' OR 1=1 --","type":"events"}]`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			query := param("events", c.events)
			if c.operand != "" {
				query += "&operand=" + c.operand
			}
			got, _ := f.list(t, query)
			check(t, query, got, c.want)
		})
	}
}

// TestListInjection puts SQL and LIKE metacharacters in every text filter:
// they are compared as text and select exactly the rows that hold them.
func TestListInjection(t *testing.T) {
	f := newFixture(t)
	nasty := []string{`' OR 1=1 --`, `%`, `_`, `"`, `\`, `'; DROP TABLE recordings; --`, `*`, `$.x`, "\x00"}
	for _, s := range nasty {
		v := quote(s)
		for _, q := range []string{
			properties(prop("person", "email", "exact", v)),
			properties(prop("person", "email", "icontains", v)),
			properties(prop("person", s, "exact", `"x"`)),
			properties(prop("person", s, "is_set", `null`)),
			properties(prop("event", "$browser", "icontains", v)),
			properties(prop("event", s, "is_set", `null`)),
			properties(prop("recording", "visited_page", "icontains", v)),
			properties(prop("recording", "start_url", "exact", v)),
			properties(prop("recording", "snapshot_source", "icontains", v)),
			param("console_log_filters", "["+prop("log_entry", "message", "exact", v)+"]"),
			param("events", `[{"id":`+v+`,"type":"events"}]`),
			param("session_ids", `[`+v+`]`),
			param("distinct_ids", `[`+v+`]`),
			"person_uuid=" + url.QueryEscape(s),
		} {
			got, _ := f.list(t, q)
			check(t, q, got, nil)
		}
		// An unknown recording to put first changes nothing.
		got, _ := f.list(t, "session_recording_id="+url.QueryEscape(s))
		check(t, "session_recording_id", got, all)
	}
	// The nasty strings that are there are found, and only they.
	got, _ := f.list(t, properties(prop("person", "nick", "exact", quote("Bobby ' OR 1=1 --"))))
	check(t, "nick", got, []string{"s2"})
	got, _ = f.list(t, properties(prop("person", "nick", "icontains", quote("' OR 1=1 --"))))
	check(t, "nick contains", got, []string{"s2"})
	got, _ = f.list(t, properties(prop("person", "nick", "regex", quote("' OR 1=1 --$"))))
	check(t, "nick regex", got, []string{"s2"})
	got, _ = f.list(t, properties(prop("person", "nick", "not_icontains", quote("%"))))
	check(t, "nick lacks %", got, all)
	// Every table is still there.
	got, _ = f.list(t, "")
	check(t, "after", got, all)
}

// TestListDeepOffsets pages through a larger set: every recording exactly
// once, whatever the page size.
func TestListDeepOffsets(t *testing.T) {
	f := newFixture(t)
	const n = 1500
	addMany(t, f, n)
	for _, limit := range []int{1000, 7, 333} {
		seen := map[string]bool{}
		for offset := 0; ; offset += limit {
			got, count := f.list(t, "order=click_count&order_direction=ASC&limit="+strconv.Itoa(limit)+"&offset="+strconv.Itoa(offset))
			if count != n+len(all) {
				t.Fatalf("count %d", count)
			}
			if len(got) == 0 {
				break
			}
			for _, id := range got {
				if seen[id] {
					t.Fatalf("limit %d: %s listed twice", limit, id)
				}
				seen[id] = true
			}
		}
		if len(seen) != n+len(all) {
			t.Fatalf("limit %d: listed %d, want %d", limit, len(seen), n+len(all))
		}
	}
	got, count := f.list(t, "limit=5000&offset=1000")
	if len(got) != n+len(all)-1000 || count != n+len(all) {
		t.Errorf("limit 5000 (clamped to 1000) at 1000: %d of %d", len(got), count)
	}
	got, _ = f.list(t, "limit=5000")
	if len(got) != MaxLimit {
		t.Errorf("limit 5000 listed %d, want the %d of the clamp", len(got), MaxLimit)
	}
}
