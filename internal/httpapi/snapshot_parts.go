package httpapi

import (
	"sync"
	"time"
)

// A player reads a compacted recording a few keys at a time, and each
// request asks for a part of the same compacted block (up to 8 MiB of
// JSONL): the block's JSONL is kept for the requests that follow, for a
// short while, so that it is decoded once instead of once per request.
const (
	// partBlocks is how many decoded blocks are kept.
	partBlocks = 2
	// partIdle is how long a decoded block is kept after its last use.
	partIdle = 10 * time.Second
)

// partCache keeps the JSONL of the compacted blocks read in part last,
// by blob key (a blob key is never reused for other bytes). It is safe
// for concurrent use.
type partCache struct {
	mu      sync.Mutex
	entries []*partEntry // the most recently used first
}

type partEntry struct {
	blobKey string
	jsonl   []byte
	timer   *time.Timer
}

// get returns the JSONL of the block stored at blobKey, or nil.
func (pc *partCache) get(blobKey string) []byte {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for i, e := range pc.entries {
		if e.blobKey == blobKey {
			copy(pc.entries[1:i+1], pc.entries[:i])
			pc.entries[0] = e
			e.timer.Reset(partIdle)
			return e.jsonl
		}
	}
	return nil
}

// put keeps jsonl, the JSONL of the block stored at blobKey, in place of
// the least recently used block, until it has not been used for partIdle.
func (pc *partCache) put(blobKey string, jsonl []byte) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for _, e := range pc.entries {
		if e.blobKey == blobKey {
			return
		}
	}
	e := &partEntry{blobKey: blobKey, jsonl: jsonl}
	e.timer = time.AfterFunc(partIdle, func() { pc.drop(e) })
	if len(pc.entries) == partBlocks {
		last := pc.entries[partBlocks-1]
		last.timer.Stop()
		pc.entries = pc.entries[:partBlocks-1]
	}
	pc.entries = append([]*partEntry{e}, pc.entries...)
}

// drop forgets e, if it is still kept.
func (pc *partCache) drop(e *partEntry) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for i, x := range pc.entries {
		if x == e {
			pc.entries = append(pc.entries[:i], pc.entries[i+1:]...)
			return
		}
	}
}

// clear forgets every block.
func (pc *partCache) clear() {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for _, e := range pc.entries {
		e.timer.Stop()
	}
	pc.entries = nil
}

// len returns how many blocks are kept.
func (pc *partCache) len() int {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return len(pc.entries)
}
