package jsonscan

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"strings"
	"testing"
)

var samples = []string{
	``, ` `, `{}`, `[]`, `""`, `0`, `-0`, `-`, `01`, `1.`, `1.5`, `1e5`, `1E+5`, `1e-`, `1e`, `.5`, `+1`,
	`true`, `false`, `null`, `tru`, `nul`, `nulll`, `True`,
	`{"a":1}`, `{"a" : 1 , "b":[1, 2,{}]}`, `{"a":1,}`, `{,}`, `{"a"}`, `{"a":}`, `{1:2}`, `[1,]`, `[,1]`, `[1 2]`,
	`"\u00e9"`, `"\u00G9"`, `"\x"`, `"\/\b\f\n\r\t\"\\"`, "\"a\tb\"", "\"\xff\xfe\"", `"abc`, `"abcdefghijklmnop`,
	" {\"a\":\n[true]}\r\n", `{"a":1}{`, `[1]]`, `{"a":1}}`, `"\`, `"\u12`,
	`{"type":3,"data":{"source":2,"type":2},"timestamp":1795664608930}`,
	strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth),
	strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1),
	strings.Repeat(`{"a":`, MaxDepth) + "1" + strings.Repeat("}", MaxDepth),
	strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1),
}

func TestValidAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range samples {
		if got, want := Valid([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("Valid(%.60q) = %v, json.Valid says %v", s, got, want)
		}
	}
}

func TestSpaced(t *testing.T) {
	for s, want := range map[string]bool{
		`{"a":[1,2],"b":"x y"}`: false,
		`{"a": 1}`:              true,
		`[1,2 ]`:                true,
		`"  "`:                  false,
	} {
		var sc Scanner
		if end := sc.Value([]byte(s), 0); end != len(s) {
			t.Fatalf("%s: end %d", s, end)
		}
		if sc.Spaced != want {
			t.Errorf("%s: Spaced = %v", s, sc.Spaced)
		}
	}
}

func FuzzValid(f *testing.F) {
	for _, s := range samples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		if got, want := Valid(p), json.Valid(p); got != want {
			t.Fatalf("Valid(%q) = %v, json.Valid says %v", p, got, want)
		}
	})
}

func BenchmarkValid(b *testing.B) {
	doc := []byte(`{"type":2,"data":{"node":{"type":0,"childNodes":[` +
		strings.Repeat(`{"type":2,"tagName":"div","attributes":{"class":"row item","data-id":"12345"},"childNodes":[{"type":3,"textContent":"Hello, world \u00e9","id":42}],"id":41},`, 2000) +
		`{"type":3,"textContent":"","id":1}],"id":1},"initialOffset":{"left":0,"top":0}},"timestamp":1795664578940}`)
	b.Run("jsonscan", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			Valid(doc)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			json.Valid(doc)
		}
	})
}

// TestSpecialFindsTheFirstSpecialByte puts every byte value at every
// position of a word of plain bytes, and then a second special byte after
// it: the lowest byte special marks is always the first one that is not
// plain.
func TestSpecialFindsTheFirstSpecialByte(t *testing.T) {
	for pos := range 8 {
		for c := range 256 {
			for _, after := range []byte{'a', 0, '"', '\\', 0x1f, 0xff} {
				var w [8]byte
				for i := range w {
					w[i] = 'a'
				}
				w[pos] = byte(c)
				if pos < 7 {
					w[7] = after
				}
				want := 8
				for i, b := range w {
					if !plain[b] {
						want = i
						break
					}
				}
				got := 8
				if m := special(binary.LittleEndian.Uint64(w[:])); m != 0 {
					got = bits.TrailingZeros64(m) / 8
				}
				if got != want {
					t.Fatalf("word %q: first special byte at %d, want %d", w, got, want)
				}
			}
		}
	}
}
