package blob

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestDir(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Get(ctx, "p1/a.zst"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing key: %v", err)
	}
	if err := d.Put(ctx, "p1/s/a.zst", []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := d.Put(ctx, "p1/s/a.zst", []byte("two")); err != nil {
		t.Fatal(err)
	}
	got, err := d.Get(ctx, "p1/s/a.zst")
	if err != nil || !bytes.Equal(got, []byte("two")) {
		t.Fatalf("get: %q %v", got, err)
	}
	if on, err := os.ReadFile(filepath.Join(dir, "p1", "s", "a.zst")); err != nil || string(on) != "two" {
		t.Fatalf("file on disk: %q %v", on, err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "p1", "s"))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	if err := d.Delete(ctx, "p1/s/a.zst"); err != nil {
		t.Fatal(err)
	}
	if err := d.Delete(ctx, "p1/s/a.zst"); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
	if _, err := d.Get(ctx, "p1/s/a.zst"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	for _, bad := range []string{"", "/etc/passwd", "../x", "a/../../x", "a//b"} {
		if err := d.Put(ctx, bad, []byte("x")); err == nil {
			t.Errorf("key %q accepted", bad)
		}
	}
}
