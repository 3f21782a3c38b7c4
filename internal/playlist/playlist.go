// Package playlist holds the rules of session recording playlists: types,
// short ids, what an update may change, and recording counts.
package playlist

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tapedeck/tapedeck/internal/apierror"
	"github.com/tapedeck/tapedeck/internal/auth"
	"github.com/tapedeck/tapedeck/internal/recording"
	"github.com/tapedeck/tapedeck/internal/store"
)

// The two kinds of playlist.
const (
	TypeCollection = "collection"
	TypeFilters    = "filters"
)

// ShortIDLength is the length of a playlist's short id.
const ShortIDLength = 8

// Field is an input value and whether the request set it.
type Field[T any] struct {
	Set   bool
	Value T
}

// Input is what a create or update request sets. Filters, when set, is a
// JSON object.
type Input struct {
	Name        Field[*string]
	DerivedName Field[*string]
	Description Field[string]
	Pinned      Field[bool]
	Deleted     Field[bool]
	Filters     Field[json.RawMessage]
	Type        Field[string]
}

// Service applies the playlist rules over the store.
type Service struct {
	Store *store.Store
	Now   func() time.Time
}

// Create makes a playlist in the project, created by user.
func (s Service) Create(ctx context.Context, projectID int64, user store.User, in Input) (store.Playlist, error) {
	filters := json.RawMessage(`{}`)
	if in.Filters.Set {
		filters = in.Filters.Value
	}
	typ := in.Type.Value
	if !in.Type.Set {
		typ = TypeCollection
		if !isEmptyObject(filters) {
			typ = TypeFilters
		}
	}
	if err := checkType(typ); err != nil {
		return store.Playlist{}, err
	}
	if typ == TypeCollection && !isEmptyObject(filters) {
		return store.Playlist{}, apierror.Invalid("", "You cannot create a collection with filters")
	}
	if typ == TypeFilters && isEmptyObject(filters) {
		return store.Playlist{}, apierror.Invalid("", "You must provide a valid filters when creating a saved filter")
	}
	if typ == TypeFilters {
		if err := s.checkFilters(filters); err != nil {
			return store.Playlist{}, err
		}
	}
	now := s.Now()
	p := store.Playlist{
		ProjectID:      projectID,
		Name:           in.Name.Value,
		DerivedName:    in.DerivedName.Value,
		Description:    in.Description.Value,
		Pinned:         in.Pinned.Value,
		Deleted:        in.Deleted.Value,
		Filters:        filters,
		Type:           typ,
		CreatedAt:      now,
		CreatedBy:      &user,
		LastModifiedAt: now,
		LastModifiedBy: &user,
	}
	// A clash of random short ids is rare; try a few times before giving up.
	for range 5 {
		p.ShortID = auth.RandomString(ShortIDLength, auth.Alphanumeric)
		err := s.Store.InsertPlaylist(ctx, &p)
		if !errors.Is(err, store.ErrConflict) {
			return p, err
		}
	}
	return store.Playlist{}, fmt.Errorf("no free short id after 5 tries")
}

// Get returns a project's playlist that is not deleted.
func (s Service) Get(ctx context.Context, projectID int64, shortID string) (store.Playlist, error) {
	p, err := s.Store.Playlist(ctx, projectID, shortID, false)
	if errors.Is(err, store.ErrNotFound) {
		return p, apierror.NotFound("Not found.")
	}
	return p, err
}

