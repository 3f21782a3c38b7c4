package rrweb

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestConsoleLevels(t *testing.T) {
	tests := []struct {
		level                        string
		wantLevel                    string
		wantLog, wantWarn, wantError int
	}{
		{"log", LevelLog, 1, 0, 0},
		{"info", LevelLog, 1, 0, 0},
		{"debug", LevelLog, 1, 0, 0},
		{"trace", LevelLog, 1, 0, 0},
		{"table", LevelLog, 1, 0, 0},
		{"warn", LevelWarn, 0, 1, 0},
		{"countReset", LevelWarn, 0, 1, 0},
		{"error", LevelError, 0, 0, 1},
		{"assert", LevelError, 0, 0, 1},
		{"Error", LevelLog, 1, 0, 0}, // levels are method names: case matters
		{"something-unknown", LevelLog, 1, 0, 0},
		{"", LevelLog, 1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			s := Summarize(evs(consoleEvent(5, tt.level, `["\"x\""]`)))
			if len(s.Console) != 1 || s.Console[0].Level != tt.wantLevel {
				t.Fatalf("Console = %+v, want one entry at level %q", s.Console, tt.wantLevel)
			}
			if s.ConsoleLogCount != tt.wantLog || s.ConsoleWarnCount != tt.wantWarn || s.ConsoleErrorCount != tt.wantError {
				t.Errorf("counts log/warn/error = %d/%d/%d, want %d/%d/%d", s.ConsoleLogCount, s.ConsoleWarnCount, s.ConsoleErrorCount, tt.wantLog, tt.wantWarn, tt.wantError)
			}
		})
	}
}

func TestConsoleRecognition(t *testing.T) {
	tests := []struct {
		name  string
		event string
		want  []ConsoleEntry
	}{
		{"level not a string is a log", `{"type":6,"timestamp":3,"data":{"plugin":"rrweb/console@1","payload":{"level":7,"payload":["\"a\""]}}}`, []ConsoleEntry{{3, LevelLog, "a"}}},
		{"no payload at all is an empty log", `{"type":6,"timestamp":3,"data":{"plugin":"rrweb/console@1"}}`, []ConsoleEntry{{3, LevelLog, ""}}},
		{"payload not an object is an empty log", `{"type":6,"timestamp":3,"data":{"plugin":"rrweb/console@1","payload":"oops"}}`, []ConsoleEntry{{3, LevelLog, ""}}},
		{"another plugin is ignored", `{"type":6,"timestamp":3,"data":{"plugin":"rrweb/network@1","payload":{"level":"error","payload":["\"a\""]}}}`, nil},
		{"no plugin is ignored", `{"type":6,"timestamp":3,"data":{"payload":{"level":"error","payload":["\"a\""]}}}`, nil},
		{"console plugin data on a Custom event is ignored", `{"type":5,"timestamp":3,"data":{"plugin":"rrweb/console@1","payload":{"level":"error","payload":["\"a\""]}}}`, nil},
		{"string data is ignored", `{"type":6,"timestamp":3,"data":"rrweb/console@1"}`, nil},
		{"rrweb's old Log source is not the console plugin", incr(3, `{"source":11,"level":"error","payload":["\"a\""]}`), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Summarize(evs(tt.event))
			if !slices.Equal(s.Console, tt.want) {
				t.Errorf("Console = %+v, want %+v", s.Console, tt.want)
			}
			if n := s.ConsoleLogCount + s.ConsoleWarnCount + s.ConsoleErrorCount; n != len(tt.want) {
				t.Errorf("console counts add up to %d, want %d", n, len(tt.want))
			}
		})
	}
}

func TestConsoleMessage(t *testing.T) {
	long := strings.Repeat("é", 2500)
	tests := []struct {
		name string
		args string // JSON of data.payload.payload
		want string
	}{
		{"one JSON-encoded string", `["\"hello\""]`, "hello"},
		{"several arguments joined by spaces", `["\"cart has\"", "3", "\"items\""]`, "cart has 3 items"},
		{"escapes in the inner string are decoded", `["\"line1\\nline2 \\\"q\\\" \\u00e9\""]`, "line1\nline2 \"q\" é"},
		{"a number argument is kept as it is", `["42"]`, "42"},
		{"an object argument is kept as it is", `["{\"k\":1,\"v\":[true]}"]`, `{"k":1,"v":[true]}`},
		{"text that is not a JSON literal is kept", `["plain text"]`, "plain text"},
		{"a broken literal is kept", `["\"unterminated"]`, `"unterminated`},
		{"two literals in one element are kept", `["\"a\" \"b\""]`, `"a" "b"`},
		{"an empty string literal", `["\"\"", "\"x\""]`, " x"},
		{"a non-string element is kept as JSON", `[42, {"a":1}, null, "\"s\""]`, `42 {"a":1} null s`},
		{"a lone string payload", `"\"solo\""`, "solo"},
		{"an empty array", `[]`, ""},
		{"null", `null`, ""},
		{"an object", `{"a":"b"}`, ""},
		{"capped at 2000 runes", `["\"` + long + `\""]`, strings.Repeat("é", 2000)},
		{"cap counts the separators", `["\"` + strings.Repeat("a", 1999) + `\"", "\"bcd\""]`, strings.Repeat("a", 1999) + " "},
		{"cap lands inside the second argument", `["\"` + strings.Repeat("a", 1990) + `\"", "\"` + strings.Repeat("b", 50) + `\""]`, strings.Repeat("a", 1990) + " " + strings.Repeat("b", 9)},
		{"exactly 2000 runes is kept whole", `["\"` + strings.Repeat("z", 2000) + `\""]`, strings.Repeat("z", 2000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Summarize(evs(consoleEvent(9, "log", tt.args)))
			if len(s.Console) != 1 {
				t.Fatalf("Console = %+v, want one entry", s.Console)
			}
			if got := s.Console[0].Message; got != tt.want {
				t.Errorf("Message = %q, want %q", got, tt.want)
			}
			if n := utf8.RuneCountInString(s.Console[0].Message); n > MaxConsoleMessageRunes {
				t.Errorf("message has %d runes", n)
			}
		})
	}
}

func TestConsoleOrderAndTimestamps(t *testing.T) {
	// Entries keep the order of the events, even when timestamps go backwards.
	events := evs(
		consoleEvent(30, "log", `["\"first\""]`),
		interaction(31, 2),
		consoleEvent(20, "error", `["\"second\""]`),
		consoleEvent(40, "warn", `["\"third\""]`),
		consoleEvent(41, "assert", `["\"fourth\""]`),
	)
	want := []ConsoleEntry{{30, LevelLog, "first"}, {20, LevelError, "second"}, {40, LevelWarn, "third"}, {41, LevelError, "fourth"}}
	s := Summarize(events)
	if !slices.Equal(s.Console, want) {
		t.Errorf("Console = %+v, want %+v", s.Console, want)
	}
	if s.ConsoleLogCount != 1 || s.ConsoleWarnCount != 1 || s.ConsoleErrorCount != 2 {
		t.Errorf("counts log/warn/error = %d/%d/%d, want 1/1/2", s.ConsoleLogCount, s.ConsoleWarnCount, s.ConsoleErrorCount)
	}
}

func TestConsoleLevelFunction(t *testing.T) {
	for level, want := range map[string]string{"error": "error", "assert": "error", "warn": "warn", "countReset": "warn", "log": "log", "info": "log", "debug": "log", "count": "log", "x": "log"} {
		if got := ConsoleLevel(level); got != want {
			t.Errorf("ConsoleLevel(%q) = %q, want %q", level, got, want)
		}
	}
}
