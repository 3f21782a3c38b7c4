package rrweb

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// activityVersion is the first byte of the form EncodeActivity writes.
const activityVersion = 1

// ErrCorruptActivity is returned (wrapped) by DecodeActivity for input that
// EncodeActivity cannot have written.
var ErrCorruptActivity = errors.New("rrweb: corrupt activity encoding")

// EncodeActivity writes a point list in a compact binary form, for storage:
//
//	version byte (1)
//	uvarint  n, the number of points
//	(n+7)/8  bytes of Active flags, point i in bit i%8 of byte i/8
//	n        uvarints, the TS deltas: TS[i]-TS[i-1] with TS[-1] = 0,
//	         computed modulo 2^64
//
// A list sorted by ComparePoints has small, non-negative deltas, so most
// points take one or two bytes plus one bit. Any list, sorted or not and
// whatever its timestamps, is written exactly: DecodeActivity returns it
// unchanged.
func EncodeActivity(points []Point) []byte {
	out := make([]byte, 0, 1+binary.MaxVarintLen64+(len(points)+7)/8+2*len(points))
	out = append(out, activityVersion)
	out = binary.AppendUvarint(out, uint64(len(points)))
	flags := len(out)
	out = append(out, make([]byte, (len(points)+7)/8)...)
	for i, p := range points {
		if p.Active {
			out[flags+i/8] |= 1 << (i % 8)
		}
	}
	var prev uint64
	for _, p := range points {
		out = binary.AppendUvarint(out, uint64(p.TS)-prev)
		prev = uint64(p.TS)
	}
	return out
}

// DecodeActivity reads what EncodeActivity or AppendActivity wrote. Empty
// input is an empty list. Input in an unknown version, truncated, with
// bytes left over, or otherwise malformed gives an error wrapping
// ErrCorruptActivity.
func DecodeActivity(b []byte) ([]Point, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if b[0] == appendableVersion {
		return decodeAppendable(b)
	}
	if b[0] != activityVersion {
		return nil, fmt.Errorf("%w: unknown version %d", ErrCorruptActivity, b[0])
	}
	b = b[1:]
	n, used := binary.Uvarint(b)
	if used <= 0 {
		return nil, fmt.Errorf("%w: bad point count", ErrCorruptActivity)
	}
	b = b[used:]
	// Every point takes at least one byte for its delta and a bit for its
	// flag; checking this first keeps a corrupt count from asking for a huge
	// allocation.
	if n > uint64(len(b)) || n+(n+7)/8 > uint64(len(b)) {
		return nil, fmt.Errorf("%w: %d points cannot fit in %d bytes", ErrCorruptActivity, n, len(b))
	}
	count := int(n)
	flags := b[:(count+7)/8]
	b = b[len(flags):]
	if rest := count % 8; rest != 0 && flags[len(flags)-1]>>rest != 0 {
		return nil, fmt.Errorf("%w: flag bits set past the last point", ErrCorruptActivity)
	}
	if count == 0 {
		if len(b) != 0 {
			return nil, fmt.Errorf("%w: %d bytes after the last point", ErrCorruptActivity, len(b))
		}
		return nil, nil
	}
	points := make([]Point, count)
	var prev uint64
	for i := range points {
		d, used := binary.Uvarint(b)
		if used <= 0 {
			return nil, fmt.Errorf("%w: bad delta for point %d", ErrCorruptActivity, i)
		}
		b = b[used:]
		prev += d
		points[i] = Point{TS: int64(prev), Active: flags[i/8]&(1<<(i%8)) != 0}
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last point", ErrCorruptActivity, len(b))
	}
	return points, nil
}
