package rrweb

import (
	"errors"
	"math"
	"slices"
	"testing"
)

func TestEncodeActivityRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		points []Point
	}{
		{"empty", nil},
		{"one active", []Point{a(1795664608687)}},
		{"one inactive", []Point{i(1795664608049)}},
		{"eight (flags fill one byte)", run(1795664608000, 1795664608700, 100, true)},
		{"nine (flags spill into a second byte)", append(run(1795664608000, 1795664608700, 100, true), i(1795664608800))},
		{"ties", []Point{i(5), a(5), a(5)}},
		{"negative and zero", []Point{a(-7), i(0), a(3)}},
		{"int64 extremes", []Point{i(math.MinInt64), a(-1), i(0), a(math.MaxInt64)}},
		{"unsorted", []Point{a(1000), i(10), a(math.MinInt64), i(math.MaxInt64), a(0)}},
		{"long session", sortPoints(append(run(1795664600000, 1795664900000, 37, true), run(1795664600000, 1795664900000, 1000, false)...))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := EncodeActivity(tt.points)
			got, err := DecodeActivity(b)
			if err != nil {
				t.Fatalf("DecodeActivity: %v", err)
			}
			if !slices.Equal(got, tt.points) {
				t.Errorf("round trip gave %v, want %v", got, tt.points)
			}
		})
	}
}

func TestEncodeActivityIsCompact(t *testing.T) {
	// A sorted session with events every few hundred milliseconds: every
	// delta after the first fits in two bytes, plus one bit for the flag.
	points := run(1795664600000, 1795664600000+999*250, 250, true)
	b := EncodeActivity(points)
	// version + count (2 bytes) + 125 flag bytes + first TS (6 bytes) + 999×2.
	if want := 1 + 2 + 125 + 6 + 999*2; len(b) != want {
		t.Errorf("%d points took %d bytes, want %d", len(points), len(b), want)
	}
	if b[0] != 1 {
		t.Errorf("version byte %d, want 1", b[0])
	}
}

func TestDecodeActivityEmpty(t *testing.T) {
	for _, in := range [][]byte{nil, {}} {
		got, err := DecodeActivity(in)
		if err != nil || len(got) != 0 {
			t.Errorf("DecodeActivity(%v) = %v, %v; want empty, nil", in, got, err)
		}
	}
}

func TestDecodeActivityCorrupt(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"unknown version 0", []byte{0, 0}},
		{"unknown version 2", []byte{2, 0}},
		{"version only", []byte{1}},
		{"truncated count", []byte{1, 0x80}},
		{"count overflows uint64", []byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
		{"count larger than the input", []byte{1, 5, 0, 1, 1}},
		{"huge count", []byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0}},
		{"flags but no delta", []byte{1, 1, 1}},
		{"flag bit set past the last point", []byte{1, 1, 0x02, 5}},
		{"truncated delta", []byte{1, 2, 0, 5, 0x80}},
		{"delta overflows uint64", []byte{1, 1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
		{"trailing byte", []byte{1, 1, 1, 5, 0}},
		{"trailing byte after no points", []byte{1, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeActivity(tt.in)
			if err == nil {
				t.Fatalf("DecodeActivity(%v) = %v, want an error", tt.in, got)
			}
			if !errors.Is(err, ErrCorruptActivity) {
				t.Errorf("error %v does not wrap ErrCorruptActivity", err)
			}
		})
	}
	// Every proper, non-empty prefix of a valid encoding is corrupt.
	full := EncodeActivity([]Point{a(1795664608687), i(1795664608700), a(1795664612000), a(1795664612001)})
	for n := 1; n < len(full); n++ {
		if _, err := DecodeActivity(full[:n]); err == nil {
			t.Errorf("prefix of %d of %d bytes decoded without error", n, len(full))
		}
	}
}
