package store

import (
	"context"
	"slices"
	"testing"
)

// CopyTo moves every column of every table: a migration that adds one
// must add it to copyTables too.
func TestCopyTablesCoverTheSchema(t *testing.T) {
	ctx := context.Background()
	listed := map[string][]string{}
	for _, tb := range copyTables {
		listed[tb.name] = slices.Sorted(slices.Values(tb.columns))
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		s := b.open(t)
		q := `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'goose_db_version'`
		if s.engine == enginePostgres {
			q = `SELECT table_name, column_name FROM information_schema.columns
				WHERE table_schema = current_schema() AND table_name <> 'goose_db_version'`
		}
		rows, err := s.read.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[string][]string{}
		for rows.Next() {
			var table, column string
			if err := rows.Scan(&table, &column); err != nil {
				t.Fatal(err)
			}
			got[table] = append(got[table], column)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		for table := range got {
			slices.Sort(got[table])
			if !slices.Equal(got[table], listed[table]) {
				t.Errorf("table %s: columns %v, copyTables lists %v", table, got[table], listed[table])
			}
		}
		for table := range listed {
			if got[table] == nil {
				t.Errorf("copyTables lists %s, which the schema lacks", table)
			}
		}
	})
}
