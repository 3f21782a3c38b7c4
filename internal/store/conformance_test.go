package store_test

// The store conformance suite: every Store and Tx method, run against
// SQLite and against PostgreSQL, with the same expectations.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/recording"
	"github.com/tapedeck/tapedeck/internal/store"
	"github.com/tapedeck/tapedeck/internal/storetest"
)

// now has microseconds, which every stored time keeps.
var now = time.Date(2026, 3, 10, 12, 0, 0, 123456000, time.UTC)

// conform runs fn against a fresh store of each backend.
func conform(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	for _, b := range []struct {
		name string
		open func(testing.TB) *store.Store
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		t.Run(b.name, func(t *testing.T) { fn(t, b.open(t)) })
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

// seed creates an organization with a project and a user.
func seed(t *testing.T, s *store.Store) (store.Organization, store.Project, store.User) {
	t.Helper()
	ctx := context.Background()
	org := store.Organization{ID: "org-a", Name: "A", CreatedAt: now}
	must(t, s.CreateOrganization(ctx, org))
	p := store.Project{UUID: "project-a", OrganizationID: org.ID, Name: "Shop", APIToken: "phc_a", Timezone: "UTC", CreatedAt: now}
	must(t, s.CreateProject(ctx, &p))
	u := store.User{UUID: "user-a", Email: "ada@example.com", FirstName: "Ada", LastName: "L", DistinctID: "ua",
		IsEmailVerified: true, CreatedAt: now}
	must(t, s.CreateUser(ctx, &u, org.ID))
	return org, p, u
}

func TestConformanceAccounts(t *testing.T) {
	conform(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		must(t, s.Ping(ctx))
		if v, err := s.SchemaVersion(ctx); err != nil || v != store.LatestSchemaVersion() {
			t.Errorf("schema version %d (%v), want %d", v, err, store.LatestSchemaVersion())
		}
		_, err := s.FirstOrganization(ctx)
		wantErr(t, "first organization of an empty store", err, store.ErrNotFound)
		_, err = s.FirstUser(ctx)
		wantErr(t, "first user of an empty store", err, store.ErrNotFound)

		first := store.Organization{ID: "org-1", Name: "First", CreatedAt: now}
		p1 := store.Project{UUID: "p-1", Name: "Default", APIToken: "phc_1", Timezone: "Europe/Paris", CreatedAt: now}
		if created, err := s.CreateFirstOrganization(ctx, first, &p1); err != nil || !created || p1.ID == 0 {
			t.Fatalf("first organization: %v %v, project id %d", created, err, p1.ID)
		}
		p := store.Project{UUID: "p-x", Name: "Other", APIToken: "phc_x", Timezone: "UTC", CreatedAt: now}
		if created, err := s.CreateFirstOrganization(ctx, store.Organization{ID: "org-x", Name: "X", CreatedAt: now}, &p); err != nil || created {
			t.Errorf("a second first organization: %v %v", created, err)
		}
		_, err = s.Organization(ctx, "org-x")
		wantErr(t, "the organization not created", err, store.ErrNotFound)

		second := store.Organization{ID: "org-2", Name: "Second", CreatedAt: now.Add(time.Second)}
		must(t, s.CreateOrganization(ctx, second))
		if err := s.CreateOrganization(ctx, second); err == nil {
			t.Error("an organization created twice")
		}
		if o, err := s.Organization(ctx, "org-2"); err != nil || o != second {
			t.Errorf("organization %+v (%v), want %+v", o, err, second)
		}
		if o, err := s.FirstOrganization(ctx); err != nil || o.ID != "org-1" {
			t.Errorf("first organization %+v (%v)", o, err)
		}

		p2 := store.Project{UUID: "p-2", OrganizationID: "org-2", Name: "Blog", APIToken: "phc_2", Timezone: "UTC",
			RetentionDays: 7, CreatedAt: now}
		must(t, s.CreateProject(ctx, &p2))
		dup := store.Project{UUID: "p-3", OrganizationID: "org-2", Name: "Dup", APIToken: "phc_2", Timezone: "UTC", CreatedAt: now}
		wantErr(t, "a project with a token taken", s.CreateProject(ctx, &dup), store.ErrConflict)
		p1.OrganizationID = "org-1"
		if got, err := s.Project(ctx, p1.ID); err != nil || got != p1 || got.RetentionDays != store.DefaultRetentionDays {
			t.Errorf("project %+v (%v), want %+v", got, err, p1)
		}
		if got, err := s.ProjectByToken(ctx, "phc_2"); err != nil || got != p2 {
			t.Errorf("project by token %+v (%v), want %+v", got, err, p2)
		}
		_, err = s.Project(ctx, 999999)
		wantErr(t, "an unknown project", err, store.ErrNotFound)
		_, err = s.ProjectByToken(ctx, "phc_none")
		wantErr(t, "an unknown token", err, store.ErrNotFound)
		if list, err := s.Projects(ctx); err != nil || len(list) != 2 || list[0].ID != p1.ID || list[1].ID != p2.ID {
			t.Errorf("projects %+v (%v)", list, err)
		}
		must(t, s.SetRetention(ctx, p2.ID, 90))
		if got, _ := s.Project(ctx, p2.ID); got.RetentionDays != 90 {
			t.Errorf("retention %d after setting 90", got.RetentionDays)
		}
		wantErr(t, "retention of an unknown project", s.SetRetention(ctx, 999999, 1), store.ErrNotFound)

		u1 := store.User{UUID: "u-1", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", DistinctID: "d-1",
			IsEmailVerified: true, CreatedAt: now}
		must(t, s.CreateUser(ctx, &u1, "org-1"))
		u2 := store.User{UUID: "u-2", Email: "bob@example.com", DistinctID: "d-2", CreatedAt: now}
		must(t, s.CreateUserWithPassword(ctx, &u2, "org-2", "$argon2id$bob"))
		again := store.User{UUID: "u-3", Email: "ada@example.com", DistinctID: "d-3", CreatedAt: now}
		wantErr(t, "a user with an email taken", s.CreateUser(ctx, &again, "org-1"), store.ErrConflict)
		if got, err := s.UserByEmail(ctx, "ada@example.com"); err != nil || got != u1 {
			t.Errorf("user %+v (%v), want %+v", got, err, u1)
		}
		if got, err := s.FirstUser(ctx); err != nil || got.ID != u1.ID {
			t.Errorf("first user %+v (%v)", got, err)
		}
		if got, hash, err := s.UserWithPasswordHash(ctx, "BOB@example.com"); err != nil || got != u2 || hash != "$argon2id$bob" {
			t.Errorf("user with hash %+v %q (%v)", got, hash, err)
		}
		if orgs, err := s.UserOrganizations(ctx, u1.ID); err != nil || len(orgs) != 1 || orgs[0].ID != "org-1" {
			t.Errorf("organizations of ada %+v (%v)", orgs, err)
		}
		for _, c := range []struct {
			org  string
			user int64
			want bool
		}{{"org-1", u1.ID, true}, {"org-2", u1.ID, false}, {"org-2", u2.ID, true}} {
			if got, err := s.IsMember(ctx, c.org, c.user); err != nil || got != c.want {
				t.Errorf("member of %s: %v (%v), want %v", c.org, got, err, c.want)
			}
		}
		ids := func(ps []store.Project) []int64 {
			var out []int64
			for _, p := range ps {
				out = append(out, p.ID)
			}
			return out
		}
		if got, err := s.UserProjects(ctx, u1.ID, nil); err != nil || !slices.Equal(ids(got), []int64{p1.ID}) {
			t.Errorf("projects of ada %v (%v)", ids(got), err)
		}
		if got, err := s.UserProjects(ctx, u2.ID, []int64{p1.ID, p2.ID}); err != nil || !slices.Equal(ids(got), []int64{p2.ID}) {
			t.Errorf("projects of bob among both %v (%v)", ids(got), err)
		}
		if got, err := s.UserProjects(ctx, u2.ID, []int64{p1.ID}); err != nil || len(got) != 0 {
			t.Errorf("projects of bob among ada's %v (%v)", ids(got), err)
		}
	})
}

func TestConformanceAPIKeys(t *testing.T) {
	conform(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, p, u := seed(t, s)
		k := store.APIKey{UserID: u.ID, Label: "ci", SecureValue: "sha256$k", MaskValue: "phx_...abcd",
			Scopes: []string{"session_recording:read", "session_recording_playlist:write"}, Projects: []int64{p.ID}, CreatedAt: now}
		must(t, s.CreateAPIKey(ctx, &k))
		other := store.APIKey{UserID: u.ID, SecureValue: "sha256$k", MaskValue: "x", Scopes: []string{"*"}, CreatedAt: now}
		wantErr(t, "a key with a taken hash", s.CreateAPIKey(ctx, &other), store.ErrConflict)
		got, owner, err := s.APIKeyBySecureValue(ctx, "sha256$k")
		if err != nil || owner != u || got.Label != "ci" || !slices.Equal(got.Scopes, k.Scopes) ||
			!slices.Equal(got.Projects, k.Projects) || !got.CreatedAt.Equal(now) || got.LastUsedAt != nil {
			t.Errorf("key %+v of %+v (%v)", got, owner, err)
		}
		used := now.Add(time.Hour)
		must(t, s.TouchAPIKey(ctx, k.ID, used))
		if keys, err := s.APIKeys(ctx); err != nil || len(keys) != 1 || keys[0].LastUsedAt == nil || !keys[0].LastUsedAt.Equal(used) {
			t.Errorf("keys %+v (%v)", keys, err)
		}
		must(t, s.DeleteAPIKey(ctx, k.ID))
		wantErr(t, "deleting a key twice", s.DeleteAPIKey(ctx, k.ID), store.ErrNotFound)
		_, _, err = s.APIKeyBySecureValue(ctx, "sha256$k")
		wantErr(t, "a deleted key", err, store.ErrNotFound)
	})
}

