package rrweb

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// number is a JSON value read as a number. It never fails to decode: a
// value that is not a number, or does not fit in an int64, leaves it
// invalid. Decoding it copies nothing.
type number struct {
	// floor is the value rounded down to an integer.
	floor int64
	// valid is true when the value is a number whose floor fits in an int64.
	valid bool
	// integral is true when the value is a whole number (2 or 2.0, not 2.5).
	integral bool
}

// UnmarshalJSON reads b, whatever it holds; it never returns an error.
func (n *number) UnmarshalJSON(b []byte) error {
	*n = parseNumber(b)
	return nil
}

// millis reads the number as a timestamp in milliseconds: integers exactly,
// other numbers (1.7e12, 1700000000000.0, a fractional value) rounded down.
func (n number) millis() (int64, bool) {
	return n.floor, n.valid
}

// small reads the number as one of rrweb's enumerations (an event type,
// source or interaction type): ok is false unless it is a whole number from
// 0 to maxSmall.
func (n number) small() (int, bool) {
	if !n.valid || !n.integral || n.floor < 0 || n.floor > maxSmall {
		return 0, false
	}
	return int(n.floor), true
}

// maxSmall bounds the values number.small accepts, well above any rrweb
// enumeration.
const maxSmall = 1 << 16

// parseNumber reads a JSON number.
func parseNumber(b []byte) number {
	if len(b) == 0 || !(b[0] == '-' || b[0] >= '0' && b[0] <= '9') {
		return number{}
	}
	// Fast path: up to 18 digits, optionally negative, cannot overflow.
	digits, neg := b, false
	if digits[0] == '-' {
		digits, neg = digits[1:], true
	}
	if len(digits) > 0 && len(digits) <= 18 {
		var v int64
		plain := true
		for _, c := range digits {
			if c < '0' || c > '9' {
				plain = false
				break
			}
			v = v*10 + int64(c-'0')
		}
		if plain {
			if neg {
				v = -v
			}
			return number{floor: v, valid: true, integral: true}
		}
	}
	if v, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		return number{floor: v, valid: true, integral: true}
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return number{}
	}
	fl := math.Floor(f)
	// The int64 range is [-2^63, 2^63); both bounds are exact as float64.
	if !(fl >= math.MinInt64 && fl < math.MaxInt64) {
		return number{}
	}
	return number{floor: int64(fl), valid: true, integral: fl == f}
}

// stringValue reads a JSON string. It checks what it reads, so it may be
// given text that was never validated as JSON.
func stringValue(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	if plainString(inner) {
		return string(inner), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// plainString reports whether the body of a JSON string needs no decoding:
// valid UTF-8 with no escapes, quotes or control characters.
func plainString(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.Valid(b)
}
