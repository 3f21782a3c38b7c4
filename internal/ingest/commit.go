package ingest

import (
	"context"
	"sync"

	"github.com/tapedeck/tapedeck/internal/store"
)

// committer writes the metadata of concurrent requests in shared
// transactions (group commit). On a store with a single writer (SQLite)
// every transaction costs a commit and an fsync that one request alone
// cannot amortise, and requests queue for the writer anyway: the committer
// lets them queue as work instead, and one goroutine applies everything
// queued in one transaction.
//
// Each request keeps its own outcome. When one request's writes fail, the
// transaction is rolled back, that request gets its error, and the others
// are applied again without it; when the commit itself fails, every
// request of the batch gets the error. A request is answered only once the
// transaction holding its writes is committed, and a request whose context
// ended before its turn is not applied at all.
type committer struct {
	store *store.Store
	// batch is false on stores that take concurrent writers (PostgreSQL):
	// each request then has its own transaction, as before.
	batch bool
	// maxBatch caps the requests of one transaction.
	maxBatch int

	mu      sync.Mutex
	queue   []*pendingWrite
	running bool // a goroutine is draining the queue
}

// pendingWrite is one request's writes waiting for a transaction.
type pendingWrite struct {
	ctx   context.Context
	apply func(context.Context, *store.Tx) error
	done  chan error
}

func newCommitter(st *store.Store) *committer {
	return &committer{store: st, batch: st.SingleWriter(), maxBatch: 256}
}

// write runs apply in a transaction and returns once that transaction is
// committed (nil) or failed. apply may run more than once, in successive
// transactions, when another request of its batch fails: it must start
// from scratch each time and have no effect outside the transaction.
func (c *committer) write(ctx context.Context, apply func(context.Context, *store.Tx) error) error {
	if !c.batch {
		return c.store.Write(ctx, func(tx *store.Tx) error { return apply(ctx, tx) })
	}
	p := &pendingWrite{ctx: ctx, apply: apply, done: make(chan error, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, p)
	if !c.running {
		c.running = true
		go c.drain()
	}
	c.mu.Unlock()
	// No early return on ctx: the request's writes may be in a transaction
	// being committed, and the caller must know whether they were.
	return <-p.done
}

// drain applies queued writes, a batch per transaction, until the queue is
// empty.
func (c *committer) drain() {
	for {
		c.mu.Lock()
		n := min(len(c.queue), c.maxBatch)
		if n == 0 {
			c.running = false
			c.mu.Unlock()
			return
		}
		batch := c.queue[:n:n]
		c.queue = c.queue[n:]
		if len(c.queue) == 0 {
			c.queue = nil
		}
		c.mu.Unlock()
		c.commit(batch)
	}
}

// commit applies a batch in one transaction, leaving out the requests that
// fail, and answers every request.
func (c *committer) commit(batch []*pendingWrite) {
	live := make([]*pendingWrite, 0, len(batch))
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.done <- err
			continue
		}
		live = append(live, p)
	}
	for len(live) > 0 {
		var failed *pendingWrite
		var failure error
		err := c.store.Write(context.Background(), func(tx *store.Tx) error {
			for _, p := range live {
				if err := p.apply(p.ctx, tx); err != nil {
					failed, failure = p, err
					return err
				}
			}
			return nil
		})
		if err == nil {
			for _, p := range live {
				p.done <- nil
			}
			return
		}
		if failed == nil {
			// Beginning or committing the transaction failed: nothing of the
			// batch is stored.
			for _, p := range live {
				p.done <- err
			}
			return
		}
		failed.done <- failure
		rest := live[:0]
		for _, p := range live {
			if p != failed {
				rest = append(rest, p)
			}
		}
		live = rest
	}
}
