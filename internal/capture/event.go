package capture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/google/uuid"

	"github.com/tapedeck/tapedeck/internal/apierror"
)

// Event is one captured event as sent by posthog-js.
//
// Properties and the raw fields alias the decoded request content: treat
// them as read-only.
type Event struct {
	// UUID is the event's top-level uuid in canonical lower-case form, or
	// empty when the SDK sent none.
	UUID string
	// Name is the "event" field, e.g. "$snapshot" or "$pageview".
	Name string
	// DistinctID is the top-level distinct_id, else properties.distinct_id.
	// A number is taken as its text.
	DistinctID string
	// Token is the project token: the top-level token, $token or api_key,
	// else properties.token or properties.$token, else the envelope's
	// api_key.
	Token string
	// Timestamp is the top-level timestamp as sent (may be empty).
	Timestamp string
	// Offset is the top-level offset in milliseconds before the request
	// was sent, if the SDK sent one.
	Offset *int64
	// SentAt is the event's sent_at, else the envelope's sent_at.
	SentAt string
	// Properties are the event's properties, never nil.
	Properties map[string]json.RawMessage
	// Set is the top-level $set (or properties.$set); nil when absent or null.
	Set json.RawMessage
	// SetOnce is the top-level $set_once (or properties.$set_once); nil when
	// absent or null.
	SetOnce json.RawMessage
}

// envelope carries what a {"api_key", "batch", "sent_at"} wrapper gives to
// the events inside it.
type envelope struct {
	token  string
	sentAt string
}

// fieldError is the 400 for one field of one event.
func fieldError(attr string, index int, format string, args ...any) error {
	return apierror.Invalid(attr, fmt.Sprintf("Event %d: ", index)+fmt.Sprintf(format, args...))
}

// parseEvent reads the valid JSON object raw as the index-th event.
func parseEvent(raw json.RawMessage, index int, env envelope) (Event, error) {
	top := objectMap(raw)
	ev := Event{}

	var props map[string]json.RawMessage
	switch p := top["properties"]; {
	case isNull(p):
		props = map[string]json.RawMessage{}
	case p[0] == '{':
		props = objectMap(p)
	default:
		return ev, fieldError("properties", index, "properties must be a JSON object, not %s.", jsonKind(p))
	}
	ev.Properties = props

	if v := top["uuid"]; !isNull(v) {
		s, ok := jsonString(v)
		if !ok {
			return ev, fieldError("uuid", index, "uuid must be a string, not %s.", jsonKind(v))
		}
		if s != "" {
			u, err := uuid.Parse(s)
			if err != nil {
				return ev, fieldError("uuid", index, "uuid %q is not a valid UUID.", clip(s))
			}
			ev.UUID = u.String()
		}
	}

	if v := top["event"]; !isNull(v) {
		s, ok := jsonString(v)
		if !ok {
			return ev, fieldError("event", index, "event must be a string, not %s.", jsonKind(v))
		}
		ev.Name = s
	}

	id, err := distinctID(top["distinct_id"], index)
	if err != nil {
		return ev, err
	}
	if id == "" {
		if id, err = distinctID(props["distinct_id"], index); err != nil {
			return ev, err
		}
	}
	ev.DistinctID = id

	for _, src := range []struct {
		m   map[string]json.RawMessage
		key string
	}{{top, "token"}, {top, "$token"}, {top, "api_key"}, {props, "token"}, {props, "$token"}} {
		v := src.m[src.key]
		if isNull(v) {
			continue
		}
		s, ok := jsonString(v)
		if !ok {
			return ev, fieldError("token", index, "%s must be a string, not %s.", src.key, jsonKind(v))
		}
		if s != "" {
			ev.Token = s
			break
		}
	}
	if ev.Token == "" {
		ev.Token = env.token
	}

	switch v := top["timestamp"]; {
	case isNull(v):
	case v[0] == '"':
		ev.Timestamp, _ = jsonString(v)
	case v[0] == '-' || (v[0] >= '0' && v[0] <= '9'):
		ev.Timestamp = string(v)
	default:
		return ev, fieldError("timestamp", index, "timestamp must be a string, not %s.", jsonKind(v))
	}

	if v := top["offset"]; !isNull(v) {
		n, ok := jsonInt(v)
		if !ok {
			return ev, fieldError("offset", index, "offset must be a number of milliseconds, not %s.", jsonKind(v))
		}
		ev.Offset = &n
	}

	ev.SentAt = env.sentAt
	if s, ok := jsonString(top["sent_at"]); ok && s != "" {
		ev.SentAt = s
	}

	ev.Set = firstNonNull(top["$set"], props["$set"])
	ev.SetOnce = firstNonNull(top["$set_once"], props["$set_once"])
	return ev, nil
}

// distinctID reads a distinct_id value: a string, or a number taken as text.
func distinctID(v json.RawMessage, index int) (string, error) {
	if isNull(v) {
		return "", nil
	}
	if s, ok := jsonString(v); ok {
		return s, nil
	}
	if v[0] == '-' || (v[0] >= '0' && v[0] <= '9') {
		return string(v), nil
	}
	return "", fieldError("distinct_id", index, "distinct_id must be a string, not %s.", jsonKind(v))
}

func firstNonNull(vs ...json.RawMessage) json.RawMessage {
	for _, v := range vs {
		if !isNull(v) {
			return v
		}
	}
	return nil
}

// jsonString unquotes the valid JSON value v when it is a string.
func jsonString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), true
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", false
	}
	return s, true
}

// jsonInt reads the valid JSON value v as an integer; a fractional number is
// truncated toward zero.
func jsonInt(v []byte) (int64, bool) {
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return 0, false
	}
	if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || math.IsNaN(f) || f >= math.MaxInt64 || f <= math.MinInt64 {
		return 0, false
	}
	return int64(f), true
}

// clip shortens a client-supplied value quoted back in an error detail.
func clip(s string) string {
	const n = 80
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
