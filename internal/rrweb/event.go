package rrweb

import (
	"encoding/json"

	"github.com/tapedeck/tapedeck/internal/jsonscan"
)

// EventType is the top-level "type" of an rrweb event.
type EventType int

// The rrweb event types.
const (
	// EventDomContentLoaded marks the page's DOMContentLoaded moment.
	EventDomContentLoaded EventType = 0
	// EventLoad marks the page's load moment.
	EventLoad EventType = 1
	// EventFullSnapshot carries a serialised copy of the whole DOM.
	EventFullSnapshot EventType = 2
	// EventIncrementalSnapshot carries one change or interaction; its
	// data.source says which kind (see Source).
	EventIncrementalSnapshot EventType = 3
	// EventMeta carries the page's URL (data.href) and viewport size.
	EventMeta EventType = 4
	// EventCustom carries an application-defined event (data.tag, data.payload).
	EventCustom EventType = 5
	// EventPlugin carries a plugin's record (data.plugin, data.payload), such
	// as a console call.
	EventPlugin EventType = 6
)

// Source is the data.source of an incremental snapshot event.
type Source int

// The incremental snapshot sources.
const (
	// SourceMutation is a DOM mutation.
	SourceMutation Source = 0
	// SourceMouseMove is a batch of mouse positions.
	SourceMouseMove Source = 1
	// SourceMouseInteraction is a click, focus, touch or similar (see Interaction).
	SourceMouseInteraction Source = 2
	// SourceScroll is a scroll of the page or an element.
	SourceScroll Source = 3
	// SourceViewportResize is a change of the viewport's size.
	SourceViewportResize Source = 4
	// SourceInput is a change of an input's value: typing, selecting, checking.
	SourceInput Source = 5
	// SourceTouchMove is a batch of touch positions.
	SourceTouchMove Source = 6
	// SourceMediaInteraction is a play, pause or seek of a media element.
	SourceMediaInteraction Source = 7
	// SourceStyleSheetRule is a change to a style sheet's rules.
	SourceStyleSheetRule Source = 8
	// SourceCanvasMutation is a drawing on a canvas.
	SourceCanvasMutation Source = 9
	// SourceFont is a font being loaded.
	SourceFont Source = 10
	// SourceLog is a console record from rrweb's older, built-in logger.
	SourceLog Source = 11
	// SourceDrag is a drag of an element.
	SourceDrag Source = 12
	// SourceStyleDeclaration is a change to a style declaration.
	SourceStyleDeclaration Source = 13
	// SourceSelection is a change of the text selection.
	SourceSelection Source = 14
	// SourceAdoptedStyleSheet is a change to a document's adopted style sheets.
	SourceAdoptedStyleSheet Source = 15
	// SourceCustomElement is the definition of a custom element.
	SourceCustomElement Source = 16
)

// Interaction is the data.type of a SourceMouseInteraction event.
type Interaction int

// The mouse interaction types.
const (
	// InteractionMouseUp is a mouse button being released.
	InteractionMouseUp Interaction = 0
	// InteractionMouseDown is a mouse button being pressed.
	InteractionMouseDown Interaction = 1
	// InteractionClick is a click.
	InteractionClick Interaction = 2
	// InteractionContextMenu is a request for the context menu (a right click).
	InteractionContextMenu Interaction = 3
	// InteractionDblClick is a double click.
	InteractionDblClick Interaction = 4
	// InteractionFocus is an element gaining focus.
	InteractionFocus Interaction = 5
	// InteractionBlur is an element losing focus.
	InteractionBlur Interaction = 6
	// InteractionTouchStart is a touch beginning.
	InteractionTouchStart Interaction = 7
	// InteractionTouchMoveDeparted is a touch leaving its element.
	InteractionTouchMoveDeparted Interaction = 8
	// InteractionTouchEnd is a touch ending (a tap, on touch screens).
	InteractionTouchEnd Interaction = 9
	// InteractionTouchCancel is a touch being cancelled.
	InteractionTouchCancel Interaction = 10
)

// IsClick reports whether an interaction counts as a click: a click, a
// context menu, a double click or the end of a touch.
func (i Interaction) IsClick() bool {
	switch i {
	case InteractionClick, InteractionContextMenu, InteractionDblClick, InteractionTouchEnd:
		return true
	}
	return false
}

// IsActive reports whether an incremental snapshot with this source is user
// activity for the purpose of active time: mouse and touch movement, mouse
// interaction, scrolling, resizing, input, media interaction and dragging.
func (s Source) IsActive() bool {
	switch s {
	case SourceMouseMove, SourceMouseInteraction, SourceScroll, SourceViewportResize,
		SourceInput, SourceTouchMove, SourceMediaInteraction, SourceDrag:
		return true
	}
	return false
}

