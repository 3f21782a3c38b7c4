package rrweb

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// appendableVersion is the first byte of the form AppendActivity writes.
const appendableVersion = 2

// AppendActivity adds a batch's points (Summary.Activity) to a session's
// stored points and returns the new stored form and the session's active
// time over every point (ActiveMillis of the merged list).
//
// stored is what EncodeActivity or AppendActivity wrote before (empty for
// a new session). AppendActivity writes a form made to grow:
//
//	version byte (2)
//	uvarint  n, the number of points
//	uvarint  the last point's TS (modulo 2^64)
//	byte     the state of the active-time computation after the last
//	         point: bit 0 a segment is open, bit 1 it is active
//	uvarints its current segment's start and end, the last active point's
//	         TS and the active time of the closed segments (modulo 2^64)
//	segments, to the end: uvarint k (at least 1), (k+7)/8 bytes of Active
//	         flags, k uvarint TS deltas, the first from the previous
//	         segment's last TS (from 0 for the first segment)
//
// When every point of the batch comes after the last stored point, as when
// a session's batches arrive in order, the batch becomes one more segment
// and active time is carried on from the stored state: the stored points
// are copied, not decoded. Otherwise the stored points are decoded, merged
// with the batch (MergeActivity) and written as one segment. Either way the
// stored form decodes (DecodeActivity) to the merged, sorted, deduplicated
// list.
func AppendActivity(stored []byte, batch []Point) ([]byte, int64, error) {
	batch = MergeActivity(batch, nil) // sorted, each distinct point once
	if h, ok := readAppendable(stored); ok && (h.n == 0 || len(batch) == 0 || batch[0].TS > h.lastTS) {
		scan := h.scan
		for _, p := range batch {
			scan.add(p)
		}
		n, last := h.n+uint64(len(batch)), h.lastTS
		if len(batch) > 0 {
			last = batch[len(batch)-1].TS
		}
		out := appendHeader(make([]byte, 0, len(stored)+16+2*len(batch)), n, last, scan)
		out = append(out, stored[h.size:]...)
		if len(batch) > 0 {
			prev := h.lastTS
			if h.n == 0 {
				prev = 0
			}
			out = appendSegment(out, batch, prev)
		}
		return out, scan.millis(), nil
	}
	old, err := DecodeActivity(stored)
	if err != nil {
		return nil, 0, err
	}
	points := MergeActivity(old, batch)
	var scan activityScan
	for _, p := range points {
		scan.add(p)
	}
	var last int64
	if len(points) > 0 {
		last = points[len(points)-1].TS
	}
	out := appendHeader(make([]byte, 0, 32+2*len(points)), uint64(len(points)), last, scan)
	if len(points) > 0 {
		out = appendSegment(out, points, 0)
	}
	return out, scan.millis(), nil
}

// appendableHeader is the head of the form AppendActivity writes.
type appendableHeader struct {
	n      uint64
	lastTS int64
	scan   activityScan
	size   int // bytes taken by the header
}

// readAppendable reads the header of b; false when b is not in the
// appendable form or its header is malformed.
func readAppendable(b []byte) (appendableHeader, bool) {
	var h appendableHeader
	if len(b) == 0 || b[0] != appendableVersion {
		return h, false
	}
	i := 1
	next := func() (uint64, bool) {
		v, used := binary.Uvarint(b[i:])
		if used <= 0 {
			return 0, false
		}
		i += used
		return v, true
	}
	var ok bool
	var last, start, end, lastActive, total uint64
	if h.n, ok = next(); !ok {
		return h, false
	}
	if last, ok = next(); !ok || i >= len(b) {
		return h, false
	}
	flags := b[i]
	i++
	for _, v := range []*uint64{&start, &end, &lastActive, &total} {
		if *v, ok = next(); !ok {
			return h, false
		}
	}
	if flags > 3 || total > 1<<63-1 {
		return h, false
	}
	h.lastTS = int64(last)
	h.scan = activityScan{open: flags&1 != 0, active: flags&2 != 0, start: int64(start), end: int64(end),
		lastActive: int64(lastActive), total: int64(total)}
	h.size = i
	return h, true
}

