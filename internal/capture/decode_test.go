package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"runtime"
	"strings"
	"testing"
)

var testLimits = Limits{MaxDecompressedBytes: 16 << 20}

func TestDecodeFixtures(t *testing.T) {
	wantCount := map[int]int{1: 1, 2: 1, 3: 2, 4: 2, 5: 2, 6: 2, 7: 1, 8: 1, 9: 1, 10: 1, 11: 1}
	for n := 1; n <= 11; n++ {
		f := loadFixture(t, n)
		t.Run(f.name, func(t *testing.T) {
			if f.Method != "POST" || f.ContentType != "text/plain" {
				t.Fatalf("unexpected fixture metadata %+v", f)
			}
			q, _ := url.ParseQuery(strings.SplitN(f.Path+"?", "?", 2)[1])
			events, err := Decode(f.body, f.ContentType, q, testLimits)
			if err != nil {
				t.Fatal(err)
			}
			content := gunzipAll(t, f.body)
			oracle := oracleEvents(t, content)
			if len(events) != wantCount[n] || len(oracle) != wantCount[n] {
				t.Fatalf("%d events (oracle %d), want %d", len(events), len(oracle), wantCount[n])
			}
			envelope := content[0] == '{'
			if envelope != (strings.HasPrefix(f.Path, "/e/")) {
				t.Fatalf("path %s but envelope=%v", f.Path, envelope)
			}
			var envSentAt string
			if envelope {
				var env struct {
					SentAt string `json:"sent_at"`
				}
				_ = json.Unmarshal(content, &env)
				envSentAt = env.SentAt
			}
			for i, ev := range events {
				o := oracle[i]
				props := o["properties"].(map[string]any)
				if ev.Token != "phc_sharedfixture" {
					t.Errorf("event %d: token %q", i, ev.Token)
				}
				if ev.UUID == "" || ev.UUID != o["uuid"] {
					t.Errorf("event %d: uuid %q, want %v", i, ev.UUID, o["uuid"])
				}
				if ev.Name != o["event"] {
					t.Errorf("event %d: name %q, want %v", i, ev.Name, o["event"])
				}
				if envelope == (ev.Name == "$snapshot") {
					t.Errorf("event %d: %s in a request to %s", i, ev.Name, f.Path)
				}
				if ev.DistinctID == "" || ev.DistinctID != props["distinct_id"] {
					t.Errorf("event %d: distinct_id %q, want %v", i, ev.DistinctID, props["distinct_id"])
				}
				if ev.Timestamp != o["timestamp"] {
					t.Errorf("event %d: timestamp %q, want %v", i, ev.Timestamp, o["timestamp"])
				}
				wantSent, _ := o["sent_at"].(string)
				if wantSent == "" {
					wantSent = envSentAt
				}
				if ev.SentAt == "" || ev.SentAt != wantSent {
					t.Errorf("event %d: sent_at %q, want %q", i, ev.SentAt, wantSent)
				}
				if len(ev.Properties) != len(props) {
					t.Errorf("event %d: %d properties, want %d", i, len(ev.Properties), len(props))
				}
				for k, v := range props {
					got := ev.Properties[k]
					if got == nil {
						t.Errorf("event %d: property %s missing", i, k)
						continue
					}
					want, _ := json.Marshal(v)
					if g, _ := json.Marshal(toAny(t, got)); !bytes.Equal(g, want) {
						t.Errorf("event %d: property %s = %.80s, want %.80s", i, k, g, want)
					}
				}
				if (o["$set_once"] != nil) != (ev.SetOnce != nil) || (o["$set"] != nil) != (ev.Set != nil) {
					t.Errorf("event %d: $set/$set_once presence differs", i)
				}
			}
			if n == 9 {
				var set map[string]string
				if err := json.Unmarshal(events[0].Set, &set); err != nil || set["email"] != "alice@example.com" {
					t.Errorf("fixture 009 $set = %s", events[0].Set)
				}
				if events[0].Name != "$identify" || events[0].DistinctID != "acceptance-user-1" {
					t.Errorf("fixture 009: %s by %s", events[0].Name, events[0].DistinctID)
				}
			}
		})
	}
}