// Update changes a playlist, soft-deleted ones included (so that they can
// be restored). The last-modified time and user move only when the name,
// derived name, description or filters change.
func (s Service) Update(ctx context.Context, projectID int64, shortID string, user store.User, in Input) (store.Playlist, error) {
	p, err := s.Store.Playlist(ctx, projectID, shortID, true)
	if errors.Is(err, store.ErrNotFound) {
		return p, apierror.NotFound("Not found.")
	} else if err != nil {
		return p, err
	}
	if in.Type.Set && in.Type.Value != p.Type {
		if err := checkType(in.Type.Value); err != nil {
			return p, err
		}
		return p, apierror.Invalid("type", "The type of a playlist cannot be changed.")
	}
	if in.Filters.Set {
		if p.Type == TypeCollection && !isEmptyObject(in.Filters.Value) {
			return p, apierror.Invalid("", "You cannot update a collection to add filters")
		}
		if p.Type == TypeFilters && isEmptyObject(in.Filters.Value) {
			return p, apierror.Invalid("", "You cannot remove all filters when updating a saved filter")
		}
		if p.Type == TypeFilters {
			if err := s.checkFilters(in.Filters.Value); err != nil {
				return p, err
			}
		}
	}
	material := false
	if in.Name.Set && !equalPtr(in.Name.Value, p.Name) {
		p.Name, material = in.Name.Value, true
	}
	if in.DerivedName.Set && !equalPtr(in.DerivedName.Value, p.DerivedName) {
		p.DerivedName, material = in.DerivedName.Value, true
	}
	if in.Description.Set && in.Description.Value != p.Description {
		p.Description, material = in.Description.Value, true
	}
	if in.Filters.Set && !sameJSON(in.Filters.Value, p.Filters) {
		p.Filters, material = in.Filters.Value, true
	}
	if in.Pinned.Set {
		p.Pinned = in.Pinned.Value
	}
	if in.Deleted.Set {
		p.Deleted = in.Deleted.Value
	}
	if material {
		p.LastModifiedAt, p.LastModifiedBy = s.Now(), &user
	}
	return p, s.Store.UpdatePlaylist(ctx, &p)
}

// List returns a page of playlists and the total that q selects.
func (s Service) List(ctx context.Context, q store.PlaylistQuery) ([]store.Playlist, int, error) {
	return s.Store.Playlists(ctx, q)
}

// Counts is a playlist's recordings_counts. Nil pointers are unknown
// (JSON null).
type Counts struct {
	Collection struct {
		Count        *int
		WatchedCount *int
	}
	SavedFilters struct {
		Count           *int
		HasMore         *bool
		WatchedCount    *int
		Increased       *bool
		LastRefreshedAt *time.Time
	}
}

// Counts returns recordings_counts for each playlist as seen by user: a
// collection's pinned and watched counts, and a filters playlist's last
// background count of its matches.
func (s Service) Counts(ctx context.Context, projectID int64, playlists []store.Playlist, userID int64) (map[int64]*Counts, error) {
	ids := make([]int64, len(playlists))
	for i, p := range playlists {
		ids[i] = p.ID
	}
	collections, err := s.Store.CollectionCounts(ctx, projectID, ids, userID)
	if err != nil {
		return nil, err
	}
	saved, err := s.Store.SavedFilterCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*Counts, len(playlists))
	for _, p := range playlists {
		c := &Counts{}
		cc := collections[p.ID]
		c.Collection.WatchedCount = &cc.Watched
		if cc.Count > 0 {
			c.Collection.Count = &cc.Count
		}
		// As PostHog does, saved-filter counts are shown only when nothing
		// is pinned.
		if sf, ok := saved[p.ID]; ok && cc.Count == 0 {
			viewed, err := s.Store.ViewedBy(ctx, projectID, userID, sf.SessionIDs)
			if err != nil {
				return nil, err
			}
			watched, increased, refreshed := len(viewed), sf.PreviousCount != nil && sf.Count > *sf.PreviousCount, sf.RefreshedAt
			c.SavedFilters.Count = &sf.Count
			c.SavedFilters.HasMore = &sf.HasMore
			c.SavedFilters.WatchedCount = &watched
			c.SavedFilters.Increased = &increased
			c.SavedFilters.LastRefreshedAt = &refreshed
		}
		out[p.ID] = c
	}
	return out, nil
}

// checkFilters refuses saved filters that the filter evaluator cannot
// evaluate, so that a saved filter never fails later when it is listed or
// counted.
func (s Service) checkFilters(filters json.RawMessage) error {
	_, err := recording.ParseFilters(filters, s.Now())
	return err
}

func checkType(t string) error {
	if t != TypeCollection && t != TypeFilters {
		return apierror.Validation("type", "invalid_choice", fmt.Sprintf("\"%s\" is not a valid choice.", t))
	}
	return nil
}

// isEmptyObject reports whether raw is the JSON object {} (filters are
// always objects by the time they get here).
func isEmptyObject(raw json.RawMessage) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(raw, &m) == nil && len(m) == 0
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y bytes.Buffer
	if json.Compact(&x, a) != nil || json.Compact(&y, b) != nil {
		return false
	}
	return bytes.Equal(x.Bytes(), y.Bytes())
}

func equalPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
