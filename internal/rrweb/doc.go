// Package rrweb reads batches of rrweb events, as posthog-js sends them in
// $snapshot events, and derives the recording metadata Tapedeck keeps for
// each session: first and last timestamps, click, keypress and mouse
// activity counts, console entries, visited URLs and the activity points
// from which a session's active time is computed.
//
// Nothing here keeps state. Per-batch results (a Summary) are combined by
// the caller; activity points in particular must be merged across batches
// (MergeActivity) before ActiveMillis is applied, since active time is a
// property of the whole session, not of one batch. EncodeActivity and
// DecodeActivity give the points a compact form for storage; AppendActivity
// keeps a session's points in a form that a batch arriving in order extends
// without the stored points being decoded.
//
// Every function tolerates malformed input: events that are not JSON
// objects, fields of the wrong type, and event data that is a string (as in
// events compressed by the SDK) never cause a panic.
package rrweb
