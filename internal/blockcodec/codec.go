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

// NewEncoder returns an encoder at zstd's best level whose window spans a
// block of blockBytes of JSONL, so that any line can refer back to
// anything before it in its block. Blocks compressed with a dictionary
// take an encoder from NewDictEncoder instead.
func NewEncoder(blockBytes int) (*zstd.Encoder, error) {
	return zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(window(blockBytes)), zstd.WithLowerEncoderMem(true))
}

// NewDictEncoder returns an encoder for the blocks after a recording's
// first: NewEncoder's, with a window that also spans a dictionary of
// DictBytes before the block. UseDict gives it each recording's
// dictionary.
func NewDictEncoder(blockBytes int) (*zstd.Encoder, error) {
	return zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(window(blockBytes+DictBytes)), zstd.WithLowerEncoderMem(true),
		zstd.WithEncoderDictRaw(DictID(nil), nil))
}

// UseDict makes enc, from NewDictEncoder, compress the next frames with
// dict (from Dictionary) and name it by its DictID. enc keeps dict and
// reads it until the next UseDict.
func UseDict(enc *zstd.Encoder, dict []byte) error {
	return enc.ResetWithOptions(nil, zstd.WithEncoderDictRaw(DictID(dict), dict))
}

// NewDictDecoder returns a decoder of blocks compressed with dict, which
// it keeps and reads. It also decodes blocks without a dictionary; its
// DecodeAll is safe for concurrent use, one call at a time.
func NewDictDecoder(dict []byte) (*zstd.Decoder, error) {
	return zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderDictRaw(DictID(dict), dict))
}
