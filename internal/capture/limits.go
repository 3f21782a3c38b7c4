package capture

import (
	"fmt"

	"github.com/tapedeck/tapedeck/internal/apierror"
)

// DefaultMaxDecompressedBytes is the cap used when Limits.MaxDecompressedBytes
// is zero or negative.
const DefaultMaxDecompressedBytes int64 = 64 << 20

// Limits caps decoding. The size of the request body itself is the caller's
// business (it is enforced on the wire); Decode, Snapshots and ExpandEvent
// enforce MaxDecompressedBytes on everything they produce by inflating gzip
// or decoding base64, and refuse with a 413 as soon as it would be exceeded.
//
// Decode counts every layer of one request against the cap together, and
// Snapshots (or one ExpandEvent call) has a second allowance of the same size
// for the compressed strings inside rrweb events.
type Limits struct {
	// MaxDecompressedBytes caps the bytes produced by decoding; zero or
	// negative means DefaultMaxDecompressedBytes.
	MaxDecompressedBytes int64
}

func (l Limits) max() int64 {
	if l.MaxDecompressedBytes <= 0 {
		return DefaultMaxDecompressedBytes
	}
	return l.MaxDecompressedBytes
}

// budget is what is left of a Limits allowance while decoding.
type budget struct {
	limit int64
	left  int64
}

func newBudget(l Limits) *budget {
	m := l.max()
	return &budget{limit: m, left: m}
}

// take spends n bytes, or answers the 413 when they are not left.
func (b *budget) take(n int64) error {
	if n > b.left {
		return b.tooLarge()
	}
	b.left -= n
	return nil
}

func (b *budget) tooLarge() error {
	e := apierror.TooLarge(b.limit)
	e.Detail = fmt.Sprintf("Decompressed request content is larger than the limit of %d bytes.", b.limit)
	return e
}
