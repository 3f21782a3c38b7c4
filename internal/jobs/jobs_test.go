package jobs

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/blob"
	"github.com/tapedeck/tapedeck/internal/capture"
	"github.com/tapedeck/tapedeck/internal/ingest"
	"github.com/tapedeck/tapedeck/internal/store"
	"github.com/tapedeck/tapedeck/internal/storetest"
)

// The jobs run on SQLite, or on PostgreSQL when
// TAPEDECK_TEST_BACKEND=postgres; TestRunOnceIsExclusive runs on both.
func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

var recorded = time.Date(2026, 11, 26, 3, 44, 0, 0, time.UTC)

func TestPurgeExpired(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := storetest.Open(t)
	blobs, err := blob.OpenDir(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	org := store.Organization{ID: "01a21600-0000-7000-8000-00000000000a", Name: "o", CreatedAt: recorded}
	if err := st.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	short := store.Project{UUID: "01a21600-0000-7000-8000-00000000000b", OrganizationID: org.ID, Name: "short",
		APIToken: "phc_sharedfixture", Timezone: "UTC", CreatedAt: recorded}
	long := store.Project{UUID: "01a21600-0000-7000-8000-00000000000c", OrganizationID: org.ID, Name: "long",
		APIToken: "phc_long", Timezone: "UTC", CreatedAt: recorded, RetentionDays: 90}
	for _, p := range []*store.Project{&short, &long} {
		if err := st.CreateProject(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	body, err := os.ReadFile("../../../shared/fixtures/posthog-js/011.body")
	if err != nil {
		t.Fatal(err)
	}
	lim := capture.Limits{MaxDecompressedBytes: 64 << 20}
	events, err := capture.Decode(body, "text/plain", url.Values{}, lim)
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := capture.Snapshots(events, lim)
	if err != nil {
		t.Fatal(err)
	}
	svc := ingest.New(st, func() time.Time { return recorded })
	for _, p := range []store.Project{short, long} {
		if _, err := svc.Ingest(ctx, p, recs, nil); err != nil {
			t.Fatal(err)
		}
	}
	session := recs[0].SessionID
	// The blocks are inline: the blob store holds nothing, and the purge
	// must not ask it to delete anything.
	files := func() int {
		n := 0
		filepath.Walk(blobs.Path(), func(_ string, info os.FileInfo, _ error) error {
			if info != nil && !info.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	rows := func(p store.Project) int {
		blocks, err := st.Blocks(ctx, p.ID, session)
		if err != nil {
			t.Fatal(err)
		}
		return len(blocks)
	}
	if files() != 0 || rows(short) != 1 || rows(long) != 1 {
		t.Fatalf("%d blob files, %d and %d block rows; want 0, 1 and 1", files(), rows(short), rows(long))
	}

	now := recorded.AddDate(0, 0, 29)
	var logs bytes.Buffer
	r := &Runner{Store: st, Blobs: blobs, Log: slog.New(slog.NewTextHandler(&logs, nil)), Now: func() time.Time { return now }}
	if n, err := r.PurgeExpired(ctx); err != nil || n != 0 {
		t.Fatalf("after 29 days purged %d (%v), want 0", n, err)
	}
	now = recorded.AddDate(0, 0, 31)
	if n, err := r.PurgeExpired(ctx); err != nil || n != 1 {
		t.Fatalf("after 31 days purged %d (%v), want the 30-day project's 1", n, err)
	}
	if _, err := st.Recording(ctx, short.ID, session); err == nil {
		t.Error("the expired recording is still there")
	}
	if _, err := st.Recording(ctx, long.ID, session); err != nil {
		t.Errorf("the 90-day project's recording is gone: %v", err)
	}
	if rows(short) != 0 || rows(long) != 1 {
		t.Errorf("%d and %d block rows after the purge, want 0 and 1", rows(short), rows(long))
	}
	if err := st.SetRetention(ctx, long.ID, 7); err != nil {
		t.Fatal(err)
	}
	if n, err := r.PurgeExpired(ctx); err != nil || n != 1 || rows(long) != 0 {
		t.Errorf("after shortening retention purged %d (%v), %d block rows left", n, err, rows(long))
	}
	if logs.Len() != 0 {
		t.Errorf("the purge logged: %s", logs.String())
	}
}

func TestPurgeSessions(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	org := store.Organization{ID: "01a21600-0000-7000-8000-00000000000a", Name: "o", CreatedAt: recorded}
	if err := st.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	u := store.User{UUID: "01a21600-0000-7000-8000-00000000000d", Email: "a@example.com", DistinctID: "a", CreatedAt: recorded}
	if err := st.CreateUser(ctx, &u, org.ID); err != nil {
		t.Fatal(err)
	}
	for i, expires := range []time.Time{recorded.Add(time.Hour), recorded.Add(2 * time.Hour), recorded.Add(48 * time.Hour)} {
		us := store.UserSession{TokenHash: fmt.Sprintf("sha256$%d", i), UserID: u.ID, CreatedAt: recorded,
			LastSeenAt: recorded, ExpiresAt: expires}
		if err := st.CreateUserSession(ctx, &us); err != nil {
			t.Fatal(err)
		}
	}
	now := recorded.Add(2 * time.Hour)
	r := &Runner{Store: st, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}
	if n, err := r.PurgeSessions(ctx); err != nil || n != 2 {
		t.Fatalf("purged %d sessions (%v), want the 2 that expired by now", n, err)
	}
	if _, _, err := st.UserSessionByTokenHash(ctx, "sha256$2"); err != nil {
		t.Errorf("the live session is gone: %v", err)
	}
	if n, err := r.PurgeSessions(ctx); err != nil || n != 0 {
		t.Errorf("a second purge removed %d (%v)", n, err)
	}
}

// A job that someone else is running (another node, holding its lock) is
// skipped; it runs again once the lock is free.
func TestRunOnceIsExclusive(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *store.Store{
		"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres,
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			org := store.Organization{ID: "01a21600-0000-7000-8000-00000000000a", Name: "o", CreatedAt: recorded}
			if err := st.CreateOrganization(ctx, org); err != nil {
				t.Fatal(err)
			}
			u := store.User{UUID: "01a21600-0000-7000-8000-00000000000d", Email: "a@example.com", DistinctID: "a", CreatedAt: recorded}
			if err := st.CreateUser(ctx, &u, org.ID); err != nil {
				t.Fatal(err)
			}
			us := store.UserSession{TokenHash: "sha256$x", UserID: u.ID, CreatedAt: recorded, LastSeenAt: recorded,
				ExpiresAt: recorded.Add(time.Hour)}
			if err := st.CreateUserSession(ctx, &us); err != nil {
				t.Fatal(err)
			}
			blobs, err := blob.OpenDir(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			refreshed := 0
			r := &Runner{Store: st, Blobs: blobs, Log: slog.New(slog.DiscardHandler),
				Now:     func() time.Time { return recorded.Add(2 * time.Hour) },
				Refresh: func(context.Context) error { refreshed++; return nil }}

			unlock, ok, err := st.TryLock(ctx, "job-sessions-purge")
			if err != nil || !ok {
				t.Fatalf("take the job's lock: %v %v", ok, err)
			}
			r.RunOnce(ctx)
			if _, _, err := st.UserSessionByTokenHash(ctx, us.TokenHash); err != nil {
				t.Errorf("the purge ran while another held its lock: %v", err)
			}
			if refreshed != 1 {
				t.Errorf("the other jobs ran %d times, want 1", refreshed)
			}
			unlock()
			r.RunOnce(ctx)
			if _, _, err := st.UserSessionByTokenHash(ctx, us.TokenHash); err == nil {
				t.Error("the purge did not run once the lock was free")
			}
		})
	}
}
