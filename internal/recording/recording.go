// Package recording holds the recording domain: the fields computed from a
// session's aggregate (duration, activity score, ongoing, expiry) and the
// person a recording is shown with.
package recording

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/tapedeck/tapedeck/internal/store"
)

// OngoingWindow is how recently a batch must have arrived for a recording
// to count as ongoing.
const OngoingWindow = 5 * time.Minute

// missingPersonNamespace is the UUID namespace of the stand-in person of a
// distinct id that has no person.
var missingPersonNamespace = uuid.MustParse("932979b4-65c3-4424-8467-0b66ec27bc22")

// Computed holds a recording's derived fields.
type Computed struct {
	StartTime, EndTime time.Time
	// DurationSeconds is whole seconds from the first to the last event.
	DurationSeconds int64
	ActiveSeconds   float64
	InactiveSeconds float64
	// ActivityScore is nil when its denominator is zero.
	ActivityScore *float64
	Ongoing       bool
	RetentionDays int
	ExpiryTime    time.Time
	// TTLDays is the number of whole days left before expiry (never negative).
	TTLDays int
}

// Compute derives a recording's fields at now.
func Compute(r store.Recording, retentionDays int, now time.Time) Computed {
	c := Computed{
		StartTime:       time.UnixMilli(r.FirstTS).UTC(),
		EndTime:         time.UnixMilli(r.LastTS).UTC(),
		DurationSeconds: (r.LastTS - r.FirstTS) / 1000,
		ActiveSeconds:   float64(r.ActiveMS) / 1000,
		Ongoing:         now.Sub(r.LastIngestedAt) < OngoingWindow,
		RetentionDays:   retentionDays,
	}
	c.InactiveSeconds = float64(max(0, c.DurationSeconds*1000-r.ActiveMS)) / 1000
	num := c.ActiveSeconds + float64(r.ClickCount+r.KeypressCount+r.ConsoleErrorCount)
	den := float64(r.MouseActivityCount) + float64(c.DurationSeconds) +
		float64(r.ConsoleErrorCount+r.ConsoleLogCount+r.ConsoleWarnCount)
	if den != 0 {
		score := math.Round(100*num/den*100) / 100
		c.ActivityScore = &score
	}
	c.ExpiryTime = c.StartTime.AddDate(0, 0, retentionDays)
	c.TTLDays = max(0, int(c.ExpiryTime.Sub(now).Hours()/24))
	return c
}

// Expired reports whether a recording that started at firstTS (rrweb
// milliseconds) is past its retention at now.
func Expired(firstTS int64, retentionDays int, now time.Time) bool {
	return !time.UnixMilli(firstTS).AddDate(0, 0, retentionDays).After(now)
}

// Person is the person a recording is shown with.
type Person struct {
	// ID, Name and CreatedAt are nil for the stand-in of a distinct id that
	// has no person.
	ID          *int64
	Name        *string
	DistinctIDs []string
	Properties  json.RawMessage
	CreatedAt   *time.Time
	UUID        string
}

// nameKeys are the person properties that name a person, in order.
var nameKeys = []string{"email", "Email", "$email", "name", "Name", "username", "Username", "UserName"}

var uuidLike = regexp.MustCompile(`^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$`)

// PersonOf is the person shown for a recording: p when the distinct id has
// a person (found is true), else a stand-in with a stable uuid.
func PersonOf(projectID int64, distinctID string, p store.Person, found bool) Person {
	if !found {
		return Person{DistinctIDs: []string{distinctID}, Properties: json.RawMessage(`{}`),
			UUID: uuid.NewSHA1(missingPersonNamespace, []byte(strconv.FormatInt(projectID, 10)+":"+distinctID)).String()}
	}
	name := displayName(p, distinctID)
	id, created := p.ID, p.CreatedAt
	props := p.Properties
	if len(props) == 0 {
		props = json.RawMessage(`{}`)
	}
	return Person{ID: &id, Name: &name, DistinctIDs: p.DistinctIDs, Properties: props, CreatedAt: &created, UUID: p.UUID}
}

func displayName(p store.Person, distinctID string) string {
	var props map[string]json.RawMessage
	json.Unmarshal(p.Properties, &props)
	for _, k := range nameKeys {
		var s string
		if json.Unmarshal(props[k], &s) == nil && s != "" {
			return s
		}
	}
	ids := append([]string{distinctID}, p.DistinctIDs...)
	for _, d := range ids {
		if d != "" && !uuidLike.MatchString(d) {
			return d
		}
	}
	return strconv.FormatInt(p.ID, 10)
}
