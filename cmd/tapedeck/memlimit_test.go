package main

import (
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestSetMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	want := int64(memoryLimitBase + memoryLimitPerCPU*runtime.GOMAXPROCS(0))
	if got := setMemoryLimit(log, ""); got != want || debug.SetMemoryLimit(-1) != want {
		t.Errorf("default limit %d (runtime %d), want %d", got, debug.SetMemoryLimit(-1), want)
	}
	// GOMEMLIMIT set: the runtime's limit stays as it is.
	debug.SetMemoryLimit(300 << 20)
	if got := setMemoryLimit(log, "300MiB"); got != 300<<20 || debug.SetMemoryLimit(-1) != 300<<20 {
		t.Errorf("with GOMEMLIMIT: limit %d (runtime %d), want it left at %d", got, debug.SetMemoryLimit(-1), 300<<20)
	}
}
