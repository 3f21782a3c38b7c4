// Package jsonscan checks and walks JSON text in place, without decoding
// it: the validity test the capture path runs on every request body and
// every inflated rrweb event, and the primitives rrweb uses to read an
// event's few interesting fields in the same pass.
//
// Validity is exactly encoding/json's (json.Valid): RFC 8259 syntax, no
// control characters in strings, nesting at most 10000 deep; bytes that are
// not UTF-8 are accepted inside strings, as json.Valid accepts them.
package jsonscan

import (
	"encoding/binary"
	"math/bits"
)

// MaxDepth is the deepest nesting of arrays and objects accepted, as in
// encoding/json.
const MaxDepth = 10000

// Valid reports whether p is one JSON value, optionally surrounded by
// white space.
func Valid(p []byte) bool {
	var s Scanner
	i := s.Space(p, 0)
	end := s.Value(p, i)
	return end >= 0 && s.Space(p, end) == len(p)
}

// Scanner walks JSON text. Its methods take the text and a position and
// return the position just after what they read, or -1 when the text is
// not valid there. The zero Scanner is ready to use.
type Scanner struct {
	// Spaced is set once white space has been seen outside strings, that
	// is, when the text read so far is not in compact form.
	Spaced bool
	depth  int
}

// isSpace reports whether c is JSON white space.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// Space skips white space from p[i].
func (s *Scanner) Space(p []byte, i int) int {
	start := i
	for i < len(p) && isSpace(p[i]) {
		i++
	}
	if i != start {
		s.Spaced = true
	}
	return i
}

// Value reads one value starting at p[i] (no white space before it).
func (s *Scanner) Value(p []byte, i int) int {
	if i < 0 || i >= len(p) {
		return -1
	}
	switch c := p[i]; {
	case c == '"':
		return String(p, i)
	case c == '{':
		return s.object(p, i)
	case c == '[':
		return s.array(p, i)
	case c == '-' || c >= '0' && c <= '9':
		return Number(p, i)
	case c == 't':
		return literal(p, i, "true")
	case c == 'f':
		return literal(p, i, "false")
	case c == 'n':
		return literal(p, i, "null")
	}
	return -1
}

func literal(p []byte, i int, word string) int {
	if len(p)-i < len(word) || string(p[i:i+len(word)]) != word {
		return -1
	}
	return i + len(word)
}

// Enter counts one more level of nesting; false when it is one too many.
func (s *Scanner) Enter() bool {
	s.depth++
	return s.depth <= MaxDepth
}

// Leave counts one level of nesting less.
func (s *Scanner) Leave() { s.depth-- }

// object reads an object whose '{' is at p[i].
func (s *Scanner) object(p []byte, i int) int {
	if !s.Enter() {
		return -1
	}
	defer s.Leave()
	i = s.Space(p, i+1)
	if i < len(p) && p[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(p) || p[i] != '"' {
			return -1
		}
		if i = String(p, i); i < 0 {
			return -1
		}
		if i = s.Colon(p, i); i < 0 {
			return -1
		}
		if i = s.Value(p, i); i < 0 {
			return -1
		}
		i = s.Space(p, i)
		if i >= len(p) {
			return -1
		}
		switch p[i] {
		case ',':
			i = s.Space(p, i+1)
		case '}':
			return i + 1
		default:
			return -1
		}
	}
}

// Colon reads the white space, colon and white space between a key ending
// at p[i] and its value; it returns where the value starts.
func (s *Scanner) Colon(p []byte, i int) int {
	i = s.Space(p, i)
	if i >= len(p) || p[i] != ':' {
		return -1
	}
	return s.Space(p, i+1)
}

// array reads an array whose '[' is at p[i].
func (s *Scanner) array(p []byte, i int) int {
	if !s.Enter() {
		return -1
	}
	defer s.Leave()
	i = s.Space(p, i+1)
	if i < len(p) && p[i] == ']' {
		return i + 1
	}
	for {
		if i = s.Value(p, i); i < 0 {
			return -1
		}
		i = s.Space(p, i)
		if i >= len(p) {
			return -1
		}
		switch p[i] {
		case ',':
			i = s.Space(p, i+1)
		case ']':
			return i + 1
		default:
			return -1
		}
	}
}

// plain marks the bytes a string holds without further ado: not a quote, a
// backslash or a control character.
var plain = func() (t [256]bool) {
	for c := range t {
		t[c] = c >= 0x20 && c != '"' && c != '\\'
	}
	return t
}()

// Masks of the bytes of a word, for special.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special marks the bytes of the eight-byte word x (read little-endian)
// that are not plain, by setting their high bit. A byte may be marked
// wrongly only after a byte that is rightly so, which is never the lowest
// marked one.
func special(x uint64) uint64 {
	control := (x - 0x20*ones) &^ x
	quote := x ^ '"'*ones
	quote = (quote - ones) &^ quote
	backslash := x ^ '\\'*ones
	backslash = (backslash - ones) &^ backslash
	return (control | quote | backslash) & highs
}

// String reads a string whose opening quote is at p[i].
func String(p []byte, i int) int {
	i++
	for {
		// The common case: runs of plain bytes, eight at a time.
		for i+8 <= len(p) {
			if m := special(binary.LittleEndian.Uint64(p[i:])); m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
			i += 8
		}
		for i < len(p) && plain[p[i]] {
			i++
		}
		if i >= len(p) {
			return -1
		}
		switch p[i] {
		case '"':
			return i + 1
		case '\\':
			if i+1 >= len(p) {
				return -1
			}
			switch p[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(p) || !isHex(p[i+2]) || !isHex(p[i+3]) || !isHex(p[i+4]) || !isHex(p[i+5]) {
					return -1
				}
				i += 6
			default:
				return -1
			}
		default: // a control character
			return -1
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Number reads a number starting at p[i].
func Number(p []byte, i int) int {
	if i < len(p) && p[i] == '-' {
		i++
	}
	switch {
	case i >= len(p):
		return -1
	case p[i] == '0':
		i++
	case p[i] >= '1' && p[i] <= '9':
		for i++; i < len(p) && isDigit(p[i]); i++ {
		}
	default:
		return -1
	}
	if i < len(p) && p[i] == '.' {
		i++
		if i >= len(p) || !isDigit(p[i]) {
			return -1
		}
		for i++; i < len(p) && isDigit(p[i]); i++ {
		}
	}
	if i < len(p) && (p[i] == 'e' || p[i] == 'E') {
		i++
		if i < len(p) && (p[i] == '+' || p[i] == '-') {
			i++
		}
		if i >= len(p) || !isDigit(p[i]) {
			return -1
		}
		for i++; i < len(p) && isDigit(p[i]); i++ {
		}
	}
	return i
}
