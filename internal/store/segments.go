package store

import (
	"encoding/binary"
	"errors"
)

// Segment is one snapshot source inside a compacted block: the JSONL of
// one of the blocks it was compacted from, which keeps that block's key
// in the recording's sources list.
type Segment struct {
	FirstTS, LastTS int64
	// RawBytes is the length of the segment's JSONL; the segments of a
	// block follow each other in its JSONL.
	RawBytes int64
}

// errSegments marks a segments column that does not decode.
var errSegments = errors.New("store: malformed block segments")

// Sources returns the snapshot sources a block holds: its segments, or
// the block itself as one source when it has none.
func (b Block) Sources() []Segment {
	if len(b.Segments) > 0 {
		return b.Segments
	}
	return []Segment{{FirstTS: b.FirstTS, LastTS: b.LastTS, RawBytes: b.RawBytes}}
}

// encodeSegments writes segs as varints: each segment's first timestamp
// as a difference from the one before, its span and its length. No
// segments is NULL.
func encodeSegments(segs []Segment) []byte {
	if len(segs) == 0 {
		return nil
	}
	out := make([]byte, 0, len(segs)*8)
	var prev int64
	for _, s := range segs {
		out = binary.AppendVarint(out, s.FirstTS-prev)
		out = binary.AppendVarint(out, s.LastTS-s.FirstTS)
		out = binary.AppendUvarint(out, uint64(s.RawBytes))
		prev = s.FirstTS
	}
	return out
}

// decodeSegments reads what encodeSegments wrote.
func decodeSegments(b []byte) ([]Segment, error) {
	var segs []Segment
	var prev int64
	next := func() (int64, bool) {
		v, n := binary.Varint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	for len(b) > 0 {
		first, ok1 := next()
		span, ok2 := next()
		size, n := binary.Uvarint(b)
		if !ok1 || !ok2 || n <= 0 {
			return nil, errSegments
		}
		b = b[n:]
		prev += first
		segs = append(segs, Segment{FirstTS: prev, LastTS: prev + span, RawBytes: int64(size)})
	}
	return segs, nil
}
