package store_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/tapedeck/tapedeck/internal/store"
)

// A block row holds either a blob key or its bytes inline: the range read
// returns inline bytes, the list does not, compaction's swap and deleting
// a recording return only the keys of blocks in the blob store.
func TestConformanceInlineBlocks(t *testing.T) {
	conform(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, p, _ := seed(t, s)
		inline := []byte("\x28\xb5\x2f\xfd inline bytes \x00\xff")
		r := store.Recording{ProjectID: p.ID, SessionID: "r1", DistinctID: "anon", FirstTS: 1_000, LastTS: 3_000,
			SnapshotSource: "web", Activity: []byte{}, BlockCount: 2, CreatedAt: now, LastIngestedAt: now}
		must(t, s.Write(ctx, func(tx *store.Tx) error {
			if err := tx.PutRecording(ctx, &r); err != nil {
				return err
			}
			for _, b := range []store.Block{
				{ProjectID: p.ID, SessionID: "r1", Seq: 0, BlobKey: "k/a", FirstTS: 1_000, LastTS: 2_000, StoredBytes: 5, CreatedAt: now},
				{ProjectID: p.ID, SessionID: "r1", Seq: 1, Data: inline, FirstTS: 2_000, LastTS: 3_000,
					StoredBytes: int64(len(inline)), CreatedAt: now},
			} {
				if err := tx.InsertBlock(ctx, b); err != nil {
					return err
				}
			}
			return nil
		}))
		for _, bad := range []store.Block{
			{ProjectID: p.ID, SessionID: "r1", Seq: 2},
			{ProjectID: p.ID, SessionID: "r1", Seq: 2, BlobKey: "k/c", Data: inline},
		} {
			if err := s.Write(ctx, func(tx *store.Tx) error { return tx.InsertBlock(ctx, bad) }); err == nil {
				t.Errorf("a block with key %q and %d inline bytes was stored", bad.BlobKey, len(bad.Data))
			}
		}

		got, err := s.BlockRange(ctx, p.ID, "r1", 0, 10)
		must(t, err)
		if len(got) != 2 || got[0].BlobKey != "k/a" || got[0].Data != nil || got[1].BlobKey != "" || !bytes.Equal(got[1].Data, inline) {
			t.Fatalf("block range: %+v", got)
		}
		list, err := s.Blocks(ctx, p.ID, "r1")
		must(t, err)
		if len(list) != 2 || list[1].Data != nil || list[1].BlobKey != "" {
			t.Errorf("blocks list: %+v", list)
		}
		data, err := s.BlockData(ctx, p.ID, "r1", 1)
		if err != nil || !bytes.Equal(data, inline) {
			t.Errorf("inline block data: %q %v", data, err)
		}
		if data, err := s.BlockData(ctx, p.ID, "r1", 0); err != nil || data != nil {
			t.Errorf("data of a block in the blob store: %q %v", data, err)
		}
		_, err = s.BlockData(ctx, p.ID, "r1", 9)
		wantErr(t, "data of a missing block", err, store.ErrNotFound)

		// Compaction's swap: rows and inline data replaced, only the blob key returned.
		state := store.BlockState{BlockCount: 2, LastIngestedAt: now}
		old, err := s.ReplaceBlocks(ctx, p.ID, "r1", state, []store.Block{
			{BlobKey: "k/compacted", FirstTS: 1_000, LastTS: 3_000, StoredBytes: 7, CreatedAt: now}})
		must(t, err)
		if len(old) != 1 || old[0] != "k/a" {
			t.Errorf("keys replaced: %q, want [k/a]", old)
		}
		got, err = s.BlockRange(ctx, p.ID, "r1", 0, 10)
		must(t, err)
		if len(got) != 1 || got[0].BlobKey != "k/compacted" || got[0].Data != nil {
			t.Errorf("blocks after the swap: %+v", got)
		}

		// An inline-only recording deletes with no key to remove.
		r2 := store.Recording{ProjectID: p.ID, SessionID: "r2", DistinctID: "anon", FirstTS: 1_000, LastTS: 2_000,
			SnapshotSource: "web", Activity: []byte{}, BlockCount: 1, CreatedAt: now, LastIngestedAt: now}
		must(t, s.Write(ctx, func(tx *store.Tx) error {
			if err := tx.PutRecording(ctx, &r2); err != nil {
				return err
			}
			return tx.InsertBlock(ctx, store.Block{ProjectID: p.ID, SessionID: "r2", Seq: 0, Data: inline,
				StoredBytes: int64(len(inline)), CreatedAt: now})
		}))
		keys, err := s.DeleteRecording(ctx, p.ID, "r2")
		must(t, err)
		if len(keys) != 0 {
			t.Errorf("deleting an inline-only recording returned keys %q", keys)
		}
		if got, err := s.BlockRange(ctx, p.ID, "r2", 0, 10); err != nil || len(got) != 0 {
			t.Errorf("blocks of the deleted recording: %+v %v", got, err)
		}
	})
}
