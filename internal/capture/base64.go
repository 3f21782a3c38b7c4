package capture

import (
	"encoding/base64"

	"github.com/tapedeck/tapedeck/internal/apierror"
)

// looksBase64 reports whether p consists only of characters that can appear
// in base64 text as the SDKs send it: both alphabets, padding, and the
// spaces a form decoder makes of '+'. Line breaks are tolerated.
func looksBase64(p []byte) bool {
	if len(p) == 0 {
		return false
	}
	for _, c := range p {
		if !isBase64Char(c) {
			return false
		}
	}
	return true
}

func isBase64Char(c byte) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return true
	}
	switch c {
	case '+', '/', '-', '_', '=', ' ', '\r', '\n', '\t':
		return true
	}
	return false
}

// decodeBase64 decodes base64 text in either alphabet, padded or not, in
// which '+' may have become ' ' on the way (a form decoder does that), and
// spends the decoded size from b.
func decodeBase64(p []byte, b *budget, what string) ([]byte, error) {
	clean := make([]byte, 0, len(p))
	for _, c := range p {
		switch c {
		case ' ', '-':
			clean = append(clean, '+')
		case '_':
			clean = append(clean, '/')
		case '\r', '\n', '\t':
		default:
			if !isBase64Char(c) {
				return nil, apierror.ParseError(what + " is not valid base64: it contains a character outside the base64 alphabets.")
			}
			clean = append(clean, c)
		}
	}
	for len(clean) > 0 && clean[len(clean)-1] == '=' {
		clean = clean[:len(clean)-1]
	}
	if len(clean) == 0 {
		return nil, apierror.ParseError(what + " is empty.")
	}
	if len(clean)%4 == 1 {
		return nil, apierror.ParseError(what + " is not valid base64: it is truncated.")
	}
	n := base64.RawStdEncoding.DecodedLen(len(clean))
	if err := b.take(int64(n)); err != nil {
		return nil, err
	}
	out := make([]byte, n)
	m, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil {
		return nil, apierror.ParseError(what + " is not valid base64: padding or characters are misplaced.")
	}
	b.left += int64(n - m)
	return out[:m], nil
}
