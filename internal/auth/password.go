package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password length limits, in characters.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 1000
)

// Argon2id parameters of new hashes: OWASP's recommended minimum (19 MiB
// of memory, two passes, one lane), which keeps a sign-in near a few tens
// of milliseconds and bounds the memory of concurrent sign-ins. Hashes
// carry their parameters, so raising these later leaves older hashes
// readable.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonSaltLen   = 16
	argonKeyLen    = 32
)

// ErrMalformedHash is returned for a stored password hash that cannot be
// read.
var ErrMalformedHash = errors.New("malformed password hash")

// CheckPasswordRules says why a password cannot be used, or returns nil.
func CheckPasswordRules(password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n == 0:
		return errors.New("the password is empty")
	case n < MinPasswordLength:
		return fmt.Errorf("the password must have at least %d characters", MinPasswordLength)
	case n > MaxPasswordLength:
		return fmt.Errorf("the password must have at most %d characters", MaxPasswordLength)
	}
	return nil
}

// HashPassword hashes a password with argon2id and a fresh random salt, in
// the PHC string format:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// with the salt and hash in unpadded standard base64.
func HashPassword(password string) string {
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// VerifyPassword reports whether password matches the encoded hash made by
// HashPassword, comparing in constant time.
func VerifyPassword(encoded, password string) (bool, error) {
	h, err := parseHash(encoded)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(password), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}

// dummyHash is a hash of a password nobody has, checked when a sign-in
// names no user with a password so that the answer takes as long.
var dummyHash = sync.OnceValue(func() string { return HashPassword(RandomString(32, Alphanumeric)) })

// VerifyNoPassword does the work of VerifyPassword for a user who does not
// exist or has no password, and always reports false.
func VerifyNoPassword(password string) bool {
	VerifyPassword(dummyHash(), password)
	return false
}

// argonHash is a decoded PHC string.
type argonHash struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// parseHash decodes a PHC string, refusing parameters no hash of ours has.
func parseHash(encoded string) (argonHash, error) {
	var h argonHash
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return h, ErrMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return h, ErrMalformedHash
	}
	var threads uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.memory, &h.time, &threads); err != nil || n != 3 {
		return h, ErrMalformedHash
	}
	// Bounds, so that a damaged row cannot make a sign-in take the
	// machine's memory or hours.
	if h.memory < 8 || h.memory > 1<<21 || h.time < 1 || h.time > 64 || threads < 1 || threads > 64 {
		return h, ErrMalformedHash
	}
	h.threads = uint8(threads)
	var err error
	if h.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return h, ErrMalformedHash
	}
	if h.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > 128 {
		return h, ErrMalformedHash
	}
	return h, nil
}
