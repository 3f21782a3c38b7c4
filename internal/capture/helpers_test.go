package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapedeck/tapedeck/internal/apierror"
)

// fixture is one request captured from posthog-js (testdata/posthog-js).
type fixture struct {
	name        string
	body        []byte
	Method      string `json:"method"`
	Path        string `json:"path"`
	ContentType string `json:"content_type"`
}

func loadFixture(t testing.TB, n int) fixture {
	t.Helper()
	base := filepath.Join("testdata", "posthog-js", fmt.Sprintf("%03d", n))
	var f fixture
	meta, err := os.ReadFile(base + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(meta, &f); err != nil {
		t.Fatal(err)
	}
	if f.body, err = os.ReadFile(base + ".body"); err != nil {
		t.Fatal(err)
	}
	f.name = fmt.Sprintf("%03d", n)
	return f
}

// gunzipAll inflates b with the standard library, without any limit.
func gunzipAll(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// oracleEvents parses a decompressed fixture with encoding/json alone: the
// events of the array or of the envelope's batch.
func oracleEvents(t testing.TB, content []byte) []map[string]any {
	t.Helper()
	var v any
	if err := json.Unmarshal(content, &v); err != nil {
		t.Fatal(err)
	}
	var list []any
	switch x := v.(type) {
	case []any:
		list = x
	case map[string]any:
		list = x["batch"].([]any)
	}
	out := make([]map[string]any, len(list))
	for i, e := range list {
		out[i] = e.(map[string]any)
	}
	return out
}

// checkAPIError fails unless err is an *apierror.Error with the status and
// attr ("" for none).
func checkAPIError(t testing.TB, err error, status int, attr string) *apierror.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %d (attr %q)", status, attr)
	}
	var ae *apierror.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *apierror.Error", err, err)
	}
	if ae.Status != status {
		t.Fatalf("status %d, want %d: %v", ae.Status, status, ae)
	}
	got := ""
	if ae.Attr != nil {
		got = *ae.Attr
	}
	if got != attr {
		t.Fatalf("attr %q, want %q: %v", got, attr, ae)
	}
	if ae.Detail == "" || strings.Contains(ae.Detail, "json:") || strings.Contains(ae.Detail, "Go value") {
		t.Fatalf("detail %q is empty or leaks internals", ae.Detail)
	}
	return ae
}

// latin1String turns bytes into the string posthog-js builds from them: one
// character per byte, code points 0–255.
func latin1String(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// compressField compresses v the way posthog-js does for cv "2024-10": the
// JSON of v, gzipped, as a binary string, JSON-encoded.
func compressField(t testing.TB, v any) json.RawMessage {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	s, err := json.Marshal(latin1String(gzipBytes(t, j)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// oracleExpand expands a compressed rrweb event with encoding/json and
// compress/gzip only, as an independent check of ExpandEvent.
func oracleExpand(t testing.TB, ev map[string]any) map[string]any {
	t.Helper()
	unzip := func(s string) any {
		b := make([]byte, 0, len(s))
		for _, r := range s {
			b = append(b, byte(r))
		}
		var v any
		if err := json.Unmarshal(gunzipAll(t, b), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	out := map[string]any{}
	for k, v := range ev {
		if k != "cv" {
			out[k] = v
		}
	}
	if ev["cv"] == nil {
		return out
	}
	switch ev["type"].(float64) {
	case 2:
		if s, ok := ev["data"].(string); ok {
			out["data"] = unzip(s)
		}
	case 3:
		data := map[string]any{}
		for k, v := range ev["data"].(map[string]any) {
			data[k] = v
		}
		if data["source"].(float64) == 0 {
			for _, k := range []string{"texts", "attributes", "removes", "adds"} {
				if s, ok := data[k].(string); ok {
					data[k] = unzip(s)
				}
			}
		}
		out["data"] = data
	}
	return out
}

func toAny(t testing.TB, raw []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("not JSON: %v: %.200s", err, raw)
	}
	return v
}
