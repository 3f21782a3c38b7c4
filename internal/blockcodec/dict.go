// Package blockcodec holds how compacted recording blocks are compressed
// and read back. A recording's first compacted block is a plain zstd
// frame; each later one is a zstd frame compressed with a raw dictionary
// taken from the start of the first block's JSONL, so that a long
// recording's later page loads are compressed against its earlier ones
// although every block stays small enough to serve on its own. The
// frame's dictionary ID says how long that dictionary is, so a reader
// needs nothing but the frame and the recording's first block.
package blockcodec

import (
	"errors"
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// DictBytes is the most of the first block's JSONL that the dictionary
// of the later blocks holds.
const DictBytes = 4 << 20

// dictIDFlag marks a dictionary ID written by this package; the bits
// below it are the dictionary's length. zstd leaves IDs from 2^15 to
// 2^31-1 to private use, and this one lies in that range.
const dictIDFlag = 1 << 30

// ErrUnknownDictionary is returned for a frame whose dictionary ID this
// package did not write.
var ErrUnknownDictionary = errors.New("blockcodec: the block names an unknown dictionary")

// Dictionary returns the dictionary that the blocks after first are
// compressed with, given first's JSONL: its first DictBytes (all of it
// when shorter). The result shares first's memory.
func Dictionary(first []byte) []byte {
	return first[:min(len(first), DictBytes)]
}

// DictID is the frame dictionary ID of blocks compressed with dict, and 0
// (no dictionary) for an empty one.
func DictID(dict []byte) uint32 {
	if len(dict) == 0 {
		return 0
	}
	return dictIDFlag | uint32(len(dict))
}

// FrameDictLen returns the length of the dictionary a block's frame was
// compressed with (a prefix of the recording's first compacted block), or
// 0 for a frame without one. A frame whose dictionary ID this package did
// not write is ErrUnknownDictionary.
func FrameDictLen(frame []byte) (int, error) {
	var h zstd.Header
	if err := h.Decode(frame); err != nil {
		return 0, fmt.Errorf("blockcodec: frame header: %w", err)
	}
	id := h.DictionaryID
	switch {
	case id == 0:
		return 0, nil
	case id&dictIDFlag == 0 || id&^dictIDFlag == 0 || id >= 1<<31:
		return 0, fmt.Errorf("%w: %#x", ErrUnknownDictionary, id)
	}
	return int(id &^ dictIDFlag), nil
}

// DictPrefix returns the first n bytes of first's JSONL, the dictionary
// FrameDictLen named, or an error when first is shorter: the blocks were
// not compressed against this first block.
func DictPrefix(first []byte, n int) ([]byte, error) {
	if n > len(first) {
		return nil, fmt.Errorf("%w: a dictionary of %d bytes from a first block of %d", ErrUnknownDictionary, n, len(first))
	}
	return first[:n], nil
}
