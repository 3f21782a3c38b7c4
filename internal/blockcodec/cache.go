package blockcodec

import (
	"container/list"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Dicts keeps the decoders of the dictionaries read last, up to a total
// of maxBytes of dictionary, so that reading a recording's later blocks
// again does not decode its first block each time. A dictionary is known
// by the blob key of the block it was taken from and its length: a blob
// key is never reused for other bytes. It is safe for concurrent use.
type Dicts struct {
	maxBytes int

	mu    sync.Mutex
	bytes int
	order *list.List // of *dictEntry, the most recently used first
	byKey map[dictKey]*list.Element
}

type dictKey struct {
	blobKey string
	n       int
}

type dictEntry struct {
	key dictKey
	dec *zstd.Decoder
}

// NewDicts returns a cache of at most maxBytes of dictionaries.
func NewDicts(maxBytes int) *Dicts {
	return &Dicts{maxBytes: maxBytes, order: list.New(), byKey: map[dictKey]*list.Element{}}
}

// Decoder returns a decoder of blocks compressed with the first n bytes
// of the JSONL of the block stored at blobKey. When the cache does not
// hold it, load returns that block's JSONL (at least n bytes), and the
// decoder keeps a copy of its first n bytes. Two callers missing the same
// dictionary at once both load it.
func (d *Dicts) Decoder(blobKey string, n int, load func() ([]byte, error)) (*zstd.Decoder, error) {
	k := dictKey{blobKey, n}
	d.mu.Lock()
	if e, ok := d.byKey[k]; ok {
		d.order.MoveToFront(e)
		d.mu.Unlock()
		return e.Value.(*dictEntry).dec, nil
	}
	d.mu.Unlock()
	first, err := load()
	if err != nil {
		return nil, err
	}
	dict, err := DictPrefix(first, n)
	if err != nil {
		return nil, err
	}
	dec, err := NewDictDecoder(append([]byte(nil), dict...))
	if err != nil {
		return nil, err
	}
	d.add(k, dec)
	return dec, nil
}

// add keeps dec unless a dictionary of its size does not fit at all, and
// drops the least recently used ones past maxBytes. A dropped decoder
// still serves the callers that hold it, and is then collected.
func (d *Dicts) add(k dictKey, dec *zstd.Decoder) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.byKey[k]; ok || k.n > d.maxBytes {
		return
	}
	d.byKey[k] = d.order.PushFront(&dictEntry{k, dec})
	d.bytes += k.n
	for d.bytes > d.maxBytes {
		last := d.order.Back()
		e := last.Value.(*dictEntry)
		d.order.Remove(last)
		delete(d.byKey, e.key)
		d.bytes -= e.key.n
	}
}

// Has reports whether the cache holds the dictionary of the first n
// bytes of the block stored at blobKey.
func (d *Dicts) Has(blobKey string, n int) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.byKey[dictKey{blobKey, n}]
	return ok
}

// Len returns how many dictionaries the cache holds.
func (d *Dicts) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.order.Len()
}
