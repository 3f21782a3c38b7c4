package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	register(Scenario{
		Name:    "snapshots",
		Summary: "reading long recordings' JSONL (sources, then blocks 20 keys at a time); floor: read the same blocks (inline from SQLite, or block files) + zstd-decompress",
		Sizes:   "--sessions (long recordings of about 4 MB of JSONL each), --clients (readers), --duration (reading)",
		Run:     runSnapshots,
	})
}

// longShape is a long recording: six page loads with busy pages between
// them, about 4 MB of JSONL in about 130 blocks.
var longShape = sessionShape{Pages: 6, BatchesPerPage: 20, Heavy: true}

// maxKeysPerRequest is how many blob keys a personal API key may read at
// once.
const maxKeysPerRequest = 20

func runSnapshots(ctx context.Context, o Options) (*Report, error) {
	clients := max(1, o.Clients)
	n := max(1, o.Sessions)
	r := &Report{}
	r.Param("sessions", n)
	r.Param("clients", clients)
	r.Param("duration", o.Duration.String())

	st, srv, stop, err := startFresh(ctx, o)
	if err != nil {
		return nil, err
	}
	defer stop()

	sessions, err := generateSessions(st.Token, n, longShape, 1000)
	if err != nil {
		return nil, err
	}
	if err := ingestSessions(ctx, srv, sessions, clients, nil); err != nil {
		return nil, err
	}
	var jsonl, blocks int64
	for _, s := range sessions {
		jsonl += s.JSONL()
		blocks += int64(len(s.Batches))
	}
	r.Param("jsonl_per_session_MB", float64(jsonl)/float64(n)/1e6)
	r.Param("blocks_per_session", blocks/int64(n))

	// Read: each client goes through the recordings, reading each one's
	// sources and then all of its blocks.
	api := apiClient{srv: srv, key: st.APIKey, project: st.ProjectID}
	var srcLat, blockLat Latencies
	var served atomic.Int64
	var fails failures
	var turn atomic.Int64
	elapsed := closedLoop(ctx, clients, o.Duration, func(int) bool {
		s := sessions[int(turn.Add(1)-1)%n]
		got, err := api.readRecording(ctx, s.SessionID, &srcLat, &blockLat, nil)
		if err == nil && got != s.JSONL() {
			err = fmt.Errorf("recording %s: served %d bytes of JSONL, %d were sent", s.SessionID, got, s.JSONL())
		}
		served.Add(got)
		if err != nil {
			fails.add(err)
			return false
		}
		return true
	})
	if err := fails.err("read"); err != nil {
		return nil, err
	}

	// Floor: the same blocks, read where the store keeps them and
	// decompressed.
	var refs []blockRef
	for _, s := range sessions {
		b, err := storedBlocks(ctx, st, s.SessionID)
		if err != nil {
			return nil, err
		}
		refs = append(refs, b...)
	}
	floorMB, err := readFloor(ctx, st, refs, clients, floorDuration(o.Duration))
	if err != nil {
		return nil, err
	}

	r.AddVsFloor("JSONL served", float64(served.Load())/1e6/elapsed.Seconds(), floorMB, "MB/s")
	r.Add("block range request p50", Millis(blockLat.Percentile(50)), "ms")
	r.Add("block range request p99", Millis(blockLat.Percentile(99)), "ms")
	r.Add("sources request p50", Millis(srcLat.Percentile(50)), "ms")
	r.Add("sources request p99", Millis(srcLat.Percentile(99)), "ms")
	r.Add("requests", float64(srcLat.Len()+blockLat.Len()), "requests")
	if err := srv.addPeakRSS(r); err != nil {
		return nil, err
	}
	r.Add("errors", 0, "requests")
	return r, nil
}

// ingestSessions sends the sessions through /s/, clients at a time, each
// session's requests in order. after, when not nil, is called once a
// session's last request is acknowledged.
func ingestSessions(ctx context.Context, srv *Server, sessions []*syntheticSession, clients int, after func(*syntheticSession) error) error {
	var fails failures
	var next atomic.Int64
	closedLoop(ctx, clients, 0, func(int) bool {
		i := int(next.Add(1) - 1)
		if i >= len(sessions) {
			return false
		}
		s := sessions[i]
		for _, b := range s.Batches {
			if err := postBatch(ctx, srv, b); err != nil {
				fails.add(err)
				return true
			}
		}
		if after != nil {
			if err := after(s); err != nil {
				fails.add(err)
			}
		}
		return true
	})
	return fails.err("ingest")
}

