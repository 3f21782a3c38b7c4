package recording

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/tapedeck/tapedeck/internal/store"
)

// benchFilters is a busy saved filter: a duration, nested groups, person,
// event, recording and console filters, and an events filter.
const benchFilters = `{
	"date_from": "-30d", "date_to": null,
	"duration": [{"type": "recording", "key": "duration", "value": 10, "operator": "gt"}],
	"filter_group": {"type": "AND", "values": [
		{"type": "OR", "values": [
			{"key": "email", "type": "person", "value": "example", "operator": "icontains"},
			{"key": "plan", "type": "person", "value": ["pro", "team"], "operator": "exact"},
			{"key": "age", "type": "person", "value": 30, "operator": "gte"}
		]},
		{"type": "AND", "values": [
			{"key": "visited_page", "type": "recording", "value": "/checkout$", "operator": "regex"},
			{"key": "click_count", "type": "recording", "value": 2, "operator": "gt"},
			{"key": "level", "type": "log_entry", "value": ["error"], "operator": "exact"},
			{"key": "message", "type": "log_entry", "value": "failed", "operator": "icontains"},
			{"key": "$browser", "type": "event", "value": "Chrome", "operator": "is_not"},
			{"id": "$pageview", "name": "$pageview", "type": "events", "order": 0, "properties": [
				{"key": "$current_url", "type": "event", "value": "shop", "operator": "icontains"}]}
		]}
	]},
	"filter_test_accounts": false, "order": "activity_score", "order_direction": "DESC"}`

func BenchmarkCompileFilters(b *testing.B) {
	q, err := ParseFilters(json.RawMessage(benchFilters), testNow)
	if err != nil {
		b.Fatal(err)
	}
	d := store.SQLiteDialect{}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := q.Compile(d, 1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseFilters(b *testing.B) {
	raw := json.RawMessage(benchFilters)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseFilters(raw, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseListQuery(b *testing.B) {
	v := url.Values{
		"date_from":           {"-3d"},
		"order":               {"duration"},
		"properties":          {`[{"key":"email","type":"person","value":"example","operator":"icontains"}]`},
		"having_predicates":   {`[{"key":"duration","type":"recording","value":60,"operator":"gt"}]`},
		"console_log_filters": {`[{"key":"level","type":"log_entry","value":["error"],"operator":"exact"}]`},
		"events":              {`[{"id":"$pageview","type":"events","name":"$pageview","order":0}]`},
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseListQuery(v, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListFiltered runs the busy saved filter over a few thousand
// recordings in SQLite, one page of 50.
func BenchmarkListFiltered(b *testing.B) {
	f := newFixture(b)
	addMany(b, f, 3000)
	q, err := ParseFilters(json.RawMessage(benchFilters), testNow)
	if err != nil {
		b.Fatal(err)
	}
	cond, order, err := q.Compile(f.st.Dialect(), f.userA.ID)
	if err != nil {
		b.Fatal(err)
	}
	from := RetentionFrom(30, testNow)
	for b.Loop() {
		if _, _, err := f.st.ListRecordings(context.Background(), f.project.ID, from, cond, order, 50, 0); err != nil {
			b.Fatal(err)
		}
	}
}
