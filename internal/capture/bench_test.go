package capture

import (
	"net/url"
	"testing"
)

// BenchmarkDecodeFixture decodes fixture 002 (the gzip body holding the
// compressed full snapshot) into events; throughput is of the decompressed
// body.
func BenchmarkDecodeFixture(b *testing.B) {
	f := loadFixture(b, 2)
	b.SetBytes(int64(len(gunzipAll(b, f.body))))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(f.body, f.ContentType, url.Values{}, testLimits); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSnapshots validates, groups and expands the $snapshot events of
// fixtures 002–007 and 011; throughput is of their decompressed bodies.
func BenchmarkSnapshots(b *testing.B) {
	var events []Event
	size := 0
	for _, n := range []int{2, 3, 4, 5, 6, 7, 11} {
		events = append(events, decodeFixture(b, n)...)
		size += len(gunzipAll(b, loadFixture(b, n).body))
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Snapshots(events, testLimits); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeAndSnapshots is the whole capture path for the same
// bodies: Decode then Snapshots.
func BenchmarkDecodeAndSnapshots(b *testing.B) {
	var fixtures []fixture
	size := 0
	for _, n := range []int{2, 3, 4, 5, 6, 7, 11} {
		f := loadFixture(b, n)
		fixtures = append(fixtures, f)
		size += len(gunzipAll(b, f.body))
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range fixtures {
			events, err := Decode(f.body, f.ContentType, url.Values{}, testLimits)
			if err != nil {
				b.Fatal(err)
			}
			if _, _, err := Snapshots(events, testLimits); err != nil {
				b.Fatal(err)
			}
		}
	}
}
