package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
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

	benchdata.Drive(b, tpl, 8, func(r benchdata.Request) error {
		req := httptest.NewRequest("POST", r.Path+"?compression=gzip-js&ver=1.449.2", bytes.NewReader(r.Body))
		req.Header.Set("Content-Type", "text/plain")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			return fmt.Errorf("%s: %d %s", r.Path, w.Code, w.Body)
		}
		return nil
	})
}
