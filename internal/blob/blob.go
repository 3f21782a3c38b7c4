// Package blob stores snapshot blocks: immutable byte strings under keys.
// The local directory store is the embedded default; an S3-compatible store
// satisfies the same interface.
package blob

import (
	"context"
	"errors"
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
