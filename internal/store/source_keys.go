package store

import (
	"context"
	"database/sql"
	"fmt"
)

// SourcePart is a block that holds some of the snapshot sources asked
// for, and where they are in its JSONL: bytes From to To.
type SourcePart struct {
	Block
	From, To int64
}

// SourceRange returns the blocks that hold a recording's snapshot sources
// first to first+n-1, numbered as the sources list numbers them (each
// block's Sources, the blocks in Blocks order), inline blocks with their
// bytes, each with the part of its JSONL those sources take. Compaction
// keeps the sources of the blocks it rewrites as segments, so a key keeps
// its events across it. Both reads see one snapshot of the store, so that
// a compaction committed between them cannot mix two numberings. A range
// past the last source is ErrNotFound.
func (s *Store) SourceRange(ctx context.Context, projectID int64, sessionID string, first, n int) ([]SourcePart, error) {
	tx, err := s.read.BeginTx(ctx, s.snapshot())
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	spans, err := sourceSpans(ctx, tx, s.rebind, projectID, sessionID)
	if err != nil {
		return nil, err
	}
	parts, offset, ok := locateSources(spans, first, n)
	if !ok {
		return nil, ErrNotFound
	}
	blocks, err := blockRange(ctx, tx, s.rebind, projectID, sessionID, offset, len(parts))
	if err != nil {
		return nil, err
	}
	if len(blocks) != len(parts) {
		return nil, fmt.Errorf("store: %d block rows of %s, %d expected", len(blocks), sessionID, len(parts))
	}
	for i, b := range blocks {
		parts[i].Block = b
	}
	return parts, nil
}

// sourceSpan is what locating sources needs of a block: its JSONL length
// and its segments.
type sourceSpan struct {
	rawBytes int64
	segments []Segment
}

// sourceSpans reads every block's sourceSpan, in Blocks order.
func sourceSpans(ctx context.Context, tx *sql.Tx, rebind func(string) string, projectID int64, sessionID string) ([]sourceSpan, error) {
	rows, err := tx.QueryContext(ctx, rebind(`SELECT raw_bytes, segments FROM recording_blocks
		WHERE project_id = ? AND session_id = ? ORDER BY first_ts, seq`), projectID, sessionID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (sourceSpan, error) {
		var sp sourceSpan
		var segments []byte
		err := sc.Scan(&sp.rawBytes, &segments)
		if err == nil {
			sp.segments, err = decodeSegments(segments)
		}
		return sp, err
	})
}

// locateSources finds sources first to first+n-1 in blocks: the parts
// (without their rows) of the blocks that hold them, the position of the
// first of those blocks, and whether the blocks hold that many sources.
func locateSources(blocks []sourceSpan, first, n int) (parts []SourcePart, offset int, ok bool) {
	end := first + n // past the last source asked for
	key := 0
	for i, b := range blocks {
		count := max(1, len(b.segments))
		if key+count <= first {
			key += count
			continue
		}
		if parts == nil {
			offset = i
		}
		p := SourcePart{To: b.rawBytes}
		if len(b.segments) > 0 {
			var pos int64
			p.To = -1
			for j, seg := range b.segments {
				if key+j == first {
					p.From = pos
				}
				pos += seg.RawBytes
				if key+j == end-1 {
					p.To = pos
				}
			}
			if p.To < 0 {
				p.To = pos
			}
		}
		parts = append(parts, p)
		key += count
		if key >= end {
			return parts, offset, true
		}
	}
	return nil, 0, false
}
