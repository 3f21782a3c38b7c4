package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/tapedeck/tapedeck/internal/account"
	"github.com/tapedeck/tapedeck/internal/blob"
	"github.com/tapedeck/tapedeck/internal/blockcodec"
	"github.com/tapedeck/tapedeck/internal/capture"
	"github.com/tapedeck/tapedeck/internal/httpapi"
	"github.com/tapedeck/tapedeck/internal/ingest"
	"github.com/tapedeck/tapedeck/internal/jobs"
	"github.com/tapedeck/tapedeck/internal/s3test"
	"github.com/tapedeck/tapedeck/internal/store"
	"github.com/tapedeck/tapedeck/internal/storetest"
)

// discard is a ResponseWriter that keeps nothing but the status and the
// number of bytes written.
type discard struct {
	header http.Header
	status int
	n      int64
}

func (d *discard) Header() http.Header    { return d.header }
func (d *discard) WriteHeader(status int) { d.status = status }
func (d *discard) Write(p []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	d.n += int64(len(p))
	return len(p), nil
}

// snapshotBench is a server on a SQLite store and a blob directory holding
// one long recording: the fixtures' documentation page visit ingested
// again and again, its timestamps moved on each time.
type snapshotBench struct {
	srv     *httpapi.Server
	st      *store.Store
	blobs   blob.Store
	project store.Project
	key     string
	session string
}