func TestConformanceSessions(t *testing.T) {
	conform(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, _, u := seed(t, s)
		for i, expires := range []time.Time{now.Add(time.Hour), now.Add(2 * time.Hour), now.Add(48 * time.Hour)} {
			us := store.UserSession{TokenHash: fmt.Sprintf("sha256$%d", i), UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: expires}
			must(t, s.CreateUserSession(ctx, &us))
		}
		if n, err := s.DeleteExpiredUserSessions(ctx, now.Add(2*time.Hour)); err != nil || n != 2 {
			t.Errorf("removed %d expired sessions (%v), want 2", n, err)
		}
		if us, owner, err := s.UserSessionByTokenHash(ctx, "sha256$2"); err != nil || owner != u || !us.ExpiresAt.Equal(now.Add(48*time.Hour)) {
			t.Errorf("session %+v of %+v (%v)", us, owner, err)
		}
	})
}

func TestConformancePlaylists(t *testing.T) {
	conform(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		org, p, ada := seed(t, s)
		bob := store.User{UUID: "user-b", Email: "bob@example.com", DistinctID: "ub", CreatedAt: now}
		must(t, s.CreateUser(ctx, &bob, org.ID))
		name := func(v string) *string { return &v }
		lists := []store.Playlist{
			{ShortID: "a1", Name: name("Checkout Funnel"), Type: "filters", Pinned: true, CreatedBy: &ada},
			{ShortID: "a2", Name: name("100% done_x"), Type: "collection", CreatedBy: &bob},
			{ShortID: "a3", DerivedName: name("Derived by zeta"), Type: "collection", CreatedBy: &ada},
			{ShortID: "a4", Name: name("beta"), Type: "filters"},
			{ShortID: "a5", Name: name("Hidden"), Type: "collection", Deleted: true},
		}
		for i := range lists {
			l := &lists[i]
			l.ProjectID = p.ID
			l.Filters = json.RawMessage(`{"date_from":"-7d"}`)
			l.CreatedAt = now.Add(time.Duration(i) * time.Minute)
			l.LastModifiedAt = now.Add(time.Duration(10-i) * time.Minute)
			l.LastModifiedBy = l.CreatedBy
			must(t, s.InsertPlaylist(ctx, l))
		}
		dup := store.Playlist{ProjectID: p.ID, ShortID: "a1", Type: "collection", Filters: json.RawMessage(`{}`), CreatedAt: now, LastModifiedAt: now}
		wantErr(t, "a taken short id", s.InsertPlaylist(ctx, &dup), store.ErrConflict)

		got, err := s.Playlist(ctx, p.ID, "a1", false)
		if err != nil || *got.Name != "Checkout Funnel" || !got.Pinned || got.Deleted || got.Type != "filters" ||
			string(got.Filters) != `{"date_from":"-7d"}` || got.CreatedBy == nil || *got.CreatedBy != ada ||
			!got.CreatedAt.Equal(lists[0].CreatedAt) || got.DerivedName != nil {
			t.Errorf("playlist %+v (%v)", got, err)
		}
		if got, err := s.Playlist(ctx, p.ID, "a4", false); err != nil || got.CreatedBy != nil || got.LastModifiedBy != nil {
			t.Errorf("a playlist without authors: %+v (%v)", got, err)
		}
		_, err = s.Playlist(ctx, p.ID, "a5", false)
		wantErr(t, "a deleted playlist", err, store.ErrNotFound)
		if got, err := s.Playlist(ctx, p.ID, "a5", true); err != nil || !got.Deleted {
			t.Errorf("a deleted playlist, asked for: %+v (%v)", got, err)
		}

		// Updates write back every changeable field.
		upd := lists[3]
		upd.Name, upd.Description, upd.Pinned, upd.Filters = name("Beta renamed"), "d", true, json.RawMessage(`{"x":1}`)
		upd.LastModifiedAt, upd.LastModifiedBy = now.Add(time.Hour), &bob
		must(t, s.UpdatePlaylist(ctx, &upd))
		if got, _ := s.Playlist(ctx, p.ID, "a4", false); *got.Name != "Beta renamed" || !got.Pinned || got.Description != "d" ||
			string(got.Filters) != `{"x":1}` || got.LastModifiedBy == nil || got.LastModifiedBy.ID != bob.ID {
			t.Errorf("updated playlist %+v", got)
		}
		missing := upd
		missing.ID = 999999
		wantErr(t, "updating an unknown playlist", s.UpdatePlaylist(ctx, &missing), store.ErrNotFound)

		// Pinned items.
		must(t, s.AddPlaylistItem(ctx, lists[1].ID, "s1", now))
		must(t, s.AddPlaylistItem(ctx, lists[1].ID, "s2", now.Add(time.Second)))
		must(t, s.AddPlaylistItem(ctx, lists[1].ID, "s1", now.Add(time.Hour)))
		must(t, s.AddPlaylistItem(ctx, lists[2].ID, "s3", now))
		if items, err := s.PlaylistItems(ctx, lists[1].ID); err != nil || !slices.Equal(items, []string{"s2", "s1"}) {
			t.Errorf("items %v (%v), want the last pinned first", items, err)
		}
		must(t, s.RemovePlaylistItem(ctx, lists[2].ID, "s3"))
		wantErr(t, "unpinning twice", s.RemovePlaylistItem(ctx, lists[2].ID, "s3"), store.ErrNotFound)
		must(t, s.MarkViewed(ctx, p.ID, "s2", ada.ID, now))
		counts, err := s.CollectionCounts(ctx, p.ID, []int64{lists[1].ID, lists[2].ID}, ada.ID)
		if err != nil || len(counts) != 1 || counts[lists[1].ID] != (store.CollectionCount{Count: 2, Watched: 1}) {
			t.Errorf("collection counts %v (%v)", counts, err)
		}

		list := func(q store.PlaylistQuery) ([]string, int) {
			t.Helper()
			q.ProjectID = p.ID
			if q.Limit == 0 {
				q.Limit = 100
			}
			ps, total, err := s.Playlists(ctx, q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			ids := []string{}
			for _, p := range ps {
				ids = append(ids, p.ShortID)
			}
			return ids, total
		}
		yes, no := true, false
		after, before := now.Add(7*time.Minute+30*time.Second), now.Add(9*time.Minute+30*time.Second)
		for _, c := range []struct {
			name  string
			q     store.PlaylistQuery
			want  []string
			total int
		}{
			{"by last modified", store.PlaylistQuery{}, []string{"a3", "a2", "a1", "a4"}, 4},
			{"newest modified first", store.PlaylistQuery{Desc: true}, []string{"a4", "a1", "a2", "a3"}, 4},
			{"by name, no name first", store.PlaylistQuery{Order: "name"}, []string{"a3", "a2", "a4", "a1"}, 4},
			{"by creation, newest first", store.PlaylistQuery{Order: "created_at", Desc: true}, []string{"a4", "a3", "a2", "a1"}, 4},
			{"a page", store.PlaylistQuery{Order: "created_at", Limit: 2, Offset: 1}, []string{"a2", "a3"}, 4},
			{"search ignores case", store.PlaylistQuery{Search: "CHECKOUT"}, []string{"a1"}, 1},
			{"search the derived name", store.PlaylistQuery{Search: "zeta"}, []string{"a3"}, 1},
			{"% is plain", store.PlaylistQuery{Search: "%"}, []string{"a2"}, 1},
			{"_ is plain", store.PlaylistQuery{Search: "_"}, []string{"a2"}, 1},
			{"search finds nothing", store.PlaylistQuery{Search: "nothing"}, []string{}, 0},
			{"created by", store.PlaylistQuery{CreatedBy: &ada.ID}, []string{"a3", "a1"}, 2},
			{"pinned", store.PlaylistQuery{Pinned: &yes}, []string{"a1", "a4"}, 2},
			{"not pinned", store.PlaylistQuery{Pinned: &no}, []string{"a3", "a2"}, 2},
			{"type", store.PlaylistQuery{Type: "filters"}, []string{"a1", "a4"}, 2},
			{"short id", store.PlaylistQuery{ShortID: "a2"}, []string{"a2"}, 1},
			{"pinning a recording", store.PlaylistQuery{SessionRecordingID: "s1"}, []string{"a2"}, 1},
			{"modified between", store.PlaylistQuery{ModifiedAfter: &after, ModifiedBefore: &before}, []string{"a3", "a2"}, 2},
		} {
			got, total := list(c.q)
			if !slices.Equal(got, c.want) || total != c.total {
				t.Errorf("%s: %v (%d), want %v (%d)", c.name, got, total, c.want, c.total)
			}
		}

		// Saved-filter counts keep the count before as the previous one.
		fps, err := s.FiltersPlaylists(ctx)
		if err != nil || len(fps) != 2 || fps[0].ID != lists[0].ID || fps[0].RetentionDays != 30 || !fps[0].RefreshedAt.IsZero() {
			t.Fatalf("filters playlists %+v (%v)", fps, err)
		}
		must(t, s.PutSavedFilterCount(ctx, store.SavedFilterCount{PlaylistID: lists[0].ID, Count: 3, SessionIDs: []string{"s1", "s2", "s3"}, RefreshedAt: now}))
		must(t, s.PutSavedFilterCount(ctx, store.SavedFilterCount{PlaylistID: lists[0].ID, Count: 2, HasMore: true,
			SessionIDs: []string{"s1", "s2"}, RefreshedAt: now.Add(time.Minute)}))
		sc, err := s.SavedFilterCounts(ctx, []int64{lists[0].ID, lists[3].ID})
		c := sc[lists[0].ID]
		if err != nil || len(sc) != 1 || c.Count != 2 || !c.HasMore || c.PreviousCount == nil || *c.PreviousCount != 3 ||
			!slices.Equal(c.SessionIDs, []string{"s1", "s2"}) || !c.RefreshedAt.Equal(now.Add(time.Minute)) {
			t.Errorf("saved filter counts %+v (%v)", sc, err)
		}
		if fps, err := s.FiltersPlaylists(ctx); err != nil || len(fps) != 2 || fps[0].ID != lists[3].ID || !fps[1].RefreshedAt.Equal(now.Add(time.Minute)) {
			t.Errorf("filters playlists after a count, least recently counted first: %+v (%v)", fps, err)
		}
	})
}

