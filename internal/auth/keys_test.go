package auth

import (
	"regexp"
	"strings"
	"testing"
)

func TestHasScope(t *testing.T) {
	cases := []struct {
		granted  string
		required string
		want     bool
	}{
		{"*", ScopePlaylistWrite, true},
		{ScopePlaylistRead, ScopePlaylistRead, true},
		{ScopePlaylistRead, ScopePlaylistWrite, false},
		{ScopePlaylistWrite, ScopePlaylistRead, true},
		{ScopeRecordingWrite, ScopePlaylistRead, false},
		{ScopeRecordingRead + "," + ScopePlaylistWrite, ScopeRecordingRead, true},
		{ScopeRecordingRead, ScopeRecordingWrite, false},
		{ScopeProjectRead, "", true},
	}
	for _, c := range cases {
		if got := HasScope(strings.Split(c.granted, ","), c.required); got != c.want {
			t.Errorf("HasScope(%s, %s) = %v, want %v", c.granted, c.required, got, c.want)
		}
	}
}

func TestParseScopes(t *testing.T) {
	got, err := ParseScopes(" session_recording:read , session_recording:read,* ")
	if err != nil || strings.Join(got, ",") != "session_recording:read,*" {
		t.Errorf("got %v, %v", got, err)
	}
	for _, bad := range []string{"", ",", "session_recording:admin", "everything"} {
		if _, err := ParseScopes(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestKeysAndTokens(t *testing.T) {
	key, secure, mask := NewPersonalAPIKey()
	if !regexp.MustCompile(`^phx_[A-Za-z0-9_-]{40,}$`).MatchString(key) {
		t.Errorf("key %q has the wrong form", key)
	}
	if secure != HashKey(key) || strings.Contains(secure, key[4:]) {
		t.Errorf("secure value %q is not the key's hash", secure)
	}
	if !strings.HasPrefix(mask, "phx_") || !strings.HasSuffix(mask, key[len(key)-4:]) || len(mask) > 12 {
		t.Errorf("mask %q", mask)
	}
	if other, _, _ := NewPersonalAPIKey(); other == key {
		t.Error("two keys are equal")
	}
	if tok := NewProjectToken(); !regexp.MustCompile(`^phc_[A-Za-z0-9]{43}$`).MatchString(tok) {
		t.Errorf("token %q has the wrong form", tok)
	}
}

func TestRandomStringUsesTheWholeAlphabet(t *testing.T) {
	for _, alphabet := range []string{Alphanumeric, urlSafe, "ab"} {
		seen := map[rune]bool{}
		for _, r := range RandomString(5000, alphabet) {
			if !strings.ContainsRune(alphabet, r) {
				t.Fatalf("%q is not in the alphabet", r)
			}
			seen[r] = true
		}
		if len(seen) != len(alphabet) {
			t.Errorf("saw %d of %d characters", len(seen), len(alphabet))
		}
	}
}
