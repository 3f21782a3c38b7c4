package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/tapedeck/tapedeck/internal/apierror"
	"github.com/tapedeck/tapedeck/internal/recording"
	"github.com/tapedeck/tapedeck/internal/store"
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
// removed now is only wasted space: nothing refers to it any more. An
// empty key is an inline block, gone with its row.
func (s *Server) deleteBlocks(keys []string) {
	for _, k := range keys {
		if k == "" {
			continue
		}
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
