// Package ingest is the write path of captured data: it turns validated
// recordings into immutable blocks, kept inline in the metadata store until
// compaction moves them to the blob store, and session aggregates, and
// stores analytics events and persons.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/tapedeck/tapedeck/internal/capture"
	"github.com/tapedeck/tapedeck/internal/rrweb"
	"github.com/tapedeck/tapedeck/internal/store"
)

// Service stores captured data durably.
type Service struct {
	store *store.Store
	now   func() time.Time
	enc   *zstd.Encoder
	// commits groups the transactions of concurrent requests.
	commits *committer
	// projects remembers the projects of capture tokens.
	projects *projectCache
}

// New makes a Service.
func New(st *store.Store, now func() time.Time) *Service {
	// EncodeAll takes one of the encoder's concurrency slots per call: as
	// many as there are CPUs, so that concurrent requests do not queue.
	// The fastest level: the acknowledgement waits for it, and compaction
	// rewrites a finished recording's blocks at the best level anyway.
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)))
	if err != nil {
		panic(err) // only fails on invalid options
	}
	return &Service{store: st, now: now, enc: enc, commits: newCommitter(st), projects: newProjectCache()}
}

// Result says what one request added.
type Result struct {
	Blocks      int
	RRWebEvents int
	Events      int
	RawBytes    int64
	StoredBytes int64
	Duplicates  int
}

// block is a recording's block ready to be stored.
type block struct {
	rec     capture.Recording
	summary rrweb.Summary
	raw     int64
	data    []byte
}

// Ingest stores one request's recordings and events for the project. It
// returns only once they are durable: the rows that make them visible,
// each block's compressed bytes inline in its row, are committed. The
// blob store is not involved: compaction moves a recording's blocks there
// once it is idle. A recording whose snapshot uuids were all stored before
// (a retried request) is skipped.
//
// On SQLite the rows of concurrent requests are committed together in one
// transaction (see committer); each request still succeeds or fails alone.
func (s *Service) Ingest(ctx context.Context, project store.Project, recs []capture.Recording, events []capture.Event) (Result, error) {
	now := s.now().UTC()
	var res Result
	var blocks []*block
	for _, rec := range recs {
		kept, summary := rrweb.FilterSummarize(rec.Events, now)
		if len(kept) == 0 {
			continue
		}
		b := &block{rec: rec, summary: summary}
		b.data, b.raw = s.encodeBlock(rec.WindowID, kept)
		blocks = append(blocks, b)
	}
	rows, err := eventRows(project.ID, events, now)
	if err != nil {
		return res, err
	}
	err = s.commits.write(ctx, func(ctx context.Context, tx *store.Tx) error {
		res = Result{}
		for _, b := range blocks {
			stored, err := s.addBlock(ctx, tx, project.ID, b, now)
			if err != nil {
				return err
			}
			if !stored {
				res.Duplicates++
				continue
			}
			res.Blocks++
			res.RRWebEvents += b.summary.EventCount
			res.RawBytes += b.raw
			res.StoredBytes += int64(len(b.data))
		}
		n, err := s.addEvents(ctx, tx, project.ID, events, rows, now)
		res.Events = n
		return err
	})
	if err != nil {
		return Result{}, &TransientError{fmt.Errorf("commit: %w", err)}
	}
	return res, nil
}

// TransientError is a storage failure worth retrying; capture answers it
// with 503 so that the SDK sends again.
type TransientError struct{ Err error }

func (e *TransientError) Error() string { return e.Err.Error() }
func (e *TransientError) Unwrap() error { return e.Err }

// IsTransient reports whether err is a TransientError.
func IsTransient(err error) bool {
	var t *TransientError
	return errors.As(err, &t)
}

// encodeBlock writes the events (in compact form, as FilterSummarize
// returns them) as JSONL lines [window_id, event] and compresses them. It
// returns the compressed block and the JSONL size.
func (s *Service) encodeBlock(windowID string, events []json.RawMessage) ([]byte, int64) {
	win, _ := json.Marshal(windowID)
	size := 0
	for _, ev := range events {
		size += len(win) + len(ev) + 4
	}
	buf := make([]byte, 0, size)
	for _, ev := range events {
		buf = append(buf, '[')
		buf = append(buf, win...)
		buf = append(buf, ',')
		buf = append(buf, ev...)
		buf = append(buf, "]\n"...)
	}
	return s.enc.EncodeAll(buf, make([]byte, 0, len(buf)/4)), int64(len(buf))
}

