package httpapi

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"
)

func TestClientAddress(t *testing.T) {
	for _, tc := range []struct {
		name, remote string
		forwarded    []string
		want         string
	}{
		{"a public peer", "203.0.113.9:4000", nil, "203.0.113.9"},
		{"a public peer cannot claim another address", "203.0.113.9:4000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"a proxy on loopback", "127.0.0.1:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"a proxy on a private network", "10.0.0.2:4000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"the address the proxy added, not the client's claim", "10.0.0.2:4000",
			[]string{"192.0.2.66, 198.51.100.1"}, "198.51.100.1"},
		{"the last of several headers", "10.0.0.2:4000", []string{"192.0.2.66", "198.51.100.1"}, "198.51.100.1"},
		{"IPv6 through a proxy", "[::1]:4000", []string{"2001:db8::1"}, "2001:db8::1"},
		{"a proxy without the header", "127.0.0.1:4000", nil, "127.0.0.1"},
		{"a header that is not an address", "127.0.0.1:4000", []string{"unknown"}, "127.0.0.1"},
	} {
		r := httptest.NewRequest("POST", "/api/login/", nil)
		r.RemoteAddr = tc.remote
		for _, v := range tc.forwarded {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := clientAddress(r); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestSignInLimiterForgetsOldCounters(t *testing.T) {
	l := newSignInLimiter()
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range signInTrackedMax {
		l.fail(fmt.Sprintf("user%d@example.com", i), "192.0.2.1", start)
	}
	if len(l.failures) < signInTrackedMax {
		t.Fatalf("%d counters, want at least %d", len(l.failures), signInTrackedMax)
	}
	l.fail("late@example.com", "192.0.2.2", start.Add(signInWindow))
	if len(l.failures) != 2 {
		t.Errorf("%d counters after the window, want the 2 of the last failure", len(l.failures))
	}
}
