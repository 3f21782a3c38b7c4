package ingest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tapedeck/tapedeck/internal/store"
)

// TestGroupCommitKeepsOutcomesApart queues writes behind a transaction in
// progress so that they share the next one, and makes one of them fail:
// the others are committed, the failing one leaves nothing behind.
func TestGroupCommitKeepsOutcomesApart(t *testing.T) {
	svc, st, p := newService(t)
	c := svc.commits
	ctx := context.Background()
	id := func(n int) string { return fmt.Sprintf("01a21600-0000-7000-8000-%012d", n) }
	claim := func(ctx context.Context, tx *store.Tx, ids ...string) (int, error) {
		return tx.ClaimSnapshotUUIDs(ctx, p.ID, ids, fixtureNow)
	}
	release, started := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- c.write(ctx, func(ctx context.Context, tx *store.Tx) error {
			close(started)
			<-release
			_, err := claim(ctx, tx, id(0))
			return err
		})
	}()

	<-started
	const n = 12
	const failing = 5
	boom := errors.New("boom")
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 1; i <= n; i++ {
		wg.Go(func() {
			errs[i-1] = c.write(ctx, func(ctx context.Context, tx *store.Tx) error {
				if _, err := claim(ctx, tx, id(i)); err != nil {
					return err
				}
				if i == failing {
					return boom
				}
				return nil
			})
		})
	}
	if c.batch {
		waitQueued(t, c, n)
	}
	close(release)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatalf("first write: %v", err)
	}
	for i, err := range errs {
		if want := (i+1 == failing); (err != nil) != want || (want && !errors.Is(err, boom)) {
			t.Errorf("write %d: %v", i+1, err)
		}
	}
	var seen, seenFailing int
	err := st.Write(ctx, func(tx *store.Tx) error {
		var all []string
		for i := 0; i <= n; i++ {
			if i != failing {
				all = append(all, id(i))
			}
		}
		var err error
		if seen, err = claim(ctx, tx, all...); err != nil {
			return err
		}
		seenFailing, err = claim(ctx, tx, id(failing))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != n || seenFailing != 0 {
		t.Errorf("%d of %d writes committed, failing write committed: %v", seen, n, seenFailing != 0)
	}
}

// waitQueued waits until n writes wait in the committer's queue.
func waitQueued(t *testing.T, c *committer, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.mu.Lock()
		queued := len(c.queue)
		c.mu.Unlock()
		if queued == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", queued, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGroupCommitSkipsCancelledRequests checks that a request whose
// context ended while it waited is not applied.
func TestGroupCommitSkipsCancelledRequests(t *testing.T) {
	svc, _, _ := newService(t)
	c := svc.commits
	if !c.batch {
		t.Skip("no group commit on this store")
	}
	release, started := make(chan struct{}), make(chan struct{})
	go c.write(context.Background(), func(context.Context, *store.Tx) error { close(started); <-release; return nil })
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	applied := false
	done := make(chan error, 1)
	go func() {
		done <- c.write(ctx, func(context.Context, *store.Tx) error { applied = true; return nil })
	}()
	waitQueued(t, c, 1)
	cancel()
	close(release)
	if err := <-done; !errors.Is(err, context.Canceled) || applied {
		t.Fatalf("cancelled write: %v, applied %v", err, applied)
	}
}
