package bench

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"sync"
	"time"
)

func init() {
	register(Scenario{
		Name:    "storage",
		Summary: "stored bytes per finished session, before and after block compaction; floor: zstd -19 of the session's whole JSONL",
		Sizes:   "--sessions (finished sessions of about 0.7 MB of JSONL each), --clients (ingesting)",
		Run:     runStorage,
	})
}

// Settings of the storage scenario's server, and how long it waits for
// compaction.
const (
	compactAfter   = "2s"
	jobsInterval   = "1s"
	compactTimeout = 60 * time.Second
)

// finishedShape is a finished session of the storage scenario: two page
// loads and a couple of minutes of activity.
var finishedShape = sessionShape{Pages: 2, BatchesPerPage: 40}

// longSessions are longer finished sessions, one of each, measured beside
// the finished ones: those past 8 MiB of JSONL are compacted into several
// blocks.
var longSessions = []struct {
	name  string
	shape sessionShape
}{
	{"1 page load, 300 requests of activity", sessionShape{Pages: 1, BatchesPerPage: 300}},
	{"10 page loads", sessionShape{Pages: 10, BatchesPerPage: 5}},
	{"60 page loads", sessionShape{Pages: 60, BatchesPerPage: 5}},
}

// sessionSizes are one session's stored bytes before and after
// compaction, its floor, and how many blocks compaction left.
type sessionSizes struct {
	before, after, floor int64
	blocks               int
	compacted            bool
	// sources is how many snapshot sources the API listed before
	// compaction; compaction keeps them.
	sources int
}

func runStorage(ctx context.Context, o Options) (*Report, error) {
	clients := max(1, o.Clients)
	n := max(1, o.Sessions)
	r := &Report{}
	r.Param("sessions", n)
	r.Param("clients", clients)
	r.Param("TAPEDECK_COMPACT_AFTER", compactAfter)
	r.Param("TAPEDECK_JOBS_INTERVAL", jobsInterval)

	st, srv, stop, err := startFresh(ctx, o, "TAPEDECK_COMPACT_AFTER="+compactAfter, "TAPEDECK_JOBS_INTERVAL="+jobsInterval)
	if err != nil {
		return nil, err
	}
	defer stop()

	sessions, err := generateSessions(st.Token, n, finishedShape, 2000)
	if err != nil {
		return nil, err
	}
	finished := sessions
	for i, l := range longSessions {
		long, err := generateSessions(st.Token, 1, l.shape, 3000+uint64(i))
		if err != nil {
			return nil, err
		}
		sessions = append(sessions, long...)
	}
	// A session's blocks are measured as soon as its last request is
	// acknowledged: compaction waits for it to be idle longer than that.
	api := apiClient{srv: srv, key: st.APIKey, project: st.ProjectID}
	sizes := make(map[string]*sessionSizes, n)
	var mu sync.Mutex
	err = ingestSessions(ctx, srv, sessions, clients, func(s *syntheticSession) error {
		b, err := storedBytes(ctx, st, s.SessionID)
		if err != nil {
			return err
		}
		sources, err := api.sources(ctx, s.SessionID)
		mu.Lock()
		sizes[s.SessionID] = &sessionSizes{before: b, sources: sources}
		mu.Unlock()
		return err
	})
	if err != nil {
		return nil, err
	}
	var jsonl []float64
	for _, s := range finished {
		jsonl = append(jsonl, float64(s.JSONL()))
	}
	r.Param("jsonl_per_session_MB", Median(jsonl)/1e6)
	r.Param("blocks_per_session", len(sessions[0].Batches))
	for i, l := range longSessions {
		s := sessions[n+i]
		r.Param(l.name, fmt.Sprintf("%.1f MB of JSONL in %d blocks", float64(s.JSONL())/1e6, len(s.Batches)))
	}

	// The floor: the exact bytes the server serves, at zstd's level 19.
	served := make(map[string][]byte, n)
	for _, s := range sessions {
		var buf bytes.Buffer
		if _, err := api.readRecording(ctx, s.SessionID, nil, nil, &buf); err != nil {
			return nil, err
		}
		if int64(buf.Len()) != s.JSONL() {
			return nil, fmt.Errorf("recording %s: served %d bytes of JSONL, %d were sent", s.SessionID, buf.Len(), s.JSONL())
		}
		served[s.SessionID] = buf.Bytes()
	}
	zstdPath, zerr := exec.LookPath("zstd")
	if zerr != nil {
		r.Param("floor", "unavailable: no zstd command on PATH")
	} else {
		if err := zstd19(ctx, zstdPath, sessions, served, sizes); err != nil {
			return nil, err
		}
		r.Param("floor", "zstd -19 of each session's JSONL")
	}

	// Wait for compaction: one source per recording.
	compacted, err := waitCompacted(ctx, st, api, sessions, sizes, compactTimeout)
	if err != nil {
		return nil, err
	}
	changed := 0
	if compacted > 0 {
		for _, s := range sessions {
			if !sizes[s.SessionID].compacted {
				continue
			}
			var buf bytes.Buffer
			if _, err := api.readRecording(ctx, s.SessionID, nil, nil, &buf); err != nil {
				return nil, err
			}
			if !bytes.Equal(buf.Bytes(), served[s.SessionID]) {
				changed++
			}
		}
	}
	if changed > 0 {
		return nil, fmt.Errorf("%d compacted recording(s) serve other JSONL than before compaction", changed)
	}
	r.Param("compacted", fmt.Sprintf("%d/%d", compacted, len(sessions)))

	list := make([]*sessionSizes, 0, n)
	for _, s := range finished {
		list = append(list, sizes[s.SessionID])
	}
	addStorageRows(r, "before compaction", list, zerr == nil, func(s *sessionSizes) (int64, bool) { return s.before, true })
	if compacted == 0 {
		r.Param("after", "not compacted")
	} else {
		addStorageRows(r, "after compaction", list, zerr == nil, func(s *sessionSizes) (int64, bool) { return s.after, s.compacted })
	}
	for i, l := range longSessions {
		addLongRows(r, l.name, sizes[sessions[n+i].SessionID], zerr == nil)
	}
	// Ingest, compaction and reading every recording back, the longest
	// ones' blocks with their dictionary.
	if err := srv.addPeakRSS(r); err != nil {
		return nil, err
	}
	r.Add("JSONL per session (median)", Median(jsonl), "bytes")
	r.Add("errors", 0, "requests")
	return r, nil
}

