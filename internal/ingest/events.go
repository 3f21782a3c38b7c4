package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/tapedeck/tapedeck/internal/capture"
	"github.com/tapedeck/tapedeck/internal/store"
)

// eventRows makes the rows of analytics events, before the transaction
// that stores them.
func eventRows(projectID int64, events []capture.Event, now time.Time) ([]store.Event, error) {
	rows := make([]store.Event, 0, len(events))
	for _, e := range events {
		props := e.Properties
		row := store.Event{ProjectID: projectID, UUID: e.UUID, Event: e.Name, DistinctID: e.DistinctID,
			SessionID: stringProp(props, "$session_id"), Timestamp: eventTime(e, now),
			CurrentURL: stringProp(props, "$current_url")}
		if row.UUID == "" {
			row.UUID = uuid.Must(uuid.NewV7()).String()
		}
		raw, err := json.Marshal(props)
		if err != nil {
			return nil, err
		}
		row.Properties = raw
		rows = append(rows, row)
	}
	return rows, nil
}

// addEvents stores analytics events (rows made by eventRows) and applies
// what they say about persons: $identify and $create_alias merge distinct
// ids into one person, $set and $set_once set its properties. It returns
// how many events it stored.
func (s *Service) addEvents(ctx context.Context, tx *store.Tx, projectID int64, events []capture.Event, rows []store.Event, now time.Time) (int, error) {
	for _, e := range events {
		if err := s.applyPerson(ctx, tx, projectID, e, now); err != nil {
			return 0, err
		}
	}
	return len(rows), tx.InsertEvents(ctx, rows)
}

// applyPerson updates persons for one event.
func (s *Service) applyPerson(ctx context.Context, tx *store.Tx, projectID int64, e capture.Event, now time.Time) error {
	props := e.Properties
	var other string
	switch e.Name {
	case "$identify":
		other = stringProp(props, "$anon_distinct_id")
	case "$create_alias":
		other = stringProp(props, "alias")
	default:
		// Anonymous events of an SDK that only profiles identified users
		// say so; they make no person.
		if v, ok := props["$process_person_profile"]; ok && string(v) == "false" {
			return nil
		}
	}
	id, current, err := s.person(ctx, tx, projectID, e.DistinctID, now)
	if err != nil {
		return err
	}
	stored := current
	if other != "" && other != e.DistinctID {
		otherID, otherProps, err := tx.PersonIDByDistinctID(ctx, projectID, other)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if err := tx.AddDistinctID(ctx, projectID, other, id); err != nil {
				return err
			}
		case err != nil:
			return err
		case otherID != id:
			// The identified person's properties win over the anonymous one's.
			current = mergeProps(otherProps, current, true)
			if err := tx.MergePersons(ctx, otherID, id); err != nil {
				return err
			}
		}
	}
	set, setOnce := e.Set, e.SetOnce
	if set == nil {
		set = props["$set"]
	}
	if setOnce == nil {
		setOnce = props["$set_once"]
	}
	updated := mergeProps(current, setOnce, false)
	updated = mergeProps(updated, set, true)
	if bytes.Equal(updated, stored) {
		return nil // most events change nothing
	}
	return tx.SetPersonProperties(ctx, id, updated)
}

// person returns the person of a distinct id, creating it when needed.
func (s *Service) person(ctx context.Context, tx *store.Tx, projectID int64, distinctID string, now time.Time) (int64, json.RawMessage, error) {
	id, props, err := tx.PersonIDByDistinctID(ctx, projectID, distinctID)
	if !errors.Is(err, store.ErrNotFound) {
		return id, props, err
	}
	p := store.Person{ProjectID: projectID, UUID: uuid.Must(uuid.NewV7()).String(), Properties: json.RawMessage(`{}`), CreatedAt: now}
	if err := tx.CreatePerson(ctx, &p, distinctID); err != nil {
		return 0, nil, err
	}
	return p.ID, p.Properties, nil
}

// mergeProps adds the keys of the JSON object add to base: replacing
// existing keys when override, else only filling missing ones. A value
// that is not an object adds nothing.
func mergeProps(base, add json.RawMessage, override bool) json.RawMessage {
	var b, a map[string]json.RawMessage
	if json.Unmarshal(add, &a) != nil || len(a) == 0 {
		if base == nil {
			return json.RawMessage(`{}`)
		}
		return base
	}
	json.Unmarshal(base, &b)
	if b == nil {
		b = map[string]json.RawMessage{}
	}
	for k, v := range a {
		if _, exists := b[k]; override || !exists {
			b[k] = v
		}
	}
	out, _ := json.Marshal(b)
	return out
}

// stringProp returns a string property, or "".
func stringProp(props map[string]json.RawMessage, name string) string {
	var s string
	json.Unmarshal(props[name], &s)
	return s
}

// eventTime is when the event happened: its timestamp, else the time of
// receipt less its offset, else the time of receipt.
func eventTime(e capture.Event, now time.Time) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, e.Timestamp); err == nil {
		return t.UTC()
	}
	if e.Offset != nil {
		return now.Add(-time.Duration(*e.Offset) * time.Millisecond)
	}
	return now
}
