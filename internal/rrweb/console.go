package rrweb

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// ConsolePlugin is the data.plugin of the plugin events that record console
// calls.
const ConsolePlugin = "rrweb/console@1"

// MaxConsoleMessageRunes is the most characters (runes) of a console
// message that are kept.
const MaxConsoleMessageRunes = 2000

// The console levels a ConsoleEntry can have.
const (
	// LevelLog is any console call that is neither a warning nor an error
	// (log, info, debug, trace, table, ...).
	LevelLog = "log"
	// LevelWarn is console.warn and console.countReset.
	LevelWarn = "warn"
	// LevelError is console.error and console.assert.
	LevelError = "error"
)

// ConsoleEntry is one console call seen in a recording.
type ConsoleEntry struct {
	// Timestamp is the event's rrweb timestamp, in milliseconds since the epoch.
	Timestamp int64
	// Level is LevelLog, LevelWarn or LevelError.
	Level string
	// Message is the call's arguments, each decoded where it is a JSON
	// string, joined with spaces and cut to MaxConsoleMessageRunes runes.
	Message string
}

// consolePayload is the payload of a console plugin event.
type consolePayload struct {
	Level   json.RawMessage `json:"level"`
	Payload json.RawMessage `json:"payload"`
}

// consoleEntry reads a plugin event's data. ok is false when it is not a
// console record.
func consoleEntry(ts int64, d *eventData) (ConsoleEntry, bool) {
	if plugin, _ := stringValue(d.Plugin); plugin != ConsolePlugin {
		return ConsoleEntry{}, false
	}
	var p consolePayload
	// A payload that is not an object leaves p empty: a "log" with no message.
	_ = json.Unmarshal(d.Payload, &p)
	level, _ := stringValue(p.Level)
	return ConsoleEntry{Timestamp: ts, Level: ConsoleLevel(level), Message: consoleMessage(p.Payload)}, true
}

// ConsoleLevel maps an rrweb console level (the console method's name) to
// the level it is counted as: error and assert are errors, warn and
// countReset are warnings, anything else is a log.
func ConsoleLevel(level string) string {
	switch level {
	case "error", "assert":
		return LevelError
	case "warn", "countReset":
		return LevelWarn
	}
	return LevelLog
}

// consoleMessage builds a message from a console record's arguments: an
// array whose elements are usually strings holding a JSON-encoded argument
// ("\"hello\""). An element that holds a JSON string literal is replaced by
// that string's text; any other string is kept as it is, and an element that
// is not a string is kept as its JSON text. A lone string is treated as a
// one-element array; anything else gives an empty message.
func consoleMessage(raw json.RawMessage) string {
	var args []json.RawMessage
	switch {
	case len(raw) > 0 && raw[0] == '[':
		if json.Unmarshal(raw, &args) != nil {
			return ""
		}
	case len(raw) > 0 && raw[0] == '"':
		args = []json.RawMessage{raw}
	default:
		return ""
	}
	var b strings.Builder
	budget := MaxConsoleMessageRunes
	for i, arg := range args {
		if budget <= 0 {
			break
		}
		text, ok := stringValue(arg)
		if !ok {
			text = string(arg)
		} else if inner, ok := stringValue([]byte(text)); ok {
			text = inner
		}
		if i > 0 {
			b.WriteByte(' ')
			budget--
			if budget == 0 {
				break
			}
		}
		budget -= writeRunes(&b, text, budget)
	}
	return b.String()
}

// writeRunes writes at most n runes of s to b and returns how many it wrote.
func writeRunes(b *strings.Builder, s string, n int) int {
	if len(s) <= n {
		// Fewer bytes than the limit: certainly fewer runes.
		b.WriteString(s)
		return utf8.RuneCountInString(s)
	}
	written := 0
	for i := range s {
		if written == n {
			b.WriteString(s[:i])
			return written
		}
		written++
	}
	b.WriteString(s)
	return written
}