// addStorageRows adds the median and the worst session's stored bytes
// against their floors (or the median alone, without a floor), over the
// sessions value accepts.
func addStorageRows(r *Report, when string, list []*sessionSizes, withFloor bool, value func(*sessionSizes) (int64, bool)) {
	type pair struct{ v, floor int64 }
	var ps []pair
	for _, s := range list {
		if v, ok := value(s); ok {
			ps = append(ps, pair{v, s.floor})
		}
	}
	if len(ps) == 0 {
		return
	}
	if !withFloor {
		vs := make([]float64, len(ps))
		for i, p := range ps {
			vs[i] = float64(p.v)
		}
		r.Add("stored per session "+when+" (median)", Median(vs), "bytes")
		return
	}
	// Order by ratio: the median session, and the worst.
	slices.SortFunc(ps, func(a, b pair) int {
		x, y := float64(a.v)/float64(a.floor), float64(b.v)/float64(b.floor)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	med, worst := ps[(len(ps)-1)/2], ps[len(ps)-1]
	r.AddVsFloor("stored per session "+when+", median session", float64(med.v), float64(med.floor), "bytes")
	r.AddVsFloor("stored per session "+when+", worst session", float64(worst.v), float64(worst.floor), "bytes")
}

// addLongRows adds a long session's stored bytes before and after
// compaction, against its floor when there is one.
func addLongRows(r *Report, name string, s *sessionSizes, withFloor bool) {
	add := func(when string, v int64) {
		if withFloor {
			r.AddVsFloor(name+", stored "+when, float64(v), float64(s.floor), "bytes")
		} else {
			r.Add(name+", stored "+when, float64(v), "bytes")
		}
	}
	add("before compaction", s.before)
	if s.compacted {
		add(fmt.Sprintf("after compaction (%d blocks)", s.blocks), s.after)
	}
}

// zstd19 compresses each session's served JSONL with the zstd command at
// level 19, two at a time, into sizes' floors.
func zstd19(ctx context.Context, zstdPath string, sessions []*syntheticSession, served map[string][]byte, sizes map[string]*sessionSizes) error {
	var fails failures
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for _, s := range sessions {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			cmd := exec.CommandContext(ctx, zstdPath, "-19", "-c", "-q")
			cmd.Stdin = bytes.NewReader(served[s.SessionID])
			var out, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &stderr
			if err := cmd.Run(); err != nil {
				fails.add(fmt.Errorf("zstd -19: %v: %s", err, clipBody(stderr.Bytes())))
				return
			}
			sizes[s.SessionID].floor = int64(out.Len())
		})
	}
	wg.Wait()
	return fails.err("floor")
}

// waitCompacted waits, up to timeout, until every session's blocks are
// all in the blob store (compaction swaps all of a recording's rows at
// once) with their sources unchanged, and records the size of the
// compacted ones. It returns how many were compacted.
func waitCompacted(ctx context.Context, st *Store, api apiClient, sessions []*syntheticSession, sizes map[string]*sessionSizes, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	done := 0
	for {
		for _, s := range sessions {
			sz := sizes[s.SessionID]
			if sz.compacted {
				continue
			}
			blocks, err := storedBlocks(ctx, st, s.SessionID)
			if err != nil {
				return done, err
			}
			if len(blocks) == 0 || slices.ContainsFunc(blocks, func(b blockRef) bool { return b.key == "" }) {
				continue // not committed yet
			}
			n, err := api.sources(ctx, s.SessionID)
			if err != nil {
				return done, err
			}
			if n != sz.sources {
				return done, fmt.Errorf("recording %s: %d sources after compaction, %d before", s.SessionID, n, sz.sources)
			}
			for _, b := range blocks {
				sz.after += b.stored
			}
			sz.blocks = len(blocks)
			sz.compacted = true
			done++
		}
		if done == len(sessions) || time.Now().After(deadline) {
			return done, nil
		}
		select {
		case <-ctx.Done():
			return done, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}
