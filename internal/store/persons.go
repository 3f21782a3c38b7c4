package store

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// Person is someone a project's analytics events identify, under one or
// more distinct ids.
type Person struct {
	ID          int64
	ProjectID   int64
	UUID        string
	Properties  json.RawMessage
	CreatedAt   time.Time
	DistinctIDs []string
}

// Event is a stored analytics event.
type Event struct {
	ProjectID  int64
	UUID       string
	Event      string
	DistinctID string
	SessionID  string
	Timestamp  time.Time
	CurrentURL string
	Properties json.RawMessage
}

// PersonByDistinctID returns the person a distinct id belongs to, with all
// of its distinct ids.
func (s *Store) PersonByDistinctID(ctx context.Context, projectID int64, distinctID string) (Person, error) {
	persons, err := s.PersonsByDistinctIDs(ctx, projectID, []string{distinctID})
	if err != nil {
		return Person{}, err
	}
	p, ok := persons[distinctID]
	if !ok {
		return Person{}, ErrNotFound
	}
	return p, nil
}

// PersonsByDistinctIDs returns, by distinct id, the persons the distinct
// ids belong to, each with all of its distinct ids; a distinct id without
// a person is absent from the map. Two queries serve any number of ids.
func (s *Store) PersonsByDistinctIDs(ctx context.Context, projectID int64, distinctIDs []string) (map[string]Person, error) {
	out := map[string]Person{}
	ids := slices.Compact(slices.Sorted(slices.Values(distinctIDs)))
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{projectID}
	for _, d := range ids {
		args = append(args, d)
	}
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT d.distinct_id, p.id, p.project_id, p.uuid, p.properties, p.created_at
		FROM person_distinct_ids d JOIN persons p ON p.id = d.person_id
		WHERE d.project_id = ? AND d.distinct_id IN (`+placeholders(len(ids))+`)`), args...)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*Person{}
	owner := map[string]int64{}
	for rows.Next() {
		var d, props string
		var p Person
		var created int64
		if err := rows.Scan(&d, &p.ID, &p.ProjectID, &p.UUID, &props, &created); err != nil {
			rows.Close()
			return nil, err
		}
		p.Properties, p.CreatedAt = json.RawMessage(props), fromMicros(created)
		if byID[p.ID] == nil {
			byID[p.ID] = &p
		}
		owner[d] = p.ID
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(byID) == 0 {
		return out, nil
	}
	personArgs := make([]any, 0, len(byID))
	for id := range byID {
		personArgs = append(personArgs, id)
	}
	rows, err = s.read.QueryContext(ctx, s.rebind(`SELECT person_id, distinct_id FROM person_distinct_ids
		WHERE person_id IN (`+placeholders(len(personArgs))+`) ORDER BY distinct_id`), personArgs...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var d string
		if err := rows.Scan(&id, &d); err != nil {
			return nil, err
		}
		byID[id].DistinctIDs = append(byID[id].DistinctIDs, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for d, id := range owner {
		out[d] = *byID[id]
	}
	return out, nil
}

// PersonIDByDistinctID returns the id and properties of the person a
// distinct id belongs to. The distinct id stays locked until the
// transaction ends, so that two transactions that look a person up and
// then create or update it take turns.
func (t *Tx) PersonIDByDistinctID(ctx context.Context, projectID int64, distinctID string) (int64, json.RawMessage, error) {
	if err := t.lock(ctx, "person:"+strconv.FormatInt(projectID, 10)+":"+distinctID); err != nil {
		return 0, nil, err
	}
	var id int64
	var props string
	err := t.queryRow(ctx, `SELECT p.id, p.properties FROM person_distinct_ids d JOIN persons p ON p.id = d.person_id
		WHERE d.project_id = ? AND d.distinct_id = ?`, projectID, distinctID).Scan(&id, &props)
	return id, json.RawMessage(props), notFound(err)
}

// CreatePerson inserts a person known by one distinct id and fills in its id.
func (t *Tx) CreatePerson(ctx context.Context, p *Person, distinctID string) error {
	if err := t.queryRow(ctx, `INSERT INTO persons (project_id, uuid, properties, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
		p.ProjectID, p.UUID, string(p.Properties), micros(p.CreatedAt)).Scan(&p.ID); err != nil {
		return err
	}
	_, err := t.exec(ctx, `INSERT INTO person_distinct_ids (project_id, distinct_id, person_id) VALUES (?, ?, ?)`,
		p.ProjectID, distinctID, p.ID)
	return err
}

// AddDistinctID attaches a distinct id that has no person yet to a person.
func (t *Tx) AddDistinctID(ctx context.Context, projectID int64, distinctID string, personID int64) error {
	_, err := t.exec(ctx, `INSERT INTO person_distinct_ids (project_id, distinct_id, person_id) VALUES (?, ?, ?)`,
		projectID, distinctID, personID)
	return err
}

// SetPersonProperties replaces a person's properties.
func (t *Tx) SetPersonProperties(ctx context.Context, personID int64, props json.RawMessage) error {
	_, err := t.exec(ctx, `UPDATE persons SET properties = ? WHERE id = ?`, string(props), personID)
	return err
}

// MergePersons moves every distinct id of person from to person into and
// deletes from.
func (t *Tx) MergePersons(ctx context.Context, from, into int64) error {
	if _, err := t.exec(ctx, `UPDATE person_distinct_ids SET person_id = ? WHERE person_id = ?`, into, from); err != nil {
		return err
	}
	_, err := t.exec(ctx, `DELETE FROM persons WHERE id = ?`, from)
	return err
}

// InsertEvents stores analytics events; an event whose uuid is stored
// already is skipped.
func (t *Tx) InsertEvents(ctx context.Context, events []Event) error {
	for _, e := range events {
		t.touch(e.ProjectID, e.SessionID)
	}
	_, err := t.insertRows(ctx, len(events), 8, `INSERT INTO events (project_id, uuid, event, distinct_id, session_id,
		  timestamp, current_url, properties)`, `ON CONFLICT (project_id, uuid) DO NOTHING`,
		func(i int, args []any) []any {
			e := events[i]
			var session, url any
			if e.SessionID != "" {
				session = e.SessionID
			}
			if e.CurrentURL != "" {
				url = e.CurrentURL
			}
			return append(args, e.ProjectID, e.UUID, e.Event, e.DistinctID, session, micros(e.Timestamp), url, string(e.Properties))
		})
	return err
}
