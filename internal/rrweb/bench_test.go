package rrweb

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"testing"
	"time"
)

// expandCompressed undoes the SDK's per-event compression ("cv":
// "2024-10") in a test batch, so that the benchmark sees events as the
// summariser does in production: a FullSnapshot's data, or a Mutation's
// texts/attributes/removes/adds, gzipped into a string whose characters are
// the bytes.
func expandCompressed(tb testing.TB, events []json.RawMessage) []json.RawMessage {
	tb.Helper()
	gunzipString := func(raw json.RawMessage) json.RawMessage {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return raw // not a string: left as it is
		}
		b := make([]byte, 0, len(s))
		for _, r := range s {
			b = append(b, byte(r))
		}
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			tb.Fatal(err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			tb.Fatal(err)
		}
		return out
	}
	out := make([]json.RawMessage, len(events))
	for n, e := range events {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(e, &m); err != nil {
			tb.Fatal(err)
		}
		if _, ok := m["cv"]; !ok {
			out[n] = e
			continue
		}
		delete(m, "cv")
		if bytes.HasPrefix(m["data"], []byte(`"`)) {
			m["data"] = gunzipString(m["data"])
		} else {
			var data map[string]json.RawMessage
			if err := json.Unmarshal(m["data"], &data); err != nil {
				tb.Fatal(err)
			}
			for _, k := range []string{"texts", "attributes", "removes", "adds"} {
				if v, ok := data[k]; ok {
					data[k] = gunzipString(v)
				}
			}
			m["data"], _ = json.Marshal(data)
		}
		var err error
		if out[n], err = json.Marshal(m); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// benchBatch is every $snapshot event of the fixtures with compression
// undone: two sessions, a 258 KB FullSnapshot of a documentation page, a
// small one of a form page, mutations, mouse, scroll, input and console
// events.
func benchBatch(b *testing.B) ([]json.RawMessage, int64) {
	events := expandCompressed(b, snapshotEvents(b, []string{"002", "003", "004", "005", "006", "007", "011"}, ""))
	var size int64
	for _, e := range events {
		size += int64(len(e))
	}
	return events, size
}

func BenchmarkSummarize(b *testing.B) {
	events, size := benchBatch(b)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Summarize(events)
	}
}

func BenchmarkFilterSummarize(b *testing.B) {
	events, size := benchBatch(b)
	now := time.UnixMilli(1795664608049)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		FilterSummarize(events, now)
	}
}

func BenchmarkActivity(b *testing.B) {
	events, _ := benchBatch(b)
	points := Summarize(events).Activity
	b.ResetTimer()
	for b.Loop() {
		p, _ := DecodeActivity(EncodeActivity(MergeActivity(points, points)))
		ActiveMillis(p)
	}
}
