package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/tapedeck/tapedeck/internal/blockcodec"
)

// blockRef is one of a recording's blocks where the store keeps it: inline
// in the SQLite file (key empty) or in a file of the blob directory.
type blockRef struct {
	projectID int64
	sessionID string
	seq       int
	key       string
	// stored is the length of the inline data, or the blob file's size.
	stored int64
}

// openReadOnly opens the store's SQLite file for reading next to the
// running server.
func (s *Store) openReadOnly() (*sql.DB, error) {
	q := url.Values{}
	q.Add("mode", "ro")
	q.Add("_pragma", "busy_timeout(10000)")
	return sql.Open("sqlite", "file:"+s.SQLitePath()+"?"+q.Encode())
}

// storedBlocks lists a recording's blocks in the order the snapshots
// endpoint serves them, or every block of the store when sessionID is
// empty.
func storedBlocks(ctx context.Context, st *Store, sessionID string) ([]blockRef, error) {
	db, err := st.openReadOnly()
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT project_id, session_id, seq, blob_key, COALESCE(length(data), 0)
		FROM recording_blocks WHERE ? = '' OR (project_id = ? AND session_id = ?)
		ORDER BY project_id, session_id, first_ts, seq`, sessionID, st.ProjectID, sessionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []blockRef
	for rows.Next() {
		var b blockRef
		if err := rows.Scan(&b.projectID, &b.sessionID, &b.seq, &b.key, &b.stored); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, b := range out {
		if b.key == "" {
			continue
		}
		info, err := os.Stat(blobPath(st, b.key))
		if err != nil {
			return nil, err
		}
		out[i].stored = info.Size()
	}
	return out, nil
}

// storedBytes is the stored size of a recording's blocks, or of every
// block when sessionID is empty: inline data and blob files alike.
func storedBytes(ctx context.Context, st *Store, sessionID string) (int64, error) {
	blocks, err := storedBlocks(ctx, st, sessionID)
	var n int64
	for _, b := range blocks {
		n += b.stored
	}
	return n, err
}

// blobPath is the file of a blob key in the store's blob directory.
func blobPath(st *Store, key string) string {
	return filepath.Join(st.BlobDir(), filepath.FromSlash(key))
}

// blockReader reads blocks' compressed bytes the way the server does:
// inline ones from the SQLite file, the others from their files, and
// decodes them.
type blockReader struct {
	st   *Store
	db   *sql.DB
	stmt *sql.Stmt
	dec  *zstd.Decoder

	mu sync.Mutex
	// dicts are the decoders of the recordings whose later compacted
	// blocks are compressed with a dictionary, by session.
	dicts map[string]*zstd.Decoder
}

// newBlockReader opens the store for conns concurrent readers.
func newBlockReader(ctx context.Context, st *Store, conns int) (*blockReader, error) {
	db, err := st.openReadOnly()
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	stmt, err := db.PrepareContext(ctx, `SELECT data FROM recording_blocks
		WHERE project_id = ? AND session_id = ? AND seq = ?`)
	if err != nil {
		db.Close()
		return nil, err
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(0))
	if err != nil {
		stmt.Close()
		db.Close()
		return nil, err
	}
	return &blockReader{st: st, db: db, stmt: stmt, dec: dec, dicts: map[string]*zstd.Decoder{}}, nil
}

func (r *blockReader) close() {
	r.dec.Close()
	r.stmt.Close()
	r.db.Close()
}

// decode appends the JSONL of b, whose compressed bytes are data, to dst.
// A block compressed with a dictionary is decoded with the one taken from
// its recording's first block, read once per recording.
func (r *blockReader) decode(ctx context.Context, b blockRef, data, dst []byte) ([]byte, error) {
	n, err := blockcodec.FrameDictLen(data)
	if err != nil || n == 0 {
		if err != nil {
			return dst, err
		}
		return r.dec.DecodeAll(data, dst)
	}
	r.mu.Lock()
	dec := r.dicts[b.sessionID]
	r.mu.Unlock()
	if dec == nil {
		first := b
		first.seq = 0
		if err := r.db.QueryRowContext(ctx, `SELECT blob_key FROM recording_blocks
			WHERE project_id = ? AND session_id = ? AND seq = 0`, b.projectID, b.sessionID).Scan(&first.key); err != nil {
			return dst, fmt.Errorf("block %s/0: %w", b.sessionID, err)
		}
		data, err := r.read(ctx, first)
		if err != nil {
			return dst, err
		}
		jsonl, err := r.dec.DecodeAll(data, nil)
		if err != nil {
			return dst, err
		}
		dict, err := blockcodec.DictPrefix(jsonl, n)
		if err != nil {
			return dst, err
		}
		if dec, err = blockcodec.NewDictDecoder(dict); err != nil {
			return dst, err
		}
		r.mu.Lock()
		r.dicts[b.sessionID] = dec
		r.mu.Unlock()
	}
	return dec.DecodeAll(data, dst)
}

// read returns a block's compressed bytes.
func (r *blockReader) read(ctx context.Context, b blockRef) ([]byte, error) {
	if b.key != "" {
		return os.ReadFile(blobPath(r.st, b.key))
	}
	var data []byte
	err := r.stmt.QueryRowContext(ctx, b.projectID, b.sessionID, b.seq).Scan(&data)
	if err == nil && data == nil {
		err = errors.New("no inline data")
	}
	if err != nil {
		return nil, fmt.Errorf("block %s/%d: %w", b.sessionID, b.seq, err)
	}
	return data, nil
}
