package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"
)

func init() {
	register(Scenario{
		Name:    "ingest",
		Summary: "posthog-js /s/ batches: closed-loop throughput, paced latency; floor: gunzip + JSON scan + zstd + fsync'd append in one goroutine",
		Sizes:   "--clients and --duration (throughput), --rate (paced phase, default 200/s, for --duration up to 10s)",
		Run:     runIngest,
	})
}

// Sizes of the ingest scenario.
const (
	defaultPacedRate = 200
	maxPacedDuration = 10 * time.Second
	// maxWarmup is how many batches at most are sent before the throughput
	// phase (100 per second of --duration); their rate sizes the pool of
	// the timed phase.
	maxWarmup = 400
	// poolHeadroom is how many times the warm-up rate the pool can take:
	// the warm-up includes the server's first, slower requests.
	poolHeadroom = 2.5
	// browsers is how many sessions are in progress at once in the pool:
	// consecutive requests mostly come from different sessions.
	browsers = 64
	// maxPoolBatches bounds the memory of a throughput pool.
	maxPoolBatches = 200_000
)

// ingestShape is a session of the ingest scenario: one page, about a
// minute of activity.
var ingestShape = sessionShape{Pages: 1, BatchesPerPage: 30}

func runIngest(ctx context.Context, o Options) (*Report, error) {
	clients := max(1, o.Clients)
	rate := o.Rate
	if rate <= 0 {
		rate = defaultPacedRate
	}
	paced := min(o.Duration, maxPacedDuration)
	r := &Report{}
	r.Param("clients", clients)
	r.Param("duration", o.Duration.String())
	r.Param("rate", rate)
	r.Param("paced_duration", paced.String())

	st, srv, stop, err := startFresh(ctx, o)
	if err != nil {
		return nil, err
	}
	defer stop()

	// Warm up, and size the timed pool from the rate seen.
	var seed uint64 = 1
	warm, err := batchPool(st.Token, min(maxWarmup, max(50, int(100*o.Duration.Seconds()))), &seed)
	if err != nil {
		return nil, err
	}
	var fails failures
	sent := sendAll(ctx, srv, warm, clients, 0, &fails, nil)
	if err := fails.err("warm-up"); err != nil {
		return nil, err
	}
	warmRate := float64(len(warm)) / sent.Seconds()
	want := min(maxPoolBatches, int(warmRate*o.Duration.Seconds()*poolHeadroom)+clients*8)
	fmt.Fprintf(o.Log, "bench: ingest: warm-up %.0f batches/s; generating %d batches\n", warmRate, want)
	pool, err := batchPool(st.Token, want, &seed)
	if err != nil {
		return nil, err
	}

	// Throughput: closed loop.
	cpu0, err := srv.CPU()
	if err != nil {
		return nil, err
	}
	self0, err := processCPU(os.Getpid())
	if err != nil {
		return nil, err
	}
	var lat Latencies
	var next atomic.Int64
	var done [3]atomic.Int64 // batches, rrweb bytes, body bytes
	var jsonl atomic.Int64
	exhausted := atomic.Bool{}
	elapsed := closedLoop(ctx, clients, o.Duration, func(int) bool {
		i := int(next.Add(1) - 1)
		if i >= len(pool) {
			exhausted.Store(true)
			return false
		}
		b := pool[i]
		t := time.Now()
		if err := postBatch(ctx, srv, b); err != nil {
			fails.add(err)
			return true
		}
		lat.Add(time.Since(t))
		done[0].Add(1)
		done[1].Add(b.RRWeb)
		done[2].Add(b.Decompressed)
		jsonl.Add(b.JSONL)
		return true
	})
	cpu1, err := srv.CPU()
	if err != nil {
		return nil, err
	}
	self1, err := processCPU(os.Getpid())
	if err != nil {
		return nil, err
	}
	if err := fails.err("throughput"); err != nil {
		return nil, err
	}
	if exhausted.Load() {
		r.Param("pool_exhausted_after", elapsed.Round(time.Millisecond).String())
	}
	rss, err := srv.PeakRSS()
	if err != nil {
		return nil, err
	}
	stored, err := storedBytes(ctx, st, "")
	if err != nil {
		return nil, err
	}
	var warmJSONL int64
	for _, b := range warm {
		warmJSONL += b.JSONL
	}

	// Floor: the same bodies through the bare libraries.
	floorN := int(done[0].Load())
	floor, err := ingestFloor(ctx, pool[:max(1, floorN)], filepath.Join(st.Dir, "floor.log"), floorDuration(o.Duration))
	if err != nil {
		return nil, err
	}

	secs := elapsed.Seconds()
	rrwebMB := float64(done[1].Load()) / 1e6 / secs
	bodyMB := float64(done[2].Load()) / 1e6 / secs
	r.AddVsFloor("throughput", float64(done[0].Load())/secs, floor.batches, "batches/s")
	r.AddVsFloor("throughput, rrweb JSON", rrwebMB, floor.rrwebMB, "MB/s")
	r.AddVsFloor("throughput, request body", bodyMB, floor.bodyMB, "MB/s")
	r.Add("ack latency p50", Millis(lat.Percentile(50)), "ms")
	r.Add("ack latency p99", Millis(lat.Percentile(99)), "ms")
	r.Add("server CPU per GB of rrweb JSON", (cpu1-cpu0).Seconds()/(float64(done[1].Load())/1e9), "s/GB")
	// The load generator shares the machine: its share says how much of
	// it the server had.
	r.Add("bench client CPU per GB of rrweb JSON", (self1-self0).Seconds()/(float64(done[1].Load())/1e9), "s/GB")
	r.Add("server peak RSS", float64(rss)/1e6, "MB")
	r.Add("stored bytes per JSONL byte (inline and blob blocks)", float64(stored)/float64(warmJSONL+jsonl.Load()), "ratio")

	// Paced: open loop at the target rate.
	n := max(1, int(rate*paced.Seconds()))
	pacedPool, err := batchPool(st.Token, n, &seed)
	if err != nil {
		return nil, err
	}
	var plat Latencies
	took := sendAll(ctx, srv, pacedPool, 0, rate, &fails, &plat)
	if err := fails.err("paced"); err != nil {
		return nil, err
	}
	r.Add("paced: achieved rate", float64(plat.Len())/took.Seconds(), "batches/s")
	r.Add("paced: latency p50 (from scheduled send)", Millis(plat.Percentile(50)), "ms")
	r.Add("paced: latency p99 (from scheduled send)", Millis(plat.Percentile(99)), "ms")
	r.Add("errors", 0, "requests")
	return r, nil
}