// samplePayload is the content of fixture 003 (two $snapshot events) with
// a property added so that its base64 form holds both '+' and '/'.
func samplePayload(t *testing.T) (content []byte, b64 string) {
	var events []map[string]any
	if err := json.Unmarshal(gunzipAll(t, loadFixture(t, 3).body), &events); err != nil {
		t.Fatal(err)
	}
	for pad := 0; pad < 64; pad++ {
		events[0]["properties"].(map[string]any)["note"] = strings.Repeat("~", pad) + "~~~???>>>üÿ"
		content, _ = json.Marshal(events)
		b64 = base64.StdEncoding.EncodeToString(content)
		if strings.Contains(b64, "+") && strings.Contains(b64, "/") && strings.HasSuffix(b64, "=") {
			return content, b64
		}
	}
	t.Fatal("no padding gives a base64 form with '+', '/' and '='")
	return nil, ""
}

func TestDecodeEncodings(t *testing.T) {
	content, b64 := samplePayload(t)
	oracle := oracleEvents(t, content)
	var rawEvents []json.RawMessage
	if err := json.Unmarshal(content, &rawEvents); err != nil {
		t.Fatal(err)
	}
	gz := gzipBytes(t, content)
	b64gz := base64.StdEncoding.EncodeToString(gz)
	urlSafe := base64.RawURLEncoding.EncodeToString(content)
	spaced := strings.ReplaceAll(b64, "+", " ") // what a form decoder leaves of an unescaped '+'
	mustQuery := func(s string) url.Values {
		q, err := url.ParseQuery(s)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}

	// The same two events, without their tokens, inside an envelope.
	var stripped []map[string]any
	_ = json.Unmarshal(content, &stripped)
	for _, e := range stripped {
		delete(e["properties"].(map[string]any), "token")
	}
	strippedJSON, _ := json.Marshal(stripped)
	envelope := []byte(`{"api_key":"phc_envelope","batch":` + string(strippedJSON) + `,"sent_at":"2026-01-02T03:04:05.000Z"}`)

	cases := []struct {
		name   string
		body   []byte
		ct     string
		query  url.Values
		first  int    // index in oracle of the first expected event
		count  int    // number of events expected
		token  string // expected token, default the fixture's
		sentAt string
	}{
		{name: "plain JSON array", body: content, ct: "application/json", count: 2},
		{name: "single object", body: rawEvents[1], ct: "application/json", first: 1, count: 1},
		{name: "array of one", body: []byte("[" + string(rawEvents[0]) + "]"), ct: "text/plain", count: 1},
		{name: "envelope", body: envelope, ct: "application/json", count: 2, token: "phc_envelope", sentAt: "2026-01-02T03:04:05.000Z"},
		{name: "data envelope", body: []byte(`{"data":` + string(content) + `}`), ct: "application/json", count: 2},
		{name: "batch holding one object", body: []byte(`{"api_key":"phc_sharedfixture","batch":` + string(rawEvents[1]) + `}`), first: 1, count: 1},
		{name: "JSON with BOM and white space", body: []byte("\xef\xbb\xbf \n" + string(content) + "\n"), ct: "application/json", count: 2},
		{name: "form base64, + turned to spaces", body: []byte("data=" + spaced), ct: "application/x-www-form-urlencoded", query: mustQuery("compression=base64"), count: 2},
		{name: "form base64 properly escaped", body: []byte("data=" + url.QueryEscape(b64)), ct: "application/x-www-form-urlencoded", query: mustQuery("compression=base64&ver=1.449.2&_=1700000000000"), count: 2},
		{name: "form base64 without any hint", body: []byte("data=" + url.QueryEscape(b64)), ct: "text/plain", count: 2},
		{name: "form compression field first", body: []byte("compression=base64&data=" + url.QueryEscape(b64)), ct: "application/x-www-form-urlencoded", count: 2},
		{name: "form URL-safe base64 unpadded", body: []byte("data=" + urlSafe), ct: "application/x-www-form-urlencoded", query: mustQuery("compression=base64"), count: 2},
		{name: "form holding URL-encoded JSON", body: []byte("data=" + url.QueryEscape(string(content))), ct: "application/x-www-form-urlencoded", count: 2},
		{name: "form base64 of gzip", body: []byte("data=" + url.QueryEscape(b64gz)), ct: "application/x-www-form-urlencoded", query: mustQuery("compression=base64"), count: 2},
		{name: "body base64 of gzip", body: []byte(b64gz), ct: "text/plain", query: mustQuery("compression=base64"), count: 2},
		{name: "body base64 of JSON with hint", body: []byte(b64), ct: "text/plain", query: mustQuery("compression=base64"), count: 2},
		{name: "body base64 of JSON without hint", body: []byte(b64), ct: "text/plain", count: 2},
		{name: "body base64 of gzip typed as a form", body: []byte(b64gz), ct: "application/x-www-form-urlencoded", count: 2},
		{name: "GET data base64, + turned to spaces", query: mustQuery("data=" + b64 + "&compression=base64&ver=1.449.2"), count: 2},
		{name: "GET data escaped base64", query: mustQuery("data=" + url.QueryEscape(b64)), count: 2},
		{name: "GET data JSON", query: mustQuery("data=" + url.QueryEscape(string(rawEvents[0]))), count: 1},
		{name: "GET data base64 of gzip", query: mustQuery("data=" + url.QueryEscape(b64gz) + "&compression=base64"), count: 2},
		{name: "gzip sent as JSON", body: gz, ct: "application/json", count: 2},
		{name: "gzip sent as a form", body: gz, ct: "application/x-www-form-urlencoded", count: 2},
		{name: "gzip with compression=base64", body: gz, ct: "text/plain", query: mustQuery("compression=base64"), count: 2},
		{name: "gzip with compression=gzip-js", body: gz, ct: "text/plain", query: mustQuery("compression=gzip-js&ver=1.449.2&_=1&retry_count=2&beacon=1"), count: 2},
		{name: "JSON sent as a form (curl -d)", body: content, ct: "application/x-www-form-urlencoded; charset=utf-8", count: 2},
		{name: "JSON with compression=gzip", body: content, ct: "text/plain", query: mustQuery("compression=gzip"), count: 2},
		{name: "JSON with compression=base64", body: content, ct: "text/plain", query: mustQuery("compression=base64"), count: 2},
		{name: "data= body as text/plain", body: []byte("data=" + url.QueryEscape(b64gz)), ct: "text/plain;charset=UTF-8", count: 2},
		{name: "gzip inside gzip", body: gzipBytes(t, gz), ct: "text/plain", count: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.query
			if q == nil {
				q = url.Values{}
			}
			events, err := Decode(tc.body, tc.ct, q, testLimits)
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != tc.count {
				t.Fatalf("%d events, want %d", len(events), tc.count)
			}
			for i, ev := range events {
				o := oracle[tc.first+i]
				wantToken := tc.token
				if wantToken == "" {
					wantToken = "phc_sharedfixture"
				}
				if ev.UUID != o["uuid"] || ev.Name != "$snapshot" || ev.Token != wantToken {
					t.Errorf("event %d: uuid %s name %s token %s", i, ev.UUID, ev.Name, ev.Token)
				}
				if tc.sentAt != "" && ev.SentAt != o["sent_at"] {
					t.Errorf("event %d: sent_at %q; the event's own must win over the envelope's", i, ev.SentAt)
				}
				props := o["properties"].(map[string]any)
				if note, ok := props["note"]; ok {
					var got string
					_ = json.Unmarshal(ev.Properties["note"], &got)
					if got != note {
						t.Errorf("event %d: note %q, want %q", i, got, note)
					}
				}
				var data []json.RawMessage
				if err := json.Unmarshal(ev.Properties["$snapshot_data"], &data); err != nil || len(data) != len(props["$snapshot_data"].([]any)) {
					t.Errorf("event %d: $snapshot_data has %d items (%v)", i, len(data), err)
				}
			}
		})
	}
}

