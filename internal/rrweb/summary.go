package rrweb

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"
)

// Summary is what a batch of rrweb events says about a recording.
type Summary struct {
	// FirstTimestamp and LastTimestamp are the smallest and largest event
	// timestamps, in milliseconds since the epoch; both are 0 when there are
	// no events.
	FirstTimestamp, LastTimestamp int64
	// EventCount is the number of events read (those with a numeric
	// timestamp).
	EventCount int
	// ClickCount counts mouse interactions that are clicks (see
	// Interaction.IsClick).
	ClickCount int
	// KeypressCount counts input events.
	KeypressCount int
	// MouseActivityCount counts mouse movement, mouse interaction and touch
	// movement events.
	MouseActivityCount int
	// ConsoleLogCount, ConsoleWarnCount and ConsoleErrorCount count the
	// console entries of each level.
	ConsoleLogCount, ConsoleWarnCount, ConsoleErrorCount int
	// Console holds every console entry, in the order of the events.
	Console []ConsoleEntry
	// URLs holds each distinct URL once, with the earliest timestamp it was
	// seen at, sorted by timestamp, then URL.
	URLs []URLVisit
	// Activity holds one point per event, sorted by ComparePoints.
	Activity []Point
}

// StartURL is the earliest URL of the visits ("" when there are none).
func (s Summary) StartURL() string {
	if len(s.URLs) == 0 {
		return ""
	}
	return s.URLs[0].URL
}

// Summarize reads rrweb events (each one JSON object) and returns their
// Summary. Events that are not JSON objects or lack a numeric timestamp are
// skipped and not counted. Timestamps are not checked against the clock:
// use Filter first, or FilterSummarize. It never panics, whatever the input.
func Summarize(events []json.RawMessage) Summary {
	var s summarizer
	for _, e := range events {
		s.add(e, nil)
	}
	return s.summary()
}

// FilterSummarize does Filter and Summarize in one pass: it returns the
// events Keep accepts, in their order, and the Summary of those events.
// The kept events are in compact form, one line each: an event with white
// space outside its strings is returned compacted (a new slice), any other
// as it was given.
func FilterSummarize(events []json.RawMessage, now time.Time) ([]json.RawMessage, Summary) {
	var s summarizer
	kept := make([]json.RawMessage, 0, len(events))
	for _, e := range events {
		read, spaced := s.add(e, &now)
		if !read {
			continue
		}
		if spaced {
			var buf bytes.Buffer
			buf.Grow(len(e))
			if json.Compact(&buf, e) == nil {
				e = buf.Bytes()
			}
		}
		kept = append(kept, e)
	}
	return kept, s.summary()
}

// summarizer accumulates a Summary event by event.
type summarizer struct {
	s    Summary
	urls urlSet
	env  envelope // reused from event to event
}

// add reads one event into the summary and reports whether it was read,
// and whether it has white space outside its strings. With now set,
// events Keep rejects are not read.
func (z *summarizer) add(event json.RawMessage, now *time.Time) (read, spaced bool) {
	e := &z.env
	ok, spaced := e.decode(event)
	if !ok {
		return false, false
	}
	ts, ok := e.Timestamp.millis()
	if !ok || now != nil && !Keep(ts, *now) {
		return false, false
	}
	s := &z.s
	if s.EventCount == 0 || ts < s.FirstTimestamp {
		s.FirstTimestamp = ts
	}
	if s.EventCount == 0 || ts > s.LastTimestamp {
		s.LastTimestamp = ts
	}
	s.EventCount++

	active := false
	typ, ok := e.Type.small()
	if !ok {
		typ = -1
	}
	switch EventType(typ) {
	case EventIncrementalSnapshot:
		active = z.incremental(&e.Data)
	case EventMeta:
		z.urls.add(metaURL(&e.Data), ts)
	case EventCustom:
		z.urls.add(customURL(&e.Data), ts)
	case EventPlugin:
		if c, ok := consoleEntry(ts, &e.Data); ok {
			s.Console = append(s.Console, c)
			switch c.Level {
			case LevelError:
				s.ConsoleErrorCount++
			case LevelWarn:
				s.ConsoleWarnCount++
			default:
				s.ConsoleLogCount++
			}
		}
	}
	s.Activity = append(s.Activity, Point{TS: ts, Active: active})
	return true, spaced
}

// incremental counts an incremental snapshot's data and reports whether the
// event is active. Data that is not an object (such as a compressed string)
// or has no integer source counts for nothing and is inactive.
func (z *summarizer) incremental(d *eventData) bool {
	n, ok := d.Source.small()
	if !ok {
		return false
	}
	src := Source(n)
	s := &z.s
	if src == SourceMouseInteraction {
		if t, ok := d.Type.small(); ok && Interaction(t).IsClick() {
			s.ClickCount++
		}
	}
	if src == SourceInput {
		s.KeypressCount++
	}
	if src.IsMouseActivity() {
		s.MouseActivityCount++
	}
	return src.IsActive()
}

// summary finishes the Summary.
func (z *summarizer) summary() Summary {
	s := z.s
	s.URLs = z.urls.visits()
	if !slices.IsSortedFunc(s.Activity, ComparePoints) {
		slices.SortFunc(s.Activity, ComparePoints)
	}
	return s
}
