package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/jobs"
)

// keyJSONL reads every source of a recording one key at a time.
func (e *env) keyJSONL(session string, sources []snapshotSource) [][]byte {
	e.t.Helper()
	out := make([][]byte, len(sources))
	for i := range sources {
		out[i] = e.snapshotJSONL(session, i, i)
	}
	return out
}

// checkKeys checks that the recording lists the sources want and serves
// each key, and each range of keys, as keys does: the bytes of the keys
// in order, nothing more.
func (e *env) checkKeys(session string, want []snapshotSource, keys [][]byte, when string) {
	e.t.Helper()
	if got := e.sources(session); !slices.Equal(got, want) {
		e.t.Fatalf("%s: sources %+v, want %+v", when, got, want)
	}
	for i := range keys {
		for j := i; j < len(keys); j++ {
			if got := e.snapshotJSONL(session, i, j); !bytes.Equal(got, bytes.Join(keys[i:j+1], nil)) {
				e.t.Errorf("%s: keys %d..%d: %d bytes, want %d", when, i, j, len(got), len(bytes.Join(keys[i:j+1], nil)))
			}
		}
	}
	past := fmt.Sprintf("/session_recordings/%s/snapshots?source=blob_v2&start_blob_key=%d&end_blob_key=%d", session,
		len(keys)-1, len(keys))
	if r := e.do("GET", e.path("fx", past), "alice", nil); r.status != 404 {
		e.t.Errorf("%s: a range past the last key: %d", when, r.status)
	}
}

func TestSnapshotKeysKeepTheirEventsAcrossCompaction(t *testing.T) {
	e, blobs := newSnapshotEnv(t)
	ctx := context.Background()
	e.sendAll(2, 3, 4, 5)
	before := e.sources(docsSession)
	keys := e.keyJSONL(docsSession, before)
	whole := e.snapshotJSONL(docsSession, 0, len(before)-1)
	if len(before) < 3 || !bytes.Equal(bytes.Join(keys, nil), whole) {
		t.Fatalf("%d sources; the keys one by one make %d bytes, the whole recording %d", len(before),
			len(bytes.Join(keys, nil)), len(whole))
	}
	rows, err := e.store.Blocks(ctx, e.projects["fx"].ID, docsSession)
	if err != nil {
		t.Fatal(err)
	}
	var raw int64
	for _, b := range rows {
		raw += b.RawBytes
	}

	// Compacted into blocks of about half the recording each, so that a
	// range of keys can start or end inside a compacted block.
	e.clock.Advance(2 * time.Hour)
	r := &jobs.Runner{Store: e.store, Blobs: blobs, Log: slog.New(slog.DiscardHandler), Now: e.clock.Now,
		CompactAfter: time.Hour, CompactBlockBytes: int(raw / 2)}
	if n, err := r.Compact(ctx); err != nil || n != 1 {
		t.Fatalf("compacted %d recordings (%v), want 1", n, err)
	}
	rows, err = e.store.Blocks(ctx, e.projects["fx"].ID, docsSession)
	if err != nil || len(rows) < 2 || len(rows) >= len(before) || rows[0].BlobKey == "" {
		t.Fatalf("after compaction: %d blocks (%v), want from 2 to %d in the blob store", len(rows), err, len(before)-1)
	}
	e.checkKeys(docsSession, before, keys, "after compaction")

	// Later batches add keys after the old ones; compacting the segmented
	// blocks with them again keeps every key.
	e.sendAll(6, 7, 11)
	later := e.sources(docsSession)
	if len(later) <= len(before) || !slices.Equal(later[:len(before)], before) {
		t.Fatalf("sources after later batches: %+v, want %+v and more", later, before)
	}
	laterKeys := e.keyJSONL(docsSession, later)
	e.checkKeys(docsSession, later, laterKeys, "later batches")
	e.clock.Advance(2 * time.Hour)
	r.CompactBlockBytes = 0
	if n, err := r.Compact(ctx); err != nil || n != 2 {
		t.Fatalf("compacted again %d recordings (%v), want 2 (with the form session)", n, err)
	}
	if rows, err = e.store.Blocks(ctx, e.projects["fx"].ID, docsSession); err != nil || len(rows) != 1 {
		t.Fatalf("compacted again: %d blocks (%v), want 1", len(rows), err)
	}
	e.checkKeys(docsSession, later, laterKeys, "compacted again")
	if !bytes.Equal(bytes.Join(laterKeys[:len(keys)], nil), whole) {
		t.Error("the first keys changed their events")
	}
}
