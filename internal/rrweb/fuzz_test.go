package rrweb

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// fuzzSeeds are real-shaped batches, one event a line.
var fuzzSeeds = []string{
	`{"type":4,"data":{"href":"http://127.0.0.1:18767/page.html","width":1280,"height":720},"timestamp":1795664608049}
{"type":2,"data":"\u001f\u008b\b\u0000\u0000\u0000\u0000\u0000\u0000\u0003","cv":"2024-10","timestamp":1795664608055}
{"type":5,"data":{"tag":"$recording_started","payload":{"reason":"recording_initialized"}},"timestamp":1795664608065}
{"type":3,"data":{"source":1,"positions":[{"x":512,"y":300,"id":12,"timeOffset":-50}]},"timestamp":1795664608687}
{"type":3,"data":{"source":2,"type":1,"id":31,"x":90,"y":210,"pointerType":0},"timestamp":1795664608927}
{"type":3,"data":{"source":2,"type":2,"id":31,"x":90,"y":210,"pointerType":0},"timestamp":1795664608930}
{"type":3,"data":{"source":0,"texts":"\u001f\u008b","attributes":"\u001f\u008b","removes":"\u001f\u008b","adds":"\u001f\u008b"},"cv":"2024-10","timestamp":1795664608933}`,
	`{"type":3,"data":{"source":5,"text":"Alice","isChecked":false,"id":40},"timestamp":1795664609223}
{"type":6,"data":{"plugin":"rrweb/console@1","payload":{"level":"warn","trace":["eval (:370:30:)"],"payload":["\"slow network\""]}},"timestamp":1795664609712}
{"type":6,"data":{"plugin":"rrweb/console@1","payload":{"level":"error","trace":[],"payload":["\"checkout failed: card declined\"","{\"code\":42}"]}},"timestamp":1795664609758}
{"type":5,"data":{"tag":"$pageview","payload":{"href":"http://127.0.0.1:18767/checkout?step=2"}},"timestamp":1795664610089}
{"type":3,"data":{"source":3,"id":1,"x":0,"y":400},"timestamp":1795664609799}`,
	`{"type":2,"data":{"node":{"type":0,"childNodes":[{"type":2,"tagName":"html","attributes":{},"childNodes":[],"id":2}],"id":1},"initialOffset":{"left":0,"top":0}},"timestamp":1700000000000}
{"type":3,"data":{"source":0,"texts":[],"attributes":[{"id":5,"attributes":{"class":"open"}}],"removes":[],"adds":[]},"timestamp":1700000000100}
{"type":5,"data":{"tag":"$url_changed","payload":{"href":"https://example.com/a?b=c"}},"timestamp":1.7000000002e12}`,
	`[1,2]
null
{"type":"3","timestamp":"1"}
{"type":3,"timestamp":-9223372036854775808,"data":{"source":6}}
{"type":3,"timestamp":9223372036854775807,"data":{"source":12}}
{"timestamp":1e400}
{"type":3.0,"timestamp":5.5,"data":{"source":2.0,"type":9.0}}`,
}

// splitLines splits fuzz input into one event a line.
func splitLines(b []byte) []json.RawMessage {
	var out []json.RawMessage
	for line := range bytes.SplitSeq(b, []byte("\n")) {
		out = append(out, json.RawMessage(line))
	}
	return out
}

