package capture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/tapedeck/tapedeck/internal/apierror"
	"github.com/tapedeck/tapedeck/internal/jsonscan"
)

// CompressionVersion is the only value of an rrweb event's "cv" key that
// posthog-js has used: parts of the event are gzipped and sent as a string
// whose characters each hold one byte (code points 0–255).
const CompressionVersion = "2024-10"

// rrweb event types and incremental sources that posthog-js compresses.
const (
	typeFullSnapshot        = 2
	typeIncrementalSnapshot = 3
	sourceMutation          = 0
	sourceStyleSheetRule    = 8
)

// mutationFields are the parts of a Mutation that posthog-js compresses,
// and styleSheetFields those of a StyleSheetRule change.
var (
	mutationFields   = []string{"texts", "attributes", "removes", "adds"}
	styleSheetFields = []string{"adds", "removes"}
)

// ExpandEvent turns one rrweb event compressed by posthog-js (cv
// "2024-10") into the plain rrweb event a stock rrweb player replays:
//
//   - for a FullSnapshot (type 2), data is a compressed string holding the
//     JSON of data (an object);
//   - for an IncrementalSnapshot Mutation (type 3, data.source 0), each of
//     data.texts, data.attributes, data.removes and data.adds may be a
//     compressed string holding a JSON array;
//   - for a StyleSheetRule change (type 3, data.source 8), data.adds and
//     data.removes may be compressed the same way.
//
// The "cv" key is removed and the other keys keep their order. An event
// without cv is returned as it is (the same bytes). A string that cannot be
// decoded, or an unknown cv, is a 400; inflated bytes are counted against
// lim (413 beyond it).
func ExpandEvent(ev json.RawMessage, lim Limits) (json.RawMessage, error) {
	if !jsonscan.Valid(ev) {
		return nil, apierror.Invalid("$snapshot_data", "The rrweb event is not valid JSON.")
	}
	ev = trimSpace(ev)
	if ev[0] != '{' {
		return nil, apierror.Invalid("$snapshot_data", fmt.Sprintf("The rrweb event must be a JSON object, not %s.", jsonKind(ev)))
	}
	return expandEvent(ev, newBudget(lim), eventPlace{event: -1})
}

// eventPlace names an rrweb event in error details: $snapshot_data[item]
// of the request's event number event, or (event -1) the one event given
// to ExpandEvent. The name is only written out when an error needs it.
type eventPlace struct {
	event, item int
}

func (p eventPlace) String() string {
	if p.event < 0 {
		return "The rrweb event"
	}
	return fmt.Sprintf("Event %d, $snapshot_data[%d]", p.event, p.item)
}

