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
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

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
	cpu := processCPU()
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
	b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// processCPU is the CPU time (user and system) the process has used: a
// figure other processes on the machine disturb less than elapsed time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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
	b.SetBytes(int64(tpl.Size))
	var (
		mu        sync.Mutex
		latencies []time.Duration
	)
	const round = 32 // visits made while the timer is stopped
	seed := 0
	var cpu time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; {
		b.StopTimer()
		n := min(round, b.N-done)
		visits := make(chan []benchdata.Request, n)
		for range n {
			seed++
			visits <- tpl.Visit(seed)
		}
		close(visits)
		b.StartTimer()
		start := processCPU()
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				var mine []time.Duration
				for v := range visits {
					for _, r := range v {
						start := time.Now()
						if err := captureRequest(ctx, svc, p, r); err != nil {
							b.Error(err)
							return
						}
						mine = append(mine, time.Since(start))
					}
				}
				mu.Lock()
				latencies = append(latencies, mine...)
				mu.Unlock()
			})
		}
		wg.Wait()
		cpu += processCPU() - start
		done += n
	}
	b.StopTimer()
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	if len(latencies) > 0 {
		slices.Sort(latencies)
		q := func(f float64) float64 {
			return float64(latencies[int(f*float64(len(latencies)-1))].Microseconds()) / 1000
		}
		b.ReportMetric(q(0.5), "p50-ms")
		b.ReportMetric(q(0.99), "p99-ms")
	}
}