// addBlock records one block and folds its summary into the recording's
// aggregate. It returns false when the block's snapshot events were all
// stored before.
func (s *Service) addBlock(ctx context.Context, tx *store.Tx, projectID int64, b *block, now time.Time) (bool, error) {
	if len(b.rec.UUIDs) > 0 {
		seen, err := tx.ClaimSnapshotUUIDs(ctx, projectID, b.rec.UUIDs, now)
		if err != nil {
			return false, err
		}
		if seen == len(b.rec.UUIDs) {
			return false, nil
		}
	}
	r, err := tx.Recording(ctx, projectID, b.rec.SessionID)
	if errors.Is(err, store.ErrNotFound) {
		r = store.Recording{ProjectID: projectID, SessionID: b.rec.SessionID, DistinctID: b.rec.DistinctID,
			SnapshotSource: snapshotSource(b.rec.SnapshotSource), SnapshotLibrary: b.rec.Lib, CreatedAt: now}
	} else if err != nil {
		return false, err
	}
	if err := fold(&r, b.summary); err != nil {
		return false, err
	}
	seq := r.BlockCount
	r.BlockCount++
	r.RawBytes += b.raw
	r.StoredBytes += int64(len(b.data))
	r.LastIngestedAt = now
	if err := tx.PutRecording(ctx, &r); err != nil {
		return false, err
	}
	if err := tx.InsertBlock(ctx, store.Block{ProjectID: projectID, SessionID: b.rec.SessionID, Seq: seq,
		Data: b.data, WindowID: b.rec.WindowID, FirstTS: b.summary.FirstTimestamp, LastTS: b.summary.LastTimestamp,
		EventCount: b.summary.EventCount, RawBytes: b.raw, StoredBytes: int64(len(b.data)), CreatedAt: now}); err != nil {
		return false, err
	}
	urls := make([]store.URLVisit, len(b.summary.URLs))
	for i, u := range b.summary.URLs {
		urls[i] = store.URLVisit{URL: u.URL, FirstTS: u.Timestamp}
	}
	if err := tx.AddURLs(ctx, projectID, b.rec.SessionID, urls); err != nil {
		return false, err
	}
	console := make([]store.ConsoleEntry, len(b.summary.Console))
	for i, c := range b.summary.Console {
		console[i] = store.ConsoleEntry{TS: c.Timestamp, Level: c.Level, Message: c.Message}
	}
	return true, tx.AddConsole(ctx, projectID, b.rec.SessionID, console)
}

// snapshotSource is the recording's source as the API reports it: web
// (the default), mobile, or unknown.
func snapshotSource(s string) string {
	switch s {
	case "", "web":
		return "web"
	case "mobile":
		return "mobile"
	}
	return "unknown"
}

// fold adds a block's summary to the recording's aggregate. Active time is
// that of every event of the session, so the order in which blocks arrive
// does not matter; a block later than every stored event (the usual case)
// costs only its own points (see rrweb.AppendActivity).
func fold(r *store.Recording, s rrweb.Summary) error {
	if r.EventCount == 0 || s.FirstTimestamp < r.FirstTS {
		r.FirstTS = s.FirstTimestamp
	}
	if r.EventCount == 0 || s.LastTimestamp > r.LastTS {
		r.LastTS = s.LastTimestamp
	}
	r.EventCount += s.EventCount
	r.ClickCount += s.ClickCount
	r.KeypressCount += s.KeypressCount
	r.MouseActivityCount += s.MouseActivityCount
	r.ConsoleLogCount += s.ConsoleLogCount
	r.ConsoleWarnCount += s.ConsoleWarnCount
	r.ConsoleErrorCount += s.ConsoleErrorCount
	if len(s.URLs) > 0 {
		first := s.URLs[0]
		if r.StartURL == "" || first.Timestamp < r.StartURLTS {
			r.StartURL, r.StartURLTS = first.URL, first.Timestamp
		}
	}
	activity, active, err := rrweb.AppendActivity(r.Activity, s.Activity)
	if err != nil {
		return fmt.Errorf("recording %s: %w", r.SessionID, err)
	}
	r.Activity, r.ActiveMS = activity, active
	return nil
}
