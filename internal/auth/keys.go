// Package auth holds Tapedeck's credentials: personal API keys with their
// scopes, and project API tokens.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// PersonalKeyPrefix starts every personal API key.
const PersonalKeyPrefix = "phx_"

// ProjectTokenPrefix starts every project API token.
const ProjectTokenPrefix = "phc_"

const urlSafe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// Alphanumeric is the alphabet of short ids and tokens.
const Alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// RandomString returns n characters drawn uniformly from alphabet with a
// cryptographic source.
func RandomString(n int, alphabet string) string {
	// Rejection sampling keeps the draw uniform for any alphabet size.
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+8)
	for len(out) < n {
		rand.Read(buf)
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// NewPersonalAPIKey makes a fresh personal API key. It returns the key,
// which is shown once, and its hash and mask, which are stored.
func NewPersonalAPIKey() (key, secureValue, mask string) {
	key = PersonalKeyPrefix + RandomString(44, urlSafe)
	return key, HashKey(key), key[:len(PersonalKeyPrefix)] + "..." + key[len(key)-4:]
}

// HashKey is the stored form of a personal API key. The keys carry 264 bits
// of randomness, so one round of SHA-256 is enough.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "sha256$" + hex.EncodeToString(sum[:])
}

// NewProjectToken makes a fresh project API token.
func NewProjectToken() string {
	return ProjectTokenPrefix + RandomString(43, Alphanumeric)
}

// Scope names a permission a personal API key may carry.
const (
	ScopeAll            = "*"
	ScopePlaylistRead   = "session_recording_playlist:read"
	ScopePlaylistWrite  = "session_recording_playlist:write"
	ScopeRecordingRead  = "session_recording:read"
	ScopeRecordingWrite = "session_recording:write"
	ScopeProjectRead    = "project:read"
)

// KnownScopes lists every scope a key may be given.
var KnownScopes = []string{ScopeAll, ScopePlaylistRead, ScopePlaylistWrite, ScopeRecordingRead, ScopeRecordingWrite, ScopeProjectRead}

// ParseScopes reads a comma-separated scope list, refusing unknown scopes.
func ParseScopes(s string) ([]string, error) {
	var scopes []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !slices.Contains(KnownScopes, p) {
			return nil, fmt.Errorf("unknown scope %q (known: %s)", p, strings.Join(KnownScopes, ", "))
		}
		if !slices.Contains(scopes, p) {
			scopes = append(scopes, p)
		}
	}
	if len(scopes) == 0 {
		return nil, fmt.Errorf("no scopes given")
	}
	return scopes, nil
}

// HasScope reports whether granted allows required: "*" allows everything
// and "x:write" also allows "x:read".
func HasScope(granted []string, required string) bool {
	if required == "" {
		return true
	}
	for _, g := range granted {
		if g == ScopeAll || g == required {
			return true
		}
		if object, ok := strings.CutSuffix(required, ":read"); ok && g == object+":write" {
			return true
		}
	}
	return false
}
