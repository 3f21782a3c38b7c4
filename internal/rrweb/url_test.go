package rrweb

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestURLs(t *testing.T) {
	meta := func(ts int64, href string) string {
		return string(ev(`{"type":4,"timestamp":%d,"data":{"href":%q,"width":1280,"height":720}}`, ts, href))
	}
	custom := func(ts int64, tag, href string) string {
		return string(ev(`{"type":5,"timestamp":%d,"data":{"tag":%q,"payload":{"href":%q}}}`, ts, tag, href))
	}
	tests := []struct {
		name   string
		events []json.RawMessage
		want   []URLVisit
		start  string
	}{
		{"no events", nil, nil, ""},
		{"meta", evs(meta(10, "https://a.example/")), []URLVisit{{10, "https://a.example/"}}, "https://a.example/"},
		{"$pageview", evs(custom(10, "$pageview", "https://a.example/p")), []URLVisit{{10, "https://a.example/p"}}, "https://a.example/p"},
		{"$url_changed", evs(custom(10, "$url_changed", "https://a.example/q")), []URLVisit{{10, "https://a.example/q"}}, "https://a.example/q"},
		{"other custom tags are ignored", evs(
			custom(10, "$pageleave", "https://a.example/1"),
			custom(11, "$recording_started", "https://a.example/2"),
			custom(12, "$session_options", "https://a.example/3"),
			custom(13, "pageview", "https://a.example/4"),
		), nil, ""},
		{"href outside the payload of a custom event is ignored", evs(`{"type":5,"timestamp":10,"data":{"tag":"$pageview","href":"https://a.example/"}}`), nil, ""},
		{"href on other event types is ignored", evs(
			`{"type":2,"timestamp":10,"data":{"href":"https://a.example/2"}}`,
			`{"type":3,"timestamp":10,"data":{"source":0,"href":"https://a.example/3"}}`,
			`{"type":6,"timestamp":10,"data":{"plugin":"x","payload":{"href":"https://a.example/6"}}}`,
		), nil, ""},
		{"empty, missing and non-string hrefs are ignored", evs(
			meta(10, ""),
			custom(11, "$pageview", ""),
			`{"type":4,"timestamp":12,"data":{"width":1}}`,
			`{"type":4,"timestamp":13,"data":{"href":42}}`,
			`{"type":5,"timestamp":14,"data":{"tag":"$pageview","payload":"https://a.example/"}}`,
			`{"type":5,"timestamp":15,"data":{"tag":"$pageview","payload":{"href":null}}}`,
			`{"type":4,"timestamp":16,"data":"https://a.example/"}`,
		), nil, ""},
		{"duplicates keep the earliest timestamp", evs(
			meta(50, "https://a.example/"),
			custom(20, "$pageview", "https://a.example/"),
			custom(70, "$url_changed", "https://a.example/"),
		), []URLVisit{{20, "https://a.example/"}}, "https://a.example/"},
		{"sorted by timestamp, then URL; start is the earliest", evs(
			custom(300, "$url_changed", "https://a.example/checkout?step=2"),
			meta(100, "https://a.example/z"),
			custom(100, "$pageview", "https://a.example/b"),
			meta(200, "https://a.example/a"),
		), []URLVisit{{100, "https://a.example/b"}, {100, "https://a.example/z"}, {200, "https://a.example/a"}, {300, "https://a.example/checkout?step=2"}}, "https://a.example/b"},
		{"escaped URLs are decoded", evs(`{"type":4,"timestamp":1,"data":{"href":"https:\/\/a.example\/\u00e9"}}`), []URLVisit{{1, "https://a.example/é"}}, "https://a.example/é"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Summarize(tt.events)
			if !slices.Equal(s.URLs, tt.want) {
				t.Errorf("URLs = %v, want %v", s.URLs, tt.want)
			}
			if got := s.StartURL(); got != tt.start {
				t.Errorf("StartURL() = %q, want %q", got, tt.start)
			}
		})
	}
}