// batchPool generates about n requests from sessions in progress side by
// side (browsers of them at a time), interleaved as their browsers would
// send them. seed advances past the sessions used.
func batchPool(token string, n int, seed *uint64) ([]captureBatch, error) {
	per := ingestShape.Pages * (ingestShape.BatchesPerPage + 1)
	// Browsers start part-way through their first session (about half of
	// it is left out), so a few more sessions than n needs.
	nb := min(browsers, (n+per-1)/per)
	sessions, err := generateSessions(token, (n+per-1)/per+(nb+1)/2+1, ingestShape, *seed)
	if err != nil {
		return nil, err
	}
	*seed += uint64(len(sessions))
	// Each browser runs its sessions one after the other; the pool takes
	// one request from each browser in turn. Browsers start at different
	// points of their first session so the mix is steady from the start.
	type browser struct {
		queue []captureBatch
	}
	bs := make([]browser, min(browsers, len(sessions)))
	for i, s := range sessions {
		b := &bs[i%len(bs)]
		batches := s.Batches
		if i < len(bs) && len(bs) > 1 {
			batches = batches[i*len(batches)/len(bs):]
		}
		b.queue = append(b.queue, batches...)
	}
	out := make([]captureBatch, 0, n)
	for len(out) < n {
		progress := false
		for i := range bs {
			if len(bs[i].queue) > 0 && len(out) < n {
				out = append(out, bs[i].queue[0])
				bs[i].queue = bs[i].queue[1:]
				progress = true
			}
		}
		if !progress {
			break
		}
	}
	return out, nil
}

