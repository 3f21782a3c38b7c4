package httpapi

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/tapedeck/tapedeck/internal/apierror"
	"github.com/tapedeck/tapedeck/internal/auth"
	"github.com/tapedeck/tapedeck/internal/store"
)

// DefaultSessionTTL is how long a sign-in lasts when Options.SessionTTL
// is zero.
const DefaultSessionTTL = 14 * 24 * time.Hour

// sessionTouchEvery is how often a session's last_seen_at is written, so
// that reads stay reads.
const sessionTouchEvery = time.Minute

// errCrossSite is the answer to a browser request another site made.
var errCrossSite = apierror.PermissionDenied("Cross-site request refused.")

// authenticateSession authenticates the request by its session cookie. A
// missing, unknown or expired session is the same 401 as no credentials.
// Unsafe requests must come from the server's own origin.
func (s *Server) authenticateSession(c *call) error {
	us, u, ok, err := s.currentSession(c)
	if err != nil {
		return err
	}
	if !ok {
		return apierror.NotAuthenticated()
	}
	if err := s.checkCrossOrigin(c); err != nil {
		return err
	}
	c.via, c.session, c.user = sessionCookie, us, u
	c.scopes, c.projects = []string{auth.ScopeAll}, nil
	return nil
}

// currentSession returns the live session the request's cookie names and
// its user, noting when it was last seen (at most once a minute).
func (s *Server) currentSession(c *call) (store.UserSession, store.User, bool, error) {
	token := sessionToken(c.r)
	if token == "" {
		return store.UserSession{}, store.User{}, false, nil
	}
	ctx := c.r.Context()
	us, u, err := s.store.UserSessionByTokenHash(ctx, auth.HashSessionToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return us, u, false, nil
	} else if err != nil {
		return us, u, false, err
	}
	now := s.now()
	if !now.Before(us.ExpiresAt) {
		return us, u, false, nil
	}
	if now.Sub(us.LastSeenAt) >= sessionTouchEvery {
		if err := s.store.TouchUserSession(ctx, us.ID, now); err != nil {
			s.log.Warn("record session use", "session", us.ID, "err", err)
		} else {
			us.LastSeenAt = now
		}
	}
	return us, u, true, nil
}

// sessionToken is the token of the request's session cookie, or "".
func sessionToken(r *http.Request) string {
	ck, err := r.Cookie(auth.SessionCookie)
	if err != nil {
		return ""
	}
	return ck.Value
}

// checkCrossOrigin refuses an unsafe request (POST, PUT, PATCH, DELETE)
// that a browser sent from another origin, by Sec-Fetch-Site or, from
// older browsers, by an Origin that is not the Host.
func (s *Server) checkCrossOrigin(c *call) error {
	if err := s.crossOrigin.Check(c.r); err != nil {
		return errCrossSite
	}
	return nil
}

// setSessionCookie gives the browser its session token for ttl.
func (s *Server) setSessionCookie(c *call, token string, ttl time.Duration) {
	http.SetCookie(c.w, &http.Cookie{
		Name: auth.SessionCookie, Value: token, Path: "/", MaxAge: int(ttl / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: overTLS(c.r),
	})
}

// clearSessionCookie tells the browser to forget its session token.
func (s *Server) clearSessionCookie(c *call) {
	http.SetCookie(c.w, &http.Cookie{
		Name: auth.SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: overTLS(c.r),
	})
}

// overTLS reports whether the browser reached the server over HTTPS:
// directly, or through a proxy that says so in X-Forwarded-Proto.
func overTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}
