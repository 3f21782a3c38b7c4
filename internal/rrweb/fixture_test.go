package rrweb

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fixtureDir holds real posthog-js request bodies (raw gzip of JSON). It
// sits beside the repository, not in it.
const fixtureDir = "../../../shared/fixtures/posthog-js"

// formSession is the session of the form-page visit in bodies 008–011.
const formSession = "35efa9"

// snapshotEvents returns the rrweb events of the $snapshot events of the
// given bodies whose session id ends in sessionSuffix ("" for every
// session), in the order sent. Bodies are a JSON array of events or
// {"api_key", "batch": [...]}.
func snapshotEvents(tb testing.TB, names []string, sessionSuffix string) []json.RawMessage {
	tb.Helper()
	if _, err := os.Stat(fixtureDir); err != nil {
		tb.Fatalf("fixtures not available (shared/ must stand beside the repository): %v", err)
	}
	var out []json.RawMessage
	for _, name := range names {
		raw, err := os.ReadFile(filepath.Join(fixtureDir, name+".body"))
		if err != nil {
			tb.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		body, err := io.ReadAll(zr)
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		var batch []struct {
			Event      string `json:"event"`
			Properties struct {
				SessionID    string            `json:"$session_id"`
				SnapshotData []json.RawMessage `json:"$snapshot_data"`
			} `json:"properties"`
		}
		if bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")) {
			err = json.Unmarshal(body, &batch)
		} else {
			var wrapped struct {
				Batch json.RawMessage `json:"batch"`
			}
			if err = json.Unmarshal(body, &wrapped); err == nil {
				err = json.Unmarshal(wrapped.Batch, &batch)
			}
		}
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		for _, e := range batch {
			if e.Event == "$snapshot" && strings.HasSuffix(e.Properties.SessionID, sessionSuffix) {
				out = append(out, e.Properties.SnapshotData...)
			}
		}
	}
	return out
}

// withoutCompressed drops the events the SDK compressed ("cv" present):
// expanding them is another package's job.
func withoutCompressed(tb testing.TB, events []json.RawMessage) []json.RawMessage {
	var out []json.RawMessage
	for _, e := range events {
		var probe struct {
			CV *string `json:"cv"`
		}
		if err := json.Unmarshal(e, &probe); err != nil {
			tb.Fatal(err)
		}
		if probe.CV == nil {
			out = append(out, e)
		}
	}
	return out
}

