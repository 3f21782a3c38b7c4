package capture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func decodeFixture(t testing.TB, n int) []Event {
	t.Helper()
	f := loadFixture(t, n)
	events, err := Decode(f.body, f.ContentType, url.Values{}, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func TestSnapshotsFixtures(t *testing.T) {
	const (
		session1 = "01a215f3-0951-7cb2-95cc-05c3a05c2d8f"
		window1  = "01a215f3-0951-7cb2-95cc-05c4b69d1d5c"
		session2 = "01a215f3-7aea-7729-81c1-f294eb35efa9"
		window2  = "01a215f3-7aea-7729-81c1-f2955cf3ddd4"
	)
	var all []Event
	var oracle []map[string]any // the rrweb events, expanded by the oracle
	var uuids []string
	compressed := map[int]int{} // rrweb type → how many arrived compressed
	for _, n := range []int{2, 3, 4, 5, 6, 7, 11} {
		events := decodeFixture(t, n)
		all = append(all, events...)
		for _, o := range oracleEvents(t, gunzipAll(t, loadFixture(t, n).body)) {
			uuids = append(uuids, o["uuid"].(string))
			for _, e := range o["properties"].(map[string]any)["$snapshot_data"].([]any) {
				m := e.(map[string]any)
				if m["cv"] != nil {
					compressed[int(m["type"].(float64))]++
				}
				oracle = append(oracle, oracleExpand(t, m))
			}
		}
	}
	if compressed[2] != 2 || compressed[3] == 0 {
		t.Fatalf("fixtures should hold 2 compressed full snapshots and compressed mutations: %v", compressed)
	}

	recs, others, err := Snapshots(all, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	if len(others) != 0 || len(recs) != 2 {
		t.Fatalf("%d recordings, %d others", len(recs), len(others))
	}
	want := [][2]string{{session1, window1}, {session2, window2}}
	var got []json.RawMessage
	var gotUUIDs []string
	for i, r := range recs {
		if r.SessionID != want[i][0] || r.WindowID != want[i][1] || r.Token != "phc_sharedfixture" {
			t.Errorf("recording %d: %s/%s token %s", i, r.SessionID, r.WindowID, r.Token)
		}
		if r.SnapshotSource != "web" || r.Lib != "web" {
			t.Errorf("recording %d: source %q lib %q", i, r.SnapshotSource, r.Lib)
		}
		got = append(got, r.Events...)
		gotUUIDs = append(gotUUIDs, r.UUIDs...)
	}
	if recs[0].DistinctID != "01a215f3-0931-74cd-aea1-fbb35d54d2de" || recs[1].DistinctID != "acceptance-user-1" {
		t.Errorf("distinct ids %s, %s", recs[0].DistinctID, recs[1].DistinctID)
	}
	if !reflect.DeepEqual(gotUUIDs, uuids) {
		t.Errorf("uuids %v, want %v", gotUUIDs, uuids)
	}
	if len(got) != len(oracle) {
		t.Fatalf("%d rrweb events, want %d", len(got), len(oracle))
	}
	fulls := 0
	for i, raw := range got {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if _, ok := m["cv"]; ok {
			t.Errorf("event %d still has cv", i)
		}
		if !reflect.DeepEqual(m, oracle[i]) {
			t.Errorf("event %d differs from the oracle's expansion: %.200s", i, raw)
		}
		switch m["type"].(float64) {
		case 2:
			fulls++
			data, ok := m["data"].(map[string]any)
			if !ok || data["node"] == nil || data["initialOffset"] == nil {
				t.Errorf("full snapshot %d: data is %T without node/initialOffset", i, m["data"])
			}
		case 3:
			data := m["data"].(map[string]any)
			if data["source"].(float64) == 0 {
				for _, k := range mutationFields {
					if _, ok := data[k].([]any); !ok {
						t.Errorf("mutation %d: %s is %T, want an array", i, k, data[k])
					}
				}
			}
		}
	}
	if fulls != 2 {
		t.Errorf("%d full snapshots, want 2", fulls)
	}

	// Fixture 002's full snapshot on its own.
	recs, _, err = Snapshots(decodeFixture(t, 2), testLimits)
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range recs[0].Events {
		if bytes.Contains(raw, []byte(`"cv"`)) {
			t.Errorf("cv left in %.100s", raw)
		}
		var ev struct {
			Type int             `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		_ = json.Unmarshal(raw, &ev)
		if ev.Type == 2 {
			var data struct {
				Node          map[string]any `json:"node"`
				InitialOffset map[string]any `json:"initialOffset"`
			}
			if err := json.Unmarshal(ev.Data, &data); err != nil || data.Node == nil || data.InitialOffset == nil {
				t.Errorf("002 full snapshot data: %v %.100s", err, ev.Data)
			}
		}
	}

	// Analytics events pass through untouched, in order.
	var analytics []Event
	for _, n := range []int{1, 8, 9, 10} {
		analytics = append(analytics, decodeFixture(t, n)...)
	}
	recs, others, err = Snapshots(analytics, testLimits)
	if err != nil || len(recs) != 0 || !reflect.DeepEqual(others, analytics) {
		t.Fatalf("analytics: %v, %d recordings, %d others", err, len(recs), len(others))
	}
}

// snapshotEvent builds a $snapshot event with n trivial rrweb events.
func snapshotEvent(uuid, token, session, window string, n int) string {
	var rr []string
	for i := range n {
		rr = append(rr, fmt.Sprintf(`{"type":3,"data":{"source":1,"positions":[]},"timestamp":%d,"tag":%q}`, 1700000000000+i, uuid))
	}
	props := fmt.Sprintf(`"distinct_id":"user","$session_id":%q,"$snapshot_data":[%s]`, session, strings.Join(rr, ","))
	if window != "" {
		props += fmt.Sprintf(`,"$window_id":%q`, window)
	}
	if token != "" {
		props += fmt.Sprintf(`,"token":%q`, token)
	}
	return fmt.Sprintf(`{"event":"$snapshot","uuid":%q,"properties":{%s}}`, uuid, props)
}

func uuidN(n int) string { return fmt.Sprintf("00000000-0000-7000-8000-%012d", n) }

func TestSnapshotsGrouping(t *testing.T) {
	body := "[" + strings.Join([]string{
		snapshotEvent(uuidN(1), "tok", "s1", "w1", 2),
		snapshotEvent(uuidN(2), "tok", "s2", "w2", 1),
		`{"event":"$pageview","distinct_id":"user","properties":{"token":"tok"}}`,
		snapshotEvent(uuidN(3), "tok", "s1", "w1", 1),
		snapshotEvent(uuidN(4), "tok", "s1", "w2", 3),
		snapshotEvent(uuidN(5), "tok", "s2", "w2", 1),
		snapshotEvent(uuidN(6), "tok", "s3", "", 1),
		snapshotEvent(uuidN(7), "other", "s1", "w1", 1),
		snapshotEvent(uuidN(8), "tok", "s3", "s3", 1),
	}, ",") + "]"
	events, err := Decode([]byte(body), "application/json", url.Values{}, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	recs, others, err := Snapshots(events, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	if len(others) != 1 || others[0].Name != "$pageview" {
		t.Fatalf("others %+v", others)
	}
	want := []struct {
		token, session, window string
		uuids                  []int
		events                 int
	}{
		{"tok", "s1", "w1", []int{1, 3}, 3},
		{"tok", "s2", "w2", []int{2, 5}, 2},
		{"tok", "s1", "w2", []int{4}, 3},
		{"tok", "s3", "s3", []int{6, 8}, 2},
		{"other", "s1", "w1", []int{7}, 1},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d recordings, want %d", len(recs), len(want))
	}
	for i, w := range want {
		r := recs[i]
		if r.Token != w.token || r.SessionID != w.session || r.WindowID != w.window || len(r.Events) != w.events {
			t.Errorf("recording %d: %s %s/%s with %d events, want %+v", i, r.Token, r.SessionID, r.WindowID, len(r.Events), w)
		}
		var wantUUIDs []string
		for _, n := range w.uuids {
			wantUUIDs = append(wantUUIDs, uuidN(n))
		}
		if !reflect.DeepEqual(r.UUIDs, wantUUIDs) {
			t.Errorf("recording %d: uuids %v, want %v", i, r.UUIDs, wantUUIDs)
		}
		// The events keep the order they arrived in.
		var tags []string
		for _, raw := range r.Events {
			var ev struct{ Tag string }
			_ = json.Unmarshal(raw, &ev)
			tags = append(tags, ev.Tag)
		}
		for j := 1; j < len(tags); j++ {
			if tags[j] < tags[j-1] {
				t.Errorf("recording %d: events out of order: %v", i, tags)
			}
		}
	}
	if recs[0].SnapshotSource != "web" || recs[0].Lib != "" {
		t.Errorf("defaults: source %q lib %q", recs[0].SnapshotSource, recs[0].Lib)
	}
}

func TestSnapshotsSingleObjectAndSource(t *testing.T) {
	body := `{"event":"$snapshot","properties":{"token":"t","distinct_id":"d","$session_id":"s","$lib":"posthog-ios","$snapshot_source":"mobile",
		"$snapshot_data":{"type":4,"data":{"href":"http://x"},"timestamp":1}}}`
	events, err := Decode([]byte(body), "", url.Values{}, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := Snapshots(events, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || len(recs[0].Events) != 1 || recs[0].Lib != "posthog-ios" || recs[0].SnapshotSource != "mobile" || recs[0].WindowID != "s" {
		t.Fatalf("%+v", recs)
	}
	if len(recs[0].UUIDs) != 0 {
		t.Fatalf("uuids %v for an event without one", recs[0].UUIDs)
	}
}

func TestSnapshotsErrors(t *testing.T) {
	good := snapshotEvent(uuidN(1), "tok", "s1", "w1", 1)
	// bad builds a $snapshot event at index 1 with the given properties
	// (token and distinct_id added unless overridden).
	bad := func(props string) string {
		return "[" + good + `,{"event":"$snapshot","properties":{` + props + `}}]`
	}
	data := `"$snapshot_data":[{"type":4,"data":{},"timestamp":1}]`
	base := `"token":"tok","distinct_id":"u",` + data
	long := strings.Repeat("a", 71)
	ids := `"token":"tok","distinct_id":"u","$session_id":"s",`
	full := func(dataField string) string { // a compressed full snapshot event
		return bad(ids + `"$snapshot_data":[{"type":2,"cv":"2024-10","timestamp":1,"data":` + dataField + `}]`)
	}
	bigFull := compressField(t, map[string]any{"node": strings.Repeat("x", 5000), "initialOffset": map[string]int{"top": 0}})

	cases := []struct {
		name   string
		body   string
		lim    Limits
		status int
		attr   string
	}{
		{"missing $session_id", bad(base), Limits{}, 400, "$session_id"},
		{"null $session_id", bad(base + `,"$session_id":null`), Limits{}, 400, "$session_id"},
		{"empty $session_id", bad(base + `,"$session_id":""`), Limits{}, 400, "$session_id"},
		{"71-char $session_id", bad(base + `,"$session_id":"` + long + `"`), Limits{}, 400, "$session_id"},
		{"$session_id with spaces", bad(base + `,"$session_id":"a b"`), Limits{}, 400, "$session_id"},
		{"$session_id with unicode", bad(base + `,"$session_id":"sessión"`), Limits{}, 400, "$session_id"},
		{"$session_id with quotes", bad(base + `,"$session_id":"a\"b"`), Limits{}, 400, "$session_id"},
		{"$session_id with a slash", bad(base + `,"$session_id":"../x"`), Limits{}, 400, "$session_id"},
		{"$session_id a number", bad(base + `,"$session_id":12`), Limits{}, 400, "$session_id"},
		{"$window_id with spaces", bad(base + `,"$session_id":"s","$window_id":"a b"`), Limits{}, 400, "$window_id"},
		{"71-char $window_id", bad(base + `,"$session_id":"s","$window_id":"` + long + `"`), Limits{}, 400, "$window_id"},
		{"$window_id an object", bad(base + `,"$session_id":"s","$window_id":{}`), Limits{}, 400, "$window_id"},
		{"missing distinct_id", bad(`"token":"tok","$session_id":"s",` + data), Limits{}, 400, "distinct_id"},
		{"empty distinct_id", bad(`"token":"tok","distinct_id":"","$session_id":"s",` + data), Limits{}, 400, "distinct_id"},
		{"201-char distinct_id", bad(`"token":"tok","distinct_id":"` + strings.Repeat("é", 201) + `","$session_id":"s",` + data), Limits{}, 400, "distinct_id"},
		{"missing $snapshot_data", bad(`"token":"tok","distinct_id":"u","$session_id":"s"`), Limits{}, 400, "$snapshot_data"},
		{"$snapshot_data a string", bad(`"token":"tok","distinct_id":"u","$session_id":"s","$snapshot_data":"[]"`), Limits{}, 400, "$snapshot_data"},
		{"$snapshot_data a number", bad(`"token":"tok","distinct_id":"u","$session_id":"s","$snapshot_data":5`), Limits{}, 400, "$snapshot_data"},
		{"$snapshot_data numbers", bad(`"token":"tok","distinct_id":"u","$session_id":"s","$snapshot_data":[1,2]`), Limits{}, 400, "$snapshot_data"},
		{"$snapshot_data with null", bad(`"token":"tok","distinct_id":"u","$session_id":"s","$snapshot_data":[{"type":4},null]`), Limits{}, 400, "$snapshot_data"},
		{"missing token", bad(`"distinct_id":"u","$session_id":"s",` + data), Limits{}, 400, "token"},
		{"event without a name", "[" + good + `,{"distinct_id":"u","properties":{"token":"tok"}}]`, Limits{}, 400, "event"},
		{"event without distinct_id", "[" + good + `,{"event":"$pageview","properties":{"token":"tok"}}]`, Limits{}, 400, "distinct_id"},
		{"event without token", "[" + good + `,{"event":"$pageview","distinct_id":"u"}]`, Limits{}, 400, "token"},
		{"unknown cv", bad(ids + `"$snapshot_data":[{"type":2,"cv":"2099-01","data":{}}]`), Limits{}, 400, "$snapshot_data"},
		{"cv data not gzip", full(`"not gzip"`), Limits{}, 400, "$snapshot_data"},
		{"cv data beyond latin-1", full(`"\u001f\u008b\u0100"`), Limits{}, 400, "$snapshot_data"},
		{"cv data truncated gzip", full(`"\u001f\u008b\u0008\u0000"`), Limits{}, 400, "$snapshot_data"},
		{"cv data an array", full(string(compressField(t, []int{1}))), Limits{}, 400, "$snapshot_data"},
		{"cv data too large", full(string(bigFull)), Limits{MaxDecompressedBytes: 4000}, 413, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			events, err := Decode([]byte(tc.body), "application/json", url.Values{}, testLimits)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			lim := tc.lim
			if lim.MaxDecompressedBytes == 0 {
				lim = testLimits
			}
			recs, others, err := Snapshots(events, lim)
			if err == nil {
				t.Fatalf("accepted: %d recordings, %d others", len(recs), len(others))
			}
			ae := checkAPIError(t, err, tc.status, tc.attr)
			if tc.status == 400 && !strings.Contains(ae.Detail, "Event 1") {
				t.Errorf("detail %q does not name event 1", ae.Detail)
			}
			if recs != nil || others != nil {
				t.Errorf("partial results returned with an error")
			}
		})
	}

	// Boundaries that must pass: 70 characters, 200 characters.
	ok := bad(`"token":"tok","distinct_id":"` + strings.Repeat("é", 200) + `","$session_id":"` + long[:70] + `","$window_id":"` + strings.Repeat("Z-9", 23) + `",` + data)
	events, err := Decode([]byte(ok), "", url.Values{}, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Snapshots(events, testLimits); err != nil {
		t.Fatalf("boundaries refused: %v", err)
	}
}

func TestSnapshotsEmptyData(t *testing.T) {
	body := `[{"event":"$snapshot","properties":{"token":"t","distinct_id":"d","$session_id":"s","$snapshot_data":[]}},` +
		snapshotEvent(uuidN(9), "t", "s2", "", 1) + `]`
	events, err := Decode([]byte(body), "", url.Values{}, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := Snapshots(events, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].SessionID != "s2" {
		t.Fatalf("%+v", recs)
	}
}
