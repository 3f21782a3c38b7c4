package blockcodec

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// jsonl is n lines that repeat with small changes, as a recording's do.
func jsonl(n, salt int) []byte {
	var b bytes.Buffer
	for i := range n {
		b.WriteString(`["w",{"type":3,"data":{"source":1,"positions":[{"x":`)
		b.WriteString(strings.Repeat("7", 1+(i*salt)%5))
		b.WriteString(`,"y":12,"id":42,"timeOffset":0}]},"timestamp":1764128640000}]` + "\n")
	}
	return b.Bytes()
}

func TestDictionaryRoundTrip(t *testing.T) {
	first, later := jsonl(20000, 3), jsonl(20000, 7)
	dict := Dictionary(first)
	if len(dict) != min(len(first), DictBytes) || !bytes.Equal(dict, first[:len(dict)]) {
		t.Fatalf("dictionary of %d bytes from %d", len(dict), len(first))
	}
	enc, err := NewDictEncoder(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if err := UseDict(enc, dict); err != nil {
		t.Fatal(err)
	}
	frame := enc.EncodeAll(later, nil)
	n, err := FrameDictLen(frame)
	if err != nil || n != len(dict) {
		t.Fatalf("the frame names a dictionary of %d bytes (%v), want %d", n, err, len(dict))
	}
	dec, err := NewDictDecoder(dict)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dec.DecodeAll(frame, nil)
	if err != nil || !bytes.Equal(got, later) {
		t.Fatalf("decoded %d bytes (%v), want %d", len(got), err, len(later))
	}
	// A decoder without the dictionary refuses the frame.
	plain, _ := zstd.NewReader(nil)
	defer plain.Close()
	if _, err := plain.DecodeAll(frame, nil); err == nil {
		t.Error("a frame with a dictionary decoded without it")
	}
	// Without a dictionary again, the same encoder writes a plain frame,
	// which names none and which the dictionary decoder reads too.
	if err := UseDict(enc, nil); err != nil {
		t.Fatal(err)
	}
	pframe := enc.EncodeAll(first, nil)
	if got, err := plain.DecodeAll(pframe, nil); err != nil || !bytes.Equal(got, first) {
		t.Errorf("plain frame: %d bytes (%v)", len(got), err)
	}
	if n, err := FrameDictLen(pframe); n != 0 || err != nil {
		t.Errorf("a plain frame names a dictionary of %d bytes (%v)", n, err)
	}
	if got, err := dec.DecodeAll(pframe, nil); err != nil || !bytes.Equal(got, first) {
		t.Errorf("plain frame through the dictionary decoder: %d bytes (%v)", len(got), err)
	}
	// Another dictionary of the same length fails the frame's checksum.
	other := bytes.Repeat([]byte{'x'}, len(dict))
	wrong, _ := NewDictDecoder(other)
	if _, err := wrong.DecodeAll(frame, nil); err == nil {
		t.Error("a frame decoded with another dictionary")
	}
}

func TestFrameDictLenRefusesOtherIDs(t *testing.T) {
	for _, id := range []uint32{1, 32768, dictIDFlag} {
		enc, _ := zstd.NewWriter(nil, zstd.WithEncoderDictRaw(id, []byte("some dictionary content")))
		frame := enc.EncodeAll([]byte("some content to compress"), nil)
		if _, err := FrameDictLen(frame); !errors.Is(err, ErrUnknownDictionary) {
			t.Errorf("dictionary id %#x: %v, want ErrUnknownDictionary", id, err)
		}
	}
	if _, err := FrameDictLen([]byte("not zstd")); err == nil {
		t.Error("a frame header read from bytes that are not zstd")
	}
	if _, err := DictPrefix([]byte("short"), 6); !errors.Is(err, ErrUnknownDictionary) {
		t.Errorf("a prefix longer than the block: %v", err)
	}
}
