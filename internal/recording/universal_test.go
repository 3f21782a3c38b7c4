package recording

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tapedeck/tapedeck/internal/apierror"
)

// filtersOf parses saved filters and runs them (page of 50).
func (f *fixture) filters(t *testing.T, raw string) ([]string, int) {
	t.Helper()
	q, err := ParseFilters(json.RawMessage(raw), testNow)
	if err != nil {
		t.Fatalf("ParseFilters: %v", err)
	}
	return f.run(t, q)
}

func TestParseFiltersRealistic(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name    string
		filters string
		want    []string
	}{
		{"PostHog's default filters: the last three days, longer than a second", `{
			"date_from": "-3d", "date_to": null,
			"duration": [{"type": "recording", "key": "duration", "value": 1, "operator": "gt"}],
			"filter_group": {"type": "AND", "values": [{"type": "AND", "values": []}]},
			"filter_test_accounts": false, "order": "start_time"}`,
			[]string{"s1", "s2", "s3"}},
		{"checkout pages with console errors, most errors first", `{
			"date_from": "-30d", "date_to": null,
			"duration": [{"type": "recording", "key": "active_seconds", "value": 5, "operator": "gte"}],
			"filter_group": {"type": "AND", "values": [{"type": "AND", "values": [
				{"key": "visited_page", "type": "recording", "value": "shop.example", "operator": "icontains"},
				{"key": "level", "type": "log_entry", "value": ["error"], "operator": "exact"}
			]}]},
			"filter_test_accounts": true, "order": "console_error_count", "order_direction": "DESC"}`,
			[]string{"s3", "s4"}},
		{"pro users or Safari pageviews over a minute in the last week, shortest first", `{
			"date_from": "-7d",
			"duration": [{"type": "recording", "key": "duration", "value": 60, "operator": "gt"}],
			"filter_group": {"type": "OR", "values": [{"type": "OR", "values": [
				{"key": "plan", "type": "person", "value": ["pro"], "operator": "exact"},
				{"id": "$pageview", "name": "$pageview", "type": "events", "order": 0, "properties": [
					{"key": "$browser", "type": "event", "value": ["Safari"], "operator": "exact"}]}
			]}]},
			"filter_test_accounts": false, "order": "duration", "order_direction": "ASC"}`,
			[]string{"s1", "s3"}},
		{"nested groups each with their own operator", `{
			"date_from": null, "date_to": null, "duration": [],
			"filter_group": {"type": "AND", "values": [
				{"type": "OR", "values": [
					{"key": "email", "type": "person", "value": "example", "operator": "icontains"},
					{"key": "snapshot_source", "type": "recording", "value": ["mobile"], "operator": "exact"}
				]},
				{"type": "AND", "values": [
					{"key": "click_count", "type": "recording", "value": 1, "operator": "gte"},
					{"type": "OR", "values": [
						{"key": "message", "type": "log_entry", "value": "started", "operator": "icontains"},
						{"key": "level", "type": "log_entry", "value": ["error"], "operator": "exact"},
						{"key": "$browser", "type": "event", "value": "Chrome", "operator": "is_not"}
					]}
				]}
			]}}`,
			// (s1 s2 s3 s5) and clicks (s1 s3 s4 s5) and (s1 | s3 s4 | s2 s5)
			[]string{"s1", "s3", "s5"}},
		{"an empty object matches everything", `{}`, all},
		{"an empty group is left out, even beside an OR", `{"filter_group": {"type": "OR", "values": [
			{"type": "AND", "values": []}, {"type": "OR", "values": [{"type": "AND", "values": []}]},
			{"key": "email", "type": "person", "value": "bob@example.com", "operator": "exact"}]}}`, []string{"s2"}},
		{"only empty groups", `{"filter_group": {"type": "OR", "values": [{"type": "AND", "values": []}]}}`, all},
		{"dates and a session id list", `{"date_from": "2026-03-09", "date_to": "-90M", "session_ids": ["s7", "s3", "s1"],
			"filter_group": {"type": "AND", "values": []}}`, []string{"s7", "s3"}},
		{"ignored members", `{"limit": 5, "version": 2, "hogql_filtering": true, "filter_test_accounts": null, "order_direction": "asc"}`,
			[]string{"s5", "s4", "s3", "s7", "s2", "s1"}},
		{"date_from all", `{"date_from": "all", "duration": [{"type": "recording", "key": "inactive_seconds", "value": 50, "operator": "gt"}]}`,
			[]string{"s1", "s3", "s5"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, count := f.filters(t, c.filters)
			check(t, "", got, c.want)
			if count != len(c.want) {
				t.Errorf("count %d", count)
			}
		})
	}
}

