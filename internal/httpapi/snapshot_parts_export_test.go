package httpapi

// ForgetSnapshotParts empties the cache of compacted blocks read in part,
// so that a benchmark iteration reads a recording as a player coming to
// it for the first time.
func ForgetSnapshotParts() { snapshotParts.clear() }
