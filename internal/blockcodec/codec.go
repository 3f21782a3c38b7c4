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

// NewEncoder returns an encoder of compacted blocks at zstd's best level
// whose window spans a block of blockBytes of JSONL (and a dictionary, at
// least), so that any line can refer back to anything before it in its
// block, and to the dictionary as far as the window reaches (a window
// that also spanned a whole dictionary before a whole block would take
// 8 MB more for a fraction of a percent).
// UseDict sets the dictionary of the next frames; until then they have
// none.
func NewEncoder(blockBytes int) (*zstd.Encoder, error) {
	// One encoder serves the frames with and without a dictionary: its
	// tables take tens of MB, twice as many once it has a dictionary, and
	// going from one kind to the other would build them anew.
	return zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(window(max(blockBytes, DictBytes))), zstd.WithLowerEncoderMem(true),
		zstd.WithEncoderDictRaw(DictID(nil), nil))
}

// UseDict makes enc, from NewEncoder, compress the next frames with dict
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
