// Package blob stores snapshot blocks: immutable byte strings under keys.
// The local directory store is the embedded default; an S3-compatible store
// satisfies the same interface. Open picks one from a URL.
package blob

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"
)

// ErrNotFound is returned by Get for a key that holds nothing.
var ErrNotFound = errors.New("blob not found")

// Store keeps blocks. Put returns only once the bytes are durable.
type Store interface {
	// Put stores data under key, replacing what was there.
	Put(ctx context.Context, key string, data []byte) error
	// Get returns what key holds, or ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Backend is a Store as Open returns it: Close releases its files or
// connections, and String says where it keeps blocks, for logs (never with
// credentials).
type Backend interface {
	Store
	Close() error
	String() string
}

// maxKeyBytes is S3's limit on an object key, applied to every store so that
// a key valid for one is valid for all.
const maxKeyBytes = 1024

// maxSegmentBytes is the usual limit on a file name, which a Dir key's
// segments become.
const maxSegmentBytes = 255

// checkKey accepts a key that every store can hold under the same name: a
// clean, relative, slash-separated path of printable UTF-8 without "." or
// ".." segments, at most 1024 bytes, each segment at most 255. (A Dir
// cannot also hold a key that extends another one, "a/b" and "a/b/c"; the
// keys Tapedeck makes all have the same depth.)
func checkKey(key string) error {
	ok := key != "" && key != "." && len(key) <= maxKeyBytes && !strings.HasPrefix(key, "/") &&
		path.Clean(key) == key && !strings.Contains(key, "..") && utf8.ValidString(key) &&
		!strings.ContainsFunc(key, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' })
	for seg := range strings.SplitSeq(key, "/") {
		ok = ok && len(seg) <= maxSegmentBytes
	}
	if !ok {
		return fmt.Errorf("blob: invalid key %q", key)
	}
	return nil
}
