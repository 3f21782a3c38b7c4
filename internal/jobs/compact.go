package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/klauspost/compress/zstd"

	"github.com/tapedeck/tapedeck/internal/blob"
	"github.com/tapedeck/tapedeck/internal/blockcodec"
	"github.com/tapedeck/tapedeck/internal/store"
)

// Compaction defaults, used when the Runner's fields are zero.
const (
	// DefaultCompactBatch is how many recordings one run compacts at most,
	// so that a backlog is worked through a slice at a time.
	DefaultCompactBatch = 20
	// DefaultCompactBlockBytes is the JSONL size a compacted block grows to
	// before the next one starts: it bounds the memory that compacting and
	// serving one block take, and what one snapshot blob key holds.
	DefaultCompactBlockBytes = 8 << 20
)

// errUnreadable marks a recording whose blocks cannot be read back as they
// were written (missing, corrupt, or not their recorded size): compacting
// it again would fail again.
var errUnreadable = errors.New("block unreadable")

// compactions is held while a compactor exists, so that this process
// compacts one recording at a time and holds one encoder's tables (tens
// of MB) at most, even when Compact is called beside the jobs runner. The
// job's lock keeps nodes apart.
var compactions sync.Mutex

// compactor holds what compacting several recordings in a row reuses: the
// codecs and the buffers. It lives for one run.
type compactor struct {
	// enc compresses a recording's first compacted block plain, and the
	// later ones with the dictionary taken from the first. It is plain
	// until a recording of several blocks needs a dictionary: a
	// dictionary encoder takes about 50 MB more.
	enc        *zstd.Encoder
	withDict   bool
	dec        *zstd.Decoder
	blockBytes int
	// part holds one old block's JSONL on its way into an encoder, out the
	// compacted block it writes, and dict the dictionary of the blocks
	// after the first.
	part []byte
	out  bytes.Buffer
	dict []byte
	// oldDict decodes the old blocks that were compressed with a
	// dictionary; it is loaded once per recording, when one is met.
	oldDict    *zstd.Decoder
	oldDictLen int
}

func newCompactor(blockBytes int) (*compactor, error) {
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	if err != nil {
		return nil, err
	}
	return &compactor{dec: dec, blockBytes: blockBytes}, nil
}

// close releases the codecs and buffers and hands their memory back to
// the operating system: the next run allocates its own, and a server
// between runs keeps none of it.
func (c *compactor) close() {
	c.dropEncoder()
	c.dec.Close()
	if c.oldDict != nil {
		c.oldDict.Close()
	}
	*c = compactor{}
	debug.FreeOSMemory()
}

// dropEncoder closes the encoder and lets its tables go.
func (c *compactor) dropEncoder() {
	if c.enc != nil {
		c.enc.Close()
		c.enc, c.withDict = nil, false
	}
}

// encoder returns the encoder of a recording's first compacted block: a
// plain one, or the dictionary encoder (with no dictionary) when the
// recording has more blocks or the run needed one already.
func (c *compactor) encoder(groups int) (*zstd.Encoder, error) {
	if c.enc != nil && (c.withDict || groups == 1) {
		if c.withDict {
			return c.enc, blockcodec.UseDict(c.enc, nil)
		}
		return c.enc, nil
	}
	if c.enc != nil {
		// One encoder's tables at a time: the plain encoder's are
		// collected before the dictionary encoder's are allocated, so
		// that the heap reuses their memory instead of growing by both.
		c.dropEncoder()
		runtime.GC()
	}
	var err error
	if groups == 1 {
		c.enc, err = blockcodec.NewEncoder(c.blockBytes)
	} else {
		c.enc, err = blockcodec.NewDictEncoder(c.blockBytes)
		c.withDict = true
	}
	return c.enc, err
}

// groups splits blocks, in order, into the runs that become one compacted
// block each: as many as fit in blockBytes of JSONL (at least one).
func (c *compactor) groups(blocks []store.Block) [][]store.Block {
	var out [][]store.Block
	var size int64
	for i, b := range blocks {
		if i == 0 || size+b.RawBytes > int64(c.blockBytes) {
			out = append(out, nil)
			size = 0
		}
		out[len(out)-1] = append(out[len(out)-1], b)
		size += b.RawBytes
	}
	return out
}