// postBatch sends one request as posthog-js does and checks the answer.
func postBatch(ctx context.Context, srv *Server, b captureBatch) error {
	u := srv.URL + "/s/?compression=gzip-js&ver=" + sdkVersion + "&_=" + strconv.FormatInt(time.Now().UnixMilli(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(b.Body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain")
	resp, err := srv.Client.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST /s/: %s: %s", resp.Status, clipBody(body))
	}
	var ack struct {
		Status any `json:"status"`
	}
	if err := json.Unmarshal(body, &ack); err != nil || ack.Status == nil {
		return fmt.Errorf("POST /s/: 200 without an acknowledgement: %s", clipBody(body))
	}
	return nil
}

// sendAll sends every batch, and returns the time from the first send to
// the last answer. With rate > 0 it is an open loop: batch i is sent at
// start + i/rate whatever the answers, and its latency (into lat, when not
// nil) runs from that scheduled time. Otherwise clients send in a closed
// loop.
func sendAll(ctx context.Context, srv *Server, batches []captureBatch, clients int, rate float64, fails *failures, lat *Latencies) time.Duration {
	start := time.Now()
	if rate <= 0 {
		var next atomic.Int64
		return closedLoop(ctx, max(1, clients), 0, func(int) bool {
			i := int(next.Add(1) - 1)
			if i >= len(batches) {
				return false
			}
			t := time.Now()
			if err := postBatch(ctx, srv, batches[i]); err != nil {
				fails.add(err)
			} else if lat != nil {
				lat.Add(time.Since(t))
			}
			return true
		})
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	last := start
	interval := time.Duration(float64(time.Second) / rate)
	for i, b := range batches {
		at := start.Add(time.Duration(i) * interval)
		if d := time.Until(at); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			err := postBatch(ctx, srv, b)
			now := time.Now()
			if err != nil {
				fails.add(err)
				return
			}
			if lat != nil {
				lat.Add(now.Sub(at))
			}
			mu.Lock()
			if now.After(last) {
				last = now
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	return last.Sub(start)
}

// closedLoop runs fn in a loop on each of n clients until it returns false
// or, when d > 0, until d has passed; it returns the time until the last
// client stopped.
func closedLoop(ctx context.Context, n int, d time.Duration, fn func(client int) bool) time.Duration {
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for c := range n {
		wg.Go(func() {
			for ctx.Err() == nil && (d <= 0 || time.Now().Before(deadline)) {
				if !fn(c) {
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// ingestFloorResult is what the bare libraries did with the same bodies.
type ingestFloorResult struct {
	batches, rrwebMB, bodyMB float64
}

// ingestFloor runs the bodies (in order, again from the first when they run
// out, for d) through gunzip, a JSON
// validity scan, zstd at the default level and an fsync'd append to one
// file, in one goroutine.
func ingestFloor(ctx context.Context, bodies []captureBatch, path string, d time.Duration) (ingestFloorResult, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return ingestFloorResult{}, err
	}
	defer f.Close()
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return ingestFloorResult{}, err
	}
	var zr gzip.Reader
	var plain bytes.Buffer
	var dst []byte
	var n, rrweb, body int64
	start := time.Now()
	for i := 0; ctx.Err() == nil && (i == 0 || time.Since(start) < d); i++ {
		b := bodies[i%len(bodies)]
		if err := zr.Reset(bytes.NewReader(b.Body)); err != nil {
			return ingestFloorResult{}, err
		}
		plain.Reset()
		if _, err := plain.ReadFrom(&zr); err != nil {
			return ingestFloorResult{}, err
		}
		if !json.Valid(plain.Bytes()) {
			return ingestFloorResult{}, fmt.Errorf("floor: a generated body is not valid JSON")
		}
		dst = enc.EncodeAll(plain.Bytes(), dst[:0])
		if _, err := f.Write(dst); err != nil {
			return ingestFloorResult{}, err
		}
		if err := f.Sync(); err != nil {
			return ingestFloorResult{}, err
		}
		n++
		rrweb += b.RRWeb
		body += b.Decompressed
	}
	secs := time.Since(start).Seconds()
	return ingestFloorResult{batches: float64(n) / secs, rrwebMB: float64(rrweb) / 1e6 / secs, bodyMB: float64(body) / 1e6 / secs}, nil
}

// floorDuration is how long a floor loop runs: a quarter of the timed
// phase, from 1 to 5 seconds.
func floorDuration(d time.Duration) time.Duration {
	return min(5*time.Second, max(time.Second, d/4))
}

// failures counts the requests that failed and keeps the first reason.
type failures struct {
	mu    sync.Mutex
	n     int
	first error
}

func (f *failures) add(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		f.first = err
	}
	f.n++
}

// err is nil when nothing failed, else an error saying how many requests
// of the phase failed and why the first one did.
func (f *failures) err(phase string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		return nil
	}
	return fmt.Errorf("%s: %d request(s) failed; the first: %w", phase, f.n, f.first)
}

// clipBody shortens a response body for an error message.
func clipBody(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
