package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/tapedeck/tapedeck/internal/blob"
	"github.com/tapedeck/tapedeck/internal/blockcodec"
	"github.com/tapedeck/tapedeck/internal/capture"
	"github.com/tapedeck/tapedeck/internal/ingest"
	"github.com/tapedeck/tapedeck/internal/s3test"
	"github.com/tapedeck/tapedeck/internal/store"
	"github.com/tapedeck/tapedeck/internal/storetest"
)

// fixtureSession is the session of the fixtures' documentation page visit
// (bodies 002 to 007: six blocks).
const fixtureSession = "01a215f3-0951-7cb2-95cc-05c3a05c2d8f"

// compactEnv is a store, a blob store (a directory, or an S3 bucket when
// the store is PostgreSQL), a project and a clock that ingest and the
// jobs share.
type compactEnv struct {
	t       *testing.T
	st      *store.Store
	blobs   blob.Store
	blobDir string
	project store.Project
	mu      sync.Mutex
	now     time.Time
	ingest  *ingest.Service
	runner  *Runner
}

func newCompactEnv(t *testing.T) *compactEnv {
	t.Helper()
	ctx := context.Background()
	e := &compactEnv{t: t, st: storetest.Open(t), now: recorded}
	var backend blob.Backend
	var err error
	if storetest.Backend(t) == "postgres" {
		s3 := s3test.Start(t)
		backend, err = blob.Open(ctx, s3.BlobURL("tapedeck-test"), "", s3.Env(nil))
		e.blobDir = s3.BucketDir("tapedeck-test")
	} else {
		e.blobDir = filepath.Join(t.TempDir(), "blobs")
		backend, err = blob.OpenDir(e.blobDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { backend.Close() })
	e.blobs = backend
	org := store.Organization{ID: "01a21600-0000-7000-8000-00000000000a", Name: "o", CreatedAt: recorded}
	if err := e.st.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	e.project = store.Project{UUID: "01a21600-0000-7000-8000-00000000000b", OrganizationID: org.ID, Name: "p",
		APIToken: "phc_sharedfixture", Timezone: "UTC", CreatedAt: recorded}
	if err := e.st.CreateProject(ctx, &e.project); err != nil {
		t.Fatal(err)
	}
	e.ingest = ingest.New(e.st, e.clock)
	e.runner = &Runner{Store: e.st, Blobs: e, Log: slog.New(slog.DiscardHandler), Now: e.clock, CompactAfter: time.Hour}
	return e
}

func (e *compactEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *compactEnv) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

// The env is the blob store that ingest and the runner use, so that a
// test can change what it does through the hooks.
var (
	putHook func(key string) error
	getHook func(key string) error
	delHook func(key string) error
)

func (e *compactEnv) Put(ctx context.Context, key string, data []byte) error {
	if putHook != nil {
		if err := putHook(key); err != nil {
			return err
		}
	}
	return e.blobs.Put(ctx, key, data)
}

func (e *compactEnv) Get(ctx context.Context, key string) ([]byte, error) {
	if getHook != nil {
		if err := getHook(key); err != nil {
			return nil, err
		}
	}
	return e.blobs.Get(ctx, key)
}

func (e *compactEnv) Delete(ctx context.Context, key string) error {
	if delHook != nil {
		if err := delHook(key); err != nil {
			return err
		}
	}
	return e.blobs.Delete(ctx, key)
}

// hook sets one of the hooks for the rest of the test.
func hook(t *testing.T, h *func(string) error, f func(string) error) {
	*h = f
	t.Cleanup(func() { *h = nil })
}

// recordings decodes fixture bodies into the recordings capture makes.
func fixtureRecordings(t *testing.T, names ...string) [][]capture.Recording {
	t.Helper()
	var out [][]capture.Recording
	lim := capture.Limits{MaxDecompressedBytes: 64 << 20}
	for _, n := range names {
		body, err := os.ReadFile("../../../shared/fixtures/posthog-js/" + n + ".body")
		if err != nil {
			t.Fatal(err)
		}
		events, err := capture.Decode(body, "text/plain", url.Values{}, lim)
		if err != nil {
			t.Fatal(err)
		}
		recs, _, err := capture.Snapshots(events, lim)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, recs)
	}
	return out
}

