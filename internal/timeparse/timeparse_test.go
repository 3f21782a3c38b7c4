package timeparse

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	// A Wednesday.
	now := time.Date(2026, 3, 18, 15, 4, 5, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Time
	}{
		{"-3d", time.Date(2026, 3, 15, 15, 4, 5, 0, time.UTC)},
		{"-24h", time.Date(2026, 3, 17, 15, 4, 5, 0, time.UTC)},
		{"-2w", time.Date(2026, 3, 4, 15, 4, 5, 0, time.UTC)},
		{"-1m", time.Date(2026, 2, 18, 15, 4, 5, 0, time.UTC)},
		{"-1y", time.Date(2025, 3, 18, 15, 4, 5, 0, time.UTC)},
		{"-30M", time.Date(2026, 3, 18, 14, 34, 5, 0, time.UTC)},
		{"-1q", time.Date(2025, 12, 18, 15, 4, 5, 0, time.UTC)},
		{"-1dStart", time.Date(2026, 3, 17, 0, 0, 0, 0, time.UTC)},
		{"dStart", time.Date(2026, 3, 18, 0, 0, 0, 0, time.UTC)},
		{"-1dEnd", time.Date(2026, 3, 17, 23, 59, 59, 999999000, time.UTC)},
		{"wStart", time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)},
		{"mStart", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"qStart", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"yStart", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"2026-01-02", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"2026-01-02T03:04:05Z", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"2026-01-02T03:04:05.123456Z", time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)},
		{"2026-01-02T03:04:05+02:00", time.Date(2026, 1, 2, 1, 4, 5, 0, time.UTC)},
		{"2026-01-02T03:04:05", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"2026-01-02 03:04:05", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
	}
	for _, c := range cases {
		got, err := Parse(c.in, now)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if !got.Equal(c.want) {
			t.Errorf("%s: got %s, want %s", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "-3x", "2026-13-01", "-99999999999d", "3 days", "'; DROP TABLE x"} {
		if _, err := Parse(bad, now); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
