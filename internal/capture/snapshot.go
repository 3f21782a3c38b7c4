package capture

import (
	"encoding/json"
	"unicode/utf8"
)

// Field rules shared with PostHog's capture service.
const (
	// MaxSessionIDLength is the longest $session_id (and $window_id) accepted.
	MaxSessionIDLength = 70
	// MaxDistinctIDLength is the longest distinct_id accepted, in characters.
	MaxDistinctIDLength = 200
	// SnapshotEvent is the name of the events that carry recordings.
	SnapshotEvent = "$snapshot"
	// DefaultSnapshotSource is the snapshot source assumed when an event
	// does not say ($snapshot_source).
	DefaultSnapshotSource = "web"
)

// Recording is the snapshot data of one (session, window) within one request.
type Recording struct {
	// Token is the project token the events were sent with.
	Token string
	// SessionID is the $session_id.
	SessionID string
	// WindowID is the $window_id, or the session id when none was sent.
	WindowID string
	// DistinctID is the distinct_id of the group's first event.
	DistinctID string
	// SnapshotSource is the first event's $snapshot_source, default "web".
	SnapshotSource string
	// Lib is the first event's $lib ("web" for posthog-js), or "" when the
	// event did not say.
	Lib string
	// UUIDs are the uuids of the $snapshot events that contributed, in
	// order (events without a uuid add none).
	UUIDs []string
	// Events are the plain rrweb events (compressed ones expanded) in the
	// order received.
	Events []json.RawMessage
}

type recordingKey struct {
	token, session, window string
}

// Snapshots validates the events of a batch and groups the $snapshot events
// per (token, session, window), in order of first appearance. Other events
// are returned unchanged in others, in order.
//
// Any failure refuses the whole batch with a 400 *apierror.Error whose attr
// names the field and whose detail names the event's index:
//
//   - every event needs a token (attr "token"); whether it is known is the
//     caller's business;
//   - every event needs a distinct_id of at most 200 characters;
//   - events other than $snapshot need an event name;
//   - $snapshot events need a $session_id of at most 70 characters of
//     [A-Za-z0-9-], may carry a $window_id under the same rule (it defaults
//     to the session id), and need $snapshot_data: an array of rrweb events
//     (JSON objects), or one such object as older SDKs sent. An empty array
//     is accepted and contributes nothing.
//
// Indexes in details count from 0. A group's DistinctID, SnapshotSource and
// Lib are those of its first event. events must come from Decode (their
// raw JSON is trusted to be valid).
//
// rrweb events carrying "cv": "2024-10" are expanded (see ExpandEvent); the
// bytes inflated for the whole batch count against lim, and a batch beyond
// it is refused with a 413.
func Snapshots(events []Event, lim Limits) (recs []Recording, others []Event, err error) {
	b := newBudget(lim)
	index := map[recordingKey]int{}
	for i, ev := range events {
		if ev.Token == "" {
			return nil, nil, fieldError("token", i, "a project token is required (token, $token or api_key).")
		}
		if ev.DistinctID == "" {
			return nil, nil, fieldError("distinct_id", i, "distinct_id is required.")
		}
		if utf8.RuneCountInString(ev.DistinctID) > MaxDistinctIDLength {
			return nil, nil, fieldError("distinct_id", i, "distinct_id must be at most %d characters.", MaxDistinctIDLength)
		}
		if ev.Name != SnapshotEvent {
			if ev.Name == "" {
				return nil, nil, fieldError("event", i, "the event name is required.")
			}
			others = append(others, ev)
			continue
		}

		session, err := sessionField(ev.Properties, "$session_id", i, true)
		if err != nil {
			return nil, nil, err
		}
		window, err := sessionField(ev.Properties, "$window_id", i, false)
		if err != nil {
			return nil, nil, err
		}
		if window == "" {
			window = session
		}
		rrEvents, err := snapshotData(ev.Properties["$snapshot_data"], i, b)
		if err != nil {
			return nil, nil, err
		}
		if len(rrEvents) == 0 {
			continue // an empty $snapshot_data adds nothing
		}

		key := recordingKey{ev.Token, session, window}
		at, ok := index[key]
		if !ok {
			source, _ := jsonString(ev.Properties["$snapshot_source"])
			if source == "" {
				source = DefaultSnapshotSource
			}
			lib, _ := jsonString(ev.Properties["$lib"])
			at = len(recs)
			index[key] = at
			recs = append(recs, Recording{Token: ev.Token, SessionID: session, WindowID: window,
				DistinctID: ev.DistinctID, SnapshotSource: source, Lib: lib})
		}
		rec := &recs[at]
		if ev.UUID != "" {
			rec.UUIDs = append(rec.UUIDs, ev.UUID)
		}
		rec.Events = append(rec.Events, rrEvents...)
	}
	return recs, others, nil
}

// sessionField reads $session_id or $window_id from props; "" when absent
// and not required.
func sessionField(props map[string]json.RawMessage, name string, index int, required bool) (string, error) {
	v := props[name]
	if isNull(v) {
		if required {
			return "", fieldError(name, index, "%s is required.", name)
		}
		return "", nil
	}
	s, ok := jsonString(v)
	if !ok {
		return "", fieldError(name, index, "%s must be a string, not %s.", name, jsonKind(v))
	}
	if s == "" {
		if required {
			return "", fieldError(name, index, "%s is required.", name)
		}
		return "", nil
	}
	if !validSessionID(s) {
		return "", fieldError(name, index, "%s must be 1 to %d characters of A-Z, a-z, 0-9 and '-'.", name, MaxSessionIDLength)
	}
	return s, nil
}

// validSessionID reports whether s is 1 to 70 characters of [A-Za-z0-9-].
func validSessionID(s string) bool {
	if len(s) == 0 || len(s) > MaxSessionIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// snapshotData reads and expands the rrweb events of $snapshot_data.
func snapshotData(v json.RawMessage, index int, b *budget) ([]json.RawMessage, error) {
	const attr = "$snapshot_data"
	var items []json.RawMessage
	switch {
	case isNull(v):
		return nil, fieldError(attr, index, "$snapshot_data is required.")
	case v[0] == '[':
		items = arrayItems(v)
	case v[0] == '{':
		items = []json.RawMessage{v}
	default:
		return nil, fieldError(attr, index, "$snapshot_data must be an array of rrweb events, not %s.", jsonKind(v))
	}
	for j, it := range items {
		if it[0] != '{' {
			return nil, fieldError(attr, index, "$snapshot_data[%d] must be a JSON object (an rrweb event), not %s.", j, jsonKind(it))
		}
		out, err := expandEvent(it, b, eventPlace{event: index, item: j})
		if err != nil {
			return nil, err
		}
		items[j] = out
	}
	return items, nil
}
