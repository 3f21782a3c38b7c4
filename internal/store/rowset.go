package store

import (
	"database/sql/driver"
	"fmt"
	"slices"

	"github.com/RoaringBitmap/roaring/v2/roaring64"
	"modernc.org/sqlite"
)

// tapedeck_rowset(rowid) is an SQLite aggregate: the set of the row ids it
// was given, as a serialized roaring bitmap. A count reads its matches
// through it in one value instead of one row per match.
func init() {
	sqlite.MustRegisterFunction("tapedeck_rowset", &sqlite.FunctionImpl{NArgs: 1, Deterministic: true,
		MakeAggregate: func(sqlite.FunctionContext) (sqlite.AggregateFunction, error) {
			return &rowset{rows: roaring64.New(), ids: make([]uint64, 0, rowsetChunk)}, nil
		}})
}

// rowsetChunk is how many row ids tapedeck_rowset sorts and adds at a time.
const rowsetChunk = 8192

// rowset is one evaluation of tapedeck_rowset.
type rowset struct {
	rows *roaring64.Bitmap
	// ids are added to rows in bulk.
	ids []uint64
}

func rowID(v driver.Value) (uint64, error) {
	id, ok := v.(int64)
	if !ok {
		return 0, fmt.Errorf("tapedeck_rowset: %T is not a row id", v)
	}
	return uint64(id), nil
}

// Step implements sqlite.AggregateFunction.
func (r *rowset) Step(_ *sqlite.FunctionContext, args []driver.Value) error {
	id, err := rowID(args[0])
	if err == nil {
		if r.ids = append(r.ids, id); len(r.ids) == rowsetChunk {
			r.flush()
		}
	}
	return err
}

// flush adds the ids kept to the set.
func (r *rowset) flush() {
	slices.Sort(r.ids)
	r.rows.AddMany(r.ids)
	r.ids = r.ids[:0]
}

// WindowInverse implements sqlite.AggregateFunction.
func (r *rowset) WindowInverse(_ *sqlite.FunctionContext, args []driver.Value) error {
	id, err := rowID(args[0])
	if err == nil {
		r.flush()
		r.rows.Remove(id)
	}
	return err
}

// WindowValue implements sqlite.AggregateFunction.
func (r *rowset) WindowValue(*sqlite.FunctionContext) (driver.Value, error) {
	r.flush()
	r.rows.RunOptimize()
	return r.rows.ToBytes()
}

// Final implements sqlite.AggregateFunction.
func (r *rowset) Final(*sqlite.FunctionContext) {}

// readRowset decodes a value of tapedeck_rowset (nil for no rows).
func readRowset(b []byte) (*roaring64.Bitmap, error) {
	rows := roaring64.New()
	if len(b) == 0 {
		return rows, nil
	}
	return rows, rows.UnmarshalBinary(b)
}