// ingestAll ingests each request's recordings.
func (e *compactEnv) ingestAll(reqs [][]capture.Recording) {
	e.t.Helper()
	for _, recs := range reqs {
		if _, err := e.ingest.Ingest(context.Background(), e.project, recs, nil); err != nil {
			e.t.Fatal(err)
		}
	}
}

// jsonl is the session's snapshot data as the snapshots endpoint serves
// it: every block (inline, or from the blob store), in the store's order,
// decompressed, with the dictionary of the first block for the blocks
// compressed with one.
func (e *compactEnv) jsonl(session string) []byte {
	e.t.Helper()
	dec, _ := zstd.NewReader(nil)
	defer dec.Close()
	rows := e.rows(session)
	var first []byte
	for _, b := range rows {
		if b.Seq == 0 {
			first = e.decode(dec, b, nil)
		}
	}
	var out []byte
	for _, b := range rows {
		out = append(out, e.decode(dec, b, first)...)
	}
	return out
}

// decode appends a block's JSONL to out, the blocks compressed with a
// dictionary decoded with the one taken from first, the JSONL of the
// session's first block.
func (e *compactEnv) decode(dec *zstd.Decoder, b store.Block, first []byte) []byte {
	e.t.Helper()
	data := e.data(b)
	n, err := blockcodec.FrameDictLen(data)
	if err != nil {
		e.t.Fatal(err)
	}
	if n > 0 {
		dict, err := blockcodec.DictPrefix(first, n)
		if err != nil {
			e.t.Fatal(err)
		}
		if dec, err = blockcodec.NewDictDecoder(dict); err != nil {
			e.t.Fatal(err)
		}
	}
	out, err := dec.DecodeAll(data, nil)
	if err != nil {
		e.t.Fatalf("block %d: %v", b.Seq, err)
	}
	return out
}

// data is a block's compressed bytes: inline, or from the blob store.
func (e *compactEnv) data(b store.Block) []byte {
	e.t.Helper()
	if b.BlobKey == "" {
		return b.Data
	}
	data, err := e.blobs.Get(context.Background(), b.BlobKey)
	if err != nil {
		e.t.Fatal(err)
	}
	return data
}

// rows is the session's block rows with the bytes of inline blocks.
func (e *compactEnv) rows(session string) []store.Block {
	e.t.Helper()
	blocks, err := e.st.BlockRange(context.Background(), e.project.ID, session, 0, 1<<20)
	if err != nil {
		e.t.Fatal(err)
	}
	return blocks
}

// toBlobs moves the session's blocks, one for one, to the blob store (as
// blocks written before they were kept inline), marked as compacted.
func (e *compactEnv) toBlobs(session string) {
	e.t.Helper()
	ctx := context.Background()
	r, err := e.st.Recording(ctx, e.project.ID, session)
	if err != nil {
		e.t.Fatal(err)
	}
	blocks := e.rows(session)
	for i, b := range blocks {
		if b.BlobKey == "" {
			b.BlobKey = fmt.Sprintf("%d/%s/moved-%d.jsonl.zst", e.project.ID, session, i)
			if err := e.blobs.Put(ctx, b.BlobKey, b.Data); err != nil {
				e.t.Fatal(err)
			}
			b.Data = nil
		}
		blocks[i] = b
	}
	state := store.BlockState{BlockCount: r.BlockCount, LastIngestedAt: r.LastIngestedAt}
	if _, err := e.st.ReplaceBlocks(ctx, e.project.ID, session, state, blocks); err != nil {
		e.t.Fatal(err)
	}
}

// blocks is the session's block rows.
func (e *compactEnv) blocks(session string) []store.Block {
	e.t.Helper()
	blocks, err := e.st.Blocks(context.Background(), e.project.ID, session)
	if err != nil {
		e.t.Fatal(err)
	}
	return blocks
}