// expandEvent is ExpandEvent for a valid JSON object, spending from b;
// where names the event in error details.
func expandEvent(ev json.RawMessage, b *budget, where eventPlace) (json.RawMessage, error) {
	if !mayHaveCV(ev) {
		return ev, nil // fast path: nothing can be compressed
	}
	members := objectMembers(ev)
	cvAt := -1
	for i, m := range members {
		if m.key() == "cv" {
			cvAt = i
		}
	}
	if cvAt < 0 {
		return ev, nil
	}
	if cv, ok := jsonString(members[cvAt].value); !ok || cv != CompressionVersion {
		return nil, apierror.Invalid("$snapshot_data", fmt.Sprintf(
			"%s has an unknown compression version (cv %s); only %q is understood.", where, clip(string(members[cvAt].value)), CompressionVersion))
	}

	var typ int64 = -1
	dataAt := -1
	for i, m := range members {
		switch m.key() {
		case "type":
			if n, ok := jsonInt(m.value); ok {
				typ = n
			}
		case "data":
			dataAt = i
		}
	}

	if dataAt >= 0 {
		data := members[dataAt].value
		switch {
		case typ == typeFullSnapshot && data[0] == '"':
			out, err := unpackString(data, b, where, "", '{')
			if err != nil {
				return nil, err
			}
			members[dataAt].value = out
		case typ == typeIncrementalSnapshot && data[0] == '{':
			out, err := expandIncremental(data, b, where)
			if err != nil {
				return nil, err
			}
			members[dataAt].value = out
		}
	}

	out := make([]byte, 0, len(ev))
	out = append(out, '{')
	first := true
	for i, m := range members {
		if i == cvAt || m.key() == "cv" {
			continue
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out = append(out, m.rawKey...)
		out = append(out, ':')
		out = append(out, m.value...)
	}
	out = append(out, '}')
	return out, nil
}

// mayHaveCV reports whether ev may hold a "cv" key, written plainly or
// with its letters escaped.
func mayHaveCV(ev []byte) bool {
	return bytes.Contains(ev, []byte(`cv"`)) || bytes.Contains(ev, []byte(`\u0063`)) || bytes.Contains(ev, []byte(`\u0076`))
}

// expandIncremental expands the compressed fields of an incremental
// snapshot's data object.
func expandIncremental(data json.RawMessage, b *budget, where eventPlace) (json.RawMessage, error) {
	members := objectMembers(data)
	var fields []string
	for _, m := range members {
		if m.key() == "source" {
			switch n, _ := jsonInt(m.value); n {
			case sourceMutation:
				fields = mutationFields
			case sourceStyleSheetRule:
				fields = styleSheetFields
			}
		}
	}
	if fields == nil {
		return data, nil
	}
	changed := false
	for i, m := range members {
		k := m.key()
		if m.value[0] != '"' || !contains(fields, k) {
			continue
		}
		out, err := unpackString(m.value, b, where, k, '[')
		if err != nil {
			return nil, err
		}
		members[i].value = out
		changed = true
	}
	if !changed {
		return data, nil
	}
	out := make([]byte, 0, len(data))
	out = append(out, '{')
	for i, m := range members {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, m.rawKey...)
		out = append(out, ':')
		out = append(out, m.value...)
	}
	return append(out, '}'), nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// unpackString decodes a JSON string holding gzip bytes one per character,
// inflates them and checks that the result is a JSON value starting with
// open ('{' or '['). An empty string stands for an empty array. The string
// is the event's data, or the member field of its data.
func unpackString(v json.RawMessage, b *budget, where eventPlace, field string, open byte) (json.RawMessage, error) {
	what := func() string {
		if field == "" {
			return where.String() + "'s data"
		}
		return where.String() + "'s data." + field
	}
	raw, ok := binaryString(v)
	if !ok {
		return nil, apierror.Invalid("$snapshot_data", what()+" is not compressed data: it holds characters beyond U+00FF.")
	}
	if len(raw) == 0 && open == '[' {
		return json.RawMessage("[]"), nil
	}
	if !isGzip(raw) {
		return nil, apierror.Invalid("$snapshot_data", what()+" is not gzip-compressed data.")
	}
	out, err := inflateRaw(raw, b)
	if err != nil {
		if isTooLarge(err) {
			return nil, err
		}
		return nil, apierror.Invalid("$snapshot_data", gzipError(what(), err).Detail)
	}
	out = trimSpace(out)
	if !jsonscan.Valid(out) || len(out) == 0 || out[0] != open {
		kind := "object"
		if open == '[' {
			kind = "array"
		}
		return nil, apierror.Invalid("$snapshot_data", what()+" does not decompress to a JSON "+kind+".")
	}
	if !utf8.Valid(out) {
		out = bytes.ToValidUTF8(out, []byte("\uFFFD"))
	}
	return out, nil
}

// binaryString decodes the JSON string v (quotes included) whose characters
// each stand for one byte, as posthog-js writes compressed data; false when
// a character is beyond U+00FF or v is not a well-formed string.
func binaryString(v []byte) ([]byte, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return nil, false
	}
	v = v[1 : len(v)-1]
	// Every character takes at least one byte of v and gives one byte.
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c < 0x80 && c != '\\':
			// A run of ASCII without escapes is copied as it is.
			j := i + 1
			for j < len(v) && v[j] < 0x80 && v[j] != '\\' {
				j++
			}
			out = append(out, v[i:j]...)
			i = j
		case c == 0xc2 || c == 0xc3:
			// U+0080 to U+00FF: two bytes in UTF-8.
			if i+1 >= len(v) || v[i+1]&0xc0 != 0x80 {
				return nil, false
			}
			out = append(out, (c&0x03)<<6|v[i+1]&0x3f)
			i += 2
		case c == '\\':
			if i+1 >= len(v) {
				return nil, false
			}
			switch v[i+1] {
			case '"', '\\', '/':
				out = append(out, v[i+1])
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				// \u00XX: only code points up to U+00FF stand for a byte.
				if i+6 > len(v) || v[i+2] != '0' || v[i+3] != '0' {
					return nil, false
				}
				hi, ok1 := hexDigit(v[i+4])
				lo, ok2 := hexDigit(v[i+5])
				if !ok1 || !ok2 {
					return nil, false
				}
				out = append(out, hi<<4|lo)
				i += 6
				continue
			default:
				return nil, false
			}
			i += 2
		default:
			// UTF-8 beyond U+00FF, or malformed.
			return nil, false
		}
	}
	return out, true
}

// hexDigit returns the value of the hexadecimal digit c.
func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
