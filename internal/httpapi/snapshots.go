package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/klauspost/compress/zstd"

	"github.com/tapedeck/tapedeck/internal/apierror"
	"github.com/tapedeck/tapedeck/internal/blob"
)

// Snapshot key limits per request: PostHog allows fewer with a personal
// API key than from its own app, whose requests carry a session cookie.
const (
	maxBlobKeysPersonalKey = 20
	maxBlobKeysSession     = 100
)

// getSnapshots lists a recording's snapshot sources, or streams a range of
// its blocks as JSONL lines [window_id, event].
func (s *Server) getSnapshots(c *call) error {
	r, err := s.loadRecording(c)
	if err != nil {
		return err
	}
	blocks, err := s.store.Blocks(c.r.Context(), c.project.ID, r.SessionID)
	if err != nil {
		return err
	}
	q := c.r.URL.Query()
	source := q.Get("source")
	if source == "" {
		type sourceJSON struct {
			Source         string    `json:"source"`
			BlobKey        string    `json:"blob_key"`
			StartTimestamp timestamp `json:"start_timestamp"`
			EndTimestamp   timestamp `json:"end_timestamp"`
		}
		sources := make([]sourceJSON, len(blocks))
		for i, b := range blocks {
			sources[i] = sourceJSON{"blob_v2", strconv.Itoa(i), timestamp(millis(b.FirstTS)), timestamp(millis(b.LastTS))}
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
	if end >= len(blocks) {
		return apierror.NotFound("Snapshot blob key not found.")
	}
	c.w.Header().Set("Content-Type", "application/jsonl")
	c.status = http.StatusOK
	for i, b := range blocks[start : end+1] {
		data, err := s.blobs.Get(c.r.Context(), b.BlobKey)
		if err == nil {
			data, err = snapshotDecoder.DecodeAll(data, nil)
		}
		if err != nil {
			if i == 0 {
				s.log.Error("read block", "key", b.BlobKey, "err", err)
				if errors.Is(err, blob.ErrNotFound) {
					return apierror.NotFound("The recording's snapshot data is missing from the blob store.")
				}
				return unavailable()
			}
			// Part of the body is sent: end it short so the client sees
			// a broken transfer instead of a silently shorter recording.
			s.log.Error("read block", "key", b.BlobKey, "err", err)
			panic(http.ErrAbortHandler)
		}
		if _, err := c.w.Write(data); err != nil {
			return nil
		}
	}
	return nil
}

// snapshotDecoder decompresses blocks; DecodeAll is safe for concurrent use.
var snapshotDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))

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