func TestDecodeEnvelopeSentAt(t *testing.T) {
	body := `{"api_key":"phc_a","sent_at":"2026-01-01T00:00:00Z","batch":[{"event":"e","distinct_id":7,"offset":12.9,"timestamp":1700000000000}]}`
	events, err := Decode([]byte(body), "application/json", url.Values{}, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	ev := events[0]
	if ev.Token != "phc_a" || ev.SentAt != "2026-01-01T00:00:00Z" || ev.DistinctID != "7" || ev.Timestamp != "1700000000000" {
		t.Fatalf("%+v", ev)
	}
	if ev.Offset == nil || *ev.Offset != 12 {
		t.Fatalf("offset %v", ev.Offset)
	}
	if ev.Properties == nil || ev.Set != nil || ev.SetOnce != nil {
		t.Fatalf("properties %v set %s set_once %s", ev.Properties, ev.Set, ev.SetOnce)
	}
	// Token precedence: the event's own over properties over the envelope.
	body = `{"api_key":"env","batch":[{"event":"e","$token":"top","properties":{"token":"prop"}},{"event":"e","properties":{"$token":"prop"}},{"event":"e"}]}`
	events, err = Decode([]byte(body), "", url.Values{}, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	if events[0].Token != "top" || events[1].Token != "prop" || events[2].Token != "env" {
		t.Fatalf("tokens %q %q %q", events[0].Token, events[1].Token, events[2].Token)
	}
	// $set from properties when not at the top level.
	events, err = Decode([]byte(`{"event":"$identify","properties":{"$set":{"a":1},"$set_once":null}}`), "", url.Values{}, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	if string(events[0].Set) != `{"a":1}` || events[0].SetOnce != nil {
		t.Fatalf("set %s set_once %s", events[0].Set, events[0].SetOnce)
	}
	// UUIDs come back in canonical form.
	events, err = Decode([]byte(`{"event":"e","uuid":"{01A215F3-0940-700C-8949-14CFF1F4D931}"}`), "", url.Values{}, testLimits)
	if err != nil {
		t.Fatal(err)
	}
	if events[0].UUID != "01a215f3-0940-700c-8949-14cff1f4d931" {
		t.Fatalf("uuid %s", events[0].UUID)
	}
}

func TestDecodeErrors(t *testing.T) {
	content, b64 := samplePayload(t)
	gz := gzipBytes(t, content)
	corrupt := bytes.Clone(gz)
	for i := 20; i < len(corrupt)-20; i += 7 {
		corrupt[i] ^= 0x5a
	}
	badCRC := bytes.Clone(gz)
	badCRC[len(badCRC)-6] ^= 0xff
	badHeader := bytes.Clone(gz)
	badHeader[2] = 9 // compression method other than deflate
	trailing := append(bytes.Clone(gz), "garbage"...)
	b64trunc := b64[:len(b64)-len(b64)%4-3] // length 1 mod 4: cannot be base64
	nested := content
	for range 5 {
		nested = gzipBytes(t, nested)
	}
	big := gzipBytes(t, bytes.Repeat([]byte(" "), 3000))
	q := func(s string) url.Values { v, _ := url.ParseQuery(s); return v }
	small := Limits{MaxDecompressedBytes: 2000}

	cases := []struct {
		name   string
		body   string
		ct     string
		query  url.Values
		lim    Limits
		status int
		attr   string
		detail string // a fragment the detail must hold
	}{
		{name: "corrupt gzip", body: string(corrupt), status: 400, detail: "gzip"},
		{name: "gzip with a wrong checksum", body: string(badCRC), status: 400, detail: "checksum"},
		{name: "gzip with a bad header", body: string(badHeader), status: 400, detail: "header"},
		{name: "truncated gzip", body: string(gz[:len(gz)/2]), status: 400, detail: "truncated"},
		{name: "gzip cut after the magic", body: "\x1f\x8b", status: 400, detail: "truncated"},
		{name: "gzip followed by garbage", body: string(trailing), status: 400, detail: "gzip"},
		{name: "truncated base64 form", body: "data=" + url.QueryEscape(b64trunc), ct: "application/x-www-form-urlencoded", query: q("compression=base64"), status: 400, detail: "truncated"},
		{name: "truncated base64 body", body: b64trunc, query: q("compression=base64"), status: 400, detail: "truncated"},
		{name: "base64 of truncated JSON", body: base64.StdEncoding.EncodeToString(content[:len(content)/2]), query: q("compression=base64"), status: 400, detail: "not valid JSON"},
		{name: "base64 with a stray character", body: "data=eyJh*IjoxfQ", ct: "application/x-www-form-urlencoded", status: 400, detail: "base64"},
		{name: "base64 with misplaced padding", body: "eyJh=IjoxfQ", query: q("compression=base64"), status: 400, detail: "base64"},
		{name: "non-JSON text", body: "hello, world!", status: 400, detail: "not valid JSON"},
		{name: "truncated JSON", body: string(content[:len(content)/3]), status: 400, detail: "not valid JSON"},
		{name: "JSON number", body: "42", status: 400, detail: "a number"},
		{name: "JSON string", body: `"$snapshot"`, status: 400, detail: "a string"},
		{name: "JSON true", body: "true", status: 400, detail: "a boolean"},
		{name: "JSON null", body: "null", status: 400, detail: "null"},
		{name: "array with a number", body: `[{"event":"a"},3]`, status: 400, detail: "Event 1"},
		{name: "array with null", body: `[null]`, status: 400, detail: "Event 0"},
		{name: "array with an array", body: `[[{"event":"a"}]]`, status: 400, detail: "an array"},
		{name: "batch with a string", body: `{"api_key":"k","batch":[{"event":"a"},"b"]}`, status: 400, attr: "batch", detail: "Event 1"},
		{name: "empty array", body: `[]`, status: 400, detail: "no events"},
		{name: "empty batch", body: `{"api_key":"k","batch":[]}`, status: 400, attr: "batch", detail: "no events"},
		{name: "batch a number", body: `{"api_key":"k","batch":5}`, status: 400, attr: "batch", detail: "a number"},
		{name: "data null", body: `{"data":null}`, status: 400, attr: "data"},
		{name: "empty body", body: "", status: 400, detail: "empty"},
		{name: "blank body", body: " \r\n", status: 400, detail: "empty"},
		{name: "GET without data", body: "", query: q("ver=1&compression=base64"), status: 400, detail: "data"},
		{name: "GET with empty data", body: "", query: q("data="), status: 400, detail: "empty"},
		{name: "form without data", body: "compression=base64&foo=bar", ct: "application/x-www-form-urlencoded", status: 400, attr: "data"},
		{name: "form with empty data", body: "data=", ct: "application/x-www-form-urlencoded", status: 400, detail: "empty"},
		{name: "form with a bad escape", body: "data=%zz", ct: "application/x-www-form-urlencoded", status: 400, detail: "URL-encoded"},
		{name: "lz64 in the query", body: "data=N4Ig", ct: "application/x-www-form-urlencoded", query: q("compression=lz64"), status: 400, attr: "compression", detail: "lz64"},
		{name: "lz64 in the form", body: "data=N4Ig&compression=lz64", ct: "application/x-www-form-urlencoded", status: 400, attr: "compression", detail: "lz64"},
		{name: "LZ64 any case", body: `[]`, query: q("compression=LZ64"), status: 400, attr: "compression"},
		{name: "properties a string", body: `{"event":"a","properties":"x"}`, status: 400, attr: "properties", detail: "Event 0"},
		{name: "uuid not a UUID", body: `[{"event":"a"},{"event":"a","uuid":"nope"}]`, status: 400, attr: "uuid", detail: "Event 1"},
		{name: "uuid a number", body: `{"event":"a","uuid":5}`, status: 400, attr: "uuid"},
		{name: "event a number", body: `{"event":5}`, status: 400, attr: "event"},
		{name: "distinct_id an object", body: `{"event":"a","distinct_id":{"a":1}}`, status: 400, attr: "distinct_id"},
		{name: "distinct_id in properties a list", body: `{"event":"a","properties":{"distinct_id":[1]}}`, status: 400, attr: "distinct_id"},
		{name: "token a number", body: `{"event":"a","token":5}`, status: 400, attr: "token"},
		{name: "offset a string", body: `{"event":"a","offset":"5"}`, status: 400, attr: "offset"},
		{name: "timestamp an object", body: `{"event":"a","timestamp":{}}`, status: 400, attr: "timestamp"},
		{name: "too many layers", body: string(nested), status: 400, detail: "not valid JSON"},
		{name: "gzip over the limit", body: string(big), lim: small, status: 413},
		{name: "base64 over the limit", body: base64.StdEncoding.EncodeToString(bytes.Repeat([]byte(" "), 3000)), query: q("compression=base64"), lim: small, status: 413},
		{name: "base64 of gzip over the limit", body: "data=" + url.QueryEscape(base64.StdEncoding.EncodeToString(big)), ct: "application/x-www-form-urlencoded", lim: small, status: 413},
		{name: "base64 without a hint over the limit", body: base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("a"), 3000)), lim: small, status: 413},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			query := tc.query
			if query == nil {
				query = url.Values{}
			}
			lim := tc.lim
			if lim.MaxDecompressedBytes == 0 {
				lim = testLimits
			}
			events, err := Decode([]byte(tc.body), tc.ct, query, lim)
			if err == nil {
				t.Fatalf("decoded %d events, want an error", len(events))
			}
			ae := checkAPIError(t, err, tc.status, tc.attr)
			if !strings.Contains(ae.Detail, tc.detail) {
				t.Fatalf("detail %q lacks %q", ae.Detail, tc.detail)
			}
			if tc.status == 400 && tc.attr == "" && ae.Code != "parse_error" && ae.Code != "invalid_input" {
				t.Fatalf("code %s", ae.Code)
			}
		})
	}
}

