package capture

import (
	"bytes"
	"encoding/json"
)

// The helpers below split JSON that has already been checked with
// json.Valid into its parts without copying: array items and object members
// are sub-slices of the input. They trust that validity: given invalid input
// they return meaningless parts (never panicking), so callers validate first.

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// skipSpace returns the index of the first non-space byte at or after i.
func skipSpace(p []byte, i int) int {
	for i < len(p) && isSpace(p[i]) {
		i++
	}
	return i
}

// trimSpace drops JSON white space (and a UTF-8 byte order mark) around p.
func trimSpace(p []byte) []byte {
	p = bytes.TrimPrefix(p, []byte("\xef\xbb\xbf"))
	i := skipSpace(p, 0)
	j := len(p)
	for j > i && isSpace(p[j-1]) {
		j--
	}
	return p[i:j]
}

// stringEnd returns the index just after the string whose opening quote is
// at p[i]. The string was validated before, so this only looks for the
// first quote not escaped by a backslash.
func stringEnd(p []byte, i int) int {
	j := i + 1
	for j < len(p) {
		k := bytes.IndexByte(p[j:], '"')
		if k < 0 {
			break // only on invalid input
		}
		j += k
		// The quote is escaped when an odd number of backslashes precede it.
		n := 0
		for m := j - 1; m > i && p[m] == '\\'; m-- {
			n++
		}
		if n%2 == 0 {
			return j + 1
		}
		j++
	}
	return len(p)
}

// valueEnd returns the index just after the value starting at p[i].
func valueEnd(p []byte, i int) int {
	if i >= len(p) {
		return len(p)
	}
	switch p[i] {
	case '"':
		return stringEnd(p, i)
	case '{', '[':
		depth := 0
		for i < len(p) {
			switch p[i] {
			case '"':
				i = stringEnd(p, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(p)
	default: // number, true, false, null
		for i < len(p) {
			switch p[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return len(p)
	}
}

// arrayItems returns the items of the valid JSON array p.
func arrayItems(p []byte) []json.RawMessage {
	var items []json.RawMessage
	i := skipSpace(p, 1)
	if i < len(p) && p[i] == ']' {
		return items
	}
	for i < len(p) {
		i = skipSpace(p, i)
		end := valueEnd(p, i)
		if end <= i {
			break // only on invalid input
		}
		items = append(items, json.RawMessage(p[i:end:end]))
		i = skipSpace(p, end)
		if i >= len(p) || p[i] == ']' {
			break
		}
		i++ // the comma
	}
	return items
}

// member is one key and value of a JSON object, as they were written.
type member struct {
	rawKey []byte // with its quotes and any escapes
	value  json.RawMessage
}

// key returns the member's key unescaped.
func (m member) key() string {
	inner := m.rawKey[1 : len(m.rawKey)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner)
	}
	var s string
	_ = json.Unmarshal(m.rawKey, &s) // valid by construction
	return s
}

// objectMembers returns the members of the valid JSON object p in order.
func objectMembers(p []byte) []member {
	var ms []member
	i := skipSpace(p, 1)
	if i < len(p) && p[i] == '}' {
		return ms
	}
	for i < len(p) {
		i = skipSpace(p, i)
		if p[i] != '"' {
			break // only on invalid input
		}
		kEnd := stringEnd(p, i)
		key := p[i:kEnd:kEnd]
		i = skipSpace(p, kEnd) + 1 // the colon
		i = skipSpace(p, min(i, len(p)))
		end := valueEnd(p, i)
		if end <= i || len(key) < 2 {
			break // only on invalid input
		}
		ms = append(ms, member{rawKey: key, value: json.RawMessage(p[i:end:end])})
		i = skipSpace(p, end)
		if i >= len(p) || p[i] == '}' {
			break
		}
		i++ // the comma
	}
	return ms
}

// objectMap returns the members of the valid JSON object p by key; when a
// key repeats, the last one wins (as with encoding/json).
func objectMap(p []byte) map[string]json.RawMessage {
	ms := objectMembers(p)
	m := make(map[string]json.RawMessage, len(ms))
	for _, mb := range ms {
		m[mb.key()] = mb.value
	}
	return m
}

// jsonKind names the kind of a JSON value for error details.
func jsonKind(v []byte) string {
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// isNull reports whether the value is absent or JSON null.
func isNull(v []byte) bool {
	return len(v) == 0 || (len(v) == 4 && string(v) == "null")
}
