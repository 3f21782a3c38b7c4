package capture

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"testing"

	"github.com/tapedeck/tapedeck/internal/apierror"
)

var fuzzLimits = Limits{MaxDecompressedBytes: 4 << 20}

// checkFuzzError fails unless err is nil or an *apierror.Error with status
// 400 or 413.
func checkFuzzError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var ae *apierror.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *apierror.Error", err, err)
	}
	if ae.Status != 400 && ae.Status != 413 {
		t.Fatalf("status %d: %v", ae.Status, ae)
	}
	if ae.Detail == "" {
		t.Fatal("empty detail")
	}
}

func FuzzDecode(f *testing.F) {
	for n := 1; n <= 11; n++ {
		fx := loadFixture(f, n)
		f.Add(fx.body, fx.ContentType, "")
		if n == 3 || n == 9 {
			content := gunzipAll(f, fx.body)
			b64 := base64.StdEncoding.EncodeToString(content)
			f.Add(content, "application/json", "ver=1.449.2")
			f.Add([]byte("data="+b64), "application/x-www-form-urlencoded", "compression=base64")
			f.Add([]byte{}, "", "data="+url.QueryEscape(b64))
		}
	}
	for _, s := range []string{
		`{"event":"$snapshot","properties":{"token":"t","distinct_id":"d","$session_id":"s","$snapshot_data":[{"type":2,"cv":"2024-10","data":"\u001f\u008b"}]}}`,
		`{"api_key":"k","batch":[{"event":"e","distinct_id":1,"offset":-5}],"sent_at":"x"}`,
		`{"data":{"event":"e"}}`,
		`[{"event":"$snapshot","properties":{"$snapshot_data":{"type":3,"cv":"2024-10","data":{"source":0,"adds":""}}}}]`,
		`[1,"2",null]`, `[]`, `"x"`, "data=%zz", "data=eyJh IjoxfQ", "\x1f\x8b\x08", "compression=lz64&data=x",
	} {
		f.Add([]byte(s), "application/json", "")
	}
	f.Fuzz(func(t *testing.T, body []byte, contentType, rawQuery string) {
		query, _ := url.ParseQuery(rawQuery)
		events, err := Decode(body, contentType, query, fuzzLimits)
		checkFuzzError(t, err)
		if err != nil {
			return
		}
		if len(events) == 0 {
			t.Fatal("no events and no error")
		}
		for _, ev := range events {
			if ev.Properties == nil {
				t.Fatal("nil properties")
			}
			for k, v := range ev.Properties {
				if !json.Valid(v) {
					t.Fatalf("property %q is not JSON: %q", k, v)
				}
			}
		}
		recs, _, err := Snapshots(events, fuzzLimits)
		checkFuzzError(t, err)
		for _, r := range recs {
			if !validSessionID(r.SessionID) || !validSessionID(r.WindowID) || r.Token == "" || r.DistinctID == "" {
				t.Fatalf("invalid recording accepted: %+v", r)
			}
			for _, ev := range r.Events {
				checkExpanded(t, ev)
			}
		}
	})
}

// checkExpanded fails unless ev is a JSON object without a top-level cv.
func checkExpanded(t *testing.T, ev json.RawMessage) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(ev, &m); err != nil {
		t.Fatalf("expanded event is not a JSON object: %v: %q", err, ev)
	}
	if _, ok := m["cv"]; ok {
		t.Fatalf("cv left in %q", ev)
	}
}

func FuzzExpandEvent(f *testing.F) {
	for _, n := range []int{2, 11} {
		var events []struct {
			Properties struct {
				Data []json.RawMessage `json:"$snapshot_data"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(gunzipAll(f, loadFixture(f, n).body), &events); err != nil {
			f.Fatal(err)
		}
		kept := 0
		for _, e := range events {
			for _, rr := range e.Properties.Data {
				if kept < 8 {
					f.Add([]byte(rr))
					kept++
				}
			}
		}
	}
	for _, s := range []string{
		`{"type":2,"cv":"2024-10","data":""}`,
		`{"type":3,"cv":"2024-10","data":{"source":0,"texts":"","attributes":"\u001f\u008b","removes":[],"adds":"x"}}`,
		`{"type":3,"cv":"2024-10","data":{"source":8,"adds":"\u001f\u008b\u0008\u0000"}}`,
		`{"cv":"2024-10","cv":"2024-10"}`,
		`{"c\u0076":"2024-10","type":2,"data":"x"}`,
		`{"type":2,"data":{"a":"\"cv\""}}`,
		`[]`, `"cv"`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, ev []byte) {
		out, err := ExpandEvent(json.RawMessage(ev), fuzzLimits)
		checkFuzzError(t, err)
		if err != nil {
			return
		}
		checkExpanded(t, out)
	})
}
