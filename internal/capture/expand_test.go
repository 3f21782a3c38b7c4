package capture

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestExpandEventMutation(t *testing.T) {
	adds := []any{
		map[string]any{"parentId": 10, "nextId": nil, "node": map[string]any{
			"type": 2, "tagName": "li", "attributes": map[string]any{"class": "item"}, "childNodes": []any{}, "id": 42}},
		map[string]any{"parentId": 42, "nextId": nil, "node": map[string]any{"type": 3, "textContent": "Ünïcödé ✓ \u2028 <&>", "id": 43}},
	}
	texts := []any{map[string]any{"id": 7, "value": "Total: 3 items"}}
	attributes := []any{map[string]any{"id": 8, "attributes": map[string]any{"disabled": nil, "style": map[string]any{"color": "red"}}}}
	removes := []any{map[string]any{"parentId": 10, "id": 11}}

	// The event as posthog-js sends it: each field compressed separately.
	compressed := `{"type":3,"data":{"source":0,"texts":` + string(compressField(t, texts)) +
		`,"attributes":` + string(compressField(t, attributes)) +
		`,"removes":` + string(compressField(t, removes)) +
		`,"adds":` + string(compressField(t, adds)) +
		`,"isAttachIframe":false},"timestamp":1795664608049,"cv":"2024-10","delay":3}`
	if !json.Valid([]byte(compressed)) {
		t.Fatal("test event is not JSON")
	}
	out, err := ExpandEvent(json.RawMessage(compressed), testLimits)
	if err != nil {
		t.Fatal(err)
	}
	plain := map[string]any{"type": 3, "timestamp": 1795664608049, "delay": 3, "data": map[string]any{
		"source": 0, "texts": texts, "attributes": attributes, "removes": removes, "adds": adds, "isAttachIframe": false}}
	want, _ := json.Marshal(plain)
	if !reflect.DeepEqual(toAny(t, out), toAny(t, want)) {
		t.Fatalf("expanded:\n%s\nwant:\n%s", out, want)
	}
	// Key order is kept and cv is gone.
	if !strings.HasPrefix(string(out), `{"type":3,"data":{"source":0,"texts":[`) || !strings.HasSuffix(string(out), `"timestamp":1795664608049,"delay":3}`) {
		t.Fatalf("layout changed: %s", out)
	}
}

func TestExpandEventPartialMutation(t *testing.T) {
	// Only some fields compressed; an empty string stands for an empty list.
	ev := `{"type":3,"cv":"2024-10","data":{"source":0,"texts":[],"attributes":"","removes":[{"parentId":1,"id":2}],"adds":` +
		string(compressField(t, []any{})) + `},"timestamp":5}`
	out, err := ExpandEvent(json.RawMessage(ev), testLimits)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":3,"data":{"source":0,"texts":[],"attributes":[],"removes":[{"parentId":1,"id":2}],"adds":[]},"timestamp":5}`
	if string(out) != want {
		t.Fatalf("got  %s\nwant %s", out, want)
	}
}

func TestExpandEventStyleSheetRule(t *testing.T) {
	rules := []any{map[string]any{"rule": "body { color: red }", "index": 0}}
	ev := `{"type":3,"data":{"source":8,"id":4,"adds":` + string(compressField(t, rules)) + `},"timestamp":9,"cv":"2024-10"}`
	out, err := ExpandEvent(json.RawMessage(ev), testLimits)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":3,"data":{"source":8,"id":4,"adds":[{"index":0,"rule":"body { color: red }"}]},"timestamp":9}`
	if string(out) != want {
		t.Fatalf("got  %s\nwant %s", out, want)
	}
}

func TestExpandEventFullSnapshot(t *testing.T) {
	var events []map[string]json.RawMessage
	if err := json.Unmarshal(gunzipAll(t, loadFixture(t, 2).body), &events); err != nil {
		t.Fatal(err)
	}
	var props map[string]json.RawMessage
	var rr []json.RawMessage
	if err := json.Unmarshal(events[0]["properties"], &props); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(props["$snapshot_data"], &rr); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ev := range rr {
		if !bytes.Contains(ev, []byte(`"cv":"2024-10"`)) {
			continue
		}
		found = true
		out, err := ExpandEvent(ev, testLimits)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatal(err)
		}
		if _, ok := m["cv"]; ok {
			t.Fatal("cv kept")
		}
		data, ok := m["data"].(map[string]any)
		if !ok || data["node"] == nil || data["initialOffset"] == nil {
			t.Fatalf("data %T", m["data"])
		}
		node := data["node"].(map[string]any)
		if node["type"].(float64) != 0 || len(node["childNodes"].([]any)) == 0 {
			t.Fatalf("node is not a document: %v", node["type"])
		}
		var orig map[string]any
		_ = json.Unmarshal(ev, &orig)
		if !reflect.DeepEqual(m, oracleExpand(t, orig)) {
			t.Fatal("differs from the oracle's expansion")
		}
		// The same event under a limit smaller than its inflated data.
		_, err = ExpandEvent(ev, Limits{MaxDecompressedBytes: 10000})
		checkAPIError(t, err, 413, "")
	}
	if !found {
		t.Fatal("fixture 002 holds no compressed event")
	}
}

