package rrweb

import (
	"encoding/json"
	"time"
)

// MaxClockSkew is how far, in either direction, an event's timestamp may be
// from the server's clock for the event to be kept.
const MaxClockSkew = 7 * 24 * time.Hour

// Keep reports whether an event's timestamp (milliseconds since the epoch)
// is acceptable: greater than 0 and no more than MaxClockSkew before or
// after now.
func Keep(timestampMillis int64, now time.Time) bool {
	if timestampMillis <= 0 {
		return false
	}
	n := now.UnixMilli()
	// The distance is taken in uint64 so that it is exact for any clock.
	var d uint64
	if timestampMillis >= n {
		d = uint64(timestampMillis) - uint64(n)
	} else {
		d = uint64(n) - uint64(timestampMillis)
	}
	return d <= uint64(MaxClockSkew.Milliseconds())
}

// Filter returns the events Keep accepts, in the order given, for the caller
// to store. Events that are not JSON objects or lack a numeric timestamp are
// dropped too. The input is not modified.
func Filter(events []json.RawMessage, now time.Time) []json.RawMessage {
	kept := make([]json.RawMessage, 0, len(events))
	for _, e := range events {
		if ts, ok := eventTimestamp(e); ok && Keep(ts, now) {
			kept = append(kept, e)
		}
	}
	return kept
}
