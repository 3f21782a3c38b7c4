package httpapi

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Failed sign-ins allowed per window: per email (whether or not a user has
// it), and per client address, which many people may share behind one
// network address.
const (
	signInWindow             = 15 * time.Minute
	signInFailuresPerEmail   = 10
	signInFailuresPerAddress = 30
	// signInTrackedMax is the number of counters above which expired ones
	// are dropped.
	signInTrackedMax = 10000
)

// signInLimiter counts failed sign-ins per email and per client address in
// fixed windows that start at a first failure, in this process's memory.
type signInLimiter struct {
	mu       sync.Mutex
	failures map[string]*failureWindow
}

// failureWindow counts the failures of one email or address.
type failureWindow struct {
	start time.Time
	count int
}

func newSignInLimiter() *signInLimiter {
	return &signInLimiter{failures: map[string]*failureWindow{}}
}

func emailCounter(email string) string  { return "email:" + strings.ToLower(strings.TrimSpace(email)) }
func addressCounter(addr string) string { return "address:" + addr }

// wait returns zero when a sign-in for email from addr may be tried at
// now, or how long until it may.
func (l *signInLimiter) wait(email, addr string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return max(l.blockedFor(emailCounter(email), signInFailuresPerEmail, now),
		l.blockedFor(addressCounter(addr), signInFailuresPerAddress, now))
}

func (l *signInLimiter) blockedFor(key string, limit int, now time.Time) time.Duration {
	w := l.failures[key]
	if w == nil || w.count < limit {
		return 0
	}
	return max(w.start.Add(signInWindow).Sub(now), 0)
}

// fail counts a failed sign-in for email from addr.
func (l *signInLimiter) fail(email, addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.failures) >= signInTrackedMax {
		for k, w := range l.failures {
			if now.Sub(w.start) >= signInWindow {
				delete(l.failures, k)
			}
		}
	}
	for _, key := range []string{emailCounter(email), addressCounter(addr)} {
		w := l.failures[key]
		if w == nil || now.Sub(w.start) >= signInWindow {
			w = &failureWindow{start: now}
			l.failures[key] = w
		}
		w.count++
	}
}

// forgive forgets the failures of an email once its owner has signed in.
// The address keeps its count, so that one account's successful sign-ins
// cannot hide guesses at others'.
func (l *signInLimiter) forgive(email string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, emailCounter(email))
}

// clientAddress is the address failed sign-ins are counted against: the
// peer's, or, when the peer is on a loopback or private address (a reverse
// proxy in front of the server), the last address of X-Forwarded-For,
// which that proxy added.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer := net.ParseIP(host)
	if peer == nil || !(peer.IsLoopback() || peer.IsPrivate()) {
		return host
	}
	forwarded := r.Header.Values("X-Forwarded-For")
	if len(forwarded) == 0 {
		return host
	}
	last := forwarded[len(forwarded)-1]
	if i := strings.LastIndex(last, ","); i >= 0 {
		last = last[i+1:]
	}
	if ip := net.ParseIP(strings.TrimSpace(last)); ip != nil {
		return ip.String()
	}
	return host
}
