package rrweb

import (
	"encoding/json"
	"fmt"
)

// ev builds one event from a format string, for table tests.
func ev(format string, args ...any) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(format, args...))
}

// evs builds a batch of events from JSON texts.
func evs(texts ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(texts))
	for i, t := range texts {
		out[i] = json.RawMessage(t)
	}
	return out
}

// incr is an incremental snapshot event with the given data.
func incr(ts int64, data string) string {
	return fmt.Sprintf(`{"type":3,"timestamp":%d,"data":%s}`, ts, data)
}

// interaction is a mouse interaction event of the given interaction type.
func interaction(ts int64, typ int) string {
	return incr(ts, fmt.Sprintf(`{"source":2,"type":%d,"id":12,"x":10,"y":20}`, typ))
}

// consoleEvent is a console plugin event at the given level with the given
// payload.payload JSON.
func consoleEvent(ts int64, level, args string) string {
	return fmt.Sprintf(`{"type":6,"timestamp":%d,"data":{"plugin":"rrweb/console@1","payload":{"level":%q,"trace":["at x (y.js:1:2)"],"payload":%s}}}`, ts, level, args)
}
