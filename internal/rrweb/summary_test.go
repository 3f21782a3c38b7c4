package rrweb

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestClickCount(t *testing.T) {
	tests := []struct {
		name   string
		events []json.RawMessage
		want   int
	}{
		{"0 MouseUp", evs(interaction(1, 0)), 0},
		{"1 MouseDown", evs(interaction(1, 1)), 0},
		{"2 Click", evs(interaction(1, 2)), 1},
		{"3 ContextMenu", evs(interaction(1, 3)), 1},
		{"4 DblClick", evs(interaction(1, 4)), 1},
		{"5 Focus", evs(interaction(1, 5)), 0},
		{"6 Blur", evs(interaction(1, 6)), 0},
		{"7 TouchStart", evs(interaction(1, 7)), 0},
		{"8 TouchMove_Departed", evs(interaction(1, 8)), 0},
		{"9 TouchEnd", evs(interaction(1, 9)), 1},
		{"10 TouchCancel", evs(interaction(1, 10)), 0},
		{"unknown interaction 11", evs(interaction(1, 11)), 0},
		{"integer-valued float type 2.0", evs(incr(1, `{"source":2,"type":2.0}`)), 1},
		{"fractional type 2.5", evs(incr(1, `{"source":2,"type":2.5}`)), 0},
		{"type as a string", evs(incr(1, `{"source":2,"type":"2"}`)), 0},
		{"no type", evs(incr(1, `{"source":2}`)), 0},
		{"click type on another source (MouseMove)", evs(incr(1, `{"source":1,"type":2}`)), 0},
		{"click type on Input", evs(incr(1, `{"source":5,"type":2}`)), 0},
		{"MouseInteraction data on a non-incremental event", evs(`{"type":2,"timestamp":1,"data":{"source":2,"type":2}}`), 0},
		{"data is a string", evs(`{"type":3,"timestamp":1,"data":"H4sIAAAA"}`), 0},
		{"no timestamp: not counted", evs(`{"type":3,"data":{"source":2,"type":2}}`), 0},
		{"a real click sequence: down, focus, up, click", evs(interaction(1, 1), interaction(2, 5), interaction(3, 0), interaction(4, 2)), 1},
		{"every click kind once", evs(interaction(1, 2), interaction(2, 3), interaction(3, 4), interaction(4, 9)), 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Summarize(tt.events).ClickCount; got != tt.want {
				t.Errorf("ClickCount = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestKeypressCount(t *testing.T) {
	tests := []struct {
		name   string
		events []json.RawMessage
		want   int
	}{
		{"Input", evs(incr(1, `{"source":5,"text":"A","isChecked":false,"id":40}`)), 1},
		{"five Inputs (typing Alice)", evs(incr(1, `{"source":5,"text":"A"}`), incr(2, `{"source":5,"text":"Al"}`), incr(3, `{"source":5,"text":"Ali"}`), incr(4, `{"source":5,"text":"Alic"}`), incr(5, `{"source":5,"text":"Alice"}`)), 5},
		{"MouseMove is not a keypress", evs(incr(1, `{"source":1,"positions":[]}`)), 0},
		{"MouseInteraction is not a keypress", evs(interaction(1, 2)), 0},
		{"Mutation is not a keypress", evs(incr(1, `{"source":0,"adds":[],"removes":[],"texts":[],"attributes":[]}`)), 0},
		{"source 5 on a Custom event", evs(`{"type":5,"timestamp":1,"data":{"source":5,"tag":"x"}}`), 0},
		{"source as a string", evs(incr(1, `{"source":"5"}`)), 0},
		{"integer-valued float source 5.0", evs(incr(1, `{"source":5.0}`)), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Summarize(tt.events).KeypressCount; got != tt.want {
				t.Errorf("KeypressCount = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestMouseActivityCount(t *testing.T) {
	// One incremental event per source 0..16; only 1, 2 and 6 are mouse activity.
	want := map[int]int{1: 1, 2: 1, 6: 1}
	for src := 0; src <= 16; src++ {
		events := evs(incr(1, `{"source":`+itoa(src)+`}`))
		if got := Summarize(events).MouseActivityCount; got != want[src] {
			t.Errorf("source %d: MouseActivityCount = %d, want %d", src, got, want[src])
		}
	}
	tests := []struct {
		name   string
		events []json.RawMessage
		want   int
	}{
		{"every interaction type counts, clicks or not", evs(interaction(1, 0), interaction(2, 1), interaction(3, 2), interaction(4, 5)), 4},
		{"move, touch move, scroll, input", evs(incr(1, `{"source":1}`), incr(2, `{"source":6}`), incr(3, `{"source":3}`), incr(4, `{"source":5}`)), 2},
		{"source 1 on a Meta event", evs(`{"type":4,"timestamp":1,"data":{"source":1,"href":"https://a"}}`), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Summarize(tt.events).MouseActivityCount; got != tt.want {
				t.Errorf("MouseActivityCount = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestActivityPoints(t *testing.T) {
	// Active: type 3 with source in {1,2,3,4,5,6,7,12}.
	wantActive := map[int]bool{1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true, 12: true}
	for src := 0; src <= 16; src++ {
		got := Summarize(evs(incr(7, `{"source":`+itoa(src)+`}`))).Activity
		want := []Point{{TS: 7, Active: wantActive[src]}}
		if !slices.Equal(got, want) {
			t.Errorf("source %d: Activity = %v, want %v", src, got, want)
		}
	}
	tests := []struct {
		name   string
		events []json.RawMessage
		want   []Point
	}{
		{"every other type is an inactive point", evs(
			`{"type":0,"timestamp":1,"data":{}}`,
			`{"type":1,"timestamp":2,"data":{}}`,
			`{"type":2,"timestamp":3,"data":{"node":{},"initialOffset":{"top":0,"left":0}}}`,
			`{"type":4,"timestamp":4,"data":{"href":"https://a","width":1,"height":1}}`,
			`{"type":5,"timestamp":5,"data":{"tag":"x","payload":{}}}`,
			`{"type":6,"timestamp":6,"data":{"plugin":"rrweb/console@1","payload":{}}}`,
			`{"type":99,"timestamp":7,"data":{"source":1}}`,
			`{"timestamp":8,"data":{"source":1}}`,
			`{"type":"3","timestamp":9,"data":{"source":1}}`,
		), []Point{{1, false}, {2, false}, {3, false}, {4, false}, {5, false}, {6, false}, {7, false}, {8, false}, {9, false}}},
		{"compressed string data is inactive", evs(`{"type":3,"timestamp":5,"cv":"2024-10","data":"\u001f\u008b"}`), []Point{{5, false}}},
		{"sorted by time, then inactive before active", evs(
			incr(30, `{"source":1}`),
			`{"type":4,"timestamp":10,"data":{"href":"https://a"}}`,
			incr(10, `{"source":3}`),
			`{"type":2,"timestamp":10,"data":{}}`,
			incr(20, `{"source":0}`),
		), []Point{{10, false}, {10, false}, {10, true}, {20, false}, {30, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Summarize(tt.events).Activity; !slices.Equal(got, tt.want) {
				t.Errorf("Activity = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTimestampsAndEventCount(t *testing.T) {
	tests := []struct {
		name        string
		events      []json.RawMessage
		first, last int64
		count       int
	}{
		{"no events", nil, 0, 0, 0},
		{"one event", evs(`{"type":4,"timestamp":1700000000000,"data":{}}`), 1700000000000, 1700000000000, 1},
		{"min and max, not first and last", evs(
			`{"type":3,"timestamp":1700000000500,"data":{"source":1}}`,
			`{"type":3,"timestamp":1700000000100,"data":{"source":1}}`,
			`{"type":3,"timestamp":1700000000900,"data":{"source":1}}`,
			`{"type":3,"timestamp":1700000000300,"data":{"source":1}}`,
		), 1700000000100, 1700000000900, 4},
		{"integer-valued floats", evs(`{"type":4,"timestamp":1.7e12}`, `{"type":4,"timestamp":1700000000001.0}`), 1700000000000, 1700000000001, 2},
		{"a fractional timestamp is rounded down", evs(`{"type":4,"timestamp":1700000000000.75}`), 1700000000000, 1700000000000, 1},
		{"negative and zero timestamps are read (Keep drops them)", evs(`{"type":4,"timestamp":-5}`, `{"type":4,"timestamp":0}`), -5, 0, 2},
		{"skipped: not objects, bad or missing timestamps", evs(
			`[1,2]`, `"event"`, `42`, `null`, `true`, ``, `{`, `{"type":3}`, `{"type":3,"timestamp":null}`,
			`{"type":3,"timestamp":"1700000000000"}`, `{"type":3,"timestamp":[1]}`, `{"type":3,"timestamp":1e400}`,
			`{"type":3,"timestamp":9223372036854775808}`, `{"type":3,"timestamp":1700000000000,}`,
			`{"type":3,"timestamp":1700000000200,"data":{"source":1}}`,
		), 1700000000200, 1700000000200, 1},
		{"largest int64 timestamp", evs(`{"type":4,"timestamp":9223372036854775807}`), 9223372036854775807, 9223372036854775807, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Summarize(tt.events)
			if s.FirstTimestamp != tt.first || s.LastTimestamp != tt.last || s.EventCount != tt.count {
				t.Errorf("got first %d, last %d, count %d; want %d, %d, %d", s.FirstTimestamp, s.LastTimestamp, s.EventCount, tt.first, tt.last, tt.count)
			}
			if len(s.Activity) != s.EventCount {
				t.Errorf("%d activity points for %d events", len(s.Activity), s.EventCount)
			}
		})
	}
}

// itoa formats a small integer.
func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