// ingest stores recordings r1 (with two blocks, URLs, console and events)
// and r2 of the project, and persons for their distinct ids.
func ingest(t *testing.T, s *store.Store, projectID int64) {
	t.Helper()
	ctx := context.Background()
	err := s.Write(ctx, func(tx *store.Tx) error {
		if seen, err := tx.ClaimSnapshotUUIDs(ctx, projectID, []string{"e1", "e2"}, now); err != nil || seen != 0 {
			return fmt.Errorf("claim: %d %v", seen, err)
		}
		if seen, err := tx.ClaimSnapshotUUIDs(ctx, projectID, []string{"e2", "e3"}, now); err != nil || seen != 1 {
			return fmt.Errorf("claim again: %d %v", seen, err)
		}
		if _, err := tx.Recording(ctx, projectID, "r1"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("a recording not stored yet: %v", err)
		}
		for _, r := range []store.Recording{
			{ProjectID: projectID, SessionID: "r1", DistinctID: "anon", FirstTS: 1_000, LastTS: 61_000, ClickCount: 3,
				ActiveMS: 30_000, EventCount: 10, StartURL: "https://shop.example/?q=a", StartURLTS: 1_000, SnapshotSource: "web",
				SnapshotLibrary: "web", Activity: []byte{0, 1, 0xff, 0}, BlockCount: 2, RawBytes: 5_000_000_000,
				StoredBytes: 20, CreatedAt: now, LastIngestedAt: now},
			{ProjectID: projectID, SessionID: "r2", DistinctID: "bob", FirstTS: 2_000, LastTS: 3_000, SnapshotSource: "mobile",
				Activity: []byte{}, CreatedAt: now, LastIngestedAt: now},
		} {
			if err := tx.PutRecording(ctx, &r); err != nil {
				return err
			}
		}
		// A second put replaces the aggregate.
		r, err := tx.Recording(ctx, projectID, "r1")
		if err != nil {
			return err
		}
		r.ClickCount++
		if err := tx.PutRecording(ctx, &r); err != nil {
			return err
		}
		for _, b := range []store.Block{
			{ProjectID: projectID, SessionID: "r1", Seq: 1, BlobKey: "k/b", WindowID: "w", FirstTS: 1_000, LastTS: 2_000, CreatedAt: now},
			{ProjectID: projectID, SessionID: "r1", Seq: 0, BlobKey: "k/a", WindowID: "w", FirstTS: 1_000, LastTS: 61_000, EventCount: 9,
				RawBytes: 10, StoredBytes: 5, CreatedAt: now},
		} {
			if err := tx.InsertBlock(ctx, b); err != nil {
				return err
			}
		}
		if err := tx.AddURLs(ctx, projectID, "r1", []store.URLVisit{{URL: "https://shop.example/checkout", FirstTS: 5_000}}); err != nil {
			return err
		}
		if err := tx.AddURLs(ctx, projectID, "r1", []store.URLVisit{{URL: "https://shop.example/checkout", FirstTS: 4_000},
			{URL: "https://shop.example/?q=a", FirstTS: 1_000}}); err != nil {
			return err
		}
		if err := tx.AddConsole(ctx, projectID, "r1", []store.ConsoleEntry{{TS: 1_500, Level: "error", Message: "TypeError: x ? y : 'z'"},
			{TS: 1_600, Level: "log", Message: "Zoë: 100% done"}}); err != nil {
			return err
		}

		// Persons: anon becomes ada's, whose person absorbs bob's.
		ada := store.Person{ProjectID: projectID, UUID: "person-ada", Properties: json.RawMessage(`{"email":"ada@example.com","age":36}`), CreatedAt: now}
		if err := tx.CreatePerson(ctx, &ada, "ada"); err != nil {
			return err
		}
		bob := store.Person{ProjectID: projectID, UUID: "person-bob", Properties: json.RawMessage(`{"email":"bob@example.com"}`), CreatedAt: now}
		if err := tx.CreatePerson(ctx, &bob, "bob"); err != nil {
			return err
		}
		if err := tx.AddDistinctID(ctx, projectID, "anon", ada.ID); err != nil {
			return err
		}
		if err := tx.MergePersons(ctx, bob.ID, ada.ID); err != nil {
			return err
		}
		if err := tx.SetPersonProperties(ctx, ada.ID, json.RawMessage(`{"email":"ada@example.com","age":"37","plan":"pro"}`)); err != nil {
			return err
		}
		if id, props, err := tx.PersonIDByDistinctID(ctx, projectID, "bob"); err != nil || id != ada.ID || string(props) == "" {
			return fmt.Errorf("bob's person: %d %s %v", id, props, err)
		}
		if _, _, err := tx.PersonIDByDistinctID(ctx, projectID, "nobody"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("nobody's person: %v", err)
		}
		events := []store.Event{
			{ProjectID: projectID, UUID: "ev1", Event: "$pageview", DistinctID: "anon", SessionID: "r1", Timestamp: now,
				CurrentURL: "https://shop.example/checkout", Properties: json.RawMessage(`{"$current_url":"https://shop.example/checkout","price":"19.90"}`)},
			{ProjectID: projectID, UUID: "ev2", Event: "bought", DistinctID: "anon", SessionID: "r1", Timestamp: now,
				Properties: json.RawMessage(`{"price":42,"nul":"a\u0000b"}`)},
			{ProjectID: projectID, UUID: "ev3", Event: "no session", DistinctID: "x", Timestamp: now, Properties: json.RawMessage(`{}`)},
		}
		if err := tx.InsertEvents(ctx, events); err != nil {
			return err
		}
		// An event stored before is skipped.
		return tx.InsertEvents(ctx, events[:1])
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestConformanceRecordings(t *testing.T) {
	conform(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		org, p, ada := seed(t, s)
		ingest(t, s, p.ID)

		r, err := s.Recording(ctx, p.ID, "r1")
		if err != nil || r.ClickCount != 4 || r.ActiveMS != 30_000 || r.StartURL != "https://shop.example/?q=a" ||
			r.SnapshotLibrary != "web" || !slices.Equal(r.Activity, []byte{0, 1, 0xff, 0}) || r.RawBytes != 5_000_000_000 ||
			!r.CreatedAt.Equal(now) || !r.LastIngestedAt.Equal(now) || r.BlockCount != 2 {
			t.Errorf("recording %+v (%v)", r, err)
		}
		if r, err := s.Recording(ctx, p.ID, "r2"); err != nil || r.StartURL != "" || r.StartURLTS != 0 || r.SnapshotLibrary != "" ||
			len(r.Activity) != 0 {
			t.Errorf("a recording without optional fields: %+v (%v)", r, err)
		}
		_, err = s.Recording(ctx, p.ID, "nope")
		wantErr(t, "an unknown recording", err, store.ErrNotFound)
		blocks, err := s.Blocks(ctx, p.ID, "r1")
		if err != nil || len(blocks) != 2 || blocks[0].BlobKey != "k/a" || blocks[0].EventCount != 9 || blocks[1].Seq != 1 {
			t.Errorf("blocks %+v (%v), want time order then seq", blocks, err)
		}

		// A transaction that fails leaves nothing behind.
		failure := errors.New("stop")
		err = s.Write(ctx, func(tx *store.Tx) error {
			r3 := store.Recording{ProjectID: p.ID, SessionID: "r3", DistinctID: "x", SnapshotSource: "web", Activity: []byte{},
				CreatedAt: now, LastIngestedAt: now}
			if err := tx.PutRecording(ctx, &r3); err != nil {
				return err
			}
			return failure
		})
		wantErr(t, "a failed write", err, failure)
		_, err = s.Recording(ctx, p.ID, "r3")
		wantErr(t, "a rolled back recording", err, store.ErrNotFound)

		person, err := s.PersonByDistinctID(ctx, p.ID, "anon")
		if err != nil || person.UUID != "person-ada" || !slices.Equal(person.DistinctIDs, []string{"ada", "anon", "bob"}) ||
			string(person.Properties) != `{"email":"ada@example.com","age":"37","plan":"pro"}` || !person.CreatedAt.Equal(now) {
			t.Errorf("person %+v (%v)", person, err)
		}
		_, err = s.PersonByDistinctID(ctx, p.ID, "nobody")
		wantErr(t, "an unknown person", err, store.ErrNotFound)

		// Views: the first is kept.
		carol := store.User{UUID: "user-c", Email: "carol@example.com", DistinctID: "uc", CreatedAt: now}
		must(t, s.CreateUser(ctx, &carol, org.ID))
		must(t, s.MarkViewed(ctx, p.ID, "r1", carol.ID, now))
		must(t, s.MarkViewed(ctx, p.ID, "r1", ada.ID, now.Add(time.Second)))
		must(t, s.MarkViewed(ctx, p.ID, "r1", carol.ID, now.Add(time.Hour)))
		if v, err := s.Viewers(ctx, p.ID, "r1"); err != nil || len(v) != 2 || v[0].Email != "carol@example.com" || v[1].UserID != ada.ID {
			t.Errorf("viewers %+v (%v)", v, err)
		}
		many := []string{"r2"}
		for i := range 1200 {
			many = append(many, fmt.Sprintf("x%d", i))
		}
		many = append(many, "r1")
		if seen, err := s.ViewedBy(ctx, p.ID, ada.ID, many); err != nil || len(seen) != 1 || !seen["r1"] {
			t.Errorf("viewed by ada %v (%v)", seen, err)
		}

		// Retention: r1 and r2 started in 1970; a project keeping 30 days
		// lets them expire at 30 days, not before.
		epoch := time.UnixMilli(0).UTC()
		if expired, err := s.ExpiredRecordings(ctx, epoch.AddDate(0, 0, 29), 10); err != nil || len(expired) != 0 {
			t.Errorf("expired after 29 days %+v (%v)", expired, err)
		}
		expired, err := s.ExpiredRecordings(ctx, epoch.AddDate(0, 0, 30).Add(3*time.Second), 1)
		if err != nil || len(expired) != 1 || expired[0] != (store.RecordingKey{ProjectID: p.ID, SessionID: "r1"}) {
			t.Errorf("expired after 30 days, one at a time: %+v (%v)", expired, err)
		}
		if expired, err := s.ExpiredRecordings(ctx, now, 10); err != nil || len(expired) != 2 {
			t.Errorf("expired now %+v (%v)", expired, err)
		}

		keys, err := s.DeleteRecording(ctx, p.ID, "r1")
		sort.Strings(keys)
		if err != nil || !slices.Equal(keys, []string{"k/a", "k/b"}) {
			t.Errorf("deleted blocks %v (%v)", keys, err)
		}
		_, err = s.Recording(ctx, p.ID, "r1")
		wantErr(t, "a deleted recording", err, store.ErrNotFound)
		if v, err := s.Viewers(ctx, p.ID, "r1"); err != nil || len(v) != 0 {
			t.Errorf("viewers of a deleted recording %+v (%v)", v, err)
		}
		if keys, err := s.DeleteRecording(ctx, p.ID, "r1"); err != nil || len(keys) != 0 {
			t.Errorf("deleting again: %v %v", keys, err)
		}
	})
}

// The list queries with conditions the recording package compiles give
// the same answers on every database.
func TestConformanceListWithFilters(t *testing.T) {
	conform(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, p, ada := seed(t, s)
		ingest(t, s, p.ID)
		prop := func(typ, key, op, value string) string {
			return `{"type":"` + typ + `","key":"` + key + `","operator":"` + op + `","value":` + value + `}`
		}
		clock := time.UnixMilli(10_000).UTC()
		for _, c := range []struct {
			name, query string
			want        []string
		}{
			{"everything, newest first", "", []string{"r2", "r1"}},
			{"oldest first", "order=start_time&order_direction=ASC", []string{"r1", "r2"}},
			{"by duration", "order=duration", []string{"r1", "r2"}},
			{"by activity score", "order=activity_score&order_direction=ASC", []string{"r2", "r1"}},
			{"person property", "properties=[" + prop("person", "email", "icontains", `"ADA@"`) + "]", []string{"r2", "r1"}},
			{"person number in a string", "properties=[" + prop("person", "age", "gt", `36.5`) + "]", []string{"r2", "r1"}},
			{"event property regex", "properties=[" + prop("event", "$current_url", "regex", `"/check(out)?$"`) + "]", []string{"r1"}},
			{"event number", "properties=[" + prop("event", "price", "gte", `20`) + "]", []string{"r1"}},
			{"event property not set", "properties=[" + prop("event", "price", "is_not_set", `null`) + "]", nil},
			{"console error", "console_log_filters=[" + prop("log_entry", "level", "exact", `["error"]`) + "]", []string{"r1"}},
			{"console message", "console_log_filters=[" + prop("log_entry", "message", "icontains", `"zoË"`) + "]", []string{"r1"}},
			{"visited page", "properties=[" + prop("recording", "visited_page", "icontains", `"checkout"`) + "]", []string{"r1"}},
			{"duration", "properties=[" + prop("recording", "duration", "gt", `59.5`) + "]", []string{"r1"}},
			{"clicks", "properties=[" + prop("recording", "click_count", "exact", `[4, 5]`) + "]", []string{"r1"}},
			{"activity score not null", "properties=[" + prop("recording", "activity_score", "gt", `0`) + "]", []string{"r1"}},
			{"a session list", "session_ids=[\"r2\",\"nope\",\"r1\"]", []string{"r2", "r1"}},
			{"hide viewed", "hide_viewed_recordings=current-user", []string{"r2"}},
		} {
			v, err := url.ParseQuery(c.query)
			if err != nil {
				t.Fatal(err)
			}
			q, err := recording.ParseListQuery(v, clock)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			cond, order, err := q.Compile(s.Dialect(), ada.ID)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if c.name == "hide viewed" {
				must(t, s.MarkViewed(ctx, p.ID, "r1", ada.ID, now))
			}
			recs, count, err := s.ListRecordings(ctx, p.ID, 0, cond, order, 10, 0)
			if err != nil {
				t.Fatalf("%s: %v\nSQL: %s\nargs: %v", c.name, err, cond.SQL, cond.Args)
			}
			got := []string{}
			for _, r := range recs {
				got = append(got, r.SessionID)
			}
			want := c.want
			if want == nil {
				want = []string{}
			}
			if !slices.Equal(got, want) || count != len(want) {
				t.Errorf("%s: %v (%d), want %v", c.name, got, count, want)
			}
			if n, capped, err := s.CountRecordings(ctx, p.ID, 0, cond, 1); err != nil || n != min(len(want), 1) || capped != (len(want) > 1) {
				t.Errorf("%s: count %d capped %v (%v)", c.name, n, capped, err)
			}
			if ids, err := s.RecordingSessionIDs(ctx, p.ID, 0, cond, order, 10, 0); err != nil || !slices.Equal(ids, want) && len(want) > 0 {
				t.Errorf("%s: session ids %v (%v)", c.name, ids, err)
			}
		}
	})
}

// Transactions that read and then update one recording's aggregate, or
// create one person, take turns: none of their updates is lost, whatever
// the database's isolation.
func TestConformanceConcurrentWrites(t *testing.T) {
	conform(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, p, _ := seed(t, s)
		const writers = 8
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.Write(ctx, func(tx *store.Tx) error {
					r, err := tx.Recording(ctx, p.ID, "busy")
					if errors.Is(err, store.ErrNotFound) {
						r = store.Recording{ProjectID: p.ID, SessionID: "busy", DistinctID: "d", SnapshotSource: "web",
							Activity: []byte{}, CreatedAt: now}
					} else if err != nil {
						return err
					}
					r.ClickCount++
					r.LastIngestedAt = now
					if err := tx.PutRecording(ctx, &r); err != nil {
						return err
					}
					if _, _, err := tx.PersonIDByDistinctID(ctx, p.ID, "d"); errors.Is(err, store.ErrNotFound) {
						person := store.Person{ProjectID: p.ID, UUID: fmt.Sprintf("person-%d", i), Properties: json.RawMessage(`{}`), CreatedAt: now}
						return tx.CreatePerson(ctx, &person, "d")
					} else {
						return err
					}
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		if r, err := s.Recording(ctx, p.ID, "busy"); err != nil || r.ClickCount != writers {
			t.Errorf("clicks %d (%v), want %d: an update was lost", r.ClickCount, err, writers)
		}
		if person, err := s.PersonByDistinctID(ctx, p.ID, "d"); err != nil || len(person.DistinctIDs) != 1 {
			t.Errorf("person %+v (%v)", person, err)
		}
	})
}

// TryLock lets one holder at a time have a lock, across stores opened on
// the same database as across nodes.
func TestConformanceTryLock(t *testing.T) {
	conform(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		unlock, ok, err := s.TryLock(ctx, "job-test")
		if err != nil || !ok {
			t.Fatalf("first lock: %v %v", ok, err)
		}
		if _, ok, err := s.TryLock(ctx, "job-test"); err != nil || ok {
			t.Errorf("a second holder: %v %v", ok, err)
		}
		other, ok, err := s.TryLock(ctx, "job-other")
		if err != nil || !ok {
			t.Errorf("another lock: %v %v", ok, err)
		} else {
			other()
		}
		unlock()
		unlock() // unlocking twice does nothing
		again, ok, err := s.TryLock(ctx, "job-test")
		if err != nil || !ok {
			t.Fatalf("after unlock: %v %v", ok, err)
		}
		again()
		if _, _, err := s.TryLock(ctx, "Bad Name"); err == nil {
			t.Error("a lock name with spaces was taken")
		}
		// The pool still works: no connection was left holding a lock.
		for range 40 {
			must(t, s.Ping(ctx))
		}
	})
}
