package playlist

import (
	"context"
	"log/slog"
	"time"

	"github.com/tapedeck/tapedeck/internal/recording"
	"github.com/tapedeck/tapedeck/internal/store"
)

// SavedFilterCap is the most matches a saved-filter count counts; beyond it
// the count says has_more.
const SavedFilterCap = 500

// CountsStaleAfter is how old a saved-filter count may be before reading
// the playlist refreshes it.
const CountsStaleAfter = time.Hour

// RefreshCounts recounts the matches of every filters playlist. A playlist
// whose filters cannot be evaluated is logged and skipped.
func (s Service) RefreshCounts(ctx context.Context, log *slog.Logger) error {
	list, err := s.Store.FiltersPlaylists(ctx)
	if err != nil {
		return err
	}
	for _, p := range list {
		if err := s.refreshCount(ctx, p); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			log.Warn("refresh saved-filter count", "playlist", p.ID, "err", err)
		}
	}
	return nil
}

// RefreshCount recounts one filters playlist: always, or when onlyIfStale
// is set, only when its count is missing or older than CountsStaleAfter.
func (s Service) RefreshCount(ctx context.Context, p store.Playlist, retentionDays int, onlyIfStale bool) error {
	if p.Type != TypeFilters || p.Deleted {
		return nil
	}
	if onlyIfStale {
		counts, err := s.Store.SavedFilterCounts(ctx, []int64{p.ID})
		if err != nil {
			return err
		}
		if c, ok := counts[p.ID]; ok && s.Now().Sub(c.RefreshedAt) < CountsStaleAfter {
			return nil
		}
	}
	return s.refreshCount(ctx, store.FiltersPlaylist{ID: p.ID, ProjectID: p.ProjectID, Filters: p.Filters, RetentionDays: retentionDays})
}

func (s Service) refreshCount(ctx context.Context, p store.FiltersPlaylist) error {
	now := s.Now()
	q, err := recording.ParseFilters(p.Filters, now)
	if err != nil {
		return err
	}
	cond, order, err := q.Compile(s.Store.Dialect(), 0)
	if err != nil {
		return err
	}
	ids, err := s.Store.RecordingSessionIDs(ctx, p.ProjectID, recording.RetentionFrom(p.RetentionDays, now), cond, order, SavedFilterCap+1, 0)
	if err != nil {
		return err
	}
	hasMore := len(ids) > SavedFilterCap
	if hasMore {
		ids = ids[:SavedFilterCap]
	}
	return s.Store.PutSavedFilterCount(ctx, store.SavedFilterCount{PlaylistID: p.ID, Count: len(ids), HasMore: hasMore,
		SessionIDs: ids, RefreshedAt: now})
}
