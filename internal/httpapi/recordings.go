package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/klauspost/compress/zstd"

	"github.com/tapedeck/tapedeck/internal/apierror"
	"github.com/tapedeck/tapedeck/internal/blob"
	"github.com/tapedeck/tapedeck/internal/recording"
	"github.com/tapedeck/tapedeck/internal/store"
)

// Snapshot key limits per request: PostHog allows fewer with a personal
// API key than from its own app, whose requests carry a session cookie.
const (
	maxBlobKeysPersonalKey = 20
	maxBlobKeysSession     = 100
)

var errRecordingNotFound = apierror.NotFound("Recording not found")

// loadRecording returns the path's recording if it exists and has not
// expired.
func (s *Server) loadRecording(c *call) (store.Recording, error) {
	r, err := s.store.Recording(c.r.Context(), c.project.ID, c.r.PathValue("session_id"))
	if errors.Is(err, store.ErrNotFound) {
		return r, errRecordingNotFound
	} else if err != nil {
		return r, err
	}
	if recording.Expired(r.FirstTS, c.project.RetentionDays, s.now()) {
		return r, errRecordingNotFound
	}
	return r, nil
}

func (s *Server) getRecording(c *call) error {
	r, err := s.loadRecording(c)
	if err != nil {
		return err
	}
	views, err := s.recordingViews(c.r.Context(), c, []store.Recording{r})
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, views[0])
}

// recordingViews renders recordings as the caller sees them, reading their
// persons and viewers for all of them at once.
func (s *Server) recordingViews(ctx context.Context, c *call, recs []store.Recording) ([]recordingJSON, error) {
	distinctIDs := make([]string, len(recs))
	sessionIDs := make([]string, len(recs))
	for i, r := range recs {
		distinctIDs[i], sessionIDs[i] = r.DistinctID, r.SessionID
	}
	persons, err := s.store.PersonsByDistinctIDs(ctx, c.project.ID, distinctIDs)
	if err != nil {
		return nil, err
	}
	viewers, err := s.store.ViewersOf(ctx, c.project.ID, sessionIDs)
	if err != nil {
		return nil, err
	}
	now := s.now()
	views := make([]recordingJSON, len(recs))
	for i, r := range recs {
		viewed, others := false, []string{}
		for _, v := range viewers[r.SessionID] {
			if v.UserID == c.user.ID {
				viewed = true
			} else {
				others = append(others, v.Email)
			}
		}
		p, found := persons[r.DistinctID]
		views[i] = recordingView(r, recording.Compute(r, c.project.RetentionDays, now),
			recording.PersonOf(r.ProjectID, r.DistinctID, p, found), viewed, others)
	}
	return views, nil
}

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

// updateRecording records the caller's view: {"viewed": true}.
func (s *Server) updateRecording(c *call) error {
	viewed, err := c.body.boolean("viewed")
	if err != nil {
		return err
	}
	if !viewed.Set || !viewed.Value {
		return apierror.Invalid("viewed", "Nothing to update: send {\"viewed\": true}.")
	}
	r, err := s.loadRecording(c)
	if err != nil {
		return err
	}
	if err := s.store.MarkViewed(c.r.Context(), c.project.ID, r.SessionID, c.user.ID, s.now()); err != nil {
		return err
	}
	return c.json(http.StatusOK, map[string]bool{"success": true})
}

// deleteRecording removes a recording and its blocks for good. Deleting
// one that is gone already succeeds too.
func (s *Server) deleteRecording(c *call) error {
	keys, err := s.store.DeleteRecording(c.r.Context(), c.project.ID, c.r.PathValue("session_id"))
	if err != nil {
		return err
	}
	s.deleteBlocks(keys)
	return c.empty(http.StatusNoContent)
}

// deleteBlocks removes blocks whose rows are gone. A block that cannot be
// removed now is only wasted space: nothing refers to it any more.
func (s *Server) deleteBlocks(keys []string) {
	for _, k := range keys {
		if err := s.blobs.Delete(context.Background(), k); err != nil {
			s.log.Warn("delete block", "key", k, "err", err)
		}
	}
}

// recordingsPage is the body of a recordings list.
type recordingsPage struct {
	Count    int             `json:"count"`
	Next     *string         `json:"next"`
	Previous *string         `json:"previous"`
	Results  []recordingJSON `json:"results"`
	HasNext  bool            `json:"has_next"`
}

// listRecordings lists the project's recordings that match the query.
func (s *Server) listRecordings(c *call) error {
	q, err := recording.ParseListQuery(c.r.URL.Query(), s.now())
	if err != nil {
		return err
	}
	page, err := s.recordingsPage(c, q)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, page)
}

// recordingsPage runs q and renders the page it selects.
func (s *Server) recordingsPage(c *call, q recording.Query) (recordingsPage, error) {
	cond, order, err := q.Compile(s.store.Dialect(), c.user.ID)
	if err != nil {
		return recordingsPage{}, err
	}
	from := recording.RetentionFrom(c.project.RetentionDays, s.now())
	recs, count, err := s.store.ListRecordings(c.r.Context(), c.project.ID, from, cond, order, q.Limit, q.Offset)
	if err != nil {
		return recordingsPage{}, err
	}
	return s.renderPage(c, recs, count, page{limit: q.Limit, offset: q.Offset})
}

// renderPage renders recordings as one page of a list of count.
func (s *Server) renderPage(c *call, recs []store.Recording, count int, p page) (recordingsPage, error) {
	out := recordingsPage{Count: count, HasNext: p.offset+len(recs) < count}
	out.Next, out.Previous = c.links(p, count)
	var err error
	out.Results, err = s.recordingViews(c.r.Context(), c, recs)
	return out, err
}