// stored lists the block keys in the blob store.
func (e *compactEnv) stored() map[string]bool {
	e.t.Helper()
	keys := map[string]bool{}
	filepath.WalkDir(e.blobDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".jsonl.zst") {
			rel, _ := filepath.Rel(e.blobDir, p)
			keys[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	return keys
}

// checkConsistent checks that the recording's aggregate matches its block
// rows, that the rows are numbered 0..n-1 and that every row has either
// inline data or a blob that exists.
func (e *compactEnv) checkConsistent(session string) {
	e.t.Helper()
	r, err := e.st.Recording(context.Background(), e.project.ID, session)
	if err != nil {
		e.t.Fatal(err)
	}
	blocks := e.rows(session)
	stored := e.stored()
	var raw, sum int64
	seqs := map[int]bool{}
	for _, b := range blocks {
		raw += b.RawBytes
		sum += b.StoredBytes
		seqs[b.Seq] = true
		switch {
		case b.BlobKey == "" && int64(len(b.Data)) != b.StoredBytes:
			e.t.Errorf("inline block %d holds %d bytes, its row says %d", b.Seq, len(b.Data), b.StoredBytes)
		case b.BlobKey != "" && b.Data != nil:
			e.t.Errorf("block %d has both a blob key and inline data", b.Seq)
		case b.BlobKey != "" && !stored[b.BlobKey]:
			e.t.Errorf("block %d's blob %s is missing", b.Seq, b.BlobKey)
		}
	}
	for i := range blocks {
		if !seqs[i] {
			e.t.Errorf("block seqs are not 0..%d: %v", len(blocks)-1, seqs)
		}
	}
	if r.BlockCount != len(blocks) || r.RawBytes != raw || r.StoredBytes != sum {
		e.t.Errorf("recording says %d blocks, %d raw, %d stored; rows say %d, %d, %d",
			r.BlockCount, r.RawBytes, r.StoredBytes, len(blocks), raw, sum)
	}
}

// checkCompacted checks that the session serves want, in n blocks that
// agree with its recording.
func (e *compactEnv) checkCompacted(session string, want []byte, n int) {
	e.t.Helper()
	if got := e.jsonl(session); !bytes.Equal(got, want) {
		e.t.Fatalf("JSONL after compaction: %d bytes, want %d", len(got), len(want))
	}
	if got := len(e.blocks(session)); got != n {
		e.t.Errorf("%d blocks, want %d", got, n)
	}
	e.checkConsistent(session)
}

func (e *compactEnv) compact(want int) {
	e.t.Helper()
	n, err := e.runner.Compact(context.Background())
	if err != nil || n != want {
		e.t.Fatalf("compacted %d recordings (%v), want %d", n, err, want)
	}
}

func TestCompactFinishedRecording(t *testing.T) {
	e := newCompactEnv(t)
	reqs := fixtureRecordings(t, "002", "003", "004", "005", "006", "007", "011")
	e.ingestAll(reqs)
	sessions := map[string]bool{}
	for _, recs := range reqs {
		for _, r := range recs {
			sessions[r.SessionID] = true
		}
	}
	if len(sessions) != 2 {
		t.Fatalf("%d sessions in the fixtures, want 2", len(sessions))
	}
	before := e.jsonl(fixtureSession)
	if n := len(e.stored()); n != 0 {
		t.Fatalf("%d blobs before compaction: ingest keeps blocks inline", n)
	}
	for _, b := range e.rows(fixtureSession) {
		if b.BlobKey != "" || b.Data == nil {
			t.Fatalf("block %d before compaction: key %q, %d inline bytes", b.Seq, b.BlobKey, len(b.Data))
		}
	}
	if n := len(e.blocks(fixtureSession)); n != 6 {
		t.Fatalf("%d blocks before compaction, want 6", n)
	}
	rec, _ := e.st.Recording(context.Background(), e.project.ID, fixtureSession)

	e.advance(59 * time.Minute)
	e.compact(0)
	e.advance(2 * time.Minute)
	e.compact(2)

	blocks := e.blocks(fixtureSession)
	if len(blocks) != 1 || blocks[0].Seq != 0 || blocks[0].EventCount != rec.EventCount ||
		blocks[0].FirstTS != rec.FirstTS || blocks[0].LastTS != rec.LastTS {
		t.Fatalf("blocks after compaction: %+v (recording %d events, %d..%d)", blocks, rec.EventCount, rec.FirstTS, rec.LastTS)
	}
	if after := e.jsonl(fixtureSession); !bytes.Equal(after, before) {
		t.Fatalf("JSONL changed: %d bytes, was %d", len(after), len(before))
	}
	after, _ := e.st.Recording(context.Background(), e.project.ID, fixtureSession)
	if after.StoredBytes >= rec.StoredBytes || after.RawBytes != rec.RawBytes {
		t.Errorf("stored %d bytes (was %d), raw %d (was %d)", after.StoredBytes, rec.StoredBytes, after.RawBytes, rec.RawBytes)
	}
	e.checkConsistent(fixtureSession)
	stored := e.stored()
	if len(stored) != 2 {
		t.Errorf("%d blobs after compaction, want one per recording: %v", len(stored), stored)
	}
	// Both recordings left the metadata store, the one-block one too.
	for session := range sessions {
		rows := e.rows(session)
		if len(rows) != 1 {
			t.Errorf("%s: %d blocks after compaction, want 1", session, len(rows))
		}
		for _, b := range rows {
			if b.BlobKey == "" || b.Data != nil || !stored[b.BlobKey] {
				t.Errorf("%s block %d after compaction: key %q, %d inline bytes", session, b.Seq, b.BlobKey, len(b.Data))
			}
		}
	}
	// Nothing left to do.
	e.advance(time.Hour)
	e.compact(0)
}

func TestCompactAgainAfterALateBatch(t *testing.T) {
	e := newCompactEnv(t)
	reqs := fixtureRecordings(t, "002", "003", "004", "005", "006", "007")
	e.ingestAll(reqs[:4])
	e.advance(2 * time.Hour)
	e.compact(1)
	if n := len(e.blocks(fixtureSession)); n != 1 {
		t.Fatalf("%d blocks after compaction, want 1", n)
	}

	// Late batches become blocks after the compacted one.
	e.ingestAll(reqs[4:])
	blocks := e.blocks(fixtureSession)
	if len(blocks) != 3 || blocks[1].Seq != 1 || blocks[2].Seq != 2 {
		t.Fatalf("blocks after late batches: %+v", blocks)
	}
	e.checkConsistent(fixtureSession)
	before := e.jsonl(fixtureSession)
	e.advance(30 * time.Minute)
	e.compact(0)
	e.advance(31 * time.Minute)
	e.compact(1)
	if n := len(e.blocks(fixtureSession)); n != 1 {
		t.Fatalf("%d blocks after the second compaction, want 1", n)
	}
	if after := e.jsonl(fixtureSession); !bytes.Equal(after, before) {
		t.Fatalf("JSONL changed: %d bytes, was %d", len(after), len(before))
	}
	e.checkConsistent(fixtureSession)
	if n := len(e.stored()); n != 1 {
		t.Errorf("%d blobs, want 1", n)
	}

	// Compared with ingesting everything at once and compacting.
	f := newCompactEnv(t)
	f.ingestAll(reqs)
	if whole := f.jsonl(fixtureSession); !bytes.Equal(whole, before) {
		t.Errorf("late batches changed the JSONL: %d bytes, %d when ingested at once", len(before), len(whole))
	}
}

func TestCompactSplitsLongRecordings(t *testing.T) {
	e := newCompactEnv(t)
	e.ingestAll(fixtureRecordings(t, "002", "003", "004", "005", "006", "007"))
	before := e.jsonl(fixtureSession)
	old := e.blocks(fixtureSession)
	e.runner.CompactBlockBytes = int(old[0].RawBytes) + 1 // the full snapshot's block, then the rest
	e.advance(2 * time.Hour)
	e.compact(1)
	blocks := e.blocks(fixtureSession)
	if len(blocks) != 2 || blocks[0].RawBytes != old[0].RawBytes || blocks[0].FirstTS != old[0].FirstTS ||
		blocks[1].FirstTS != old[1].FirstTS || blocks[1].LastTS != old[5].LastTS {
		t.Fatalf("blocks: %+v", blocks)
	}
	for _, b := range blocks[1:] {
		if b.RawBytes > int64(e.runner.CompactBlockBytes) {
			t.Errorf("block %d holds %d bytes of JSONL, more than %d", b.Seq, b.RawBytes, e.runner.CompactBlockBytes)
		}
	}
	if after := e.jsonl(fixtureSession); !bytes.Equal(after, before) {
		t.Fatalf("JSONL changed: %d bytes, was %d", len(after), len(before))
	}
	e.checkConsistent(fixtureSession)
	e.advance(time.Hour)
	e.compact(0)
}

func TestCompactKeepsABatchThatArrivesMeanwhile(t *testing.T) {
	e := newCompactEnv(t)
	reqs := fixtureRecordings(t, "002", "003", "004", "005", "006", "007")
	e.ingestAll(reqs[:5])
	e.advance(2 * time.Hour)
	late := false
	hook(t, &putHook, func(key string) error {
		if !late && strings.Contains(key, fixtureSession) {
			late = true
			// A batch lands while the compacted block is being written.
			if _, err := e.ingest.Ingest(context.Background(), e.project, reqs[5], nil); err != nil {
				t.Error(err)
			}
		}
		return nil
	})
	keysBefore := len(e.stored())
	e.compact(0)
	if !late {
		t.Fatal("the late batch was not sent")
	}
	if n := len(e.blocks(fixtureSession)); n != 6 {
		t.Fatalf("%d blocks, want the 5 old ones and the late one", n)
	}
	if n := len(e.stored()); n != keysBefore {
		t.Errorf("%d blobs, want %d: the compacted block must be removed again", n, keysBefore)
	}
	e.checkConsistent(fixtureSession)
	f := newCompactEnv(t)
	f.ingestAll(reqs)
	want := f.jsonl(fixtureSession)
	if got := e.jsonl(fixtureSession); !bytes.Equal(got, want) {
		t.Fatalf("JSONL: %d bytes, want %d", len(got), len(want))
	}

	// Once the recording is idle again, it is compacted with the late batch.
	e.compact(0)
	e.advance(2 * time.Hour)
	e.compact(1)
	e.checkCompacted(fixtureSession, want, 1)
}

func TestCompactFailuresKeepTheBlocks(t *testing.T) {
	e := newCompactEnv(t)
	reqs := fixtureRecordings(t, "002", "003", "004", "005", "006", "007")
	// Five blocks in the blob store, the last one inline.
	e.ingestAll(reqs[:5])
	e.toBlobs(fixtureSession)
	e.ingestAll(reqs[5:])
	before := e.jsonl(fixtureSession)
	keys := e.stored()
	e.advance(2 * time.Hour)
	unchanged := func(what string) {
		t.Helper()
		if got := e.jsonl(fixtureSession); !bytes.Equal(got, before) {
			t.Fatalf("%s: JSONL changed", what)
		}
		if n := len(e.blocks(fixtureSession)); n != 6 {
			t.Fatalf("%s: %d blocks, want 6", what, n)
		}
		e.checkConsistent(fixtureSession)
	}

	// The blob store refuses the compacted block.
	hook(t, &putHook, func(string) error { return errors.New("disk full") })
	if n, err := e.runner.Compact(context.Background()); err == nil || n != 0 {
		t.Fatalf("compaction with a failing blob store: %d, %v", n, err)
	}
	unchanged("failing Put")
	putHook = nil

	// The second compacted block fails: the first is removed again.
	e.runner.CompactBlockBytes = 1
	puts := 0
	hook(t, &putHook, func(string) error {
		if puts++; puts == 2 {
			return errors.New("timeout")
		}
		return nil
	})
	if _, err := e.runner.Compact(context.Background()); err == nil {
		t.Fatal("compaction with a failing blob store succeeded")
	}
	unchanged("second Put failing")
	if n := len(e.stored()); n != len(keys) {
		t.Errorf("%d blobs, want the %d old ones", n, len(keys))
	}
	putHook = nil
	e.runner.CompactBlockBytes = 0

	// Reading a block fails for a while: tried again next time.
	hook(t, &getHook, func(string) error { return errors.New("connection reset") })
	if _, err := e.runner.Compact(context.Background()); err == nil {
		t.Fatal("compaction with an unreadable blob store succeeded")
	}
	unchanged("failing Get")
	getHook = nil

	// Deleting the old blocks fails: the compaction stands, the blobs
	// are left behind.
	hook(t, &delHook, func(string) error { return errors.New("forbidden") })
	e.compact(1)
	if n := len(e.blocks(fixtureSession)); n != 1 {
		t.Fatalf("%d blocks, want 1", n)
	}
	if got := e.jsonl(fixtureSession); !bytes.Equal(got, before) {
		t.Fatal("JSONL changed")
	}
	if n := len(e.stored()); n != len(keys)+1 {
		t.Errorf("%d blobs, want the %d old ones and the new one", n, len(keys))
	}
}

func TestCompactSkipsAMissingBlock(t *testing.T) {
	e := newCompactEnv(t)
	reqs := fixtureRecordings(t, "002", "003", "004")
	e.ingestAll(reqs[:2])
	e.toBlobs(fixtureSession)
	e.ingestAll(reqs[2:])
	blocks := e.blocks(fixtureSession)
	if err := e.blobs.Delete(context.Background(), blocks[1].BlobKey); err != nil {
		t.Fatal(err)
	}
	e.advance(2 * time.Hour)
	e.compact(0)
	if got := e.blocks(fixtureSession); fmt.Sprint(got) != fmt.Sprint(blocks) {
		t.Fatalf("blocks changed: %+v", got)
	}
	if n := len(e.stored()); n != 1 {
		t.Errorf("%d blobs, want the 1 left", n)
	}
	// It is not tried again until it changes.
	reads := 0
	hook(t, &getHook, func(string) error { reads++; return nil })
	e.compact(0)
	if reads != 0 {
		t.Errorf("the recording was read again (%d blocks)", reads)
	}
}

func TestCompactionRunsUnderItsLock(t *testing.T) {
	e := newCompactEnv(t)
	e.ingestAll(fixtureRecordings(t, "002", "003"))
	e.advance(2 * time.Hour)
	ctx := context.Background()
	unlock, ok, err := e.st.TryLock(ctx, "job-compaction")
	if err != nil || !ok {
		t.Fatalf("lock: %v %v", ok, err)
	}
	e.runner.RunOnce(ctx)
	if n := len(e.blocks(fixtureSession)); n != 2 {
		t.Fatalf("compacted while another holds the lock: %d blocks", n)
	}
	unlock()
	e.runner.RunOnce(ctx)
	if n := len(e.blocks(fixtureSession)); n != 1 {
		t.Fatalf("%d blocks after a run, want 1", n)
	}
	// Off: nothing happens.
	e.ingestAll(fixtureRecordings(t, "004"))
	e.advance(2 * time.Hour)
	e.runner.CompactAfter = 0
	e.runner.RunOnce(ctx)
	if n := len(e.blocks(fixtureSession)); n != 2 {
		t.Fatalf("compacted while off: %d blocks", n)
	}
}

func TestCompactBatches(t *testing.T) {
	e := newCompactEnv(t)
	reqs := fixtureRecordings(t, "002", "003")
	for i := range 5 {
		for _, recs := range reqs {
			for j := range recs {
				recs[j].SessionID = fmt.Sprintf("session-%d", i)
				recs[j].UUIDs = nil
			}
		}
		e.ingestAll(reqs)
	}
	e.advance(2 * time.Hour)
	e.runner.CompactBatch = 2
	e.compact(2)
	e.compact(2)
	e.compact(1)
	e.compact(0)
	for i := range 5 {
		if n := len(e.blocks(fmt.Sprintf("session-%d", i))); n != 1 {
			t.Errorf("session-%d has %d blocks", i, n)
		}
	}

	// One run takes batch after batch while it has time.
	for i := 5; i < 10; i++ {
		for _, recs := range reqs {
			for j := range recs {
				recs[j].SessionID = fmt.Sprintf("session-%d", i)
			}
		}
		e.ingestAll(reqs)
	}
	e.advance(2 * time.Hour)
	e.runner.RunOnce(context.Background())
	for i := 5; i < 10; i++ {
		if n := len(e.blocks(fmt.Sprintf("session-%d", i))); n != 1 {
			t.Errorf("session-%d has %d blocks after one run", i, n)
		}
	}
}

func TestCompactSkipsARecordingWhoseRowsDisagree(t *testing.T) {
	e := newCompactEnv(t)
	e.ingestAll(fixtureRecordings(t, "002", "003"))
	ctx := context.Background()
	blocks := e.rows(fixtureSession)
	// A row the recording does not count.
	extra := blocks[1]
	extra.Seq = 7
	if err := e.st.Write(ctx, func(tx *store.Tx) error { return tx.InsertBlock(ctx, extra) }); err != nil {
		t.Fatal(err)
	}
	e.advance(2 * time.Hour)
	e.compact(0)
	if n := len(e.blocks(fixtureSession)); n != 3 {
		t.Fatalf("%d block rows, want the 3 untouched", n)
	}
	reads := 0
	hook(t, &getHook, func(string) error { reads++; return nil })
	e.compact(0)
	if reads != 0 {
		t.Errorf("the recording was read again (%d blocks)", reads)
	}
}

func TestCompactLaterBlocksUseTheFirstAsDictionary(t *testing.T) {
	e := newCompactEnv(t)
	reqs := fixtureRecordings(t, "002", "003", "004", "005", "006", "007")
	e.ingestAll(reqs[:4])
	before := e.jsonl(fixtureSession)
	// Every block on its own.
	e.runner.CompactBlockBytes = 1
	e.advance(2 * time.Hour)
	e.compact(1)
	blocks := e.rows(fixtureSession)
	if len(blocks) != 4 {
		t.Fatalf("%d blocks after compaction, want 4", len(blocks))
	}
	if after := e.jsonl(fixtureSession); !bytes.Equal(after, before) {
		t.Fatalf("JSONL changed: %d bytes, was %d", len(after), len(before))
	}
	e.checkConsistent(fixtureSession)
	dec, _ := zstd.NewReader(nil)
	defer dec.Close()
	first := e.decode(dec, blocks[0], nil)
	plain, err := blockcodec.NewEncoder(int(blocks[0].RawBytes))
	if err != nil {
		t.Fatal(err)
	}
	var withDict, without int
	for _, b := range blocks {
		n, err := blockcodec.FrameDictLen(e.data(b))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case b.Seq == 0 && n != 0:
			t.Errorf("the first block names a dictionary of %d bytes", n)
		case b.Seq > 0 && n != len(blockcodec.Dictionary(first)):
			t.Errorf("block %d names a dictionary of %d bytes, want the first block's %d", b.Seq, n, len(first))
		}
		if b.Seq > 0 {
			withDict += int(b.StoredBytes)
			without += len(plain.EncodeAll(e.decode(dec, b, first), nil))
		}
	}
	if withDict >= without {
		t.Errorf("the later blocks take %d bytes with the dictionary, %d without", withDict, without)
	}

	// Late batches: the compacted blocks are read back with their
	// dictionary and compacted again with the new first block's.
	e.ingestAll(reqs[4:])
	before = e.jsonl(fixtureSession)
	e.advance(2 * time.Hour)
	e.compact(1)
	e.checkCompacted(fixtureSession, before, 6)
	if n := len(e.stored()); n != 6 {
		t.Errorf("%d blobs, want 6", n)
	}
}
