package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path"
	"syscall"
)

// Dir is a Store in a local directory. Keys are slash-separated relative
// paths; os.Root keeps every access inside the directory.
type Dir struct {
	root *os.Root
	path string
}

// OpenDir opens (creating if needed) the directory as a Store.
func OpenDir(dir string) (*Dir, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Dir{root: root, path: dir}, nil
}

// Path is the directory's path.
func (d *Dir) Path() string { return d.path }

// String describes the store for logs.
func (d *Dir) String() string { return "directory " + d.path }

// Close releases the directory.
func (d *Dir) Close() error { return d.root.Close() }

// Put writes the block, syncs it and syncs its directory (both at once for
// a new key), so that the block survives a crash once Put returns.
//
// A new key is written in place: its name is created exclusively, so no
// reader can have been told of it yet, and a crash before Put returns
// leaves at most an unreferenced file. A key that exists already is
// replaced atomically instead: the data goes to a temporary file renamed
// over it. The block's directory is opened once (created when missing) and
// every other step works on names inside it, which spares walking the
// key's path again for each system call.
func (d *Dir) Put(ctx context.Context, key string, data []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dir, name := path.Split(key)
	parent, err := d.openDir(path.Clean(dir))
	if err != nil {
		return err
	}
	defer parent.Close()
	target := name
	f, err := parent.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if errors.Is(err, fs.ErrExist) {
		var suffix [8]byte
		rand.Read(suffix[:])
		// A short name beside the block, whatever the key's length.
		target = ".tmp-" + hex.EncodeToString(suffix[:])
		f, err = parent.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	}
	if err != nil {
		return err
	}
	// A new name is in the directory already: its sync runs while the data
	// is written and synced, rather than after.
	var dirSynced chan error
	if target == name {
		dirSynced = make(chan error, 1)
		go func() { dirSynced <- syncDir(parent) }()
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if dirSynced != nil {
		if derr := <-dirSynced; werr == nil {
			werr = derr
		}
	}
	if werr == nil && target != name {
		werr = parent.Rename(target, name)
		if werr == nil {
			werr = syncDir(parent)
		}
	}
	if werr != nil {
		parent.Remove(target)
		return werr
	}
	return nil
}

// openDir opens the directory dir of the store as a Root, creating it
// first when it does not exist; the directories that hold a new one are
// synced, so that its name survives a crash too.
func (d *Dir) openDir(dir string) (*os.Root, error) {
	r, err := d.root.OpenRoot(dir)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return r, err
	}
	if err := d.root.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	for up := path.Dir(dir); ; up = path.Dir(up) {
		if err := d.syncPath(up); err != nil {
			return nil, err
		}
		if up == "." {
			break
		}
	}
	return d.root.OpenRoot(dir)
}

// syncPath syncs the directory dir of the store.
func (d *Dir) syncPath(dir string) error {
	f, err := d.root.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// syncDir syncs the directory r stands for, so that the names it holds
// survive a crash.
func syncDir(r *os.Root) error {
	f, err := r.Open(".")
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Get reads the block under key.
func (d *Dir) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := d.root.ReadFile(key)
	if absent(err) {
		return nil, ErrNotFound
	}
	return data, err
}

// absent tells whether err means the key holds no block: no such file, a
// file where the key has a directory (ENOTDIR), or a directory that only
// holds longer keys (EISDIR).
func absent(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.EISDIR)
}

// Delete removes the block under key.
func (d *Dir) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// A directory under the key holds other keys, not this one.
	if info, err := d.root.Lstat(key); absent(err) || (err == nil && info.IsDir()) {
		return nil
	}
	err := d.root.Remove(key)
	if absent(err) {
		return nil
	}
	return err
}
