package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/tapedeck/tapedeck/internal/apierror"
	"github.com/tapedeck/tapedeck/internal/blob"
	"github.com/tapedeck/tapedeck/internal/blockcodec"
	"github.com/tapedeck/tapedeck/internal/store"
)

// Snapshot key limits per request: PostHog allows fewer with a personal
// API key than from its own app, whose requests carry a session cookie.
const (
	maxBlobKeysPersonalKey = 20
	maxBlobKeysSession     = 100
)

// snapshotWriteBytes is how much decompressed JSONL the snapshots endpoint
// gathers before writing it to the client: small blocks are sent
// together, large ones in one write each.
const snapshotWriteBytes = 256 << 10

// maxPooledSnapshotBuffer is the largest buffer kept for the next request
// (a compacted block fits).
const maxPooledSnapshotBuffer = 16 << 20

// snapshotBuffers holds the buffers blocks are decompressed into.
var snapshotBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, snapshotWriteBytes)
	return &b
}}

// getSnapshots lists a recording's snapshot sources, or streams a range of
// its blocks as JSONL lines [window_id, event].
func (s *Server) getSnapshots(c *call) error {
	r, err := s.loadRecording(c)
	if err != nil {
		return err
	}
	q := c.r.URL.Query()
	source := q.Get("source")
	if source == "" {
		blocks, err := s.store.Blocks(c.r.Context(), c.project.ID, r.SessionID)
		if err != nil {
			return err
		}
		type sourceJSON struct {
			Source         string    `json:"source"`
			BlobKey        string    `json:"blob_key"`
			StartTimestamp timestamp `json:"start_timestamp"`
			EndTimestamp   timestamp `json:"end_timestamp"`
		}
		// A key is a source's position: a compacted block holds the
		// sources of the blocks it replaced, so the keys stay.
		sources := make([]sourceJSON, 0, len(blocks))
		for _, b := range blocks {
			for _, src := range b.Sources() {
				sources = append(sources, sourceJSON{"blob_v2", strconv.Itoa(len(sources)), timestamp(millis(src.FirstTS)),
					timestamp(millis(src.LastTS))})
			}
		}
		return c.json(http.StatusOK, map[string]any{"sources": sources})
	}
	if source != "blob_v2" {
		return apierror.Invalid("source", fmt.Sprintf("Unsupported source %q: use blob_v2.", source))
	}
	start, err := blobKey(q.Get("start_blob_key"), "start_blob_key")
	if err != nil {
		return err
	}
	end, err := blobKey(q.Get("end_blob_key"), "end_blob_key")
	if err != nil {
		return err
	}
	if end < start {
		return apierror.Invalid("end_blob_key", "end_blob_key must not be before start_blob_key.")
	}
	maxKeys := maxBlobKeysPersonalKey
	if c.via == sessionCookie {
		maxKeys = maxBlobKeysSession
	}
	if end-start+1 > maxKeys {
		return apierror.Invalid("end_blob_key", fmt.Sprintf("At most %d blob keys can be read at once.", maxKeys))
	}
	parts, err := s.store.SourceRange(c.r.Context(), c.project.ID, r.SessionID, start, end-start+1)
	if errors.Is(err, store.ErrNotFound) {
		return apierror.NotFound("Snapshot blob key not found.")
	} else if err != nil {
		return err
	}
	return s.writeBlocks(c, parts)
}

// snapshotPrefetch is how many blocks are read from the blob store ahead
// of the one being decompressed, so that the blob store's latency (an S3
// round trip per block) overlaps with decompressing and sending. Inline
// blocks come with their rows and are not fetched.
const snapshotPrefetch = 4

// fetchedBlock is a block's compressed bytes, or why they could not be read.
type fetchedBlock struct {
	data []byte
	err  error
}

