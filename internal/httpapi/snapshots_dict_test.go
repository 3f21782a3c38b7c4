package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/blob"
	"github.com/tapedeck/tapedeck/internal/blockcodec"
	"github.com/tapedeck/tapedeck/internal/jobs"
	"github.com/tapedeck/tapedeck/internal/store"
)

// readEach reads a recording's n blocks one key at a time, the last first,
// and returns them joined in order.
func (e *env) readEach(session string, n int) []byte {
	e.t.Helper()
	parts := make([][]byte, n)
	for i := n - 1; i >= 0; i-- {
		parts[i] = e.snapshotJSONL(session, i, i)
	}
	return bytes.Join(parts, nil)
}

// compactEachBlock compacts the documentation visit's six blocks into
// six blob blocks, the first plain and the others compressed with its
// dictionary (under new blob keys, so no dictionary of theirs is cached),
// checks that they are, and returns their rows.
func (e *env) compactEachBlock(blobs blob.Store) []store.Block {
	e.t.Helper()
	ctx := context.Background()
	e.clock.Advance(2 * time.Hour)
	r := &jobs.Runner{Store: e.store, Blobs: blobs, Log: slog.New(slog.DiscardHandler), Now: e.clock.Now,
		CompactAfter: time.Hour, CompactBlockBytes: 1}
	if n, err := r.Compact(ctx); err != nil || n != 1 {
		e.t.Fatalf("compacted %d recordings (%v), want 1", n, err)
	}
	rows, err := e.store.BlockRange(ctx, e.projects["fx"].ID, docsSession, 0, 10)
	if err != nil || len(rows) != 6 {
		e.t.Fatalf("block rows: %d %v", len(rows), err)
	}
	for _, b := range rows {
		data, err := blobs.Get(ctx, b.BlobKey)
		if err != nil {
			e.t.Fatal(err)
		}
		n, err := blockcodec.FrameDictLen(data)
		if err != nil || (b.Seq == 0) != (n == 0) {
			e.t.Fatalf("block %d names a dictionary of %d bytes (%v)", b.Seq, n, err)
		}
	}
	return rows
}

func TestSnapshotsOfBlocksCompressedWithADictionary(t *testing.T) {
	t.Run("first block in the range", func(t *testing.T) {
		e, blobs := newSnapshotEnv(t)
		e.sendAll(2, 3, 4, 5, 6, 7)
		jsonl := e.snapshotJSONL(docsSession, 0, 5)
		e.compactEachBlock(blobs)
		// The dictionary is taken from the first block as it is served.
		if got := e.snapshotJSONL(docsSession, 0, 5); !bytes.Equal(got, jsonl) {
			t.Fatalf("blocks 0..5 after compaction: %d bytes, were %d", len(got), len(jsonl))
		}
		if got := e.readEach(docsSession, 6); !bytes.Equal(got, jsonl) {
			t.Fatalf("blocks read one by one after compaction: %d bytes, were %d", len(got), len(jsonl))
		}
	})
	t.Run("later blocks alone", func(t *testing.T) {
		e, blobs := newSnapshotEnv(t)
		e.sendAll(2, 3, 4, 5, 6, 7)
		jsonl := e.snapshotJSONL(docsSession, 0, 5)
		rows := e.compactEachBlock(blobs)
		// The first block is read from the stores for the dictionary.
		head := len(e.snapshotJSONL(docsSession, 0, 1))
		if got := e.snapshotJSONL(docsSession, 2, 5); !bytes.Equal(got, jsonl[head:]) {
			t.Fatalf("blocks 2..5 after compaction differ from before")
		}
		if got := e.readEach(docsSession, 6); !bytes.Equal(got, jsonl) {
			t.Fatalf("blocks read one by one after compaction: %d bytes, were %d", len(got), len(jsonl))
		}
		// Without its first block, a later block cannot be read: a 404
		// when it is the first of the range.
		e.moveFirstBlock(docsSession, rows)
		if res := e.do("GET", e.path("fx", "/session_recordings/"+docsSession+"/snapshots?source=blob_v2&start_blob_key=3&end_blob_key=3"),
			"alice", nil); res.status != 404 {
			t.Errorf("a block without its dictionary: %d %s", res.status, res.body)
		}
	})
}

// moveFirstBlock points the recording's first row at a blob key that is
// not stored (and so has no cached dictionary), keeping the others.
func (e *env) moveFirstBlock(session string, rows []store.Block) {
	e.t.Helper()
	ctx := context.Background()
	r, err := e.store.Recording(ctx, e.projects["fx"].ID, session)
	if err != nil {
		e.t.Fatal(err)
	}
	moved := append([]store.Block(nil), rows...)
	moved[0].BlobKey = fmt.Sprintf("%d/%s/gone.jsonl.zst", e.projects["fx"].ID, session)
	state := store.BlockState{BlockCount: r.BlockCount, LastIngestedAt: r.LastIngestedAt}
	if _, err := e.store.ReplaceBlocks(ctx, e.projects["fx"].ID, session, state, moved); err != nil {
		e.t.Fatal(err)
	}
}

func TestSnapshotsOfCompactedBlocksWithoutADictionary(t *testing.T) {
	e, blobs := newSnapshotEnv(t)
	e.sendAll(2, 3, 4, 5, 6, 7)
	jsonl := e.snapshotJSONL(docsSession, 0, 5)
	// Blocks moved to the blob store as they are, plain zstd frames, as
	// compaction wrote them before it used dictionaries.
	ctx := context.Background()
	rows, err := e.store.BlockRange(ctx, e.projects["fx"].ID, docsSession, 0, 10)
	if err != nil || len(rows) != 6 {
		t.Fatalf("block rows: %d %v", len(rows), err)
	}
	for i, b := range rows {
		b.BlobKey = fmt.Sprintf("%d/%s/plain-%d.jsonl.zst", e.projects["fx"].ID, docsSession, i)
		if err := blobs.Put(ctx, b.BlobKey, b.Data); err != nil {
			t.Fatal(err)
		}
		if n, err := blockcodec.FrameDictLen(b.Data); n != 0 || err != nil {
			t.Fatalf("block %d names a dictionary of %d bytes (%v)", i, n, err)
		}
		b.Data = nil
		rows[i] = b
	}
	r, err := e.store.Recording(ctx, e.projects["fx"].ID, docsSession)
	if err != nil {
		t.Fatal(err)
	}
	state := store.BlockState{BlockCount: r.BlockCount, LastIngestedAt: r.LastIngestedAt}
	if _, err := e.store.ReplaceBlocks(ctx, e.projects["fx"].ID, docsSession, state, rows); err != nil {
		t.Fatal(err)
	}
	if got := e.snapshotJSONL(docsSession, 0, 5); !bytes.Equal(got, jsonl) {
		t.Fatalf("blocks 0..5 from the blob store: %d bytes, were %d", len(got), len(jsonl))
	}
	if got := e.readEach(docsSession, 6); !bytes.Equal(got, jsonl) {
		t.Fatalf("blocks read one by one from the blob store: %d bytes, were %d", len(got), len(jsonl))
	}
}
