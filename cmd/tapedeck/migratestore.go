package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/tapedeck/tapedeck/internal/blob"
	"github.com/tapedeck/tapedeck/internal/config"
	"github.com/tapedeck/tapedeck/internal/store"
)

const migrateStoreUsage = `usage: tapedeck migrate-store --to-database postgres://... --to-blob s3://BUCKET?endpoint=...

Moves the configured store (TAPEDECK_DATA_DIR's SQLite database and blob
directory, or TAPEDECK_DATABASE_URL and TAPEDECK_BLOB_URL) into PostgreSQL
and an S3 bucket, keeping every id, key and short id, then compares both
sides table by table and block by block. Stop the server first: rows and
blocks written during the move may be missed. Running it again after an
interruption carries on where it stopped. S3 credentials come from
AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
`

// blobWorkers is how many blocks move at once.
const blobWorkers = 8

// migrateStore runs `tapedeck migrate-store`.
func migrateStore(ctx context.Context, cfg config.Config, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("migrate-store", flag.ContinueOnError)
	toDatabase := fs.String("to-database", "", "PostgreSQL URL of the target")
	toBlob := fs.String("to-blob", "", "blob URL of the target")
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(stdout, migrateStoreUsage)
		return 0
	}
	if _, err := parse(fs, args, 0); err != nil {
		fmt.Fprintf(stderr, "tapedeck migrate-store: %s (run 'tapedeck migrate-store --help')\n", oneLine(err))
		return 2
	}
	err := func() error {
		if err := required("to-database", *toDatabase); err != nil {
			return err
		}
		if err := required("to-blob", *toBlob); err != nil {
			return err
		}
		if !store.IsPostgresURL(*toDatabase) {
			return usageError{"--to-database: want a postgres:// URL"}
		}
		if *toDatabase == cfg.DatabaseURL {
			return usageError{"--to-database is the configured database: nothing to move"}
		}
		if _, err := blob.ParseURL(*toBlob); err != nil {
			return usageError{"--to-blob: " + err.Error()}
		}
		if *toBlob == cfg.BlobURL {
			return usageError{"--to-blob is the configured blob store: nothing to move"}
		}
		return nil
	}()
	if err == nil {
		err = moveStore(ctx, cfg, *toDatabase, *toBlob, stdout, getenv)
	}
	if err != nil {
		fmt.Fprintf(stderr, "tapedeck migrate-store: %s\n", oneLine(err))
		return exitCode(err)
	}
	return 0
}

type tableOut struct {
	Rows int64 `json:"rows"`
}

func moveStore(ctx context.Context, cfg config.Config, toDatabase, toBlob string, stdout io.Writer, getenv func(string) string) error {
	src, err := store.Open(ctx, cfg.DatabaseURL, cfg.SQLitePath())
	if err != nil {
		return fmt.Errorf("open the source store: %w", err)
	}
	defer src.Close()
	srcBlobs, err := blob.Open(ctx, cfg.BlobURL, cfg.BlobDir(), getenv)
	if err != nil {
		return fmt.Errorf("open the source blob store: %w", err)
	}
	defer srcBlobs.Close()
	dst, err := store.Open(ctx, toDatabase, "")
	if err != nil {
		return fmt.Errorf("open the target database: %w", err)
	}
	defer dst.Close()
	dstBlobs, err := blob.Open(ctx, toBlob, "", getenv)
	if err != nil {
		return fmt.Errorf("open the target blob store: %w", err)
	}
	defer dstBlobs.Close()

	if err := src.CopyTo(ctx, dst); err != nil {
		return err
	}
	blocks, err := src.BlockKeys(ctx)
	if err != nil {
		return fmt.Errorf("list the blocks: %w", err)
	}
	total, err := copyBlocks(ctx, blocks, srcBlobs, dstBlobs)
	if err != nil {
		return err
	}

	// Verify: the same rows on both sides, and the target's blocks list.
	srcSums, err := src.Checksums(ctx)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	dstSums, err := dst.Checksums(ctx)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	tables := map[string]tableOut{}
	for _, name := range store.CopyTables() {
		s, d := srcSums[name], dstSums[name]
		if s.Rows != d.Rows {
			return fmt.Errorf("verify: table %s has %d rows in the source and %d in the target (did the target hold other data?)", name, s.Rows, d.Rows)
		}
		if s.SHA256 != d.SHA256 {
			return fmt.Errorf("verify: table %s differs between the source and the target (did the target hold other data for the same keys?)", name)
		}
		tables[name] = tableOut{s.Rows}
	}
	dstKeys, err := dst.BlockKeys(ctx)
	if err != nil {
		return fmt.Errorf("list the target's blocks: %w", err)
	}
	if len(dstKeys) != len(blocks) {
		return fmt.Errorf("verify: %d blocks in the source, %d in the target", len(blocks), len(dstKeys))
	}
	return admin{stdout: stdout}.print(struct {
		Tables   map[string]tableOut `json:"tables"`
		Blocks   int                 `json:"blocks"`
		Bytes    int64               `json:"bytes"`
		Verified bool                `json:"verified"`
	}{tables, len(blocks), total, true})
}

// copyBlocks copies each block's blob to the same key in dst, unless dst
// already holds the same bytes, then reads it back from dst and checks its
// size and SHA-256 against the source's. A key that dst holds with other
// bytes is an error: the target belongs to someone else. An inline block
// (no key) moved with its row, and the table checksums cover its bytes.
// It returns the total size of the blocks, inline ones included.
func copyBlocks(ctx context.Context, blocks []store.BlockRef, src, dst blob.Store) (int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	keys := make(chan string)
	var (
		mu    sync.Mutex
		total int64
		errs  []error
		wg    sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
		cancel()
	}
	for range blobWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for key := range keys {
				n, err := copyBlock(ctx, key, src, dst)
				if err != nil {
					fail(err)
					continue
				}
				mu.Lock()
				total += n
				mu.Unlock()
			}
		}()
	}
	seen := map[string]bool{}
	var inline int64
	for _, b := range blocks {
		if b.Key == "" {
			inline += b.StoredBytes
			continue
		}
		if seen[b.Key] {
			continue
		}
		seen[b.Key] = true
		select {
		case keys <- b.Key:
		case <-ctx.Done():
		}
	}
	close(keys)
	wg.Wait()
	if len(errs) > 0 {
		// The first error by key, so that the message does not depend on
		// which worker failed first.
		sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
		for _, e := range errs {
			if !errors.Is(e, context.Canceled) {
				return 0, e
			}
		}
		return 0, errs[0]
	}
	return total + inline, ctx.Err()
}

func copyBlock(ctx context.Context, key string, src, dst blob.Store) (int64, error) {
	data, err := src.Get(ctx, key)
	if err != nil {
		return 0, fmt.Errorf("block %s: read the source: %w", key, err)
	}
	have, err := dst.Get(ctx, key)
	switch {
	case errors.Is(err, blob.ErrNotFound):
		if err := dst.Put(ctx, key, data); err != nil {
			return 0, fmt.Errorf("block %s: write the target: %w", key, err)
		}
		if have, err = dst.Get(ctx, key); err != nil {
			return 0, fmt.Errorf("verify: block %s: read the target back: %w", key, err)
		}
	case err != nil:
		return 0, fmt.Errorf("block %s: read the target: %w", key, err)
	}
	if len(have) != len(data) || sha256.Sum256(have) != sha256.Sum256(data) {
		return 0, fmt.Errorf("verify: block %s: the target holds %d bytes that differ from the source's %d", key, len(have), len(data))
	}
	return int64(len(data)), nil
}
