package bench

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/account"
	"github.com/tapedeck/tapedeck/internal/blob"
	"github.com/tapedeck/tapedeck/internal/httpapi"
	"github.com/tapedeck/tapedeck/internal/ingest/benchdata"
	"github.com/tapedeck/tapedeck/internal/store"
	"github.com/tapedeck/tapedeck/internal/storetest"
)

// ingestPool is the batches BenchmarkIngestHandler sends, made once per
// process.
var (
	ingestPoolOnce sync.Once
	ingestPool     []captureBatch
	ingestPoolErr  error
)

// BenchmarkIngestHandler sends the ingest scenario's batches through the
// capture handler in process, from 8 concurrent clients, on a fresh SQLite
// store: the server's side of `tapedeck bench ingest` without HTTP
// connections or a second process. Throughput is of rrweb JSON; cpu-us/op
// is the process's CPU time per batch.
func BenchmarkIngestHandler(b *testing.B) {
	ctx := context.Background()
	st := storetest.OpenSQLite(b)
	blobs, err := blob.OpenDir(filepath.Join(b.TempDir(), "blobs"))
	if err != nil {
		b.Fatal(err)
	}
	defer blobs.Close()
	accounts := account.Service{Store: st, Now: time.Now}
	org, err := accounts.CreateOrganization(ctx, "Bench")
	if err != nil {
		b.Fatal(err)
	}
	p := store.Project{UUID: "01a21600-0000-7000-8000-0000000000be", OrganizationID: org.ID, Name: "Bench",
		APIToken: "phc_bench", Timezone: "UTC", CreatedAt: time.Now()}
	if err := st.CreateProject(ctx, &p); err != nil {
		b.Fatal(err)
	}
	srv := httpapi.New(httpapi.Options{Store: st, Blobs: blobs, Log: slog.New(slog.DiscardHandler)})
	ingestPoolOnce.Do(func() {
		var seed uint64 = 1
		ingestPool, ingestPoolErr = batchPool("phc_bench", 8000, &seed)
	})
	if ingestPoolErr != nil {
		b.Fatal(ingestPoolErr)
	}
	pool := ingestPool
	// Batches past the pool's end are sent again, and skipped as retries.
	var rrweb int64
	for _, x := range pool {
		rrweb += x.RRWeb
	}
	b.SetBytes(rrweb / int64(len(pool)))
	var next atomic.Int64
	b.ResetTimer()
	cpu := benchdata.ProcessCPU()
	defer func() {
		b.ReportMetric(float64((benchdata.ProcessCPU()-cpu).Microseconds())/float64(b.N), "cpu-us/op")
	}()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				x := pool[i%int64(len(pool))]
				req := httptest.NewRequest("POST", "/s/?compression=gzip-js&ver="+sdkVersion, bytes.NewReader(x.Body))
				req.Header.Set("Content-Type", "text/plain")
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Error(w.Code, w.Body.String())
					return
				}
			}
		})
	}
	wg.Wait()
}
