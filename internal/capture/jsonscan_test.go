package capture

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestScannerMatchesEncodingJSON(t *testing.T) {
	docs := []string{
		`[]`, `{}`, ` [ 1 , "a\"]" , {"k":[1,{"x":"}"}]} , null , true , -1.5e3 ] `,
		`{"a" : 1, "b\u0022c":"\\", "":[], "d":{"e":"f\\\"g"}, "a":2}`,
		`["\\\\", "x\\\"y\\\\", "\\\\\\\"", {"\\\\":"\"\\"}]`,
	}
	content := gunzipAll(t, loadFixture(t, 11).body)
	docs = append(docs, string(content))
	for _, d := range docs {
		p := trimSpace([]byte(d))
		switch p[0] {
		case '[':
			var want []json.RawMessage
			if err := json.Unmarshal(p, &want); err != nil {
				t.Fatal(err)
			}
			got := arrayItems(p)
			if len(got) != len(want) {
				t.Fatalf("%s: %d items, want %d", d, len(got), len(want))
			}
			for i := range got {
				if !reflect.DeepEqual(toAny(t, got[i]), toAny(t, want[i])) {
					t.Fatalf("item %d: %s, want %s", i, got[i], want[i])
				}
			}
		case '{':
			var want map[string]json.RawMessage
			if err := json.Unmarshal(p, &want); err != nil {
				t.Fatal(err)
			}
			got := objectMap(p)
			if len(got) != len(want) {
				t.Fatalf("%s: %d members, want %d", d, len(got), len(want))
			}
			for k := range want {
				if !reflect.DeepEqual(toAny(t, got[k]), toAny(t, want[k])) {
					t.Fatalf("member %q: %s, want %s", k, got[k], want[k])
				}
			}
		}
	}
}

// The scanner trusts its input to be valid JSON, but must not panic when it
// is not (Snapshots may be handed events built by hand).
func TestScannerInvalidInputDoesNotPanic(t *testing.T) {
	content := gunzipAll(t, loadFixture(t, 9).body)
	inputs := []string{`[`, `{`, `{"`, `{"a`, `{"a"`, `{"a":`, `{"a":1,`, `[1,`, `["\`, `{"a":"\`, `{1:2}`, `[,]`, `{,}`, `{"a"}`}
	for i := 1; i < len(content); i += 37 {
		inputs = append(inputs, string(content[:i]))
	}
	for _, in := range inputs {
		p := []byte(in)
		if p[0] == '[' {
			arrayItems(p)
		} else if p[0] == '{' {
			objectMap(p)
		}
	}
	// Snapshots over hand-made events with broken JSON in properties.
	props := map[string]json.RawMessage{"$session_id": json.RawMessage(`"s"`), "$snapshot_data": json.RawMessage(`[{"type":2,"cv":"2024-10","data":"\u001f`)}
	_, _, _ = Snapshots([]Event{{Name: "$snapshot", Token: "t", DistinctID: "d", Properties: props}}, testLimits)
	props["$snapshot_data"] = json.RawMessage(`[,`)
	_, _, _ = Snapshots([]Event{{Name: "$snapshot", Token: "t", DistinctID: "d", Properties: props}}, testLimits)
	props["$snapshot_data"] = json.RawMessage(`{"cv":`)
	_, _, _ = Snapshots([]Event{{Name: "$snapshot", Token: "t", DistinctID: "d", Properties: props}}, testLimits)
}