func newSnapshotBench(b *testing.B, visits int, compact, s3 bool) *snapshotBench {
	b.Helper()
	ctx := context.Background()
	st := storetest.OpenSQLite(b)
	var blobs blob.Backend
	var err error
	if s3 {
		srv := s3test.Start(b)
		blobs, err = blob.Open(ctx, srv.BlobURL("bench"), "", srv.Env(nil))
	} else {
		blobs, err = blob.OpenDir(filepath.Join(b.TempDir(), "blobs"))
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { blobs.Close() })
	recorded := time.Date(2026, 11, 26, 3, 44, 0, 0, time.UTC)
	now := recorded
	clock := func() time.Time { return now }
	accounts := account.Service{Store: st, Now: clock}
	org, err := accounts.CreateOrganization(ctx, "Org")
	if err != nil {
		b.Fatal(err)
	}
	project := store.Project{UUID: "01a21600-0000-7000-8000-000000000001", OrganizationID: org.ID, Name: "Fixtures",
		APIToken: "phc_sharedfixture", Timezone: "UTC", CreatedAt: now}
	if err := st.CreateProject(ctx, &project); err != nil {
		b.Fatal(err)
	}
	if _, err := accounts.CreateUser(ctx, account.NewUser{Email: "a@example.com", OrganizationID: org.ID}); err != nil {
		b.Fatal(err)
	}
	_, key, err := accounts.CreateAPIKey(ctx, account.NewAPIKey{UserEmail: "a@example.com", Scopes: "*"})
	if err != nil {
		b.Fatal(err)
	}

	lim := capture.Limits{MaxDecompressedBytes: 64 << 20}
	var visit [][]capture.Recording
	for _, n := range []string{"002", "003", "004", "005", "006", "007"} {
		body, err := os.ReadFile(filepath.Join(fixtureDir, n+".body"))
		if err != nil {
			b.Fatal(err)
		}
		events, err := capture.Decode(body, "text/plain", url.Values{}, lim)
		if err != nil {
			b.Fatal(err)
		}
		recs, _, err := capture.Snapshots(events, lim)
		if err != nil {
			b.Fatal(err)
		}
		visit = append(visit, recs)
	}
	svc := ingest.New(st, clock)
	for i := range visits {
		shift := int64(i) * 30_000
		for _, recs := range visit {
			moved := make([]capture.Recording, len(recs))
			for j, r := range recs {
				r.UUIDs = nil
				r.Events = shiftEvents(b, r.Events, shift)
				moved[j] = r
			}
			if _, err := svc.Ingest(ctx, project, moved, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	session := visit[0][0].SessionID
	if compact {
		now = now.Add(2 * time.Hour)
		r := &jobs.Runner{Store: st, Blobs: blobs, Log: slog.New(slog.DiscardHandler), Now: clock, CompactAfter: time.Hour}
		if _, err := r.Compact(ctx); err != nil {
			b.Fatal(err)
		}
	}
	srv := httpapi.New(httpapi.Options{Store: st, Blobs: blobs, Now: clock, Log: slog.New(slog.DiscardHandler)})
	return &snapshotBench{srv: srv, st: st, blobs: blobs, project: project, key: key, session: session}
}

// shiftEvents moves the events' timestamps by shift milliseconds.
func shiftEvents(b *testing.B, events []json.RawMessage, shift int64) []json.RawMessage {
	out := make([]json.RawMessage, len(events))
	for i, ev := range events {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(ev, &m); err != nil {
			b.Fatal(err)
		}
		ts, err := strconv.ParseInt(string(m["timestamp"]), 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		m["timestamp"] = json.RawMessage(strconv.FormatInt(ts+shift, 10))
		if out[i], err = json.Marshal(m); err != nil {
			b.Fatal(err)
		}
	}
	return out
}

// run serves the sources of the first blocks (at most 20) through the
// handler, 20 keys at a time (a personal API key's limit), and beside it
// reads and decompresses the same blocks once: the floor any way of
// serving them has to pay.
func (sb *snapshotBench) run(b *testing.B) {
	ctx := context.Background()
	blocks, err := sb.st.Blocks(ctx, sb.project.ID, sb.session)
	if err != nil {
		b.Fatal(err)
	}
	blocks = blocks[:min(len(blocks), 20)]
	var raw int64
	keys := 0
	for _, bl := range blocks {
		raw += bl.RawBytes
		keys += len(bl.Sources())
	}
	b.Run("handler", func(b *testing.B) {
		b.SetBytes(raw)
		b.ReportAllocs()
		for b.Loop() {
			httpapi.ForgetSnapshotParts()
			var n int64
			for start := 0; start < keys; start += 20 {
				target := fmt.Sprintf("/api/projects/%d/session_recordings/%s/snapshots?source=blob_v2&start_blob_key=%d&end_blob_key=%d",
					sb.project.ID, sb.session, start, min(keys, start+20)-1)
				req, _ := http.NewRequest("GET", target, nil)
				req.Header.Set("Authorization", "Bearer "+sb.key)
				w := &discard{header: http.Header{}}
				sb.srv.ServeHTTP(w, req)
				if w.status != http.StatusOK {
					b.Fatalf("keys from %d: status %d", start, w.status)
				}
				n += w.n
			}
			if n != raw {
				b.Fatalf("%d bytes of JSONL, want %d", n, raw)
			}
		}
	})
	b.Run("floor", func(b *testing.B) {
		dec, _ := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
		defer dec.Close()
		// The later compacted blocks' dictionary, made once as the server
		// keeps it between requests.
		withDict := sb.dictDecoder(b, dec)
		var buf []byte
		b.SetBytes(raw)
		b.ReportAllocs()
		for b.Loop() {
			// The rows, with the bytes of blocks kept inline, then each
			// block's bytes from wherever they are.
			rows, err := sb.st.BlockRange(ctx, sb.project.ID, sb.session, 0, len(blocks))
			if err != nil {
				b.Fatal(err)
			}
			for _, bl := range rows {
				data := bl.Data
				if bl.BlobKey != "" {
					if data, err = sb.blobs.Get(ctx, bl.BlobKey); err != nil {
						b.Fatal(err)
					}
				}
				d := dec
				if n, err := blockcodec.FrameDictLen(data); err != nil {
					b.Fatal(err)
				} else if n > 0 {
					d = withDict
				}
				if buf, err = d.DecodeAll(data, buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// dictDecoder returns a decoder of the recording's blocks compressed with
// the dictionary of its first block, made from that block's JSONL, or dec
// when the first block is inline (and so no block has a dictionary).
func (sb *snapshotBench) dictDecoder(b *testing.B, dec *zstd.Decoder) *zstd.Decoder {
	ctx := context.Background()
	first, err := sb.st.FirstBlock(ctx, sb.project.ID, sb.session)
	if err != nil {
		b.Fatal(err)
	}
	if first.BlobKey == "" {
		return dec
	}
	data, err := sb.blobs.Get(ctx, first.BlobKey)
	if err != nil {
		b.Fatal(err)
	}
	jsonl, err := dec.DecodeAll(data, nil)
	if err != nil {
		b.Fatal(err)
	}
	d, err := blockcodec.NewDictDecoder(blockcodec.Dictionary(jsonl))
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// BenchmarkSnapshots serves a long recording's snapshot data: as ingest
// left it (a block per capture request, kept inline in its row; the first
// 20 of them), and once compacted (blocks of up to 8 MiB of JSONL) into a
// blob directory or an S3 bucket.
func BenchmarkSnapshots(b *testing.B) {
	b.Run("batches", func(b *testing.B) { newSnapshotBench(b, 20, false, false).run(b) })
	b.Run("compacted", func(b *testing.B) { newSnapshotBench(b, 60, true, false).run(b) })
	b.Run("compacted-s3", func(b *testing.B) { newSnapshotBench(b, 60, true, true).run(b) })
}
