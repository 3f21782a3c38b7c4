package bench

import (
	"context"
	"sync"
	"time"
)

// defaultListIngestRate is the capture requests per second of the list
// scenario's ingest phase when --rate is not given: about two hundred
// visitors, each of whose browsers sends a batch every two seconds.
const defaultListIngestRate = 100

// listIngestChunk is how many seconds of capture requests the list
// scenario's ingest phase generates at a time.
const listIngestChunk = 5

// IngestingRun is the list scenario's second pass: the default list, the
// filters and the counts again, while capture requests arrive at a steady
// rate into the measured project, so that its recordings change between
// any two lists.
type IngestingRun struct {
	Queries []ListResult
	// Rate is the capture requests per second asked for; Sent the ones
	// acknowledged, over Elapsed.
	Rate    float64
	Sent    int
	Elapsed time.Duration
}

// whileIngesting measures the queries over HTTP (no floor) while capture
// requests are sent at rate per second.
func (l *lister) whileIngesting(ctx context.Context, queries []listQuery, rate float64, budget time.Duration) (*IngestingRun, error) {
	run := &IngestingRun{Rate: rate}
	sendCtx, stop := context.WithCancel(ctx)
	var fails failures
	var wg sync.WaitGroup
	var sent int
	start := time.Now()
	wg.Go(func() {
		seed := uint64(1 << 40)
		for sendCtx.Err() == nil {
			batches, err := batchPool(l.st.Token, int(rate*listIngestChunk), &seed)
			if err != nil {
				fails.add(err)
				return
			}
			sendAll(sendCtx, l.srv, batches, 0, rate, &fails, nil)
			sent += len(batches)
		}
	})
	var err error
	for _, q := range queries {
		var res ListResult
		if res, err = l.measureHTTP(ctx, q, budget); err != nil {
			break
		}
		run.Queries = append(run.Queries, res)
	}
	stop()
	wg.Wait()
	run.Elapsed = time.Since(start)
	fails.mu.Lock()
	run.Sent = sent - fails.n
	fails.mu.Unlock()
	if err != nil {
		return nil, err
	}
	// Requests cut off by the end of the phase fail; any other failure
	// fails the scenario.
	if sendCtx.Err() == nil {
		if err := fails.err("capture during lists"); err != nil {
			return nil, err
		}
	}
	return run, nil
}
