package httpapi_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/account"
	"github.com/tapedeck/tapedeck/internal/blob"
	"github.com/tapedeck/tapedeck/internal/httpapi"
	"github.com/tapedeck/tapedeck/internal/ingest/benchdata"
	"github.com/tapedeck/tapedeck/internal/store"
	"github.com/tapedeck/tapedeck/internal/storetest"
)

// BenchmarkCaptureParallel sends replayed posthog-js visits (the fixtures'
// eleven requests with fresh ids) through the capture handler from 8
// concurrent clients, on the store the tests run on (SQLite, or PostgreSQL
// with TAPEDECK_TEST_BACKEND=postgres) and a blob directory. Throughput is
// of the decompressed request bodies; it reports the median and 99th
// percentile time to the response.
func BenchmarkCaptureParallel(b *testing.B) {
	ctx := context.Background()
	tpl, err := benchdata.Load(fixtureDir, benchdata.VisitOrder)
	if err != nil {
		b.Fatal(err)
	}
	st := storetest.Open(b)
	blobs, err := blob.OpenDir(filepath.Join(b.TempDir(), "blobs"))
	if err != nil {
		b.Fatal(err)
	}
	defer blobs.Close()
	now := func() time.Time { return time.Date(2026, 11, 26, 3, 44, 0, 0, time.UTC) }
	accounts := account.Service{Store: st, Now: now}
	org, err := accounts.CreateOrganization(ctx, "Bench")
	if err != nil {
		b.Fatal(err)
	}
	p := store.Project{UUID: "01a21600-0000-7000-8000-0000000000be", OrganizationID: org.ID, Name: "Bench",
		APIToken: "phc_sharedfixture", Timezone: "UTC", CreatedAt: now()}
	if err := st.CreateProject(ctx, &p); err != nil {
		b.Fatal(err)
	}
	srv := httpapi.New(httpapi.Options{Store: st, Blobs: blobs, Now: now, Log: slog.New(slog.DiscardHandler)})

	const clients = 8
	b.SetBytes(int64(tpl.Size))
	var (
		mu        sync.Mutex
		latencies []time.Duration
	)
	seed := 0
	b.ResetTimer()
	for done := 0; done < b.N; {
		b.StopTimer()
		n := min(32, b.N-done)
		visits := make(chan []benchdata.Request, n)
		for range n {
			seed++
			visits <- tpl.Visit(seed)
		}
		close(visits)
		b.StartTimer()
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				var mine []time.Duration
				for v := range visits {
					for _, r := range v {
						start := time.Now()
						req := httptest.NewRequest("POST", r.Path+"?compression=gzip-js&ver=1.449.2", bytes.NewReader(r.Body))
						req.Header.Set("Content-Type", "text/plain")
						w := httptest.NewRecorder()
						srv.ServeHTTP(w, req)
						if w.Code != http.StatusOK {
							b.Errorf("%s: %d %s", r.Path, w.Code, w.Body)
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
		done += n
	}
	b.StopTimer()
	if len(latencies) > 0 {
		slices.Sort(latencies)
		q := func(f float64) float64 {
			return float64(latencies[int(f*float64(len(latencies)-1))].Microseconds()) / 1000
		}
		b.ReportMetric(q(0.5), "p50-ms")
		b.ReportMetric(q(0.99), "p99-ms")
	}
}