func TestFixtureFormVisit(t *testing.T) {
	all := snapshotEvents(t, []string{"008", "009", "010", "011"}, formSession)
	events := withoutCompressed(t, all)
	// 011 holds the whole recording in one $snapshot event: 75 rrweb events,
	// 5 of them compressed (the FullSnapshot and four Mutations). 008–010 are
	// analytics events ($pageview, $identify, $pageview) with no snapshot data.
	if len(all) != 75 || len(events) != 70 {
		t.Fatalf("%d events, %d uncompressed; want 75 and 70", len(all), len(events))
	}
	s := Summarize(events)

	const t0 = int64(1795664608049) // the Meta event: the first event
	const tEnd = int64(1795664610686)
	check := func(what string, got, want int) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %d, want %d", what, got, want)
		}
	}
	check("EventCount", s.EventCount, 70)
	if s.FirstTimestamp != t0 || s.LastTimestamp != tEnd {
		t.Errorf("timestamps %d..%d, want %d..%d", s.FirstTimestamp, s.LastTimestamp, t0, tEnd)
	}
	// The README's 7 clicks: three "Add item", the two inputs, "Break
	// something" and "Buy" — each a MouseInteraction of type 2 (each comes
	// with MouseDown, MouseUp and, for the inputs, Focus, none of which count).
	check("ClickCount", s.ClickCount, 7)
	// Typing "Alice" (5 Input events) and "alice@example.com" (17).
	check("KeypressCount", s.KeypressCount, 22)
	// 5 MouseMove events and 30 MouseInteraction events (7 each of
	// MouseDown, MouseUp and Click, 5 Focus, 4 Blur); no touch.
	check("MouseActivityCount", s.MouseActivityCount, 35)
	check("ConsoleLogCount", s.ConsoleLogCount, 2)
	check("ConsoleWarnCount", s.ConsoleWarnCount, 1)
	check("ConsoleErrorCount", s.ConsoleErrorCount, 2)
	wantConsole := []ConsoleEntry{
		{1795664609707, LevelLog, "cart opened"},
		{1795664609711, LevelLog, "cart has 3 items"},
		{1795664609712, LevelWarn, "slow network"},
		{1795664609758, LevelError, "checkout failed: card declined"}, // the page's own handler
		{1795664609763, LevelError, "second failure"},
	}
	if !slices.Equal(s.Console, wantConsole) {
		t.Errorf("Console = %+v, want %+v", s.Console, wantConsole)
	}
	// The first $pageview (008) was sent before recording started, so the
	// recording's first URL comes from its Meta event. The pushState to
	// /checkout?step=2 reaches the recording as the $pageview custom event
	// that followed it (no $url_changed was recorded).
	startURL := "http://127.0.0.1:18767/page.html?api_host=http%3A%2F%2F127.0.0.1%3A18767&token=phc_sharedfixture"
	wantURLs := []URLVisit{{t0, startURL}, {1795664610089, "http://127.0.0.1:18767/checkout?step=2"}}
	if !slices.Equal(s.URLs, wantURLs) {
		t.Errorf("URLs = %v, want %v", s.URLs, wantURLs)
	}
	if s.StartURL() != startURL {
		t.Errorf("StartURL() = %q", s.StartURL())
	}
	// Activity: the first active event is the MouseMove at …608687; the
	// events before it (Meta, custom events) form an inactive segment. From
	// there no gap between active events exceeds 5000 ms (the longest is
	// the 387 ms from the Scroll at …609799 to the MouseMove at …610186),
	// and the last event (…610686, a MouseMove) is active: one segment of
	// 610686 - 608687 = 1999 ms.
	check("len(Activity)", len(s.Activity), 70)
	if got := ActiveMillis(s.Activity); got != 1999 {
		t.Errorf("ActiveMillis = %d, want 1999", got)
	}

	// With the compressed events left in (data a string, or a Mutation's
	// fields compressed), nothing breaks: they are five more inactive events
	// and change no count, URL or active time.
	full := Summarize(all)
	check("EventCount (all)", full.EventCount, 75)
	if full.ClickCount != s.ClickCount || full.KeypressCount != s.KeypressCount || full.MouseActivityCount != s.MouseActivityCount ||
		!slices.Equal(full.Console, s.Console) || !slices.Equal(full.URLs, s.URLs) || ActiveMillis(full.Activity) != 1999 {
		t.Errorf("compressed events changed the summary: %+v", full)
	}

	// Keep: the recording is kept at its own time, and dropped 8 days on.
	at := time.UnixMilli(t0)
	if got := Filter(all, at); len(got) != 75 {
		t.Errorf("Filter at recording time kept %d of 75", len(got))
	}
	if got := Filter(all, at.Add(8*24*time.Hour)); len(got) != 0 {
		t.Errorf("Filter 8 days later kept %d", len(got))
	}
	kept, fs := FilterSummarize(all, at)
	if len(kept) != 75 || fs.EventCount != full.EventCount || fs.ClickCount != 7 {
		t.Errorf("FilterSummarize kept %d, summary %+v", len(kept), fs)
	}
}

func TestFixtureAllSessions(t *testing.T) {
	// Every body, every session: nothing panics, and batches summarised one
	// by one and merged give the same active time as the whole at once.
	names := []string{"001", "002", "003", "004", "005", "006", "007", "008", "009", "010", "011"}
	var merged []Point
	var total int
	for _, name := range names {
		s := Summarize(snapshotEvents(t, []string{name}, ""))
		merged = MergeActivity(merged, s.Activity)
		total += s.EventCount
	}
	whole := Summarize(snapshotEvents(t, names, ""))
	if whole.EventCount != total {
		t.Errorf("EventCount %d, batches sum to %d", whole.EventCount, total)
	}
	if got, want := ActiveMillis(merged), ActiveMillis(whole.Activity); got != want {
		t.Errorf("merged batches give %d ms active, the whole %d", got, want)
	}
	decoded, err := DecodeActivity(EncodeActivity(merged))
	if err != nil || !slices.Equal(decoded, merged) {
		t.Errorf("activity round trip failed: %v", err)
	}
}
