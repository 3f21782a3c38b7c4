package ingest

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/store"
)

// TestProjectByTokenFollowsChanges changes a project's token behind the
// service's back, as another process on the same SQLite file would: the
// old token keeps working until ProjectTTL has passed since it was looked
// up, and then gets ErrNotFound; the new token works at once.
func TestProjectByTokenFollowsChanges(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tapedeck.db")
	st, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := addProject(t, st, "phc_before")
	svc := New(st, func() time.Time { return fixtureNow })
	var clock atomic.Int64 // nanoseconds after start
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	svc.projects.clock = func() time.Time { return start.Add(time.Duration(clock.Load())) }

	if _, err := svc.ProjectByToken(ctx, "phc_after"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown token: err %v, want ErrNotFound", err)
	}
	got, err := svc.ProjectByToken(ctx, "phc_before")
	if err != nil || got.ID != p.ID || got.APIToken != "phc_before" {
		t.Fatalf("ProjectByToken = %+v, %v; want project %d", got, err, p.ID)
	}

	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.ExecContext(ctx, `UPDATE projects SET api_token = 'phc_after' WHERE id = ?`, p.ID); err != nil {
		t.Fatal(err)
	}

	clock.Store(int64(ProjectTTL - time.Millisecond))
	if got, err := svc.ProjectByToken(ctx, "phc_before"); err != nil || got.ID != p.ID {
		t.Fatalf("within ProjectTTL: %+v, %v; want the remembered project", got, err)
	}
	// Unknown tokens were not remembered: the new token is found at once.
	if got, err := svc.ProjectByToken(ctx, "phc_after"); err != nil || got.ID != p.ID {
		t.Fatalf("new token: %+v, %v; want project %d", got, err, p.ID)
	}
	clock.Store(int64(ProjectTTL))
	if _, err := svc.ProjectByToken(ctx, "phc_before"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after ProjectTTL: err %v, want ErrNotFound", err)
	}
}

// TestProjectCacheIsBounded fills the cache past its bound: expired
// entries go first, and it never holds more than maxCachedProjects.
func TestProjectCacheIsBounded(t *testing.T) {
	c := newProjectCache()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c.put("old", store.Project{ID: 1}, t0)
	later := t0.Add(ProjectTTL)
	for i := range maxCachedProjects - 1 {
		c.put("t"+strconv.Itoa(i), store.Project{ID: int64(i + 2)}, later)
	}
	if len(c.byToken) != maxCachedProjects {
		t.Fatalf("%d entries, want %d", len(c.byToken), maxCachedProjects)
	}
	c.put("new", store.Project{ID: 99}, later)
	if _, ok := c.byToken["old"]; ok {
		t.Error("the expired entry was kept when the cache was full")
	}
	if p, ok := c.get("new", later); !ok || p.ID != 99 {
		t.Errorf("get(new) = %+v, %v; want project 99", p, ok)
	}
	for i := range maxCachedProjects {
		c.put("u"+strconv.Itoa(i), store.Project{ID: 1}, later)
	}
	if len(c.byToken) > maxCachedProjects {
		t.Errorf("%d entries, want at most %d", len(c.byToken), maxCachedProjects)
	}
}

// BenchmarkProjectByToken is the token lookup of every capture request,
// answered from the cache, against the store's own lookup.
func BenchmarkProjectByToken(b *testing.B) {
	svc, st, p := newService(b)
	ctx := context.Background()
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			if _, err := svc.ProjectByToken(ctx, p.APIToken); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("store", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.ProjectByToken(ctx, p.APIToken); err != nil {
				b.Fatal(err)
			}
		}
	})
}