// IsMouseActivity reports whether an incremental snapshot with this source
// counts toward mouse activity: mouse movement, mouse interaction and touch
// movement.
func (s Source) IsMouseActivity() bool {
	return s == SourceMouseMove || s == SourceMouseInteraction || s == SourceTouchMove
}

// envelope is an rrweb event as far as this package reads it: the raw
// values of the few fields any event type needs, as sub-slices of the
// event's text. Fields of the wrong JSON type never make the event
// unreadable; a field given twice has its last value.
type envelope struct {
	Type      number
	Timestamp number
	Data      eventData
}

// eventData holds the fields of an event's data that matter here, each
// meaningful for some event types only. Data that is not an object leaves
// them all empty.
type eventData struct {
	// Source is the incremental snapshot source (IncrementalSnapshot).
	Source number
	// Type is the interaction type (IncrementalSnapshot, MouseInteraction).
	Type number
	// Href is the page's URL (Meta).
	Href []byte
	// Tag names a custom event (Custom).
	Tag []byte
	// Plugin names the plugin that recorded the event (Plugin).
	Plugin []byte
	// Payload is the custom event's or plugin's payload (Custom, Plugin).
	Payload []byte
}

// decode reads an event into e, in one pass that also checks that the
// event is valid JSON. It reports false when the event is not a JSON
// object; spaced is true when the event has white space outside its
// strings (it is not in compact form).
func (e *envelope) decode(event []byte) (ok, spaced bool) {
	*e = envelope{}
	var sc jsonscan.Scanner
	i := sc.Space(event, 0)
	if i >= len(event) || event[i] != '{' || !sc.Enter() {
		return false, false
	}
	end := e.members(&sc, event, i, func(key []byte, v []byte) {
		switch string(key) {
		case "type":
			e.Type = parseNumber(v)
		case "timestamp":
			e.Timestamp = parseNumber(v)
		}
	}, func(key []byte) bool { return string(key) == "data" })
	if end < 0 || sc.Space(event, end) != len(event) {
		return false, false
	}
	return true, sc.Spaced
}

// members walks the members of the object whose '{' is at p[i] (already
// counted by sc.Enter), handing each key and value to field. The value of
// the key descend names, when it is an object, is read into e.Data instead.
// It returns the position after the object, or -1 when it is not valid.
func (e *envelope) members(sc *jsonscan.Scanner, p []byte, i int, field func(key, v []byte), descend func(key []byte) bool) int {
	defer sc.Leave()
	i = sc.Space(p, i+1)
	if i < len(p) && p[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(p) || p[i] != '"' {
			return -1
		}
		kEnd := jsonscan.String(p, i)
		if kEnd < 0 {
			return -1
		}
		key := objectKey(p[i:kEnd])
		v := sc.Colon(p, kEnd)
		if v < 0 || v >= len(p) {
			return -1
		}
		var end int
		if descend != nil && descend(key) {
			e.Data = eventData{}
			if p[v] == '{' {
				if !sc.Enter() {
					return -1
				}
				end = e.members(sc, p, v, e.Data.field, nil)
			} else {
				end = sc.Value(p, v)
			}
		} else {
			end = sc.Value(p, v)
			if end >= 0 {
				field(key, p[v:end])
			}
		}
		if end < 0 {
			return -1
		}
		i = sc.Space(p, end)
		if i >= len(p) {
			return -1
		}
		switch p[i] {
		case ',':
			i = sc.Space(p, i+1)
		case '}':
			return i + 1
		default:
			return -1
		}
	}
}

// field keeps one member of an event's data.
func (d *eventData) field(key, v []byte) {
	switch string(key) {
	case "source":
		d.Source = parseNumber(v)
	case "type":
		d.Type = parseNumber(v)
	case "href":
		d.Href = v
	case "tag":
		d.Tag = v
	case "plugin":
		d.Plugin = v
	case "payload":
		d.Payload = v
	}
}

// objectKey returns a key (a valid JSON string with its quotes) unquoted;
// only a key with escapes is copied.
func objectKey(raw []byte) []byte {
	inner := raw[1 : len(raw)-1]
	for _, c := range inner {
		if c == '\\' {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return nil
			}
			return []byte(s)
		}
	}
	return inner
}

// eventTimestamp reads an event's timestamp. ok is false when the event is
// not a JSON object or has no numeric timestamp.
func eventTimestamp(event json.RawMessage) (ts int64, ok bool) {
	var e envelope
	if read, _ := e.decode(event); !read {
		return 0, false
	}
	return e.Timestamp.millis()
}
