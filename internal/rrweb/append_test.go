package rrweb

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// appendAll folds batches in with AppendActivity, checking after each one
// that the stored form decodes to the merged points and that the active
// time is ActiveMillis over them.
func appendAll(t *testing.T, stored []byte, batches ...[]Point) []byte {
	t.Helper()
	want, err := DecodeActivity(stored)
	if err != nil {
		t.Fatal(err)
	}
	for n, b := range batches {
		var active int64
		stored, active, err = AppendActivity(stored, b)
		if err != nil {
			t.Fatalf("batch %d: %v", n, err)
		}
		want = MergeActivity(want, b)
		got, err := DecodeActivity(stored)
		if err != nil {
			t.Fatalf("batch %d: decode: %v", n, err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("batch %d: stored points %v, want %v", n, got, want)
		}
		if w := ActiveMillis(want); active != w {
			t.Fatalf("batch %d: active %d ms, want %d", n, active, w)
		}
	}
	return stored
}

func TestAppendActivity(t *testing.T) {
	// In order: each batch is one more segment.
	inOrder := appendAll(t, nil, run(1000, 9000, 500, true), []Point{i(12000), a(15000)}, run(15001, 30000, 700, false), nil,
		[]Point{a(40000), a(40000), i(40001)})
	// Out of order, overlapping, repeated: merged and rewritten.
	appendAll(t, inOrder, []Point{a(500), i(9000)}, run(1000, 9000, 500, true), []Point{a(40001)})
	// From the earlier form EncodeActivity writes.
	appendAll(t, EncodeActivity(run(0, 10000, 1000, true)), []Point{a(10500)}, []Point{a(3)})
	// Empty batches on an empty session.
	appendAll(t, nil, nil, nil, []Point{i(1)})
}

func TestAppendActivityRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var batches [][]Point
		ts := int64(r.IntN(1e6))
		for range 1 + r.IntN(8) {
			var b []Point
			if r.IntN(5) == 0 {
				ts -= int64(r.IntN(20000)) // a late batch
			}
			for range r.IntN(30) {
				ts += int64(r.IntN(7000))
				b = append(b, Point{TS: ts, Active: r.IntN(2) == 0})
			}
			if r.IntN(4) == 0 {
				slices.Reverse(b)
			}
			batches = append(batches, b)
		}
		appendAll(t, nil, batches...)
	}
}

func TestAppendActivityCopiesInOrderBatches(t *testing.T) {
	stored, _, _ := AppendActivity(nil, run(0, 100000, 10, true))
	next, _, _ := AppendActivity(stored, []Point{a(100005)})
	h, _ := readAppendable(stored)
	h2, _ := readAppendable(next)
	if !slices.Equal(stored[h.size:], next[h2.size:h2.size+len(stored)-h.size]) {
		t.Error("an in-order batch rewrote the stored points")
	}
}

func FuzzAppendActivity(f *testing.F) {
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 0}, int64(5), uint8(3))
	f.Add(EncodeActivity([]Point{a(1), i(7)}), int64(3), uint8(2))
	f.Fuzz(func(t *testing.T, stored []byte, start int64, n uint8) {
		var batch []Point
		for k := range int64(n) {
			batch = append(batch, Point{TS: start + k*1000, Active: k%3 != 0})
		}
		// Whatever the stored bytes, no panic; from a valid form, the result
		// decodes to the merged points.
		out, active, err := AppendActivity(stored, batch)
		old, derr := DecodeActivity(stored)
		if derr != nil || err != nil {
			return
		}
		got, err := DecodeActivity(out)
		if err != nil {
			t.Fatalf("AppendActivity wrote what DecodeActivity refuses: %v", err)
		}
		if want := MergeActivity(old, batch); !slices.Equal(got, want) {
			t.Fatalf("points %v, want %v", got, want)
		}
		if _, ok := readAppendable(stored); !ok && active != ActiveMillis(got) {
			t.Fatalf("active %d, want %d", active, ActiveMillis(got))
		}
	})
}
