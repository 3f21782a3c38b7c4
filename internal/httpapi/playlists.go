package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tapedeck/tapedeck/internal/apierror"
	"github.com/tapedeck/tapedeck/internal/capture"
	"github.com/tapedeck/tapedeck/internal/playlist"
	"github.com/tapedeck/tapedeck/internal/recording"
	"github.com/tapedeck/tapedeck/internal/store"
	"github.com/tapedeck/tapedeck/internal/timeparse"
)

// maxPlaylistName is the longest name or derived_name a playlist takes.
const maxPlaylistName = 400

func (s *Server) listPlaylists(c *call) error {
	p, err := c.readPage(100, 500)
	if err != nil {
		return err
	}
	q, err := s.playlistQuery(c)
	if err != nil {
		return err
	}
	q.Limit, q.Offset = p.limit, p.offset
	list, count, err := s.playlists.List(c.r.Context(), q)
	if err != nil {
		return err
	}
	results, err := s.playlistViews(c, list)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, c.paginated(p, count, results))
}

// playlistQuery reads the list's filters and order from the query string.
func (s *Server) playlistQuery(c *call) (store.PlaylistQuery, error) {
	v := c.r.URL.Query()
	q := store.PlaylistQuery{
		ProjectID:          c.project.ID,
		Search:             v.Get("search"),
		ShortID:            v.Get("short_id"),
		SessionRecordingID: v.Get("session_recording_id"),
		Order:              "last_modified_at",
		Desc:               true,
	}
	if raw := v.Get("created_by"); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return q, apierror.Invalid("created_by", "created_by must be a user id.")
		}
		q.CreatedBy = &id
	}
	if raw := v.Get("user"); raw != "" {
		mine, ok := parseBool(raw)
		if !ok {
			return q, apierror.Invalid("user", "user must be true or false.")
		}
		if mine {
			q.CreatedBy = &c.user.ID
		}
	}
	if raw := v.Get("pinned"); raw != "" {
		pinned, ok := parseBool(raw)
		if !ok {
			return q, apierror.Invalid("pinned", "pinned must be true or false.")
		}
		q.Pinned = &pinned
	}
	if raw := v.Get("type"); raw != "" {
		if raw != playlist.TypeCollection && raw != playlist.TypeFilters {
			return q, apierror.Validation("type", "invalid_choice", fmt.Sprintf("\"%s\" is not a valid choice.", raw))
		}
		q.Type = raw
	}
	for _, bound := range []struct {
		name string
		dst  **time.Time
	}{{"date_from", &q.ModifiedAfter}, {"date_to", &q.ModifiedBefore}} {
		if raw := v.Get(bound.name); raw != "" {
			t, err := timeparse.Parse(raw, s.now())
			if err != nil {
				return q, apierror.Invalid(bound.name, err.Error())
			}
			*bound.dst = &t
		}
	}
	if raw := v.Get("order"); raw != "" {
		key := strings.TrimPrefix(raw, "-")
		if key != "last_modified_at" && key != "created_at" && key != "name" {
			return q, apierror.Validation("order", "invalid_choice",
				fmt.Sprintf("\"%s\" is not a valid order: use last_modified_at, created_at or name, optionally with a leading -.", raw))
		}
		q.Order, q.Desc = key, strings.HasPrefix(raw, "-")
	}
	return q, nil
}

func (s *Server) createPlaylist(c *call) error {
	in, err := playlistInput(c.body)
	if err != nil {
		return err
	}
	p, err := s.playlists.Create(c.r.Context(), c.project.ID, c.user, in)
	if err != nil {
		return err
	}
	return s.respondPlaylist(c, http.StatusCreated, p)
}

func (s *Server) getPlaylist(c *call) error {
	p, err := s.playlists.Get(c.r.Context(), c.project.ID, c.r.PathValue("short_id"))
	if err != nil {
		return err
	}
	s.refreshCountsSoon(p, c.project.RetentionDays, true)
	return s.respondPlaylist(c, http.StatusOK, p)
}

// refreshCountsSoon recounts a filters playlist's matches in the
// background (only when its count is stale, if onlyIfStale), so that
// reading or saving it never waits.
func (s *Server) refreshCountsSoon(p store.Playlist, retentionDays int, onlyIfStale bool) {
	if p.Type != playlist.TypeFilters {
		return
	}
	if _, busy := s.refreshing.LoadOrStore(p.ID, true); busy {
		return
	}
	go func() {
		defer s.refreshing.Delete(p.ID)
		if err := s.playlists.RefreshCount(context.Background(), p, retentionDays, onlyIfStale); err != nil {
			s.log.Warn("refresh saved-filter count", "playlist", p.ID, "err", err)
		}
	}()
}

// updatePlaylist serves PATCH and PUT alike: every field is optional.
func (s *Server) updatePlaylist(c *call) error {
	in, err := playlistInput(c.body)
	if err != nil {
		return err
	}
	p, err := s.playlists.Update(c.r.Context(), c.project.ID, c.r.PathValue("short_id"), c.user, in)
	if err != nil {
		return err
	}
	if in.Filters.Set {
		s.refreshCountsSoon(p, c.project.RetentionDays, false)
	}
	return s.respondPlaylist(c, http.StatusOK, p)
}

// deletePlaylist refuses: playlists are deleted with PATCH {"deleted": true}.
func (s *Server) deletePlaylist(c *call) error {
	return c.empty(http.StatusMethodNotAllowed)
}

func (s *Server) respondPlaylist(c *call, status int, p store.Playlist) error {
	views, err := s.playlistViews(c, []store.Playlist{p})
	if err != nil {
		return err
	}
	return c.json(status, views[0])
}