func TestExpandEventUnchanged(t *testing.T) {
	for _, ev := range []string{
		`{"type":3,"data":{"source":1,"positions":[{"x":1,"y":2,"id":3,"timeOffset":0}]},"timestamp":1}`,
		`{"type":2,"data":{"node":{"type":0,"childNodes":[]},"initialOffset":{"top":0,"left":0}},"timestamp":1}`,
		`{"type":6,"data":{"plugin":"rrweb/console@1","payload":{"payload":["\"cv\": 1"]}},"timestamp":1}`,
		`{"cv" : "2024-10"}`, // a lone cv: removed
	} {
		in := json.RawMessage(ev)
		out, err := ExpandEvent(in, testLimits)
		if err != nil {
			t.Fatalf("%s: %v", ev, err)
		}
		if strings.Contains(ev, `"cv" :`) {
			if string(out) != `{}` {
				t.Fatalf("%s → %s", ev, out)
			}
			continue
		}
		if !bytes.Equal(out, in) || &out[0] != &in[0] {
			t.Fatalf("%s was rewritten to %s", ev, out)
		}
	}
	// cv on an event type that is never compressed: the marker goes, the rest stays.
	out, err := ExpandEvent(json.RawMessage(`{"type":4,"cv":"2024-10","data":{"href":"x"}}`), testLimits)
	if err != nil || string(out) != `{"type":4,"data":{"href":"x"}}` {
		t.Fatalf("%s %v", out, err)
	}
}

func TestExpandEventErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ev     string
		lim    Limits
		status int
	}{
		{"not JSON", `{"type":2,`, Limits{}, 400},
		{"not an object", `[1]`, Limits{}, 400},
		{"a number", `5`, Limits{}, 400},
		{"unknown version", `{"type":2,"cv":"2023-01","data":"x"}`, Limits{}, 400},
		{"cv not a string", `{"type":2,"cv":2024,"data":"x"}`, Limits{}, 400},
		{"not gzip", `{"type":2,"cv":"2024-10","data":"hello"}`, Limits{}, 400},
		{"beyond latin-1", `{"type":2,"cv":"2024-10","data":"\u001f\u008b☃"}`, Limits{}, 400},
		{"empty full snapshot", `{"type":2,"cv":"2024-10","data":""}`, Limits{}, 400},
		{"corrupt mutation", `{"type":3,"cv":"2024-10","data":{"source":0,"adds":"\u001f\u008b\u0008\u0000\u0000\u0000\u0000\u0000\u0000\u0003xyz"}}`, Limits{}, 400},
		{"mutation not an array", `{"type":3,"cv":"2024-10","data":{"source":0,"adds":` + string(compressField(t, map[string]int{"a": 1})) + `}}`, Limits{}, 400},
		{"mutation a string", `{"type":3,"cv":"2024-10","data":{"source":0,"texts":` + string(compressField(t, "x")) + `}}`, Limits{}, 400},
		{"too large", `{"type":3,"cv":"2024-10","data":{"source":0,"adds":` + string(compressField(t, make([]int, 5000))) + `}}`, Limits{MaxDecompressedBytes: 1000}, 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lim := tc.lim
			if lim.MaxDecompressedBytes == 0 {
				lim = testLimits
			}
			out, err := ExpandEvent(json.RawMessage(tc.ev), lim)
			if err == nil {
				t.Fatalf("expanded to %s", out)
			}
			attr := "$snapshot_data"
			if tc.status == 413 {
				attr = ""
			}
			checkAPIError(t, err, tc.status, attr)
		})
	}
}

// TestBinaryStringMatchesEncodingJSON decodes strings as encoding/json
// does and keeps them when every character is at most U+00FF: every byte
// value written each way JSON allows, characters beyond U+00FF, and
// malformed strings.
func TestBinaryStringMatchesEncodingJSON(t *testing.T) {
	var all []byte
	for c := range 256 {
		all = append(all, byte(c))
	}
	plain, err := json.Marshal(string(latin1(all)))
	if err != nil {
		t.Fatal(err)
	}
	cases := []string{
		string(plain),
		`""`, `"abc"`, `"\u00ff\u00FF\u0000\u001f"`, `"\"\\\/\b\f\n\r\t"`, `"é\u00e9"`,
		`"\u0100"`, `"Ā"`, `"✓"`, `"\ud83d\ude00"`, `"😀"`,
		`"\u00g0"`, `"\u00"`, `"\x"`, `"abc\"`, `"\xc3"`, `"\xc3\x28"`, `"\xc0\x80"`, `"\xff"`, `"a`,
	}
	for _, c := range cases {
		got, ok := binaryString([]byte(c))
		var s string
		want, wantOK := []byte(nil), json.Unmarshal([]byte(c), &s) == nil && utf8.ValidString(c)
		if wantOK {
			for _, r := range s {
				if r > 0xff {
					wantOK = false
					break
				}
				want = append(want, byte(r))
			}
		}
		if ok != wantOK || ok && !bytes.Equal(got, want) {
			t.Errorf("binaryString(%q) = %q, %v; want %q, %v", c, got, ok, want, wantOK)
		}
	}
}

// latin1 returns the characters U+0000 to U+00FF whose code points are the
// bytes of p, as UTF-8.
func latin1(p []byte) []rune {
	r := make([]rune, len(p))
	for i, c := range p {
		r[i] = rune(c)
	}
	return r
}
