package auth

// SessionCookie is the name of the cookie that carries a browser's
// session token.
const SessionCookie = "tapedeck_session"

// NewSessionToken makes a fresh session token. It returns the token, which
// only the browser keeps, and its hash, which is stored.
func NewSessionToken() (token, hash string) {
	token = RandomString(43, urlSafe)
	return token, HashSessionToken(token)
}

// HashSessionToken is the stored form of a session token. Tokens carry 258
// bits of randomness, so one round of SHA-256 is enough.
func HashSessionToken(token string) string { return HashKey(token) }
