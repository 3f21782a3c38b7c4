package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"

	"github.com/tapedeck/tapedeck/internal/apierror"
)

// gzipReaders keeps readers for reuse: a new one allocates its decoder's
// tables and window every time.
var gzipReaders sync.Pool

// openGzip returns a reader of the gzip data p, reused when one is free.
func openGzip(p []byte) (*gzip.Reader, error) {
	if zr, ok := gzipReaders.Get().(*gzip.Reader); ok {
		if err := zr.Reset(bytes.NewReader(p)); err != nil {
			gzipReaders.Put(zr)
			return nil, err
		}
		return zr, nil
	}
	return gzip.NewReader(bytes.NewReader(p))
}

// isGzip reports whether p starts with the gzip magic bytes 1f 8b.
func isGzip(p []byte) bool {
	return len(p) >= 2 && p[0] == 0x1f && p[1] == 0x8b
}

// minInflateCap is the smallest buffer inflate starts with.
const minInflateCap = 4 << 10

// inflate gunzips p, spending the output size from b. It never holds more
// than b.left+1 bytes of output: the buffer grows by doubling but is capped,
// so a gzip bomb is refused after at most about twice the allowance has been
// allocated in total. what names the content in error details.
func inflate(p []byte, b *budget, what string) ([]byte, error) {
	out, err := inflateRaw(p, b)
	if err != nil && !isTooLarge(err) {
		return nil, gzipError(what, err)
	}
	return out, err
}

// inflateRaw is inflate without naming the content: its error is the 413
// of b, or the gzip reader's own error for the caller to describe.
func inflateRaw(p []byte, b *budget) ([]byte, error) {
	zr, err := openGzip(p)
	if err != nil {
		return nil, err
	}
	defer func() {
		zr.Close()
		gzipReaders.Put(zr)
	}()

	ceiling := b.left + 1 // one byte more than allowed tells "too large" apart
	// The trailer's ISIZE (length mod 2^32) is a hint only: a liar gets at
	// most the allowance, which a real bomb would get too.
	want := int64(len(p)) * 4
	if len(p) >= 18 {
		if isize := int64(binary.LittleEndian.Uint32(p[len(p)-4:])); isize > 0 {
			want = isize + 1
		}
	}
	want = max(want, minInflateCap)
	out := make([]byte, 0, min(want, ceiling))
	for {
		if len(out) == cap(out) {
			if int64(len(out)) >= ceiling {
				return nil, b.tooLarge()
			}
			grown := make([]byte, len(out), min(int64(cap(out))*2, ceiling))
			copy(grown, out)
			out = grown
		}
		n, err := zr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if int64(len(out)) > b.left {
			return nil, b.tooLarge()
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	b.left -= int64(len(out))
	return out, nil
}

// gzipError is the 400 for gzip data that cannot be inflated.
func gzipError(what string, err error) *apierror.Error {
	reason := "it is corrupt"
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		reason = "it is truncated"
	case errors.Is(err, gzip.ErrChecksum):
		reason = "its checksum does not match"
	case errors.Is(err, gzip.ErrHeader):
		reason = "its header is invalid"
	}
	return apierror.ParseError(what + " is gzip data that cannot be decompressed: " + reason + ".")
}