// Compact rewrites the blocks of recordings that received nothing for
// CompactAfter into as few blocks as their size allows, compressed as
// tightly as zstd goes, in the blob store, and returns how many recordings
// it rewrote. Blocks ingest kept inline in the metadata store leave it
// this way. It handles at most CompactBatch recordings per call.
func (r *Runner) Compact(ctx context.Context) (int, error) { return r.compactFor(ctx, 0) }

// compactBatch is Compact with the compactor *c, which it creates when it
// is nil and there is work, so that the batches of one run share its
// tables (tens of MB) instead of each allocating its own.
func (r *Runner) compactBatch(ctx context.Context, c **compactor) (int, error) {
	if r.CompactAfter <= 0 {
		return 0, nil
	}
	batch := r.CompactBatch
	if batch <= 0 {
		batch = DefaultCompactBatch
	}
	blockBytes := r.CompactBlockBytes
	if blockBytes <= 0 {
		blockBytes = DefaultCompactBlockBytes
	}
	cutoff := r.Now().Add(-r.CompactAfter)
	keys, err := r.Store.CompactionCandidates(ctx, cutoff, batch)
	if err != nil || len(keys) == 0 {
		return 0, err
	}
	if *c == nil {
		if *c, err = newCompactor(blockBytes); err != nil {
			return 0, err
		}
	}
	done := 0
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		state, err := r.compactRecording(ctx, *c, k, cutoff)
		switch {
		case err == nil:
			done++
		case errors.Is(err, store.ErrRecordingChanged):
			// New data arrived: the recording is compacted once it is idle again.
			r.Log.Debug("recording changed during compaction; left for later", "project_id", k.ProjectID,
				"session_id", k.SessionID)
		case errors.Is(err, errUnreadable):
			// Its blocks stay as they are; it is not tried again until it
			// gets a new block.
			r.Log.Warn("compaction skipped a recording whose blocks cannot be read", "project_id", k.ProjectID,
				"session_id", k.SessionID, "err", err)
			if _, err := r.Store.ReplaceBlocks(ctx, k.ProjectID, k.SessionID, state, nil); err != nil &&
				!errors.Is(err, store.ErrRecordingChanged) {
				return done, err
			}
		default:
			// The blob store or the database failing: try again next run.
			return done, fmt.Errorf("compact recording %d/%s: %w", k.ProjectID, k.SessionID, err)
		}
	}
	return done, nil
}

// compactFor compacts batch after batch, sharing one compactor, until no
// recording is left to compact or budget has passed (at least one batch
// runs), so that a busy server's finished recordings do not pile up faster
// than one batch per run, and returns how many recordings it rewrote.
func (r *Runner) compactFor(ctx context.Context, budget time.Duration) (int, error) {
	compactions.Lock()
	defer compactions.Unlock()
	var c *compactor
	defer func() {
		if c != nil {
			c.close()
		}
	}()
	start := time.Now()
	total := 0
	for {
		n, err := r.compactBatch(ctx, &c)
		total += n
		if err != nil || n == 0 || time.Since(start) >= budget {
			return total, err
		}
	}
}