// appendHeader writes an appendable form's header.
func appendHeader(out []byte, n uint64, lastTS int64, a activityScan) []byte {
	out = append(out, appendableVersion)
	out = binary.AppendUvarint(out, n)
	out = binary.AppendUvarint(out, uint64(lastTS))
	var flags byte
	if a.open {
		flags |= 1
	}
	if a.active {
		flags |= 2
	}
	out = append(out, flags)
	for _, v := range []int64{a.start, a.end, a.lastActive, a.total} {
		out = binary.AppendUvarint(out, uint64(v))
	}
	return out
}

// appendSegment writes points (at least one) as a segment whose deltas
// start from prev.
func appendSegment(out []byte, points []Point, prev int64) []byte {
	out = binary.AppendUvarint(out, uint64(len(points)))
	flags := len(out)
	out = append(out, make([]byte, (len(points)+7)/8)...)
	for i, p := range points {
		if p.Active {
			out[flags+i/8] |= 1 << (i % 8)
		}
	}
	last := uint64(prev)
	for _, p := range points {
		out = binary.AppendUvarint(out, uint64(p.TS)-last)
		last = uint64(p.TS)
	}
	return out
}

// decodeAppendable reads the points of the appendable form, which are
// sorted by ComparePoints with no point repeated.
func decodeAppendable(b []byte) ([]Point, error) {
	h, ok := readAppendable(b)
	if !ok {
		return nil, fmt.Errorf("%w: bad header", ErrCorruptActivity)
	}
	b = b[h.size:]
	// Every point takes at least a byte for its delta and a bit for its flag.
	if h.n > uint64(len(b)) {
		return nil, fmt.Errorf("%w: %d points cannot fit in %d bytes", ErrCorruptActivity, h.n, len(b))
	}
	points := make([]Point, 0, h.n)
	var prev uint64
	for len(b) > 0 {
		k, used := binary.Uvarint(b)
		if used <= 0 || k == 0 || k > uint64(len(b)) || uint64(len(points))+k > h.n {
			return nil, fmt.Errorf("%w: bad segment length", ErrCorruptActivity)
		}
		b = b[used:]
		count := int(k)
		if (count+7)/8 > len(b) {
			return nil, fmt.Errorf("%w: truncated segment", ErrCorruptActivity)
		}
		flags := b[:(count+7)/8]
		b = b[len(flags):]
		if rest := count % 8; rest != 0 && flags[len(flags)-1]>>rest != 0 {
			return nil, fmt.Errorf("%w: flag bits set past a segment's last point", ErrCorruptActivity)
		}
		for i := range count {
			d, used := binary.Uvarint(b)
			if used <= 0 {
				return nil, fmt.Errorf("%w: bad delta", ErrCorruptActivity)
			}
			b = b[used:]
			prev += d
			p := Point{TS: int64(prev), Active: flags[i/8]&(1<<(i%8)) != 0}
			if len(points) > 0 && ComparePoints(points[len(points)-1], p) >= 0 {
				return nil, fmt.Errorf("%w: points out of order or repeated", ErrCorruptActivity)
			}
			points = append(points, p)
		}
	}
	if uint64(len(points)) != h.n {
		return nil, fmt.Errorf("%w: %d points, header says %d", ErrCorruptActivity, len(points), h.n)
	}
	if len(points) > 0 && points[len(points)-1].TS != h.lastTS || len(points) == 0 && h.lastTS != 0 {
		return nil, fmt.Errorf("%w: last point differs from the header", ErrCorruptActivity)
	}
	if len(points) == 0 {
		return nil, nil
	}
	return slices.Clip(points), nil
}
