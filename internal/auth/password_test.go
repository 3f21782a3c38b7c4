package auth

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	h := HashPassword("correct horse battery")
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(h) {
		t.Fatalf("hash %q is not the PHC form expected", h)
	}
	if ok, err := VerifyPassword(h, "correct horse battery"); !ok || err != nil {
		t.Errorf("the right password: %v %v", ok, err)
	}
	for _, wrong := range []string{"", "correct horse batter", "correct horse battery ", "Correct horse battery"} {
		if ok, err := VerifyPassword(h, wrong); ok || err != nil {
			t.Errorf("%q: %v %v", wrong, ok, err)
		}
	}
	if HashPassword("correct horse battery") == h {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
}

func TestPasswordHashKeepsItsParameters(t *testing.T) {
	// A hash made with other parameters (as after a change of the defaults)
	// still verifies.
	salt := []byte("somesaltsomesalt")
	key := argon2.IDKey([]byte("pw-123456"), salt, 1, 4096, 2, 32)
	h := "$argon2id$v=19$m=4096,t=1,p=2$" + base64.RawStdEncoding.EncodeToString(salt) + "$" +
		base64.RawStdEncoding.EncodeToString(key)
	if ok, err := VerifyPassword(h, "pw-123456"); !ok || err != nil {
		t.Errorf("hash with other parameters: %v %v", ok, err)
	}
	if ok, err := VerifyPassword(h, "pw-1234567"); ok || err != nil {
		t.Errorf("a wrong password against it: %v %v", ok, err)
	}
}

func TestMalformedHashes(t *testing.T) {
	good := HashPassword("whatever-password")
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"empty":           "",
		"bcrypt":          "$2a$10$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234",
		"argon2i":         strings.Replace(good, "argon2id", "argon2i", 1),
		"old version":     strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":     strings.Replace(good, "m=19456", "m=99999999", 1),
		"no passes":       strings.Replace(good, "t=2", "t=0", 1),
		"bad salt":        strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!", parts[5]}, "$"),
		"short key":       strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"),
		"missing a field": strings.Join(parts[:5], "$"),
	} {
		if ok, err := VerifyPassword(h, "whatever-password"); ok || err == nil {
			t.Errorf("%s: %v %v, want an error", name, ok, err)
		}
	}
}

func TestVerifyNoPassword(t *testing.T) {
	if VerifyNoPassword("anything at all") {
		t.Error("VerifyNoPassword reported a match")
	}
}

func TestPasswordRules(t *testing.T) {
	for pw, want := range map[string]string{
		"":                          "the password is empty",
		"short":                     "the password must have at least 8 characters",
		"sevenä7":                   "the password must have at least 8 characters",
		"eight ch":                  "",
		"ääääääää":                  "",
		strings.Repeat("x", 1001):   "the password must have at most 1000 characters",
		strings.Repeat("x", 1000):   "",
		"spaces are fine, too here": "",
	} {
		err := CheckPasswordRules(pw)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("%.20q: %q, want %q", pw, got, want)
		}
	}
}

func TestSessionToken(t *testing.T) {
	tok, hash := NewSessionToken()
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(tok) {
		t.Errorf("token %q", tok)
	}
	if hash != HashSessionToken(tok) || strings.Contains(hash, tok) {
		t.Errorf("hash %q of %q", hash, tok)
	}
	if other, _ := NewSessionToken(); other == tok {
		t.Error("two tokens are equal")
	}
}