// compactRecording rewrites one recording's blocks, in the order the
// snapshots endpoint serves them, so that the JSONL it serves stays the
// same byte for byte. It returns the state it read the recording at. A
// recording with an inline block is always rewritten into the blob store,
// even when that saves nothing; one whose blocks are all in the blob store
// already keeps them when the rewrite would not be smaller. The old rows
// (inline data with them) are replaced in one transaction, and the old
// blobs deleted only once it is committed; on failure the new blobs are
// removed again (one left behind is never referenced).
func (r *Runner) compactRecording(ctx context.Context, c *compactor, k store.RecordingKey, cutoff time.Time) (store.BlockState, error) {
	rec, err := r.Store.Recording(ctx, k.ProjectID, k.SessionID)
	if errors.Is(err, store.ErrNotFound) {
		return store.BlockState{}, store.ErrRecordingChanged
	} else if err != nil {
		return store.BlockState{}, err
	}
	state := store.BlockState{BlockCount: rec.BlockCount, LastIngestedAt: rec.LastIngestedAt}
	if !rec.LastIngestedAt.Before(cutoff) {
		return state, store.ErrRecordingChanged
	}
	blocks, err := r.Store.Blocks(ctx, k.ProjectID, k.SessionID)
	if err != nil {
		return state, err
	}
	if len(blocks) != rec.BlockCount {
		// A batch landed between the two reads, or the rows disagree with
		// the recording for good: only the second stays that way.
		again, err := r.Store.Recording(ctx, k.ProjectID, k.SessionID)
		if err == nil && again.BlockCount == rec.BlockCount && again.LastIngestedAt.Equal(rec.LastIngestedAt) {
			return state, fmt.Errorf("%w: %d block rows, the recording counts %d", errUnreadable, len(blocks), rec.BlockCount)
		}
		return state, store.ErrRecordingChanged
	}
	now := r.Now().UTC()
	var written []store.Block
	removeWritten := func() {
		for _, b := range written {
			if err := r.Blobs.Delete(context.WithoutCancel(ctx), b.BlobKey); err != nil {
				r.Log.Warn("remove an unused compacted block", "key", b.BlobKey, "err", err)
			}
		}
	}
	var oldStored int64
	inline := false
	for _, b := range blocks {
		inline = inline || b.BlobKey == ""
	}
	if c.oldDict != nil {
		c.oldDict.Close()
	}
	c.oldDict, c.oldDictLen = nil, 0
	groups := c.groups(blocks)
	for i, group := range groups {
		b, err := r.writeCompacted(ctx, c, k, blocks, group, i, len(groups))
		if err != nil {
			removeWritten()
			return state, err
		}
		b.CreatedAt = now
		written = append(written, b)
		for _, old := range group {
			oldStored += old.StoredBytes
		}
	}
	var newStored int64
	for _, b := range written {
		newStored += b.StoredBytes
	}
	replace := written
	if !inline && len(written) == len(blocks) && newStored >= oldStored {
		// Nothing gained: keep the blocks as they are, marked as compacted.
		removeWritten()
		replace = nil
	}
	old, err := r.Store.ReplaceBlocks(ctx, k.ProjectID, k.SessionID, state, replace)
	if err != nil {
		if replace != nil {
			removeWritten()
		}
		return state, err
	}
	for _, key := range old {
		if err := r.Blobs.Delete(context.WithoutCancel(ctx), key); err != nil {
			r.Log.Warn("delete a compacted-away block", "key", key, "err", err)
		}
	}
	if replace != nil {
		r.Log.Debug("compacted a recording", "project_id", k.ProjectID, "session_id", k.SessionID,
			"blocks_before", len(blocks), "blocks_after", len(written), "stored_bytes_before", oldStored,
			"stored_bytes_after", newStored)
	}
	return state, nil
}

// writeCompacted streams the group's JSONL, block after block (read from
// the blob store, or from the metadata store for an inline block), into
// one compacted block, puts it in the blob store and returns its row
// (without seq and creation time). Group 0 becomes the recording's first
// block, a plain zstd frame whose JSONL the dictionary is taken from; the
// later groups are compressed with that dictionary. The block's segments
// are the sources of the group's blocks, so that the snapshot keys
// listed before compaction keep their events. blocks are all the
// recording's old blocks, which make groups groups.
func (r *Runner) writeCompacted(ctx context.Context, c *compactor, k store.RecordingKey, blocks, group []store.Block, index, groups int) (store.Block, error) {
	out := store.Block{WindowID: group[0].WindowID, FirstTS: group[0].FirstTS, LastTS: group[0].LastTS}
	for _, b := range group {
		// Each source of the old blocks stays one, under the same key.
		out.Segments = append(out.Segments, b.Sources()...)
		out.RawBytes += b.RawBytes
		out.EventCount += b.EventCount
		out.FirstTS = min(out.FirstTS, b.FirstTS)
		out.LastTS = max(out.LastTS, b.LastTS)
		if b.WindowID != out.WindowID {
			out.WindowID = "" // lines of several windows
		}
	}
	if len(out.Segments) == 1 {
		out.Segments = nil // the block is its one source
	}
	if index == 0 {
		c.dict = c.dict[:0]
		if _, err := c.encoder(groups); err != nil {
			return out, err
		}
	}
	enc := c.enc
	if index == 1 {
		if err := blockcodec.UseDict(enc, c.dict); err != nil {
			return out, err
		}
	}
	c.out.Reset()
	enc.ResetContentSize(&c.out, out.RawBytes)
	for _, b := range group {
		data, err := r.readBlock(ctx, b)
		if err != nil {
			return out, err
		}
		if c.part, err = r.decodeOld(ctx, c, blocks, b, data); err != nil {
			return out, err
		}
		if int64(len(c.part)) != b.RawBytes {
			return out, fmt.Errorf("%w: %s holds %d bytes of JSONL, its row says %d", errUnreadable, blockName(b),
				len(c.part), b.RawBytes)
		}
		if index == 0 && groups > 1 && len(c.dict) < blockcodec.DictBytes {
			c.dict = append(c.dict, c.part[:min(len(c.part), blockcodec.DictBytes-len(c.dict))]...)
		}
		if _, err := enc.Write(c.part); err != nil {
			return out, err
		}
	}
	if err := enc.Close(); err != nil {
		return out, err
	}
	out.StoredBytes = int64(c.out.Len())
	out.BlobKey = fmt.Sprintf("%d/%s/%s.jsonl.zst", k.ProjectID, k.SessionID, uuid.Must(uuid.NewV7()))
	if err := r.Blobs.Put(ctx, out.BlobKey, c.out.Bytes()); err != nil {
		return out, err
	}
	return out, nil
}

