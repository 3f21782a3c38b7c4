package rrweb

import (
	"math"
	"slices"
	"testing"
)

// a and i build active and inactive points.
func a(ts int64) Point { return Point{TS: ts, Active: true} }
func i(ts int64) Point { return Point{TS: ts, Active: false} }

// run builds points from start to end (inclusive) every step ms.
func run(start, end, step int64, active bool) []Point {
	var out []Point
	for ts := start; ts <= end; ts += step {
		out = append(out, Point{TS: ts, Active: active})
	}
	return out
}

func TestActiveMillis(t *testing.T) {
	tests := []struct {
		name   string
		points []Point
		want   int64
	}{
		{"no points", nil, 0},
		// One active segment [0,0]: max(1, 0) = 1.
		{"single active event", []Point{a(1000)}, 1},
		// One segment [0,3000]: 3000 <= 5000 after the last active point.
		{"two active 3000 ms apart", []Point{a(0), a(3000)}, 3000},
		// 6000 > 5000 after the last active point: segments [0,0] and
		// [6000,6000], each max(1, 0) = 1.
		{"two active 6000 ms apart", []Point{a(0), a(6000)}, 2},
		// 5000 is not more than 5000: one segment [0,5000].
		{"two active exactly 5000 ms apart", []Point{a(0), a(5000)}, 5000},
		{"two active 5001 ms apart", []Point{a(0), a(5001)}, 2},
		// The inactive point is 2000 <= 5000 after the last active one, so the
		// active segment extends to it: [0,2000].
		{"active then inactive 2000 ms later", []Point{a(0), i(2000)}, 2000},
		// 6000 > 5000: the inactive point starts an inactive segment; the
		// active one is [0,0] = 1.
		{"active then inactive 6000 ms later", []Point{a(0), i(6000)}, 1},
		{"inactive only", []Point{i(0), i(1000), i(60000)}, 0},
		// Inactive segment [0,0]; the active point at 10000 follows an
		// inactive segment, so it starts a new one, which the active point
		// 1000 ms later extends: [10000,11000] = 1000.
		{"inactive, active 10 s later, active 1 s later", []Point{i(0), a(10000), a(11000)}, 1000},
		// Taken literally: a(0) starts active segment [0,0]; i(4000) is
		// 4000 <= 5000 after the last active point (0), so the segment extends
		// to [0,4000]; a(6000) is 6000 > 5000 after the last active point —
		// the inactive point extended the segment but is not itself active, so
		// it does not move "the last active event" — hence a new active
		// segment [6000,6000]. Total: 4000 + max(1, 0) = 4001.
		{"active, inactive 4 s later, active 2 s after that", []Point{a(0), i(4000), a(6000)}, 4001},
		// a(0) starts [0,0]; i(3000) and i(4900) extend it to [0,4900]
		// (both within 5000 of the active point at 0); a(5500) is 5500 > 5000
		// after it: new segment [5500,5500]. 4900 + 1 = 4901.
		{"inactive points do not refresh the threshold", []Point{a(0), i(3000), i(4900), a(5500)}, 4901},
		// Active at 0, then inactive every second: the segment extends up to
		// the last inactive point within 5000 ms (5000); the point at 6000
		// starts an inactive segment. [0,5000] = 5000.
		{"trailing inactive points extend at most 5000 ms", append([]Point{a(0)}, run(1000, 20000, 1000, false)...), 5000},
		// An active segment [0,1000], a gap, then an inactive segment that an
		// active point breaks: [0,1000] + [20000,20000] = 1001.
		{"active after an inactive segment starts a new segment", []Point{a(0), a(1000), i(10000), i(12000), a(20000)}, 1001},
		// 61 active points 1000 ms apart: one segment [0,60000].
		{"long run, one per second for a minute", run(0, 60000, 1000, true), 60000},
		// Gaps of 4000 never exceed the threshold: [0,40000].
		{"long run, sparse but within the threshold", run(0, 40000, 4000, true), 40000},
		// Ten active points 5001 ms apart: ten segments of 1 ms each.
		{"long run, every gap above the threshold", run(0, 9*5001, 5001, true), 10},
		// Two bursts 20 s apart: [0,10000] + [30000,35000].
		{"two bursts", append(run(0, 10000, 100, true), run(30000, 35000, 100, true)...), 15000},
		// The same two bursts with inactive points (a mutation every 700 ms)
		// throughout: the first burst's segment extends to the last inactive
		// point within 5000 ms of 10000 (14700); inactive points then form an
		// inactive segment until the second burst [30000,35000], which then
		// extends to the last inactive point within 5000 of 35000 (39900).
		// (14700-0) + (39900-30000) = 14700 + 9900 = 24600.
		{"two bursts with background mutations", sortPoints(append(append(run(0, 10000, 100, true), run(30000, 35000, 100, true)...), run(0, 60000, 700, false)...)), 24600},
		// Equal timestamps, inactive first: inactive segment [100,100], then
		// an active one [100,100] = 1.
		{"tie, inactive first", []Point{i(100), a(100)}, 1},
		// Equal timestamps, active first: [100,100] extended to 100 = 1.
		{"tie, active first", []Point{a(100), i(100)}, 1},
		// Repeated points change nothing: [0,2000].
		{"repeated points", []Point{a(0), a(0), a(0), i(2000), i(2000)}, 2000},
		// Points out of order are sorted by time first: [0,3000].
		{"unsorted input", []Point{a(3000), i(1000), a(0)}, 3000},
		// Negative timestamps work the same: [-3000,0].
		{"negative timestamps", []Point{a(-3000), a(0)}, 3000},
		// The gap between the extremes does not overflow: two 1 ms segments.
		{"int64 extremes", []Point{a(math.MinInt64), a(math.MaxInt64)}, 2},
		{"int64 extremes, within the threshold", []Point{a(math.MaxInt64 - 4000), a(math.MaxInt64)}, 4000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ActiveMillis(tt.points); got != tt.want {
				t.Errorf("ActiveMillis = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestActiveMillisDoesNotModifyInput(t *testing.T) {
	p := []Point{a(3000), i(1000), a(0)}
	orig := slices.Clone(p)
	ActiveMillis(p)
	if !slices.Equal(p, orig) {
		t.Errorf("input changed to %v", p)
	}
}

func TestActiveMillisAcrossBatches(t *testing.T) {
	// Active time is a property of the whole session: two batches that each
	// hold one active point 3000 ms apart make one segment of 3000 ms, not
	// two of 1 ms.
	b1 := Summarize(evs(incr(1000, `{"source":1}`)))
	b2 := Summarize(evs(incr(4000, `{"source":3}`)))
	if got := ActiveMillis(b1.Activity) + ActiveMillis(b2.Activity); got != 2 {
		t.Errorf("per batch: %d, want 1+1", got)
	}
	if got := ActiveMillis(MergeActivity(b1.Activity, b2.Activity)); got != 3000 {
		t.Errorf("merged: %d, want 3000", got)
	}
}

func TestMergeActivity(t *testing.T) {
	tests := []struct {
		name string
		a, b []Point
		want []Point
	}{
		{"both empty", nil, nil, nil},
		{"one empty", []Point{i(1), a(2)}, nil, []Point{i(1), a(2)}},
		{"other empty", nil, []Point{i(1), a(2)}, []Point{i(1), a(2)}},
		{"interleaved", []Point{a(1), a(5), i(9)}, []Point{i(2), a(6), a(10)}, []Point{a(1), i(2), a(5), a(6), i(9), a(10)}},
		{"b entirely before a", []Point{a(10), a(11)}, []Point{a(1), a(2)}, []Point{a(1), a(2), a(10), a(11)}},
		{"duplicates across the lists kept once", []Point{a(1), i(2), a(3)}, []Point{a(1), i(2), a(3)}, []Point{a(1), i(2), a(3)}},
		{"duplicates within a list kept once", []Point{a(1), a(1), a(1)}, []Point{a(1)}, []Point{a(1)}},
		{"same time, different activity: both kept, inactive first", []Point{a(5)}, []Point{i(5)}, []Point{i(5), a(5)}},
		{"unsorted input is sorted", []Point{a(9), i(1)}, []Point{a(5), a(1)}, []Point{i(1), a(1), a(5), a(9)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MergeActivity(tt.a, tt.b)
			if !slices.Equal(got, tt.want) {
				t.Errorf("MergeActivity = %v, want %v", got, tt.want)
			}
			if !slices.IsSortedFunc(got, ComparePoints) {
				t.Errorf("result not sorted: %v", got)
			}
			// Merging is idempotent and commutative.
			if again := MergeActivity(got, tt.b); !slices.Equal(again, got) {
				t.Errorf("merging b again gave %v", again)
			}
			if swapped := MergeActivity(tt.b, tt.a); !slices.Equal(swapped, got) {
				t.Errorf("MergeActivity(b, a) = %v", swapped)
			}
		})
	}
}

func TestMergeActivityDoesNotAlias(t *testing.T) {
	x := []Point{a(1), a(2)}
	got := MergeActivity(x, nil)
	got[0].TS = 99
	if x[0].TS != 1 {
		t.Error("the result shares memory with an input")
	}
}

// sortPoints sorts points by ComparePoints (for building test input).
func sortPoints(p []Point) []Point {
	slices.SortFunc(p, ComparePoints)
	return p
}
