package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/tapedeck/tapedeck/internal/store"
)

// A compacted block's segments are listed as sources of their own, and a
// range of source keys comes back as the blocks that hold it with the
// byte ranges of the keys asked for.
func TestConformanceSourceRange(t *testing.T) {
	conform(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, p, _ := seed(t, s)
		segs := []store.Segment{{FirstTS: 1_000, LastTS: 1_500, RawBytes: 10}, {FirstTS: 1_200, LastTS: 1_900, RawBytes: 20},
			{FirstTS: 1_900, LastTS: 2_000, RawBytes: 5}}
		storeRecording(t, s, []store.Block{
			{ProjectID: p.ID, SessionID: "r1", Seq: 0, BlobKey: "k/a", FirstTS: 1_000, LastTS: 2_000, RawBytes: 35,
				Segments: segs, CreatedAt: now},
			{ProjectID: p.ID, SessionID: "r1", Seq: 1, Data: []byte("x"), FirstTS: 2_500, LastTS: 3_000, RawBytes: 7, CreatedAt: now},
			{ProjectID: p.ID, SessionID: "r1", Seq: 2, BlobKey: "k/c", FirstTS: 3_000, LastTS: 4_000, RawBytes: 9,
				Segments:  []store.Segment{{FirstTS: 3_000, LastTS: 3_100, RawBytes: 4}, {FirstTS: 3_500, LastTS: 4_000, RawBytes: 5}},
				CreatedAt: now},
		})
		list, err := s.Blocks(ctx, p.ID, "r1")
		must(t, err)
		if len(list) != 3 || !slices.Equal(list[0].Segments, segs) || list[1].Segments != nil ||
			!slices.Equal(list[1].Sources(), []store.Segment{{FirstTS: 2_500, LastTS: 3_000, RawBytes: 7}}) {
			t.Fatalf("blocks: %+v", list)
		}

		// Sources 0-2 are block 0's segments, 3 is block 1, 4-5 block 2's.
		type part struct {
			seq      int
			from, to int64
		}
		for _, c := range []struct {
			first, n int
			want     []part
		}{
			{0, 6, []part{{0, 0, 35}, {1, 0, 7}, {2, 0, 9}}},
			{1, 1, []part{{0, 10, 30}}},
			{2, 2, []part{{0, 30, 35}, {1, 0, 7}}},
			{3, 1, []part{{1, 0, 7}}},
			{2, 3, []part{{0, 30, 35}, {1, 0, 7}, {2, 0, 4}}},
			{5, 1, []part{{2, 4, 9}}},
		} {
			parts, err := s.SourceRange(ctx, p.ID, "r1", c.first, c.n)
			must(t, err)
			var got []part
			for _, sp := range parts {
				got = append(got, part{sp.Seq, sp.From, sp.To})
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("sources %d+%d: %v, want %v", c.first, c.n, got, c.want)
			}
			if len(parts) > 0 && parts[0].Seq == 1 && string(parts[0].Data) != "x" {
				t.Errorf("sources %d+%d: the inline block without its bytes", c.first, c.n)
			}
		}
		for _, c := range [][2]int{{5, 2}, {6, 1}} {
			if _, err := s.SourceRange(ctx, p.ID, "r1", c[0], c[1]); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("sources %d+%d: %v, want ErrNotFound", c[0], c[1], err)
			}
		}
	})
}

// storeRecording writes a recording that spans blocks, with those blocks.
func storeRecording(t *testing.T, s *store.Store, blocks []store.Block) {
	t.Helper()
	ctx := context.Background()
	first, last := blocks[0], blocks[len(blocks)-1]
	r := store.Recording{ProjectID: first.ProjectID, SessionID: first.SessionID, DistinctID: "anon", FirstTS: first.FirstTS,
		LastTS: last.LastTS, SnapshotSource: "web", Activity: []byte{}, BlockCount: len(blocks), CreatedAt: now,
		LastIngestedAt: now}
	must(t, s.Write(ctx, func(tx *store.Tx) error {
		if err := tx.PutRecording(ctx, &r); err != nil {
			return err
		}
		for _, b := range blocks {
			if err := tx.InsertBlock(ctx, b); err != nil {
				return err
			}
		}
		return nil
	}))
}
