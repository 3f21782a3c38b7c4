package httpapi

import (
	"encoding/json"
	"time"

	"github.com/tapedeck/tapedeck/internal/playlist"
	"github.com/tapedeck/tapedeck/internal/recording"
	"github.com/tapedeck/tapedeck/internal/store"
)

// timestamp is a time in PostHog's form: ISO 8601 UTC with Z, with
// microseconds only when they are not zero.
type timestamp time.Time

// MarshalJSON writes the time as a JSON string.
func (t timestamp) MarshalJSON() ([]byte, error) {
	return json.Marshal(formatTime(time.Time(t)))
}

func formatTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000000Z")
}

// userJSON is PostHog's basic user object.
type userJSON struct {
	ID                 int64   `json:"id"`
	UUID               string  `json:"uuid"`
	DistinctID         string  `json:"distinct_id"`
	FirstName          string  `json:"first_name"`
	LastName           string  `json:"last_name"`
	Email              string  `json:"email"`
	IsEmailVerified    bool    `json:"is_email_verified"`
	HedgehogConfig     any     `json:"hedgehog_config"`
	RoleAtOrganization *string `json:"role_at_organization"`
}

func userView(u *store.User) *userJSON {
	if u == nil {
		return nil
	}
	return &userJSON{ID: u.ID, UUID: u.UUID, DistinctID: u.DistinctID, FirstName: u.FirstName,
		LastName: u.LastName, Email: u.Email, IsEmailVerified: u.IsEmailVerified}
}

type projectJSON struct {
	ID           int64     `json:"id"`
	UUID         string    `json:"uuid"`
	Name         string    `json:"name"`
	Organization string    `json:"organization"`
	APIToken     string    `json:"api_token"`
	Timezone     string    `json:"timezone"`
	CreatedAt    timestamp `json:"created_at"`
}

func projectView(p store.Project) projectJSON {
	return projectJSON{ID: p.ID, UUID: p.UUID, Name: p.Name, Organization: p.OrganizationID,
		APIToken: p.APIToken, Timezone: p.Timezone, CreatedAt: timestamp(p.CreatedAt)}
}

type playlistJSON struct {
	ID               int64           `json:"id"`
	ShortID          string          `json:"short_id"`
	Name             *string         `json:"name"`
	DerivedName      *string         `json:"derived_name"`
	Description      string          `json:"description"`
	Pinned           bool            `json:"pinned"`
	CreatedAt        timestamp       `json:"created_at"`
	CreatedBy        *userJSON       `json:"created_by"`
	Deleted          bool            `json:"deleted"`
	Filters          json.RawMessage `json:"filters"`
	LastModifiedAt   timestamp       `json:"last_modified_at"`
	LastModifiedBy   *userJSON       `json:"last_modified_by"`
	RecordingsCounts countsJSON      `json:"recordings_counts"`
	Type             string          `json:"type"`
}

// countsJSON is a playlist's recordings_counts.
type countsJSON struct {
	Collection struct {
		Count        *int `json:"count"`
		WatchedCount *int `json:"watched_count"`
	} `json:"collection"`
	SavedFilters struct {
		Count           *int       `json:"count"`
		HasMore         *bool      `json:"has_more"`
		WatchedCount    *int       `json:"watched_count"`
		Increased       *bool      `json:"increased"`
		LastRefreshedAt *timestamp `json:"last_refreshed_at"`
	} `json:"saved_filters"`
}

func playlistView(p store.Playlist, counts *playlist.Counts) playlistJSON {
	if counts == nil {
		counts = &playlist.Counts{}
	}
	var cj countsJSON
	cj.Collection.Count, cj.Collection.WatchedCount = counts.Collection.Count, counts.Collection.WatchedCount
	sf := counts.SavedFilters
	cj.SavedFilters.Count, cj.SavedFilters.HasMore, cj.SavedFilters.WatchedCount = sf.Count, sf.HasMore, sf.WatchedCount
	cj.SavedFilters.Increased = sf.Increased
	if sf.LastRefreshedAt != nil {
		t := timestamp(*sf.LastRefreshedAt)
		cj.SavedFilters.LastRefreshedAt = &t
	}
	return playlistJSON{ID: p.ID, ShortID: p.ShortID, Name: p.Name, DerivedName: p.DerivedName,
		Description: p.Description, Pinned: p.Pinned, CreatedAt: timestamp(p.CreatedAt),
		CreatedBy: userView(p.CreatedBy), Deleted: p.Deleted, Filters: p.Filters,
		LastModifiedAt: timestamp(p.LastModifiedAt), LastModifiedBy: userView(p.LastModifiedBy),
		RecordingsCounts: cj, Type: p.Type}
}

