package rrweb

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"
)

func TestKeep(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	ms := now.UnixMilli()
	day := int64(24 * time.Hour / time.Millisecond)
	tests := []struct {
		name string
		ts   int64
		want bool
	}{
		{"zero", 0, false},
		{"negative", -1, false},
		{"very negative", math.MinInt64, false},
		{"now", ms, true},
		{"now - 6 days", ms - 6*day, true},
		{"now + 6 days", ms + 6*day, true},
		{"now - 7 days exactly", ms - 7*day, true},
		{"now + 7 days exactly", ms + 7*day, true},
		{"now - 7 days - 1 ms", ms - 7*day - 1, false},
		{"now + 7 days + 1 ms", ms + 7*day + 1, false},
		{"now - 8 days", ms - 8*day, false},
		{"now + 8 days", ms + 8*day, false},
		{"1 ms (1970)", 1, false},
		{"largest int64", math.MaxInt64, false},
		{"seconds instead of milliseconds", ms / 1000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Keep(tt.ts, now); got != tt.want {
				t.Errorf("Keep(%d) = %v, want %v", tt.ts, got, tt.want)
			}
		})
	}
	// A clock near the edges of int64 must not overflow.
	if Keep(1, time.UnixMilli(math.MinInt64)) || !Keep(math.MaxInt64, time.UnixMilli(math.MaxInt64)) {
		t.Error("Keep overflowed at the edges of the clock")
	}
}

func TestFilter(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	ms := now.UnixMilli()
	day := int64(24 * time.Hour / time.Millisecond)
	at := func(ts int64) string { return string(ev(`{"type":3,"timestamp":%d,"data":{"source":1}}`, ts)) }
	tests := []struct {
		name   string
		events []json.RawMessage
		want   []json.RawMessage
	}{
		{"nothing", nil, []json.RawMessage{}},
		{"all kept, order unchanged", evs(at(ms), at(ms-6*day), at(ms+6*day)), evs(at(ms), at(ms-6*day), at(ms+6*day))},
		{"zero and negative dropped", evs(at(0), at(ms), at(-3)), evs(at(ms))},
		{"8 days away dropped", evs(at(ms-8*day), at(ms+1), at(ms+8*day)), evs(at(ms + 1))},
		{"unreadable events dropped", evs(`{`, `[]`, `{"type":3}`, `{"timestamp":"x"}`, at(ms), `null`), evs(at(ms))},
		{"float timestamps", evs(`{"type":4,"timestamp":` + itoa(int(ms)) + `.0}`), evs(`{"type":4,"timestamp":` + itoa(int(ms)) + `.0}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Filter(tt.events, now)
			if !slices.EqualFunc(got, tt.want, func(a, b json.RawMessage) bool { return string(a) == string(b) }) {
				t.Errorf("Filter = %s, want %s", got, tt.want)
			}
			kept, s := FilterSummarize(tt.events, now)
			if !slices.EqualFunc(kept, tt.want, func(a, b json.RawMessage) bool { return string(a) == string(b) }) {
				t.Errorf("FilterSummarize kept %s, want %s", kept, tt.want)
			}
			if s.EventCount != len(tt.want) {
				t.Errorf("FilterSummarize counted %d events, want %d", s.EventCount, len(tt.want))
			}
		})
	}
}