func FuzzSummarize(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	now := time.UnixMilli(1795664608049)
	f.Fuzz(func(t *testing.T, in []byte) {
		events := splitLines(in)
		s := Summarize(events)

		if s.EventCount > len(events) {
			t.Fatalf("EventCount %d > %d events", s.EventCount, len(events))
		}
		if s.ClickCount > s.MouseActivityCount || s.MouseActivityCount > s.EventCount || s.KeypressCount > s.EventCount {
			t.Fatalf("counts inconsistent: clicks %d, mouse %d, keys %d, events %d", s.ClickCount, s.MouseActivityCount, s.KeypressCount, s.EventCount)
		}
		if s.KeypressCount+s.MouseActivityCount > s.EventCount {
			t.Fatalf("keypresses and mouse activity overlap: %d + %d > %d", s.KeypressCount, s.MouseActivityCount, s.EventCount)
		}
		if n := s.ConsoleLogCount + s.ConsoleWarnCount + s.ConsoleErrorCount; n != len(s.Console) || n > s.EventCount {
			t.Fatalf("console counts %d, entries %d, events %d", n, len(s.Console), s.EventCount)
		}
		for _, c := range s.Console {
			if c.Level != LevelLog && c.Level != LevelWarn && c.Level != LevelError {
				t.Fatalf("console level %q", c.Level)
			}
			if n := len([]rune(c.Message)); n > MaxConsoleMessageRunes {
				t.Fatalf("console message of %d runes", n)
			}
		}
		if s.EventCount == 0 && (s.FirstTimestamp != 0 || s.LastTimestamp != 0) {
			t.Fatalf("no events but timestamps %d..%d", s.FirstTimestamp, s.LastTimestamp)
		}
		if s.FirstTimestamp > s.LastTimestamp {
			t.Fatalf("first %d > last %d", s.FirstTimestamp, s.LastTimestamp)
		}
		if len(s.Activity) != s.EventCount || !slices.IsSortedFunc(s.Activity, ComparePoints) {
			t.Fatalf("activity: %d points for %d events, sorted %v", len(s.Activity), s.EventCount, slices.IsSortedFunc(s.Activity, ComparePoints))
		}
		if len(s.Activity) > 0 && (s.Activity[0].TS != s.FirstTimestamp || s.Activity[len(s.Activity)-1].TS != s.LastTimestamp) {
			t.Fatalf("activity spans %d..%d, summary %d..%d", s.Activity[0].TS, s.Activity[len(s.Activity)-1].TS, s.FirstTimestamp, s.LastTimestamp)
		}
		seen := map[string]bool{}
		for _, u := range s.URLs {
			if u.URL == "" || seen[u.URL] || u.Timestamp < s.FirstTimestamp || u.Timestamp > s.LastTimestamp {
				t.Fatalf("bad URL list %v", s.URLs)
			}
			seen[u.URL] = true
		}
		if !slices.IsSortedFunc(s.URLs, compareVisits) {
			t.Fatalf("URLs not sorted: %v", s.URLs)
		}
		if len(s.URLs) > 0 && s.StartURL() != s.URLs[0].URL {
			t.Fatalf("StartURL %q", s.StartURL())
		}

		active := ActiveMillis(s.Activity)
		if active < 0 {
			t.Fatalf("ActiveMillis %d", active)
		}
		if s.EventCount > 0 && active == 0 && slices.ContainsFunc(s.Activity, func(p Point) bool { return p.Active }) {
			t.Fatal("active points but no active time")
		}
		merged := MergeActivity(s.Activity, s.Activity)
		if got := ActiveMillis(merged); got != active {
			t.Fatalf("merging a batch with itself changed active time from %d to %d", active, got)
		}
		decoded, err := DecodeActivity(EncodeActivity(s.Activity))
		if err != nil || !slices.Equal(decoded, s.Activity) {
			t.Fatalf("activity round trip: %v", err)
		}

		kept, fs := FilterSummarize(events, now)
		filtered := Filter(events, now)
		if len(kept) != len(filtered) || fs.EventCount != len(kept) {
			t.Fatalf("FilterSummarize kept %d (counted %d), Filter %d", len(kept), fs.EventCount, len(filtered))
		}
		if again := Summarize(filtered); again.EventCount != fs.EventCount || again.ClickCount != fs.ClickCount ||
			!slices.Equal(again.Activity, fs.Activity) || !slices.Equal(again.URLs, fs.URLs) || !slices.Equal(again.Console, fs.Console) {
			t.Fatal("FilterSummarize differs from Summarize(Filter)")
		}
	})
}

func FuzzDecodeActivity(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 0})
	f.Add(EncodeActivity([]Point{a(1795664608687), i(1795664608700), a(1795664612000)}))
	f.Add(EncodeActivity(run(1795664600000, 1795664610000, 250, true)))
	f.Add([]byte{1, 1, 0x02, 5})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, in []byte) {
		// Whatever the bytes, decoding returns points or an error.
		points, err := DecodeActivity(in)
		if err == nil {
			// What decodes re-encodes to something that decodes the same.
			again, err := DecodeActivity(EncodeActivity(points))
			if err != nil || !slices.Equal(again, points) {
				t.Fatalf("re-encoding %v: %v, %v", points, again, err)
			}
		} else if points != nil {
			t.Fatalf("points returned with error %v", err)
		}

		// The same bytes read as a point list (9 bytes a point: a timestamp
		// and a flag) survive a round trip, sorted or not.
		var list []Point
		for b := in; len(b) >= 9; b = b[9:] {
			list = append(list, Point{TS: int64(binary.LittleEndian.Uint64(b)), Active: b[8]&1 == 1})
		}
		got, err := DecodeActivity(EncodeActivity(list))
		if err != nil || !slices.Equal(got, list) {
			t.Fatalf("round trip of %v gave %v, %v", list, got, err)
		}
		sorted := MergeActivity(list, nil)
		if !slices.IsSortedFunc(sorted, ComparePoints) {
			t.Fatalf("MergeActivity result not sorted: %v", sorted)
		}
		if ActiveMillis(sorted) < 0 || ActiveMillis(list) != ActiveMillis(sorted) {
			t.Fatalf("ActiveMillis %d (sorted, deduplicated) vs %d", ActiveMillis(sorted), ActiveMillis(list))
		}
	})
}