// prefetch reads the blocks' blobs, at most snapshotPrefetch ahead of the
// reader, which takes block i from the i-th channel and then calls done.
// An inline block's bytes are passed on as they are. Reading stops when
// ctx ends.
func (s *Server) prefetch(ctx context.Context, blocks []store.Block) (results []chan fetchedBlock, done func()) {
	results = make([]chan fetchedBlock, len(blocks))
	for i := range results {
		results[i] = make(chan fetchedBlock, 1)
	}
	slots := make(chan struct{}, snapshotPrefetch)
	go func() {
		for i, b := range blocks {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			if b.BlobKey == "" {
				results[i] <- fetchedBlock{data: b.Data}
				continue
			}
			go func() {
				data, err := s.blobs.Get(ctx, b.BlobKey)
				results[i] <- fetchedBlock{data, err}
			}()
		}
	}()
	return results, func() { <-slots }
}

// writeBlocks sends the parts' JSONL. An error before the first block is
// read is answered as one (404 for a missing block, 503 otherwise); after
// it, the response is cut short so that the client sees a broken transfer
// instead of a silently shorter recording.
func (s *Server) writeBlocks(c *call, parts []store.SourcePart) error {
	blocks := make([]store.Block, len(parts))
	for i, p := range parts {
		blocks[i] = p.Block
	}
	ctx, cancel := context.WithCancel(c.r.Context())
	defer cancel()
	results, done := s.prefetch(ctx, blocks)
	c.w.Header().Set("Content-Type", "application/jsonl")
	c.status = http.StatusOK
	bufp := snapshotBuffers.Get().(*[]byte)
	buf := (*bufp)[:0]
	defer func() {
		if cap(buf) <= maxPooledSnapshotBuffer {
			*bufp = buf[:0]
			snapshotBuffers.Put(bufp)
		}
	}()
	var first firstBlock
	for i, b := range blocks {
		sent := len(buf) // the blocks before, complete
		f := <-results[i]
		done()
		err := f.err
		if err == nil {
			var jsonl []byte
			if buf, jsonl, err = s.appendPart(ctx, c, blocks, parts[i], f.data, first, buf); err == nil {
				if dict := blockcodec.Dictionary(jsonl); b.Seq == 0 && b.BlobKey != "" && i < len(blocks)-1 &&
					!snapshotDicts.Has(b.BlobKey, len(dict)) {
					// The later blocks may be compressed with a prefix
					// of this one: keep it for them.
					first = firstBlock{b.BlobKey, append([]byte(nil), dict...)}
				}
			}
		}
		if err != nil {
			s.log.Error("read block", "session_id", b.SessionID, "seq", b.Seq, "key", b.BlobKey, "err", err)
			if i == 0 {
				if errors.Is(err, blob.ErrNotFound) {
					return apierror.NotFound("The recording's snapshot data is missing from the blob store.")
				}
				return unavailable()
			}
			// Send what the blocks before held, then break off.
			c.w.Write(buf[:sent])
			panic(http.ErrAbortHandler)
		}
		if len(buf) >= snapshotWriteBytes || i == len(blocks)-1 {
			if _, err := c.w.Write(buf); err != nil {
				return nil
			}
			buf = buf[:0]
		}
	}
	return nil
}

// snapshotParts keeps the JSONL of the compacted blocks read in part
// last, for the requests that read their other parts.
var snapshotParts partCache