// zeroBomb returns gzip of n zero bytes, written in a streaming way.
func zeroBomb(t testing.TB, n int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	chunk := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, int64(len(chunk)))
		if _, err := zw.Write(chunk[:k]); err != nil {
			t.Fatal(err)
		}
		n -= k
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// allocatedBy returns the bytes f allocated.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestDecodeGzipBomb(t *testing.T) {
	const limit = 10 << 20
	lim := Limits{MaxDecompressedBytes: limit}

	single := zeroBomb(t, 100<<20) // one gzip member: 100 MiB of zeros
	// 1 GiB in 1024 concatenated members (a gzip reader reads them all) ...
	member := zeroBomb(t, 1<<20)
	multi := bytes.Repeat(member, 1024)
	// ... and that gzipped again: a few KB that unfold to 1 GiB.
	double := gzipBytes(t, multi)
	t.Logf("bombs: single member %d bytes → 100 MiB; %d members %d bytes → 1 GiB; gzip of those %d bytes",
		len(single), 1024, len(multi), len(double))
	if len(double) > 16<<10 {
		t.Fatalf("double bomb is %d bytes, want a few KB", len(double))
	}

	for _, tc := range []struct {
		name string
		body []byte
		ct   string
	}{
		{"single member", single, "text/plain"},
		{"1024 members", multi, "text/plain"},
		{"gzip of gzip", double, "text/plain"},
		{"base64 form of gzip", []byte("data=" + base64.StdEncoding.EncodeToString(single)), "application/x-www-form-urlencoded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			alloc := allocatedBy(func() { _, err = Decode(tc.body, tc.ct, url.Values{}, lim) })
			checkAPIError(t, err, 413, "")
			t.Logf("%s: body %d bytes, allocated %.1f MiB while refusing (limit %d MiB)",
				tc.name, len(tc.body), float64(alloc)/(1<<20), limit>>20)
			extra := uint64(0)
			if strings.HasPrefix(tc.name, "base64") {
				extra = uint64(len(tc.body)) * 3 // the form copy and the cleaned and decoded base64
			}
			if alloc > 4*limit+extra {
				t.Fatalf("allocated %d bytes, want under %d", alloc, 4*limit+extra)
			}
		})
	}
}
