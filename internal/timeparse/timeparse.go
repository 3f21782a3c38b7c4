// Package timeparse reads the dates PostHog's API accepts: relative ones
// such as -3d, -24h, -2w, -1m, -1y (optionally snapped with Start or End),
// and absolute ISO 8601 dates and date-times.
package timeparse

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

var relative = regexp.MustCompile(`^-?([0-9]+)?([smhHdwMmqy])(Start|End)?$`)

// Parse reads s relative to now (in UTC). Relative units: s second,
// M minute, h or H hour, d day, w week, m month, q quarter, y year.
func Parse(s string, now time.Time) (time.Time, error) {
	now = now.UTC()
	if m := relative.FindStringSubmatch(s); m != nil {
		n := 0
		if m[1] != "" {
			var err error
			if n, err = strconv.Atoi(m[1]); err != nil || n > 100000 {
				return time.Time{}, fmt.Errorf("%q is out of range", s)
			}
		}
		t := shift(now, m[2], -n)
		switch m[3] {
		case "Start":
			t = startOf(t, m[2])
		case "End":
			t = shift(startOf(t, m[2]), m[2], 1).Add(-time.Microsecond)
		}
		return t, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date: use an ISO 8601 date or a relative one such as -3d", s)
}

func shift(t time.Time, unit string, n int) time.Time {
	switch unit {
	case "s":
		return t.Add(time.Duration(n) * time.Second)
	case "M":
		return t.Add(time.Duration(n) * time.Minute)
	case "h", "H":
		return t.Add(time.Duration(n) * time.Hour)
	case "d":
		return t.AddDate(0, 0, n)
	case "w":
		return t.AddDate(0, 0, 7*n)
	case "m":
		return t.AddDate(0, n, 0)
	case "q":
		return t.AddDate(0, 3*n, 0)
	default: // y
		return t.AddDate(n, 0, 0)
	}
}

func startOf(t time.Time, unit string) time.Time {
	y, mo, d := t.Date()
	switch unit {
	case "s":
		return t.Truncate(time.Second)
	case "M":
		return t.Truncate(time.Minute)
	case "h", "H":
		return t.Truncate(time.Hour)
	case "d":
		return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	case "w":
		// Weeks start on Monday.
		back := (int(t.Weekday()) + 6) % 7
		return time.Date(y, mo, d-back, 0, 0, 0, 0, time.UTC)
	case "m":
		return time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC)
	case "q":
		return time.Date(y, mo-(mo-1)%3, 1, 0, 0, 0, 0, time.UTC)
	default:
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	}
}