// appendPart appends the JSONL of part p of blocks, whose compressed
// bytes are data, to buf, and returns buf with the JSONL of the whole
// block. A whole block is decoded into buf. A compacted block read in
// part is decoded on its own, kept in snapshotParts, or taken from it.
func (s *Server) appendPart(ctx context.Context, c *call, blocks []store.Block, p store.SourcePart, data []byte, first firstBlock, buf []byte) (out, jsonl []byte, err error) {
	if p.From == 0 && p.To == p.RawBytes {
		if out, err = s.decodeBlock(ctx, c, blocks, p.Block, data, first, buf); err != nil {
			return buf, nil, err
		}
		return out, out[len(buf):], nil
	}
	if jsonl = snapshotParts.get(p.BlobKey); jsonl == nil {
		if jsonl, err = s.decodeBlock(ctx, c, blocks, p.Block, data, first, nil); err != nil {
			return buf, nil, err
		}
		if p.BlobKey != "" {
			snapshotParts.put(p.BlobKey, jsonl)
		}
	}
	if p.From > p.To || p.To > int64(len(jsonl)) {
		return buf, nil, fmt.Errorf("block %d of %s holds %d bytes of JSONL, its sources %d to %d", p.Seq, p.SessionID,
			len(jsonl), p.From, p.To)
	}
	return append(buf, jsonl[p.From:p.To]...), jsonl, nil
}

// snapshotDecoder decompresses blocks without a dictionary; DecodeAll is
// safe for concurrent use.
var snapshotDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))

// snapshotDictBytes bounds the dictionaries of compacted recordings kept
// between requests (a few recordings' worth).
const snapshotDictBytes = 4 * blockcodec.DictBytes

// snapshotDicts holds the decoders of the recordings read last whose
// later compacted blocks are compressed with a dictionary.
var snapshotDicts = blockcodec.NewDicts(snapshotDictBytes)

// firstBlock is the start of the JSONL of a recording's first block
// (seq 0), kept from a request that served it for the later blocks of
// the same request.
type firstBlock struct {
	blobKey string
	jsonl   []byte
}

// decodeBlock appends the JSONL of b, one of blocks, whose compressed
// bytes are data, to buf. A compacted block compressed with a dictionary
// is decoded with the dictionary taken from the recording's first block:
// from the cache, else from first when this request has just served it,
// else read from the stores and decoded.
func (s *Server) decodeBlock(ctx context.Context, c *call, blocks []store.Block, b store.Block, data []byte, first firstBlock, buf []byte) ([]byte, error) {
	n, err := blockcodec.FrameDictLen(data)
	if err != nil || n == 0 {
		if err != nil {
			return buf, err
		}
		return snapshotDecoder.DecodeAll(data, buf)
	}
	src, err := s.firstBlockRow(ctx, c, blocks)
	if err != nil {
		return buf, err
	}
	if src.BlobKey == "" {
		return buf, fmt.Errorf("%w: the first block is not compacted", blockcodec.ErrUnknownDictionary)
	}
	dec, err := snapshotDicts.Decoder(src.BlobKey, n, func() ([]byte, error) {
		if first.blobKey == src.BlobKey && len(first.jsonl) >= n {
			return first.jsonl, nil
		}
		return s.readFirstBlock(ctx, src)
	})
	if err != nil {
		return buf, fmt.Errorf("the dictionary's block %s: %w", src.BlobKey, err)
	}
	return dec.DecodeAll(data, buf)
}

// firstBlockRow returns the row of the recording's first block (seq 0):
// from blocks when the request reads it, else from the store.
func (s *Server) firstBlockRow(ctx context.Context, c *call, blocks []store.Block) (store.Block, error) {
	for _, b := range blocks {
		if b.Seq == 0 {
			return b, nil
		}
	}
	return s.store.FirstBlock(ctx, c.project.ID, blocks[0].SessionID)
}

// readFirstBlock reads and decodes a recording's first compacted block,
// the source of its dictionary.
func (s *Server) readFirstBlock(ctx context.Context, b store.Block) ([]byte, error) {
	data, err := s.blobs.Get(ctx, b.BlobKey)
	if err != nil {
		return nil, err
	}
	return snapshotDecoder.DecodeAll(data, nil)
}

func blobKey(raw, name string) (int, error) {
	if raw == "" {
		return 0, apierror.Validation(name, "required", name+" is required with source=blob_v2.")
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 {
		return 0, apierror.Invalid(name, name+" must be a whole number of at least 0.")
	}
	return n, nil
}