// playlistViews renders playlists with their recordings_counts for the caller.
func (s *Server) playlistViews(c *call, list []store.Playlist) ([]playlistJSON, error) {
	counts, err := s.playlists.Counts(c.r.Context(), c.project.ID, list, c.user.ID)
	if err != nil {
		return nil, err
	}
	views := make([]playlistJSON, len(list))
	for i, p := range list {
		views[i] = playlistView(p, counts[p.ID])
	}
	return views, nil
}

// playlistInput reads the fields of a create or update body.
func playlistInput(b *body) (playlist.Input, error) {
	var in playlist.Input
	var err error
	if in.Name, err = b.text("name", maxPlaylistName, true); err != nil {
		return in, err
	}
	if in.DerivedName, err = b.text("derived_name", maxPlaylistName, true); err != nil {
		return in, err
	}
	description, err := b.text("description", 0, false)
	if err != nil {
		return in, err
	}
	if description.Set {
		in.Description = playlist.Field[string]{Set: true, Value: *description.Value}
	}
	if in.Pinned, err = b.boolean("pinned"); err != nil {
		return in, err
	}
	if in.Deleted, err = b.boolean("deleted"); err != nil {
		return in, err
	}
	if in.Filters, err = b.object("filters"); err != nil {
		return in, err
	}
	typ, err := b.text("type", 0, false)
	if err != nil {
		return in, err
	}
	if typ.Set {
		in.Type = playlist.Field[string]{Set: true, Value: *typ.Value}
	}
	return in, nil
}

// addPlaylistRecording pins a recording to a collection. The recording may
// not have arrived yet.
func (s *Server) addPlaylistRecording(c *call) error {
	p, err := s.playlists.Get(c.r.Context(), c.project.ID, c.r.PathValue("short_id"))
	if err != nil {
		return err
	}
	session := c.r.PathValue("session_recording_id")
	if !capture.ValidSessionID(session) {
		return apierror.Invalid("session_recording_id", "A session recording id is at most 70 letters, digits and dashes.")
	}
	if p.Type == playlist.TypeFilters {
		return apierror.Invalid("", "Cannot add recordings to a playlist that is type 'filters'.")
	}
	if err := s.store.AddPlaylistItem(c.r.Context(), p.ID, session, s.now()); err != nil {
		return err
	}
	return c.json(http.StatusOK, map[string]bool{"success": true})
}

// removePlaylistRecording unpins a recording.
func (s *Server) removePlaylistRecording(c *call) error {
	p, err := s.playlists.Get(c.r.Context(), c.project.ID, c.r.PathValue("short_id"))
	if err != nil {
		return err
	}
	err = s.store.RemovePlaylistItem(c.r.Context(), p.ID, c.r.PathValue("session_recording_id"))
	if errors.Is(err, store.ErrNotFound) {
		return apierror.NotFound("The recording is not in this playlist.")
	} else if err != nil {
		return err
	}
	return c.empty(http.StatusNoContent)
}

// listPlaylistRecordings lists a playlist's recordings in the recordings
// list's shape: a collection's pinned recordings, most recently pinned
// first; for a filters playlist, its pinned recordings and then the
// recordings its saved filters match.
func (s *Server) listPlaylistRecordings(c *call) error {
	ctx := c.r.Context()
	p, err := s.playlists.Get(ctx, c.project.ID, c.r.PathValue("short_id"))
	if err != nil {
		return err
	}
	pg, err := c.readPage(recording.DefaultLimit, recording.MaxLimit)
	if err != nil {
		return err
	}
	pinned, err := s.store.PlaylistItems(ctx, p.ID)
	if err != nil {
		return err
	}
	now := s.now()
	from := recording.RetentionFrom(c.project.RetentionDays, now)
	dialect := s.store.Dialect()

	// The pinned recordings that exist, in pin order.
	pinnedQuery := recording.Query{SessionIDs: pinned}
	pinCond, pinOrder, err := pinnedQuery.Compile(dialect, c.user.ID)
	if err != nil {
		return err
	}
	pinnedIDs, err := s.store.RecordingSessionIDs(ctx, c.project.ID, from, pinCond, pinOrder, len(pinned), 0)
	if err != nil {
		return err
	}

	var recs []store.Recording
	count := len(pinnedIDs)
	if pg.offset < len(pinnedIDs) {
		end := min(pg.offset+pg.limit, len(pinnedIDs))
		q := recording.Query{SessionIDs: pinnedIDs[pg.offset:end]}
		cond, order, err := q.Compile(dialect, c.user.ID)
		if err != nil {
			return err
		}
		if recs, _, err = s.store.ListRecordings(ctx, c.project.ID, from, cond, order, end-pg.offset, 0); err != nil {
			return err
		}
	}
	if p.Type == playlist.TypeFilters {
		q, err := recording.ParseFilters(p.Filters, now)
		if err != nil {
			return err
		}
		q.ExcludeSessionIDs = pinnedIDs
		cond, order, err := q.Compile(dialect, c.user.ID)
		if err != nil {
			return err
		}
		offset := max(0, pg.offset-len(pinnedIDs))
		limit := pg.limit - len(recs)
		matches, n, err := s.store.ListRecordings(ctx, c.project.ID, from, cond, order, max(limit, 1), offset)
		if err != nil {
			return err
		}
		if limit > 0 {
			recs = append(recs, matches...)
		}
		count += n
	}
	out, err := s.renderPage(c, recs, count, pg)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, out)
}
