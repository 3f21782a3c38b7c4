package store

import (
	"io/fs"
	"strconv"
	"strings"
)

// LatestSchemaVersion is the version of the newest migration the binary
// carries: the schema version a store has once Open has migrated it.
func LatestSchemaVersion() int64 {
	return latestVersion("migrations/sqlite")
}

// latestVersion is the highest version among the migration files of dir
// (named NNNNN_name.sql).
func latestVersion(dir string) int64 {
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	var latest int64
	for _, e := range entries {
		v, err := strconv.ParseInt(strings.SplitN(e.Name(), "_", 2)[0], 10, 64)
		if err == nil && v > latest {
			latest = v
		}
	}
	return latest
}
