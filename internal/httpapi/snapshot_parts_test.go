package httpapi

import (
	"testing"
)

func TestPartCacheKeepsTheBlocksReadLast(t *testing.T) {
	var pc partCache
	pc.put("a", []byte("A"))
	pc.put("b", []byte("B"))
	if got := string(pc.get("a")); got != "A" {
		t.Fatalf("a: %q", got)
	}
	// b is now the least recently used, and makes room for c.
	pc.put("c", []byte("C"))
	if pc.get("b") != nil || string(pc.get("a")) != "A" || string(pc.get("c")) != "C" || pc.len() != partBlocks {
		t.Fatalf("after c: b %q, a %q, c %q, %d kept", pc.get("b"), pc.get("a"), pc.get("c"), pc.len())
	}
	// A block kept already is not kept twice.
	pc.put("c", []byte("other"))
	if string(pc.get("c")) != "C" || pc.len() != 2 {
		t.Errorf("c put again: %q, %d kept", pc.get("c"), pc.len())
	}
	// What an idle block's timer calls forgets it.
	pc.mu.Lock()
	e := pc.entries[0]
	pc.mu.Unlock()
	pc.drop(e)
	if pc.get(e.blobKey) != nil || pc.len() != 1 {
		t.Errorf("dropped %s still kept (%d kept)", e.blobKey, pc.len())
	}
	pc.clear()
	if pc.len() != 0 || pc.get("a") != nil {
		t.Errorf("cleared: %d kept", pc.len())
	}
}