// decodeOld returns the JSONL of b, one of the recording's old blocks
// (blocks), whose compressed bytes are data, in c.part's memory. A block
// compressed with a dictionary is decoded with the dictionary taken from
// the old first block (seq 0), which is read and decoded once per
// recording. A block that does not decode is errUnreadable.
func (r *Runner) decodeOld(ctx context.Context, c *compactor, blocks []store.Block, b store.Block, data []byte) ([]byte, error) {
	n, err := blockcodec.FrameDictLen(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", errUnreadable, blockName(b), err)
	}
	dec := c.dec
	if n > 0 {
		if c.oldDict == nil || c.oldDictLen != n {
			if c.oldDict, err = r.loadOldDict(ctx, c, blocks, n); err != nil {
				return nil, err
			}
			c.oldDictLen = n
		}
		dec = c.oldDict
	}
	jsonl, err := dec.DecodeAll(data, c.part[:0])
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", errUnreadable, blockName(b), err)
	}
	return jsonl, nil
}

// loadOldDict returns a decoder of the old blocks compressed with the
// first n bytes of the old first block's JSONL.
func (r *Runner) loadOldDict(ctx context.Context, c *compactor, blocks []store.Block, n int) (*zstd.Decoder, error) {
	i := slices.IndexFunc(blocks, func(b store.Block) bool { return b.Seq == 0 })
	if i < 0 {
		return nil, fmt.Errorf("%w: no first block to take a dictionary from", errUnreadable)
	}
	data, err := r.readBlock(ctx, blocks[i])
	if err != nil {
		return nil, err
	}
	// The first block's JSONL goes in c.part, free until the block being
	// decoded is, and only the dictionary is kept.
	first, err := c.dec.DecodeAll(data, c.part[:0])
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", errUnreadable, blockName(blocks[i]), err)
	}
	c.part = first[:0]
	dict, err := blockcodec.DictPrefix(first, n)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", errUnreadable, blockName(blocks[i]), err)
	}
	if c.oldDict != nil {
		c.oldDict.Close()
	}
	return blockcodec.NewDictDecoder(bytes.Clone(dict))
}

// readBlock returns a block's compressed bytes: an inline block's from its
// row, another's from the blob store. A block that is gone is
// errUnreadable.
func (r *Runner) readBlock(ctx context.Context, b store.Block) ([]byte, error) {
	if b.BlobKey == "" {
		data, err := r.Store.BlockData(ctx, b.ProjectID, b.SessionID, b.Seq)
		if errors.Is(err, store.ErrNotFound) {
			// The row went between two reads: the recording changed.
			return nil, store.ErrRecordingChanged
		} else if err != nil {
			return nil, err
		}
		if data == nil {
			// Moved to the blob store since the rows were read.
			return nil, store.ErrRecordingChanged
		}
		return data, nil
	}
	data, err := r.Blobs.Get(ctx, b.BlobKey)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s: %v", errUnreadable, b.BlobKey, err)
	}
	return data, err
}

// blockName names a block in errors and logs: its blob key, or where its
// inline row is.
func blockName(b store.Block) string {
	if b.BlobKey != "" {
		return b.BlobKey
	}
	return fmt.Sprintf("inline block %d/%s/%d", b.ProjectID, b.SessionID, b.Seq)
}
