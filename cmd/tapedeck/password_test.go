package main

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/tapedeck/tapedeck/internal/auth"
)

// passwordHash returns the stored password hash of the user with the
// email, and whether there is one.
func (c *cli) passwordHash(email string) (string, bool) {
	c.t.Helper()
	var h sql.NullString
	if err := c.db().QueryRow(`SELECT password_hash FROM users WHERE email = ?`, email).Scan(&h); err != nil {
		c.t.Fatal(err)
	}
	return h.String, h.Valid
}

// signsInWith checks that the stored hash of the user accepts password.
func (c *cli) signsInWith(email, password string) {
	c.t.Helper()
	h, ok := c.passwordHash(email)
	if !ok {
		c.t.Fatalf("%s has no password", email)
	}
	if !strings.HasPrefix(h, "$argon2id$") || strings.Contains(h, password) {
		c.t.Errorf("stored hash %q is not an argon2id hash", h)
	}
	if match, err := auth.VerifyPassword(h, password); !match || err != nil {
		c.t.Errorf("%s: the stored hash does not accept %q (%v)", email, password, err)
	}
}

// fails runs a command that must exit with code 2 and print one line to
// stderr holding want.
func (c *cli) fails(input, want string, args ...string) {
	c.t.Helper()
	r := c.runWithInput(input, args...)
	if r.code != 2 {
		c.t.Errorf("tapedeck %s: exit %d, want 2 (stderr %q)", strings.Join(args, " "), r.code, r.stderr)
	}
	if strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, want) {
		c.t.Errorf("tapedeck %s: stderr %q, want one line saying %q", strings.Join(args, " "), r.stderr, want)
	}
	if r.stdout != "" {
		c.t.Errorf("tapedeck %s: stdout %q, want none", strings.Join(args, " "), r.stdout)
	}
}

func TestUserCreateWithPassword(t *testing.T) {
	c := newCLI(t)
	c.object(userKeys, "user", "create", "--email", "ada@example.com", "--password", "analytical engine")
	c.signsInWith("ada@example.com", "analytical engine")

	c.object(userKeys, "user", "create", "--email", "bob@example.com")
	if _, ok := c.passwordHash("bob@example.com"); ok {
		t.Error("a user created without --password has a password")
	}

	c.fails("", "the password must have at least 8 characters",
		"user", "create", "--email", "short@example.com", "--password", "seven77")
	c.fails("", "the password is empty", "user", "create", "--email", "empty@example.com", "--password", "")
	var n int
	c.db().QueryRow(`SELECT COUNT(*) FROM users WHERE email IN ('short@example.com', 'empty@example.com')`).Scan(&n)
	if n != 0 {
		t.Errorf("%d users were created with a refused password", n)
	}
}

func TestUserSetPassword(t *testing.T) {
	c := newCLI(t)
	uid := id(t, c.object(userKeys, "user", "create", "--email", "ada@example.com"), "id")

	// The first line of stdin is the password; a CRLF ending and later
	// lines are not part of it.
	out := c.runWithInput("first password\r\nsecond line\n", "user", "set-password", "--email", "ada@example.com")
	if out.code != 0 || out.stderr != "" {
		t.Fatalf("set-password: exit %d, stderr %q", out.code, out.stderr)
	}
	var printed map[string]any
	decodeLine(t, out.stdout, &printed)
	if id(t, printed, "id") != uid || printed["email"] != "ada@example.com" || printed["sessions_ended"] == nil {
		t.Errorf("set-password printed %s", out.stdout)
	}
	c.signsInWith("ada@example.com", "first password")

	// Setting it again replaces it and ends the user's sessions.
	if _, err := c.db().Exec(`INSERT INTO user_sessions (token_hash, user_id, created_at, last_seen_at, expires_at)
		VALUES ('sha256$x', ?, 0, 0, 9999999999999999)`, uid); err != nil {
		t.Fatal(err)
	}
	out = c.runWithInput("a new password without newline", "user", "set-password", "--email", "ada@example.com")
	if out.code != 0 || !strings.Contains(out.stdout, `"sessions_ended":1`) {
		t.Fatalf("second set-password: exit %d, stdout %q, stderr %q", out.code, out.stdout, out.stderr)
	}
	c.signsInWith("ada@example.com", "a new password without newline")
	var sessions int
	c.db().QueryRow(`SELECT COUNT(*) FROM user_sessions WHERE user_id = ?`, uid).Scan(&sessions)
	if sessions != 0 {
		t.Errorf("%d sessions survive a password change", sessions)
	}

	before, _ := c.passwordHash("ada@example.com")
	for _, tc := range []struct{ name, input, want string }{
		{"empty stdin", "", "the password is empty"},
		{"an empty first line", "\nsecond line long enough\n", "the password is empty"},
		{"too short", "1234567\n", "the password must have at least 8 characters"},
		{"too short in characters", "äöüäöü\n", "the password must have at least 8 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			c.fails(tc.input, tc.want, "user", "set-password", "--email", "ada@example.com")
		})
	}
	c.t = t
	if after, _ := c.passwordHash("ada@example.com"); after != before {
		t.Error("a refused password changed the stored one")
	}
	c.fails("long enough password\n", "no user has email nobody@example.com",
		"user", "set-password", "--email", "nobody@example.com")
	c.fails("long enough password\n", "--email is required", "user", "set-password")
}
