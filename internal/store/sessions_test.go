package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPasswordsAndSessions(t *testing.T) { forEachBackend(t, testPasswordsAndSessions) }

func testPasswordsAndSessions(t *testing.T, b backend) {
	ctx := context.Background()
	s, _, _ := newListStore(t, b)
	users := map[string]*User{}
	for i, email := range []string{"Ada@example.com", "ada@example.com", "bob@example.com"} {
		u := &User{UUID: email, Email: email, DistinctID: email, CreatedAt: listNow}
		hash := ""
		if i == 0 {
			hash = "$argon2id$first"
		}
		if err := s.CreateUserWithPassword(ctx, u, "org", hash); err != nil {
			t.Fatal(err)
		}
		users[email] = u
	}

	// Lookups ignore case but prefer the exact address.
	for _, tc := range []struct{ email, wantEmail, wantHash string }{
		{"Ada@example.com", "Ada@example.com", "$argon2id$first"},
		{"ada@example.com", "ada@example.com", ""},
		{"ADA@EXAMPLE.COM", "Ada@example.com", "$argon2id$first"},
		{"BOB@example.com", "bob@example.com", ""},
	} {
		u, hash, err := s.UserWithPasswordHash(ctx, tc.email)
		if err != nil || u.Email != tc.wantEmail || hash != tc.wantHash {
			t.Errorf("%s: user %q hash %q (%v), want %q %q", tc.email, u.Email, hash, err, tc.wantEmail, tc.wantHash)
		}
	}
	if _, _, err := s.UserWithPasswordHash(ctx, "nobody@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown email: %v", err)
	}

	bob := users["bob@example.com"]
	var tokens []string
	for _, tok := range []string{"sha256$a", "sha256$b"} {
		us := UserSession{TokenHash: tok, UserID: bob.ID, CreatedAt: listNow, LastSeenAt: listNow, ExpiresAt: listNow.Add(time.Hour)}
		if err := s.CreateUserSession(ctx, &us); err != nil || us.ID == 0 {
			t.Fatalf("create session: %v", err)
		}
		tokens = append(tokens, tok)
	}
	dup := UserSession{TokenHash: "sha256$a", UserID: bob.ID, CreatedAt: listNow, LastSeenAt: listNow, ExpiresAt: listNow}
	if err := s.CreateUserSession(ctx, &dup); !errors.Is(err, ErrConflict) {
		t.Errorf("a second session with the same token: %v", err)
	}
	us, u, err := s.UserSessionByTokenHash(ctx, tokens[0])
	if err != nil || u.ID != bob.ID || u.Email != "bob@example.com" || !us.ExpiresAt.Equal(listNow.Add(time.Hour)) {
		t.Fatalf("session %+v of %+v: %v", us, u, err)
	}
	later := listNow.Add(time.Minute)
	if err := s.TouchUserSession(ctx, us.ID, later); err != nil {
		t.Fatal(err)
	}
	if us, _, _ := s.UserSessionByTokenHash(ctx, tokens[0]); !us.LastSeenAt.Equal(later) {
		t.Errorf("last seen %v, want %v", us.LastSeenAt, later)
	}
	if err := s.DeleteUserSession(ctx, tokens[0]); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.UserSessionByTokenHash(ctx, tokens[0]); !errors.Is(err, ErrNotFound) {
		t.Errorf("a deleted session: %v", err)
	}
	if err := s.DeleteUserSession(ctx, tokens[0]); err != nil {
		t.Errorf("deleting it again: %v", err)
	}

	// A new password ends the user's sessions.
	ended, err := s.SetPasswordHash(ctx, bob.ID, "$argon2id$bob")
	if err != nil || ended != 1 {
		t.Errorf("set password: ended %d (%v), want 1", ended, err)
	}
	if _, hash, _ := s.UserWithPasswordHash(ctx, "bob@example.com"); hash != "$argon2id$bob" {
		t.Errorf("hash %q after setting it", hash)
	}
	if _, err := s.SetPasswordHash(ctx, 999999, "$argon2id$x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}

	orgs, err := s.UserOrganizations(ctx, bob.ID)
	if err != nil || len(orgs) != 1 || orgs[0].ID != "org" {
		t.Errorf("organizations %+v (%v)", orgs, err)
	}
}
