// Package jobs runs Tapedeck's background work: purging recordings past
// their project's retention, removing expired sign-in sessions,
// refreshing filters playlists' counts and compacting finished
// recordings' blocks.
package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/tapedeck/tapedeck/internal/blob"
	"github.com/tapedeck/tapedeck/internal/store"
)

// Runner runs the background jobs on a timer.
type Runner struct {
	Store *store.Store
	Blobs blob.Store
	Log   *slog.Logger
	Now   func() time.Time
	// Every is the time between two runs.
	Every time.Duration
	// Refresh brings saved-filter counts up to date; nil skips it.
	Refresh func(ctx context.Context) error
	// CompactAfter is how long a recording must have received nothing
	// before its blocks are compacted; 0 turns compaction off.
	CompactAfter time.Duration
	// CompactBatch caps the recordings compacted per run
	// (DefaultCompactBatch when 0).
	CompactBatch int
	// CompactBlockBytes is the JSONL size of a compacted block
	// (DefaultCompactBlockBytes when 0).
	CompactBlockBytes int
}

// every is the time between two runs.
func (r *Runner) every() time.Duration {
	if r.Every <= 0 {
		return time.Minute
	}
	return r.Every
}

// Run runs the jobs once at start and then every r.Every until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	t := time.NewTicker(r.every())
	defer t.Stop()
	for {
		r.RunOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce runs every job once, logging failures. Each job runs on one
// node at a time: a job that another node (sharing the database) is
// running is skipped this time.
func (r *Runner) RunOnce(ctx context.Context) {
	r.exclusive(ctx, "retention-purge", func() {
		if n, err := r.PurgeExpired(ctx); err != nil {
			r.Log.Error("retention purge", "err", err)
		} else if n > 0 {
			r.Log.Info("retention purge", "recordings", n)
		}
		if _, err := r.Store.TrimListRemovals(ctx, r.Now().Add(-store.ListRemovalsKept)); err != nil {
			r.Log.Error("trim list removals", "err", err)
		}
	})
	r.exclusive(ctx, "sessions-purge", func() {
		if n, err := r.PurgeSessions(ctx); err != nil {
			r.Log.Error("expired sessions purge", "err", err)
		} else if n > 0 {
			r.Log.Info("expired sessions purge", "sessions", n)
		}
	})
	if r.Refresh != nil {
		r.exclusive(ctx, "playlist-counts", func() {
			if err := r.Refresh(ctx); err != nil {
				r.Log.Error("refresh playlist counts", "err", err)
			}
		})
	}
	if r.CompactAfter > 0 {
		r.exclusive(ctx, "compaction", func() {
			if n, err := r.compactFor(ctx, r.every()/2); err != nil {
				r.Log.Error("compaction", "recordings", n, "err", err)
			} else if n > 0 {
				r.Log.Info("compaction", "recordings", n)
			}
		})
	}
}

// exclusive runs job while holding the store's lock for it, or skips it
// when someone else holds that lock.
func (r *Runner) exclusive(ctx context.Context, name string, job func()) {
	unlock, ok, err := r.Store.TryLock(ctx, "job-"+name)
	if err != nil {
		r.Log.Error("lock a background job", "job", name, "err", err)
		return
	}
	if !ok {
		r.Log.Debug("background job running elsewhere; skipped", "job", name)
		return
	}
	defer unlock()
	job()
}

// PurgeSessions removes the sign-in sessions that have expired and
// returns how many it removed. An expired session is refused whether or
// not it was removed; this only keeps the table small.
func (r *Runner) PurgeSessions(ctx context.Context) (int64, error) {
	return r.Store.DeleteExpiredUserSessions(ctx, r.Now())
}

// PurgeExpired deletes the rows and blocks of every recording past its
// project's retention and returns how many it deleted.
func (r *Runner) PurgeExpired(ctx context.Context) (int, error) {
	total := 0
	for ctx.Err() == nil {
		expired, err := r.Store.ExpiredRecordings(ctx, r.Now(), 200)
		if err != nil || len(expired) == 0 {
			return total, err
		}
		for _, k := range expired {
			keys, err := r.Store.DeleteRecording(ctx, k.ProjectID, k.SessionID)
			if err != nil {
				return total, err
			}
			for _, key := range keys {
				if key == "" {
					continue // an inline block, gone with its row
				}
				if err := r.Blobs.Delete(ctx, key); err != nil {
					r.Log.Warn("delete expired block", "key", key, "err", err)
				}
			}
			total++
		}
	}
	return total, ctx.Err()
}
