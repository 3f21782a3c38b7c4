package s3test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fatalRecorder is a testing.TB whose Fatal ends the calling goroutine and
// keeps the message.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// Without the binary the S3 tests fail, saying how to build it; they never
// skip.
func TestStartFailsWithoutBinary(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-versitygw")
	t.Setenv("TAPEDECK_VERSITYGW", missing)
	r := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(r)
	}()
	<-done
	for _, want := range []string{missing, "go install github.com/versity/versitygw/cmd/versitygw@" + Version, "TAPEDECK_VERSITYGW"} {
		if !strings.Contains(r.msg, want) {
			t.Errorf("the failure does not say %q: %s", want, r.msg)
		}
	}
}

// scripts/test-deps builds the release the tests expect.
func TestCIBuildsThisVersion(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("..", "..", "scripts", "test-deps"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "versitygw_version="+Version+"\n") {
		t.Errorf("scripts/test-deps does not build versitygw %s", Version)
	}
}
