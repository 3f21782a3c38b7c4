package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// testConformance checks the behaviour every Store promises. newStore
// returns an empty store that lives until the end of the (sub)test.
func testConformance(t *testing.T, newStore func(t *testing.T) Store) {
	ctx := context.Background()

	t.Run("put get overwrite", func(t *testing.T) {
		s := newStore(t)
		mustPut(t, s, "1/s1/a.jsonl.zst", []byte("one"))
		mustGet(t, s, "1/s1/a.jsonl.zst", []byte("one"))
		mustPut(t, s, "1/s1/a.jsonl.zst", []byte("two, longer"))
		mustGet(t, s, "1/s1/a.jsonl.zst", []byte("two, longer"))
		mustPut(t, s, "1/s1/a.jsonl.zst", []byte("3"))
		mustGet(t, s, "1/s1/a.jsonl.zst", []byte("3"))
	})

	t.Run("empty object", func(t *testing.T) {
		s := newStore(t)
		mustPut(t, s, "empty", nil)
		mustGet(t, s, "empty", []byte{})
	})

	t.Run("get missing", func(t *testing.T) {
		s := newStore(t)
		mustPut(t, s, "a/b", []byte("x"))
		for _, key := range []string{"missing", "a/missing", "a/b/c", "a/bc", "a"} {
			if got, err := s.Get(ctx, key); !errors.Is(err, ErrNotFound) || got != nil {
				t.Errorf("get %q: %q, %v; want ErrNotFound", key, got, err)
			}
		}
	})

	t.Run("delete", func(t *testing.T) {
		s := newStore(t)
		mustPut(t, s, "1/s1/a", []byte("a"))
		mustPut(t, s, "1/s1/b", []byte("b"))
		if err := s.Delete(ctx, "1/s1/a"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, "1/s1/a"); !errors.Is(err, ErrNotFound) {
			t.Errorf("get after delete: %v", err)
		}
		mustGet(t, s, "1/s1/b", []byte("b"))
		if err := s.Delete(ctx, "1/s1/a"); err != nil {
			t.Errorf("deleting twice: %v", err)
		}
		if err := s.Delete(ctx, "never/was/here"); err != nil {
			t.Errorf("deleting a key never stored: %v", err)
		}
		mustPut(t, s, "1/s1/a", []byte("again"))
		mustGet(t, s, "1/s1/a", []byte("again"))
	})

	t.Run("large object", func(t *testing.T) {
		s := newStore(t)
		data := make([]byte, 8<<20)
		rand.Read(data)
		mustPut(t, s, "big/block.zst", data)
		got, err := s.Get(ctx, "big/block.zst")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("8 MB round trip differs: got %d bytes", len(got))
		}
	})

	t.Run("keys", func(t *testing.T) {
		s := newStore(t)
		keys := []string{
			"k",
			"1/0195c3a1-7f00-7000-8000-000000000001/0195c3a1-7f00-7000-8000-0000000000aa.jsonl.zst",
			"a/b/c/d/e/f/g/h",
			"a/b/c/d/e/f/g/i",
			"with space/plus+sign/percent%20/equals=/é/ü.zst",
			"dots.in.names/.x/y.",
			strings.Repeat("k", 255) + "/" + strings.Repeat("l", 255) + "/" + strings.Repeat("m", 255) + "/" + strings.Repeat("n", 255),
		}
		for i, k := range keys {
			mustPut(t, s, k, []byte(fmt.Sprint("value ", i)))
		}
		for i, k := range keys {
			mustGet(t, s, k, []byte(fmt.Sprint("value ", i)))
		}
	})

	t.Run("invalid keys", func(t *testing.T) {
		s := newStore(t)
		bad := []string{"", ".", "/abs", "../x", "a/../../x", "a/..", "..", "a//b", "a/./b", "./a", "a/",
			"nul\x00byte", "new\nline", "back\\slash", "\xff\xfe", strings.Repeat("k", 256),
			strings.Repeat("k/", 512) + "k"}
		for _, key := range bad {
			if err := s.Put(ctx, key, []byte("x")); err == nil {
				t.Errorf("put %q accepted", key)
			}
			if _, err := s.Get(ctx, key); err == nil || errors.Is(err, ErrNotFound) {
				t.Errorf("get %q: %v, want a refusal", key, err)
			}
			if err := s.Delete(ctx, key); err == nil {
				t.Errorf("delete %q accepted", key)
			}
		}
	})

	t.Run("concurrent puts", func(t *testing.T) {
		s := newStore(t)
		const n = 24
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.Put(ctx, fmt.Sprintf("1/s%d/block", i), bytes.Repeat([]byte{byte(i)}, 64<<10+i))
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		for i := range n {
			mustGet(t, s, fmt.Sprintf("1/s%d/block", i), bytes.Repeat([]byte{byte(i)}, 64<<10+i))
		}
	})

	t.Run("cancelled context", func(t *testing.T) {
		s := newStore(t)
		mustPut(t, s, "kept", []byte("kept"))
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Put(cancelled, "not/stored", []byte("x")); !errors.Is(err, context.Canceled) {
			t.Errorf("put: %v, want context.Canceled", err)
		}
		if _, err := s.Get(ctx, "not/stored"); !errors.Is(err, ErrNotFound) {
			t.Errorf("a cancelled put stored something: %v", err)
		}
		if _, err := s.Get(cancelled, "kept"); !errors.Is(err, context.Canceled) {
			t.Errorf("get: %v, want context.Canceled", err)
		}
		if err := s.Delete(cancelled, "kept"); !errors.Is(err, context.Canceled) {
			t.Errorf("delete: %v, want context.Canceled", err)
		}
		mustGet(t, s, "kept", []byte("kept"))

		expired, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
		defer cancel()
		if err := s.Put(expired, "not/stored", []byte("x")); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("put past its deadline: %v, want context.DeadlineExceeded", err)
		}
	})
}

func mustPut(t *testing.T, s Store, key string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), key, data); err != nil {
		t.Fatalf("put %q: %v", key, err)
	}
}

func mustGet(t *testing.T, s Store, key string, want []byte) {
	t.Helper()
	got, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("get %q: %v", key, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("get %q: %.40q (%d bytes), want %.40q (%d bytes)", key, got, len(got), want, len(want))
	}
}

func TestDirConformance(t *testing.T) {
	testConformance(t, func(t *testing.T) Store {
		d, err := OpenDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	})
}

// benchmarkStore measures one put and one get of a typical block (32 KB)
// and of a large one (1 MB).
func benchmarkStore(b *testing.B, s Store) {
	ctx := context.Background()
	for _, size := range []int{32 << 10, 1 << 20} {
		data := make([]byte, size)
		rand.Read(data)
		b.Run(fmt.Sprintf("put/%dKB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(size))
			for i := 0; b.Loop(); i++ {
				if err := s.Put(ctx, fmt.Sprintf("bench/%d/%d", size, i%64), data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("get/%dKB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				got, err := s.Get(ctx, fmt.Sprintf("bench/%d/0", size))
				if err != nil || !bytes.Equal(got, data) {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDir(b *testing.B) {
	d, err := OpenDir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	benchmarkStore(b, d)
}
