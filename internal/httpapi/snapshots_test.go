package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/tapedeck/tapedeck/internal/blob"
	"github.com/tapedeck/tapedeck/internal/httpapi"
	"github.com/tapedeck/tapedeck/internal/jobs"
)

// newSnapshotEnv is a capture env (see newCaptureEnv) that also hands out
// its blob store.
func newSnapshotEnv(t *testing.T) (*env, blob.Store) {
	var blobs blob.Store
	e := newEnv(t, func(o *httpapi.Options) { blobs = o.Blobs })
	e.clock.t = time.Date(2026, 11, 26, 3, 44, 0, 0, time.UTC)
	return e, blobs
}

type snapshotSource struct {
	Source         string `json:"source"`
	BlobKey        string `json:"blob_key"`
	StartTimestamp string `json:"start_timestamp"`
	EndTimestamp   string `json:"end_timestamp"`
}

func (e *env) sources(session string) []snapshotSource {
	e.t.Helper()
	r := e.do("GET", e.path("fx", "/session_recordings/"+session+"/snapshots"), "alice", nil)
	var list struct {
		Sources []snapshotSource `json:"sources"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &list) != nil {
		e.t.Fatalf("sources: %d %s", r.status, r.body)
	}
	return list.Sources
}

// snapshotJSONL reads blocks start..end, failing the test unless it gets 200.
func (e *env) snapshotJSONL(session string, start, end int) []byte {
	e.t.Helper()
	r := e.do("GET", e.path("fx", fmt.Sprintf("/session_recordings/%s/snapshots?source=blob_v2&start_blob_key=%d&end_blob_key=%d",
		session, start, end)), "alice", nil)
	if r.status != 200 || r.header.Get("Content-Type") != "application/jsonl" {
		e.t.Fatalf("blocks %d..%d: %d %s", start, end, r.status, r.body)
	}
	return r.body
}

func TestSnapshotsAfterCompaction(t *testing.T) {
	e, blobs := newSnapshotEnv(t)
	e.sendAll(2, 3, 4, 5, 6, 7, 11)
	before := e.sources(docsSession)
	if len(before) != 6 {
		t.Fatalf("%d sources, want 6", len(before))
	}
	jsonl := e.snapshotJSONL(docsSession, 0, 5)
	// Before compaction the blocks are inline, served as their rows hold them.
	inline, err := e.store.BlockRange(context.Background(), e.projects["fx"].ID, docsSession, 0, 6)
	if err != nil || len(inline) != 6 {
		t.Fatalf("block rows: %d %v", len(inline), err)
	}
	dec, _ := zstd.NewReader(nil)
	defer dec.Close()
	var rows []byte
	for _, b := range inline {
		if b.BlobKey != "" || b.Data == nil {
			t.Fatalf("block %d before compaction: key %q, %d inline bytes", b.Seq, b.BlobKey, len(b.Data))
		}
		if rows, err = dec.DecodeAll(b.Data, rows); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(rows, jsonl) {
		t.Fatalf("served %d bytes of JSONL, the inline blocks hold %d", len(jsonl), len(rows))
	}
	var parts [][]byte
	for i := range before {
		parts = append(parts, e.snapshotJSONL(docsSession, i, i))
	}
	if !bytes.Equal(bytes.Join(parts, nil), jsonl) {
		t.Fatal("blocks read one by one differ from the range")
	}

	e.clock.Advance(2 * time.Hour)
	r := &jobs.Runner{Store: e.store, Blobs: blobs, Log: slog.New(slog.DiscardHandler), Now: e.clock.Now,
		CompactAfter: time.Hour}
	if n, err := r.Compact(context.Background()); err != nil || n != 2 {
		t.Fatalf("compacted %d recordings (%v), want 2", n, err)
	}
	// One block now, listed as the six it replaced.
	rows2, err := e.store.Blocks(context.Background(), e.projects["fx"].ID, docsSession)
	if err != nil || len(rows2) != 1 || len(rows2[0].Segments) != 6 {
		t.Fatalf("block rows after compaction: %+v (%v), want one of 6 segments", rows2, err)
	}
	e.checkKeys(docsSession, before, parts, "after compaction")
	if got := e.snapshotJSONL(docsSession, 0, 5); !bytes.Equal(got, jsonl) {
		t.Fatalf("JSONL after compaction: %d bytes, was %d", len(got), len(jsonl))
	}
}

func TestSnapshotBlockErrors(t *testing.T) {
	e, blobs := newSnapshotEnv(t)
	e.sendAll(2, 3, 4, 5)
	ctx := context.Background()
	// Compaction with a one-byte limit moves each block to the blob store
	// as a block of its own.
	e.clock.Advance(2 * time.Hour)
	r := &jobs.Runner{Store: e.store, Blobs: blobs, Log: slog.New(slog.DiscardHandler), Now: e.clock.Now,
		CompactAfter: time.Hour, CompactBlockBytes: 1}
	if n, err := r.Compact(ctx); err != nil || n != 1 {
		t.Fatalf("compacted %d recordings (%v), want 1", n, err)
	}
	blocks, err := e.store.Blocks(ctx, e.projects["fx"].ID, docsSession)
	if err != nil || len(blocks) != 4 {
		t.Fatalf("blocks: %d %v", len(blocks), err)
	}
	for _, b := range blocks {
		if b.BlobKey == "" {
			t.Fatalf("block %d is still inline", b.Seq)
		}
	}
	first := e.snapshotJSONL(docsSession, 0, 0)
	snaps := e.path("fx", "/session_recordings/"+docsSession+"/snapshots?source=blob_v2")

	// A block whose blob is gone: 404 when it comes first.
	if err := blobs.Delete(ctx, blocks[1].BlobKey); err != nil {
		t.Fatal(err)
	}
	run(t, e, []scenario{
		{"missing block first", "GET", snaps + "&start_blob_key=1&end_blob_key=2", "alice", nil, 404,
			map[string]any{"detail": "The recording's snapshot data is missing from the blob store."}},
	})
	// After the first block: the transfer breaks off after the blocks before.
	req, _ := http.NewRequest("GET", e.srv.URL+snaps+"&start_blob_key=0&end_blob_key=3", nil)
	req.Header.Set("Authorization", "Bearer "+e.keys["alice"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || err == nil || !bytes.Equal(body, first) {
		t.Errorf("missing second block: %d, %d bytes (%v); want 200, the first block's %d bytes and a broken transfer",
			resp.StatusCode, len(body), err, len(first))
	}

	// A block that cannot be decompressed: 503 when it comes first.
	if err := blobs.Put(ctx, blocks[2].BlobKey, []byte("not zstd at all")); err != nil {
		t.Fatal(err)
	}
	run(t, e, []scenario{
		{"unreadable block first", "GET", snaps + "&start_blob_key=2&end_blob_key=3", "alice", nil, 503, nil},
		{"blocks after it are fine", "GET", snaps + "&start_blob_key=3&end_blob_key=3", "alice", nil, 200, nil},
	})
}
