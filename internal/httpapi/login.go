package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tapedeck/tapedeck/internal/apierror"
	"github.com/tapedeck/tapedeck/internal/auth"
	"github.com/tapedeck/tapedeck/internal/store"
)

// login signs a person in with their email and password: a new session,
// whose token is set as the session cookie, and the user in the body.
func (s *Server) login(c *call) error {
	email, err := c.body.requiredText("email")
	if err != nil {
		return err
	}
	password, err := c.body.requiredText("password")
	if err != nil {
		return err
	}
	email = strings.TrimSpace(email)
	now, addr := s.now(), clientAddress(c.r)
	if wait := s.signIns.wait(email, addr, now); wait > 0 {
		seconds := int((wait + time.Second - 1) / time.Second)
		c.w.Header().Set("Retry-After", strconv.Itoa(seconds))
		s.log.Info("sign-in throttled", "email", email, "address", addr)
		return apierror.Throttled(seconds)
	}
	ctx := c.r.Context()
	u, hash, err := s.store.UserWithPasswordHash(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	// Every refusal costs one password hash, so that the time taken does
	// not tell whether the email belongs to a user.
	ok := false
	if hash == "" {
		auth.VerifyNoPassword(password)
	} else if ok, err = auth.VerifyPassword(hash, password); err != nil {
		s.log.Error("stored password hash unreadable", "user", u.ID, "err", err)
		ok = false
	}
	if !ok {
		s.signIns.fail(email, addr, now)
		s.log.Info("sign-in refused", "email", email, "address", addr)
		return apierror.InvalidCredentials()
	}
	s.signIns.forgive(email)

	// A browser that signs in again leaves its previous session behind.
	if old := sessionToken(c.r); old != "" {
		if err := s.store.DeleteUserSession(ctx, auth.HashSessionToken(old)); err != nil {
			return err
		}
	}
	token, tokenHash := auth.NewSessionToken()
	us := store.UserSession{TokenHash: tokenHash, UserID: u.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(s.sessionTTL)}
	if err := s.store.CreateUserSession(ctx, &us); err != nil {
		return err
	}
	s.setSessionCookie(c, token, s.sessionTTL)
	s.log.Info("signed in", "user", u.ID, "address", addr)
	return c.json(http.StatusOK, userView(&u))
}

// logout ends the browser's session, if it has one, and clears its cookie.
func (s *Server) logout(c *call) error {
	if token := sessionToken(c.r); token != "" {
		if err := s.store.DeleteUserSession(c.r.Context(), auth.HashSessionToken(token)); err != nil {
			return err
		}
	}
	s.clearSessionCookie(c)
	return c.empty(http.StatusNoContent)
}
