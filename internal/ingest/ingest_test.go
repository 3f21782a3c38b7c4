package ingest

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/tapedeck/tapedeck/internal/capture"
	"github.com/tapedeck/tapedeck/internal/store"
	"github.com/tapedeck/tapedeck/internal/storetest"
)

// The ingest tests run on SQLite, or on PostgreSQL when
// TAPEDECK_TEST_BACKEND=postgres.
func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

const fixtureDir = "../../../shared/fixtures/posthog-js"

// fixtureNow stands just after the fixtures were recorded.
var fixtureNow = time.Date(2026, 11, 26, 3, 44, 0, 0, time.UTC)

func newService(t testing.TB) (*Service, *store.Store, store.Project) {
	t.Helper()
	st := storetest.Open(t)
	p := addProject(t, st, "phc_sharedfixture")
	return New(st, func() time.Time { return fixtureNow }), st, p
}

// addProject creates an organization and a project with the token in st.
func addProject(t testing.TB, st *store.Store, token string) store.Project {
	t.Helper()
	ctx := context.Background()
	org := store.Organization{ID: "01a21600-0000-7000-8000-00000000000a", Name: "o", CreatedAt: fixtureNow}
	if err := st.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	p := store.Project{UUID: "01a21600-0000-7000-8000-00000000000b", OrganizationID: org.ID, Name: "p",
		APIToken: token, Timezone: "UTC", CreatedAt: fixtureNow}
	if err := st.CreateProject(ctx, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// decodeFixture reads fixture n as the capture endpoint would.
func decodeFixture(t testing.TB, n int) ([]capture.Recording, []capture.Event, int) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(fixtureDir, fmt.Sprintf("%03d.body", n)))
	if err != nil {
		t.Fatal(err)
	}
	lim := capture.Limits{MaxDecompressedBytes: 64 << 20}
	events, err := capture.Decode(body, "text/plain", url.Values{"compression": {"gzip-js"}}, lim)
	if err != nil {
		t.Fatal(err)
	}
	recs, others, err := capture.Snapshots(events, lim)
	if err != nil {
		t.Fatal(err)
	}
	return recs, others, len(body)
}

// TestStorageRatio ingests the fixtures' recordings and compares what the
// store holds with what arrived on the wire (posthog-js's gzip). The
// SDK compresses full snapshots inside the events; blocks hold them
// expanded and compressed again with zstd.
func TestStorageRatio(t *testing.T) {
	svc, st, p := newService(t)
	ctx := context.Background()
	var wire, stored, raw int64
	for _, n := range []int{2, 3, 4, 5, 6, 7, 11} {
		recs, others, size := decodeFixture(t, n)
		res, err := svc.Ingest(ctx, p, recs, others)
		if err != nil {
			t.Fatal(err)
		}
		if res.Blocks == 0 {
			t.Fatalf("fixture %03d stored no block", n)
		}
		wire += int64(size)
		stored += res.StoredBytes
		raw += res.RawBytes
	}
	ratio := float64(stored) / float64(wire)
	t.Logf("wire (gzip as received) %d B, stored blocks %d B, expanded JSONL %d B: stored/wire = %.2f, JSONL/stored = %.1f×",
		wire, stored, raw, ratio, float64(raw)/float64(stored))
	if ratio > 1.0 {
		t.Errorf("blocks take more room than the requests as received: %.2f", ratio)
	}
	r, err := st.Recording(ctx, p.ID, "01a215f3-0951-7cb2-95cc-05c3a05c2d8f")
	if err != nil {
		t.Fatal(err)
	}
	if r.BlockCount != 6 || r.StoredBytes <= 0 || r.RawBytes <= r.StoredBytes {
		t.Errorf("recording aggregate: %d blocks, %d raw, %d stored", r.BlockCount, r.RawBytes, r.StoredBytes)
	}
}

