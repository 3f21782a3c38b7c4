package rrweb

import (
	"encoding/json"
	"errors"
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

// envelope is an rrweb event as far as this package reads it. Data is
// decoded in the same pass as the rest, into the few fields any event type
// needs: the remainder, such as a FullSnapshot's node tree or a Mutation's
// changes, is skipped without being copied. Fields of the wrong JSON type
// never make the event unreadable.
type envelope struct {
	Type      number    `json:"type"`
	Timestamp number    `json:"timestamp"`
	Data      eventData `json:"data"`
}

// eventData holds the fields of an event's data that matter here, each
// meaningful for some event types only.
type eventData struct {
	// Source is the incremental snapshot source (IncrementalSnapshot).
	Source number `json:"source"`
	// Type is the interaction type (IncrementalSnapshot, MouseInteraction).
	Type number `json:"type"`
	// Href is the page's URL (Meta).
	Href json.RawMessage `json:"href"`
	// Tag names a custom event (Custom).
	Tag json.RawMessage `json:"tag"`
	// Plugin names the plugin that recorded the event (Plugin).
	Plugin json.RawMessage `json:"plugin"`
	// Payload is the custom event's or plugin's payload (Custom, Plugin).
	Payload json.RawMessage `json:"payload"`
}

// reset empties e for the next event, keeping the raw fields' buffers for
// reuse.
func (e *envelope) reset() {
	e.Type, e.Timestamp = number{}, number{}
	e.Data.reset()
}

// reset empties d, keeping the raw fields' buffers for reuse.
func (d *eventData) reset() {
	d.Source, d.Type = number{}, number{}
	d.Href, d.Tag, d.Plugin, d.Payload = d.Href[:0], d.Tag[:0], d.Plugin[:0], d.Payload[:0]
}

// decode reads an event into e, which must have been reset. It reports
// false when the event is not a JSON object. Data that is not an object (a
// compressed string, say) leaves e.Data empty but the event readable.
func (e *envelope) decode(event []byte) bool {
	err := json.Unmarshal(event, e)
	if err == nil {
		return true
	}
	// Every field but data accepts any JSON value, so a type error can only
	// mean that the event is not an object, or that its data is not; in the
	// second case json.Unmarshal has still filled in the other fields.
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && startsObject(event) {
		e.Data.reset()
		return true
	}
	return false
}

// startsObject reports whether the first non-blank byte of b opens a JSON
// object.
func startsObject(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c == '{'
	}
	return false
}

// timestampOnly is an event read for its timestamp alone.
type timestampOnly struct {
	Timestamp number `json:"timestamp"`
}

// eventTimestamp reads an event's timestamp. ok is false when the event is
// not a JSON object or has no numeric timestamp.
func eventTimestamp(event json.RawMessage) (ts int64, ok bool) {
	var e timestampOnly
	if json.Unmarshal(event, &e) != nil {
		return 0, false
	}
	return e.Timestamp.millis()
}
