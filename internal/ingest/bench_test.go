package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/tapedeck/tapedeck/internal/capture"
	"github.com/tapedeck/tapedeck/internal/ingest/benchdata"
	"github.com/tapedeck/tapedeck/internal/store"
)

// The benchmarks below measure the durable write path on real posthog-js
// bodies: every visit is the fixtures' eleven requests (two recordings and
// their analytics events) with fresh ids. Throughput is of the decompressed
// request bodies; BenchmarkIngestFloor is the yardstick for the same bytes.

func loadTemplate(b *testing.B) *benchdata.Template {
	b.Helper()
	t, err := benchdata.Load(fixtureDir, benchdata.VisitOrder)
	if err != nil {
		b.Fatal(err)
	}
	return t
}

// capture decodes and stores one request as the capture endpoint does.
func captureRequest(ctx context.Context, svc *Service, p store.Project, r benchdata.Request) error {
	lim := capture.Limits{MaxDecompressedBytes: 64 << 20}
	events, err := capture.Decode(r.Body, "text/plain", url.Values{"compression": {"gzip-js"}}, lim)
	if err != nil {
		return err
	}
	recs, others, err := capture.Snapshots(events, lim)
	if err != nil {
		return err
	}
	_, err = svc.Ingest(ctx, p, recs, others)
	return err
}

// BenchmarkIngestFloor is what the machine does at best with the same
// bodies in one goroutine: gunzip, one JSON scan, zstd and an fsync'd
// append to one file.
func BenchmarkIngestFloor(b *testing.B) {
	visit := loadTemplate(b).Visit(0)
	f, err := os.Create(filepath.Join(b.TempDir(), "floor"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	var size int64
	for _, r := range visit {
		size += int64(r.Size)
	}
	b.SetBytes(size)
	var plain, packed []byte
	b.ResetTimer()
	cpu := benchdata.ProcessCPU()
	for b.Loop() {
		for _, r := range visit {
			zr, err := gzip.NewReader(bytes.NewReader(r.Body))
			if err != nil {
				b.Fatal(err)
			}
			var buf bytes.Buffer
			buf.Grow(r.Size + 512)
			if _, err := io.Copy(&buf, zr); err != nil {
				b.Fatal(err)
			}
			plain = buf.Bytes()
			if !json.Valid(plain) {
				b.Fatal("invalid JSON")
			}
			packed = enc.EncodeAll(plain, packed[:0])
			if _, err := f.Write(packed); err != nil {
				b.Fatal(err)
			}
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64((benchdata.ProcessCPU()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// BenchmarkIngestVisits stores visits one request at a time, as one client.
func BenchmarkIngestVisits(b *testing.B) {
	benchmarkClients(b, 1)
}

// BenchmarkIngestParallel stores visits from 8 concurrent clients, each
// sending its visit's requests in order; it reports the median and 99th
// percentile time to acknowledge a request.
func BenchmarkIngestParallel(b *testing.B) {
	benchmarkClients(b, 8)
}

func benchmarkClients(b *testing.B, clients int) {
	tpl := loadTemplate(b)
	svc, _, p := newService(b)
	ctx := context.Background()
	benchdata.Drive(b, tpl, clients, func(r benchdata.Request) error { return captureRequest(ctx, svc, p, r) })
}