// TestIngestIsAtomic checks that a request whose metadata cannot be
// committed fails as a transient error (capture answers 503, the SDK sends
// again): its blocks were to be committed with the rows, so nothing of it
// is left anywhere.
func TestIngestIsAtomic(t *testing.T) {
	svc, st, p := newService(t)
	recs, others, _ := decodeFixture(t, 11)
	st.Close() // every statement now fails
	if _, err := svc.Ingest(context.Background(), p, recs, others); !IsTransient(err) {
		t.Fatalf("ingest into a closed store: %v, want a transient error", err)
	}
}

// TestBlocksAreInline checks that ingest keeps each block's bytes in its
// row, that they decompress to the JSONL the request carried, and that a
// retried request adds no block.
func TestBlocksAreInline(t *testing.T) {
	svc, st, p := newService(t)
	ctx := context.Background()
	recs, others, _ := decodeFixture(t, 11)
	res, err := svc.Ingest(ctx, p, recs, others)
	if err != nil {
		t.Fatal(err)
	}
	if res.Blocks == 0 {
		t.Fatal("no block stored")
	}
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var blocks int
	var raw, stored int64
	for _, rec := range recs {
		r, err := st.Recording(ctx, p.ID, rec.SessionID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := st.BlockRange(ctx, p.ID, rec.SessionID, 0, r.BlockCount)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range got {
			if b.BlobKey != "" || b.Data == nil {
				t.Fatalf("block %s/%d: blob key %q, %d inline bytes; want an inline block", b.SessionID, b.Seq, b.BlobKey, len(b.Data))
			}
			jsonl, err := dec.DecodeAll(b.Data, nil)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(jsonl)) != b.RawBytes || int64(len(b.Data)) != b.StoredBytes {
				t.Errorf("block %s/%d: %d bytes of JSONL in %d, the row says %d in %d", b.SessionID, b.Seq,
					len(jsonl), len(b.Data), b.RawBytes, b.StoredBytes)
			}
			if !bytes.HasPrefix(jsonl, []byte(`["`)) || !bytes.HasSuffix(jsonl, []byte("]\n")) {
				t.Errorf("block %s/%d does not hold JSONL lines: %.60q", b.SessionID, b.Seq, jsonl)
			}
			blocks++
			raw += b.RawBytes
			stored += b.StoredBytes
		}
	}
	if blocks != res.Blocks || raw != res.RawBytes || stored != res.StoredBytes {
		t.Errorf("%d rows, %d raw, %d stored; the result says %+v", blocks, raw, stored, res)
	}
	again, err := svc.Ingest(ctx, p, recs, others)
	if err != nil {
		t.Fatal(err)
	}
	if again.Blocks != 0 || again.Duplicates != res.Blocks {
		t.Errorf("a retry: %+v, want no block and %d duplicates", again, res.Blocks)
	}
}

func BenchmarkIngestFixtureSession(b *testing.B) {
	var batches [][]capture.Recording
	var size int64
	for _, n := range []int{2, 3, 4, 5, 6, 7} {
		recs, _, _ := decodeFixture(b, n)
		batches = append(batches, recs)
		for _, r := range recs {
			for _, ev := range r.Events {
				size += int64(len(ev))
			}
		}
	}
	svc, _, p := newService(b)
	b.SetBytes(size)
	b.ResetTimer()
	for i := range b.N {
		for _, recs := range batches {
			// A fresh session each round, so every round stores its blocks.
			round := make([]capture.Recording, len(recs))
			for j, r := range recs {
				r.SessionID = fmt.Sprintf("bench-%d", i)
				r.UUIDs = nil
				round[j] = r
			}
			if _, err := svc.Ingest(context.Background(), p, round, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func TestSnapshotSource(t *testing.T) {
	for in, want := range map[string]string{"": "web", "web": "web", "mobile": "mobile", "android": "unknown", "WEB": "unknown"} {
		if got := snapshotSource(in); got != want {
			t.Errorf("snapshotSource(%q) = %q, want %q", in, got, want)
		}
	}
}
