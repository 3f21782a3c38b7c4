package blockcodec

import (
	"math/bits"

	"github.com/klauspost/compress/zstd"
)

// window is the smallest power of two of at least n bytes that zstd
// accepts as a window.
func window(n int) int {
	w := 1 << bits.Len(uint(max(n, 1)-1))
	return min(max(w, zstd.MinWindowSize), zstd.MaxWindowSize)
}

// NewEncoder returns an encoder of plain compacted blocks at zstd's best
// level whose window spans a block of blockBytes of JSONL, so that any
// line can refer back to anything before it in its block.
func NewEncoder(blockBytes int) (*zstd.Encoder, error) {
	return zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(window(blockBytes)), zstd.WithLowerEncoderMem(true))
}

// NewDictEncoder returns an encoder like NewEncoder's that also writes
// frames with a dictionary, set by UseDict (until then, plain frames).
// Its window spans a block, and at least a dictionary: lines refer to the
// dictionary as far as the window reaches (spanning a whole dictionary
// before a whole block would take 8 MB more for a fraction of a
// percent). It takes about 50 MB more than NewEncoder's, for a second
// set of match tables that it starts each frame from.
func NewDictEncoder(blockBytes int) (*zstd.Encoder, error) {
	return zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(window(max(blockBytes, DictBytes))), zstd.WithLowerEncoderMem(true),
		zstd.WithEncoderDictRaw(DictID(nil), nil))
}

// UseDict makes enc, from NewDictEncoder, compress the next frames with dict
// (from Dictionary) and name it by its DictID, or, with an empty dict,
// write plain frames. enc keeps dict and reads it until the next UseDict.
func UseDict(enc *zstd.Encoder, dict []byte) error {
	return enc.ResetWithOptions(nil, zstd.WithEncoderDictRaw(DictID(dict), dict))
}

// NewDictDecoder returns a decoder of blocks compressed with dict, which
// it keeps and reads. It also decodes blocks without a dictionary; its
// DecodeAll is safe for concurrent use, one call at a time.
func NewDictDecoder(dict []byte) (*zstd.Decoder, error) {
	return zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderDictRaw(DictID(dict), dict))
}