// millis converts rrweb milliseconds to a time.
func millis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

type personJSON struct {
	ID          *int64          `json:"id"`
	Name        *string         `json:"name"`
	DistinctIDs []string        `json:"distinct_ids"`
	Properties  json.RawMessage `json:"properties"`
	CreatedAt   *timestamp      `json:"created_at"`
	UUID        string          `json:"uuid"`
}

// recordingJSON is a session recording as PostHog's API shows it.
type recordingJSON struct {
	ID                  string     `json:"id"`
	DistinctID          string     `json:"distinct_id"`
	Viewed              bool       `json:"viewed"`
	Viewers             []string   `json:"viewers"`
	RecordingDuration   int64      `json:"recording_duration"`
	ActiveSeconds       float64    `json:"active_seconds"`
	InactiveSeconds     float64    `json:"inactive_seconds"`
	StartTime           timestamp  `json:"start_time"`
	EndTime             timestamp  `json:"end_time"`
	ClickCount          int        `json:"click_count"`
	KeypressCount       int        `json:"keypress_count"`
	MouseActivityCount  int        `json:"mouse_activity_count"`
	ConsoleLogCount     int        `json:"console_log_count"`
	ConsoleWarnCount    int        `json:"console_warn_count"`
	ConsoleErrorCount   int        `json:"console_error_count"`
	StartURL            *string    `json:"start_url"`
	Person              personJSON `json:"person"`
	Storage             string     `json:"storage"`
	SnapshotSource      string     `json:"snapshot_source"`
	SnapshotLibrary     *string    `json:"snapshot_library"`
	Ongoing             bool       `json:"ongoing"`
	ActivityScore       *float64   `json:"activity_score"`
	RetentionPeriodDays int        `json:"retention_period_days"`
	ExpiryTime          timestamp  `json:"expiry_time"`
	RecordingTTL        int        `json:"recording_ttl"`
}

func recordingView(r store.Recording, c recording.Computed, p recording.Person, viewed bool, viewers []string) recordingJSON {
	v := recordingJSON{
		ID: r.SessionID, DistinctID: r.DistinctID, Viewed: viewed, Viewers: viewers,
		RecordingDuration: c.DurationSeconds, ActiveSeconds: c.ActiveSeconds, InactiveSeconds: c.InactiveSeconds,
		StartTime: timestamp(c.StartTime), EndTime: timestamp(c.EndTime),
		ClickCount: r.ClickCount, KeypressCount: r.KeypressCount, MouseActivityCount: r.MouseActivityCount,
		ConsoleLogCount: r.ConsoleLogCount, ConsoleWarnCount: r.ConsoleWarnCount, ConsoleErrorCount: r.ConsoleErrorCount,
		Person:  personJSON{ID: p.ID, Name: p.Name, DistinctIDs: p.DistinctIDs, Properties: p.Properties, UUID: p.UUID},
		Storage: "object_storage", SnapshotSource: r.SnapshotSource, Ongoing: c.Ongoing, ActivityScore: c.ActivityScore,
		RetentionPeriodDays: c.RetentionDays, ExpiryTime: timestamp(c.ExpiryTime), RecordingTTL: c.TTLDays,
	}
	if r.StartURL != "" {
		v.StartURL = &r.StartURL
	}
	if r.SnapshotLibrary != "" {
		v.SnapshotLibrary = &r.SnapshotLibrary
	}
	if p.CreatedAt != nil {
		t := timestamp(*p.CreatedAt)
		v.Person.CreatedAt = &t
	}
	return v
}
