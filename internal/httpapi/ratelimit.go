package httpapi

import (
	"sync"
	"time"
)

// rateLimiter counts requests per personal API key in fixed one-minute and
// one-hour windows, in this process's memory.
type rateLimiter struct {
	perMinute, perHour int
	mu                 sync.Mutex
	keys               map[int64]*keyWindows
}

type keyWindows struct {
	minuteStart, hourStart time.Time
	minuteCount, hourCount int
}

func newRateLimiter(perMinute, perHour int) *rateLimiter {
	return &rateLimiter{perMinute: perMinute, perHour: perHour, keys: map[int64]*keyWindows{}}
}

// take counts one request of the key at now. It returns zero when the
// request may go ahead, or how long until the key may send again.
func (l *rateLimiter) take(key int64, now time.Time) time.Duration {
	if l.perMinute <= 0 && l.perHour <= 0 {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.keys[key]
	if w == nil {
		w = &keyWindows{}
		l.keys[key] = w
	}
	if now.Sub(w.minuteStart) >= time.Minute {
		w.minuteStart, w.minuteCount = now, 0
	}
	if now.Sub(w.hourStart) >= time.Hour {
		w.hourStart, w.hourCount = now, 0
	}
	if l.perHour > 0 && w.hourCount >= l.perHour {
		return w.hourStart.Add(time.Hour).Sub(now)
	}
	if l.perMinute > 0 && w.minuteCount >= l.perMinute {
		return w.minuteStart.Add(time.Minute).Sub(now)
	}
	w.minuteCount++
	w.hourCount++
	return 0
}
