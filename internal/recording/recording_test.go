package recording

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/store"
)

func TestCompute(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).UnixMilli()
	r := store.Recording{
		FirstTS: start, LastTS: start + 65_900, // 65.9 s: 65 whole seconds
		ActiveMS: 20_500, ClickCount: 7, KeypressCount: 16, MouseActivityCount: 40,
		ConsoleLogCount: 2, ConsoleWarnCount: 1, ConsoleErrorCount: 2,
		LastIngestedAt: now.Add(-4 * time.Minute),
	}
	c := Compute(r, 30, now)
	if c.DurationSeconds != 65 || c.ActiveSeconds != 20.5 || c.InactiveSeconds != 44.5 {
		t.Errorf("duration %d active %v inactive %v", c.DurationSeconds, c.ActiveSeconds, c.InactiveSeconds)
	}
	// (20.5 + 7 + 16 + 2) / (40 + 65 + 2 + 2 + 1) = 45.5 / 110 = 0.413636… → 41.36
	if c.ActivityScore == nil || *c.ActivityScore != 41.36 {
		t.Errorf("activity score %v, want 41.36", c.ActivityScore)
	}
	if !c.Ongoing {
		t.Error("a batch 4 minutes ago: want ongoing")
	}
	if want := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC); !c.ExpiryTime.Equal(want) || c.TTLDays != 21 {
		t.Errorf("expiry %s ttl %d, want %s 21", c.ExpiryTime, c.TTLDays, want)
	}
	if !c.StartTime.Equal(time.UnixMilli(start)) || c.EndTime.Sub(c.StartTime) != 65900*time.Millisecond {
		t.Errorf("start %s end %s", c.StartTime, c.EndTime)
	}

	r.LastIngestedAt = now.Add(-6 * time.Minute)
	if Compute(r, 30, now).Ongoing {
		t.Error("a batch 6 minutes ago: want not ongoing")
	}
	// Active time longer than the whole-second duration never makes
	// inactive time negative.
	r.ActiveMS = 65_800
	if c := Compute(r, 30, now); c.InactiveSeconds != 0 {
		t.Errorf("inactive %v, want 0", c.InactiveSeconds)
	}
	empty := store.Recording{FirstTS: start, LastTS: start}
	if c := Compute(empty, 30, now); c.ActivityScore != nil {
		t.Errorf("score with a zero denominator = %v, want nil", *c.ActivityScore)
	}
	if Compute(r, 30, now.AddDate(0, 1, 0)).TTLDays != 0 {
		t.Error("ttl of an expired recording must be 0")
	}
}

func TestExpired(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if Expired(start.UnixMilli(), 30, start.AddDate(0, 0, 29)) {
		t.Error("expired after 29 of 30 days")
	}
	if !Expired(start.UnixMilli(), 30, start.AddDate(0, 0, 30)) {
		t.Error("not expired after 30 of 30 days")
	}
}

func TestPersonOf(t *testing.T) {
	created := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	missing := PersonOf(7, "anon-1", store.Person{}, false)
	// uuid5(932979b4-65c3-4424-8467-0b66ec27bc22, "7:anon-1"), as Python's uuid.uuid5 computes it
	if missing.ID != nil || missing.Name != nil || missing.CreatedAt != nil ||
		len(missing.DistinctIDs) != 1 || missing.DistinctIDs[0] != "anon-1" || string(missing.Properties) != "{}" {
		t.Errorf("stand-in person: %+v", missing)
	}
	if missing.UUID != "93748eb4-66d1-568d-bdd9-a43f676ba2fa" {
		t.Errorf("stand-in uuid %s", missing.UUID)
	}
	if again := PersonOf(7, "anon-1", store.Person{}, false); again.UUID != missing.UUID {
		t.Error("stand-in uuid is not stable")
	}
	if other := PersonOf(8, "anon-1", store.Person{}, false); other.UUID == missing.UUID {
		t.Error("stand-in uuid does not depend on the project")
	}

	cases := []struct {
		props string
		ids   []string
		want  string
	}{
		{`{"email": "a@example.com", "name": "Alice"}`, []string{"u1"}, "a@example.com"},
		{`{"email": "", "Email": "b@example.com"}`, []string{"u1"}, "b@example.com"},
		{`{"$email": "c@example.com", "name": "C"}`, []string{"u1"}, "c@example.com"},
		{`{"name": "Dora", "username": "dora"}`, []string{"u1"}, "Dora"},
		{`{"UserName": "eve"}`, []string{"u1"}, "eve"},
		{`{"email": 5}`, []string{"01a2162f-05f6-77a0-a86c-cdb966d5c299", "frank"}, "frank"},
		{`{}`, []string{"01a2162f-05f6-77a0-a86c-cdb966d5c299"}, "42"},
	}
	for _, c := range cases {
		p := store.Person{ID: 42, UUID: "u", Properties: json.RawMessage(c.props), CreatedAt: created, DistinctIDs: c.ids}
		got := PersonOf(7, c.ids[0], p, true)
		if got.Name == nil || *got.Name != c.want {
			t.Errorf("%s %v: name %v, want %s", c.props, c.ids, got.Name, c.want)
		}
		if got.ID == nil || *got.ID != 42 || got.CreatedAt == nil || !got.CreatedAt.Equal(created) {
			t.Errorf("person fields: %+v", got)
		}
	}
}
