package blockcodec

import (
	"bytes"
	"errors"
	"testing"
)

func TestDictsKeepTheLastUsed(t *testing.T) {
	first := jsonl(1000, 3)
	n := len(first) / 2
	d := NewDicts(2 * n)
	loads := 0
	load := func() ([]byte, error) {
		loads++
		return first, nil
	}
	get := func(key string) {
		t.Helper()
		if _, err := d.Decoder(key, n, load); err != nil {
			t.Fatal(err)
		}
	}
	get("a")
	get("a")
	if loads != 1 {
		t.Fatalf("%d loads for one dictionary read twice", loads)
	}
	get("b")
	get("a") // a is now the most recently used
	get("c") // b goes
	if d.Len() != 2 || loads != 3 {
		t.Fatalf("%d dictionaries after %d loads, want 2 after 3", d.Len(), loads)
	}
	if !d.Has("a", n) || d.Has("b", n) || d.Has("a", n-1) {
		t.Errorf("holds a: %v, b: %v, a shorter: %v; want only a", d.Has("a", n), d.Has("b", n), d.Has("a", n-1))
	}
	get("a")
	if loads != 3 {
		t.Errorf("a was dropped: %d loads", loads)
	}
	get("b")
	if loads != 4 {
		t.Errorf("b was kept: %d loads", loads)
	}

	// The decoder reads frames compressed with the first n bytes.
	enc, _ := NewDictEncoder(1 << 20)
	dict := first[:n]
	if err := UseDict(enc, dict); err != nil {
		t.Fatal(err)
	}
	later := jsonl(500, 7)
	dec, err := d.Decoder("b", n, load)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := dec.DecodeAll(enc.EncodeAll(later, nil), nil); err != nil || !bytes.Equal(got, later) {
		t.Errorf("decoded %d bytes (%v), want %d", len(got), err, len(later))
	}

	// Errors are not kept, nor is a dictionary larger than the cache.
	boom := errors.New("boom")
	if _, err := d.Decoder("x", n, func() ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("load error: %v", err)
	}
	if _, err := d.Decoder("y", len(first)+1, load); !errors.Is(err, ErrUnknownDictionary) {
		t.Errorf("a dictionary longer than its block: %v", err)
	}
	big := NewDicts(n - 1)
	if _, err := big.Decoder("a", n, load); err != nil || big.Len() != 0 {
		t.Errorf("a dictionary larger than the cache: %v, %d kept", err, big.Len())
	}
}