func TestParseFiltersErrors(t *testing.T) {
	deep := `{"type":"AND","values":[]}`
	for range maxDepth + 1 {
		deep = `{"type":"AND","values":[` + deep + `]}`
	}
	cases := []struct {
		filters, at string
	}{
		{`null`, "filters: must be a JSON object"},
		{`[]`, "filters: must be a JSON object"},
		{`"x"`, "filters: must be a JSON object"},
		{`{"events": [{"id": "$pageview"}]}`, `filters: "events" belongs to PostHog's legacy filters`},
		{`{"properties": []}`, `filters: "properties" belongs`},
		{`{"session_recording_duration": {"type": "recording", "key": "duration", "value": 60, "operator": "gt"}}`, "filters: "},
		{`{"colour": "red"}`, `filters: unknown field "colour"`},
		{`{"date_from": "soon"}`, "filters.date_from: "},
		{`{"date_to": 5}`, "filters.date_to: must be a string"},
		{`{"order": "name"}`, "filters.order: must be one of"},
		{`{"order_direction": "sideways"}`, "filters.order_direction: must be ASC or DESC"},
		{`{"filter_test_accounts": "yes"}`, "filters.filter_test_accounts: must be true or false"},
		{`{"session_ids": "s1"}`, "filters.session_ids: must be a list of strings"},
		{`{"duration": {}}`, "filters.duration: must be a JSON array"},
		{`{"duration": [{"type": "recording", "key": "click_count", "value": 1, "operator": "gt"}]}`, "filters.duration[0].key: must be one of"},
		{`{"duration": [{"type": "recording", "key": "duration", "value": 1, "operator": "is_not"}]}`, "filters.duration[0].operator: must be one of"},
		{`{"duration": [{"type": "person", "key": "duration", "value": 1, "operator": "gt"}]}`, "filters.duration[0].type: "},
		{`{"duration": [{"type": "recording", "key": "duration", "value": "long", "operator": "gt"}]}`, "filters.duration[0].value: "},
		{`{"filter_group": []}`, "filters.filter_group: must be a JSON object"},
		{`{"filter_group": {"type": "XOR", "values": []}}`, "filters.filter_group.type: must be AND or OR"},
		{`{"filter_group": {"type": "AND", "values": {}}}`, "filters.filter_group.values: must be a JSON array"},
		{`{"filter_group": {"type": "AND", "values": [], "extra": 1}}`, `filters.filter_group: unknown field "extra"`},
		{`{"filter_group": {"type": "AND", "values": [7]}}`, "filters.filter_group.values[0]: must be a JSON object"},
		{`{"filter_group": {"type": "AND", "values": [{"type": "AND", "values": [
			{"key": "email", "type": "person", "value": "x", "operator": "exact"},
			{"key": "email", "type": "person", "value": "(", "operator": "regex"}]}]}}`,
			"filters.filter_group.values[0].values[1].value: invalid regular expression"},
		{`{"filter_group": {"type": "AND", "values": [{"id": 3, "name": "Signed up", "type": "actions"}]}}`,
			"filters.filter_group.values[0].type: action filters are not supported"},
		{`{"filter_group": {"type": "AND", "values": [{"key": "id", "type": "cohort", "value": 2, "operator": "in"}]}}`,
			"filters.filter_group.values[0].type: cohort filters are not supported"},
		{`{"filter_group": {"type": "AND", "values": [{"key": "true", "type": "hogql", "value": null}]}}`,
			"filters.filter_group.values[0].type: HogQL filters are not supported"},
		{`{"filter_group": {"type": "AND", "values": [{"key": "comment_text", "type": "recording", "value": "x", "operator": "icontains"}]}}`,
			"filters.filter_group.values[0].key: comment search is not supported"},
		{`{"filter_group": {"type": "AND", "values": [{"key": "level", "type": "log_entry", "value": ["verbose"], "operator": "exact"}]}}`,
			"filters.filter_group.values[0].value: unknown console level"},
		{`{"filter_group": {"type": "AND", "values": [{"id": "$pageview", "type": "events", "properties": [
			{"key": "$browser", "type": "person", "value": "x", "operator": "exact"}]}]}}`,
			"filters.filter_group.values[0].properties[0].type: "},
		{`{"filter_group": ` + deep + `}`, "nested more than"},
	}
	for _, c := range cases {
		t.Run(c.filters[:min(len(c.filters), 60)], func(t *testing.T) {
			_, err := ParseFilters(json.RawMessage(c.filters), testNow)
			var ae *apierror.Error
			if !errors.As(err, &ae) {
				t.Fatalf("want an *apierror.Error, got %v", err)
			}
			if ae.Status != 400 || ae.Attr == nil || *ae.Attr != "filters" || !strings.Contains(ae.Detail, c.at) {
				t.Errorf("got %d attr %v %q; want 400 attr filters, detail with %q", ae.Status, ae.Attr, ae.Detail, c.at)
			}
		})
	}
}
