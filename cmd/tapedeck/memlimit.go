package main

import (
	"log/slog"
	"runtime"
	"runtime/debug"
)

// Default soft memory limit of a server: a base for the server itself and
// compaction's encoder (about 80 MB while it compresses a long recording
// with a dictionary), and a share for each CPU, whose capture requests
// each hold an encoder (8 MiB) and a body.
const (
	memoryLimitBase   = 96 << 20
	memoryLimitPerCPU = 8 << 20
)

// setMemoryLimit gives the Go runtime a soft memory limit, so that the
// garbage collector runs more often as the server's memory nears it
// instead of letting the heap grow to twice what is live, unless
// GOMEMLIMIT set one already (GOMEMLIMIT=off turns it off). It is not a
// cap: a server whose live memory passes it keeps working, with more of
// its CPU spent collecting. It returns the limit in bytes.
func setMemoryLimit(log *slog.Logger, goMemLimit string) int64 {
	if goMemLimit != "" {
		return debug.SetMemoryLimit(-1) // the runtime read it at start
	}
	limit := int64(memoryLimitBase + memoryLimitPerCPU*runtime.GOMAXPROCS(0))
	debug.SetMemoryLimit(limit)
	log.Debug("soft memory limit", "bytes", limit)
	return limit
}