// readFloor reads and decompresses the blocks, clients at a time, in a
// loop for d, and returns the MB/s of decompressed bytes.
func readFloor(ctx context.Context, st *Store, blocks []blockRef, clients int, d time.Duration) (float64, error) {
	if len(blocks) == 0 {
		return 0, fmt.Errorf("no blocks in the store")
	}
	rd, err := newBlockReader(ctx, st, clients)
	if err != nil {
		return 0, err
	}
	defer rd.close()
	var total atomic.Int64
	var fails failures
	var next atomic.Int64
	var bufs sync.Pool
	elapsed := closedLoop(ctx, clients, d, func(int) bool {
		b := blocks[int(next.Add(1)-1)%len(blocks)]
		data, err := rd.read(ctx, b)
		if err != nil {
			fails.add(err)
			return false
		}
		buf, _ := bufs.Get().([]byte)
		out, err := rd.decode(ctx, b, data, buf[:0])
		if err != nil {
			fails.add(fmt.Errorf("block %s/%d: %w", b.sessionID, b.seq, err))
			return false
		}
		total.Add(int64(len(out)))
		bufs.Put(out[:0])
		return true
	})
	if err := fails.err("floor"); err != nil {
		return 0, err
	}
	return float64(total.Load()) / 1e6 / elapsed.Seconds(), nil
}

// apiClient calls the API with a personal API key.
type apiClient struct {
	srv     *Server
	key     string
	project int64
}

// do sends a request to path (under /api/environments/:project_id) and
// returns the body when the status is want.
func (a apiClient) do(ctx context.Context, method, path string, body any, want int) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	u := a.srv.URL + "/api/environments/" + strconv.FormatInt(a.project, 10) + path
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+a.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.srv.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, clipBody(out))
	}
	return out, nil
}

// sources returns how many blob keys a recording has.
func (a apiClient) sources(ctx context.Context, sessionID string) (int, error) {
	b, err := a.do(ctx, http.MethodGet, "/session_recordings/"+sessionID+"/snapshots", nil, http.StatusOK)
	if err != nil {
		return 0, err
	}
	var v struct {
		Sources []struct {
			Source  string `json:"source"`
			BlobKey string `json:"blob_key"`
		} `json:"sources"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return 0, fmt.Errorf("snapshot sources: %w", err)
	}
	for i, s := range v.Sources {
		if s.Source != "blob_v2" || s.BlobKey != strconv.Itoa(i) {
			return 0, fmt.Errorf("snapshot sources: source %d is %s %q", i, s.Source, s.BlobKey)
		}
	}
	return len(v.Sources), nil
}

// readRecording reads a recording's sources and then its blocks, at most
// maxKeysPerRequest at a time, timing each request into srcLat and
// blockLat when they are not nil. It returns the JSONL bytes served, and
// appends them to keep when it is not nil.
func (a apiClient) readRecording(ctx context.Context, sessionID string, srcLat, blockLat *Latencies, keep *bytes.Buffer) (int64, error) {
	t := time.Now()
	n, err := a.sources(ctx, sessionID)
	if err != nil {
		return 0, err
	}
	if srcLat != nil {
		srcLat.Add(time.Since(t))
	}
	var total int64
	for start := 0; start < n; start += maxKeysPerRequest {
		end := min(n, start+maxKeysPerRequest) - 1
		t := time.Now()
		b, err := a.do(ctx, http.MethodGet, fmt.Sprintf("/session_recordings/%s/snapshots?source=blob_v2&start_blob_key=%d&end_blob_key=%d", sessionID, start, end), nil, http.StatusOK)
		if err != nil {
			return total, err
		}
		if blockLat != nil {
			blockLat.Add(time.Since(t))
		}
		if len(b) > 0 && !strings.HasSuffix(string(b[len(b)-1:]), "\n") {
			return total, fmt.Errorf("recording %s: blocks %d-%d do not end with a new line", sessionID, start, end)
		}
		total += int64(len(b))
		if keep != nil {
			keep.Write(b)
		}
	}
	return total, nil
}
