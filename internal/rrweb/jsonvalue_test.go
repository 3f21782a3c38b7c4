package rrweb

import "testing"

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want number
	}{
		{"0", number{0, true, true}},
		{"-0", number{0, true, true}},
		{"1795664608049", number{1795664608049, true, true}},
		{"-42", number{-42, true, true}},
		{"999999999999999999", number{999999999999999999, true, true}},   // 18 digits: fast path
		{"9223372036854775807", number{9223372036854775807, true, true}}, // 19 digits: strconv
		{"-9223372036854775808", number{-9223372036854775808, true, true}},
		{"9223372036854775808", number{}}, // one past the largest int64
		{"1.7e12", number{1700000000000, true, true}},
		{"1795664608049.0", number{1795664608049, true, true}},
		{"1795664608049.5", number{1795664608049, true, false}},
		{"-1.5", number{-2, true, false}},
		{"2E0", number{2, true, true}},
		{"1e400", number{}},
		{"-1e400", number{}},
		{"null", number{}},
		{`"5"`, number{}},
		{"true", number{}},
		{"[5]", number{}},
		{`{"a":5}`, number{}},
		{"", number{}},
		{"-", number{}},
	}
	for _, tt := range tests {
		if got := parseNumber([]byte(tt.in)); got != tt.want {
			t.Errorf("parseNumber(%s) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestStringValue(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{`"plain"`, "plain", true},
		{`""`, "", true},
		{`"a\"b"`, `a"b`, true},
		{`"\u00e9\n"`, "é\n", true},
		{`"é"`, "é", true},
		{"\"\xff\"", "\ufffd", true}, // invalid UTF-8 is replaced, as encoding/json does
		{"\"a\tb\"", "", false},      // a raw control character is not JSON
		{`"a"b"`, "", false},
		{`"unterminated`, "", false},
		{`"`, "", false},
		{`5`, "", false},
		{`null`, "", false},
		{``, "", false},
	}
	for _, tt := range tests {
		got, ok := stringValue([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("stringValue(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
