package rrweb

import (
	"cmp"
	"math"
	"slices"
)

// ActivityThresholdMillis is the longest gap, in milliseconds, after the
// last active event for which an active segment still extends to the next
// event.
const ActivityThresholdMillis = 5000

// Point is one event's contribution to active time: when it happened and
// whether it was user activity.
type Point struct {
	// TS is the event's rrweb timestamp, in milliseconds since the epoch.
	TS int64
	// Active is true for an incremental snapshot whose source is user
	// activity (see Source.IsActive).
	Active bool
}

// ComparePoints orders points by timestamp, then inactive before active. It
// is the order Summary.Activity, MergeActivity and EncodeActivity use.
func ComparePoints(a, b Point) int {
	if c := cmp.Compare(a.TS, b.TS); c != 0 {
		return c
	}
	switch {
	case a.Active == b.Active:
		return 0
	case b.Active:
		return -1
	}
	return 1
}

// ActiveMillis computes active time, in milliseconds, from points sorted by
// timestamp; points with equal timestamps are taken in the order given.
// (Points not sorted by timestamp are first sorted, stably, by timestamp.)
//
// The points are cut into segments: a new segment starts at the first
// point, when an active point follows an inactive segment, or when a point
// comes more than ActivityThresholdMillis after the last active point;
// otherwise the current segment extends to the point. A segment is active
// when the point that started it is. Active time is the sum over active
// segments of max(1, end-start), so that a lone active point counts as 1 ms.
// The sum saturates at math.MaxInt64 rather than overflow.
func ActiveMillis(points []Point) int64 {
	if !slices.IsSortedFunc(points, compareTS) {
		points = slices.Clone(points)
		slices.SortStableFunc(points, compareTS)
	}
	var a activityScan
	for _, p := range points {
		a.add(p)
	}
	return a.millis()
}

// activityScan is ActiveMillis's state after the points read so far, so
// that later points (no earlier than the last one read) can be added
// without reading the first ones again.
type activityScan struct {
	open       bool  // a segment has been started
	active     bool  // the current segment is active
	start, end int64 // the current segment's bounds
	lastActive int64 // timestamp of the last active point; set whenever active is true
	total      int64 // active time of the segments closed so far
}

// add reads the next point; p.TS is no less than the last point's.
func (a *activityScan) add(p Point) {
	// Differences are taken in uint64: the points are sorted, so p.TS >=
	// lastActive, and the difference is exact even across the whole int64
	// range.
	newSegment := !a.open ||
		(p.Active && !a.active) ||
		(a.active && uint64(p.TS)-uint64(a.lastActive) > ActivityThresholdMillis)
	if p.Active {
		a.lastActive = p.TS
	}
	if newSegment {
		if a.open && a.active {
			a.total = addSegment(a.total, a.start, a.end)
		}
		a.open, a.active, a.start = true, p.Active, p.TS
	}
	a.end = p.TS
}

// millis is the active time of the points read, the current segment
// included.
func (a *activityScan) millis() int64 {
	if a.open && a.active {
		return addSegment(a.total, a.start, a.end)
	}
	return a.total
}

// addSegment adds max(1, end-start) to total, saturating at math.MaxInt64.
// end >= start.
func addSegment(total, start, end int64) int64 {
	d := uint64(end) - uint64(start)
	if d < 1 {
		d = 1
	}
	if d > uint64(math.MaxInt64-total) {
		return math.MaxInt64
	}
	return total + int64(d)
}

// compareTS orders points by timestamp alone.
func compareTS(a, b Point) int {
	return cmp.Compare(a.TS, b.TS)
}

// MergeActivity merges two point lists sorted by ComparePoints into one
// sorted list holding each distinct point once, so that merging the same
// batch twice changes nothing. Active time does not depend on repeated
// points. Lists that are not sorted are sorted first. The result never
// shares memory with a or b.
func MergeActivity(a, b []Point) []Point {
	a, b = sortedPoints(a), sortedPoints(b)
	if len(a)+len(b) == 0 {
		return nil
	}
	out := make([]Point, 0, len(a)+len(b))
	push := func(p Point) {
		if len(out) == 0 || out[len(out)-1] != p {
			out = append(out, p)
		}
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if ComparePoints(b[j], a[i]) < 0 {
			push(b[j])
			j++
		} else {
			push(a[i])
			i++
		}
	}
	for ; i < len(a); i++ {
		push(a[i])
	}
	for ; j < len(b); j++ {
		push(b[j])
	}
	return out
}

// sortedPoints returns p if it is sorted by ComparePoints, else a sorted copy.
func sortedPoints(p []Point) []Point {
	if slices.IsSortedFunc(p, ComparePoints) {
		return p
	}
	p = slices.Clone(p)
	slices.SortFunc(p, ComparePoints)
	return p
}
