package capture

// ValidSessionID reports whether s can be a session or window id: 1 to 70
// characters of A-Z, a-z, 0-9 and '-'.
func ValidSessionID(s string) bool { return validSessionID(s) }
