package benchdata

import (
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Drive sends b.N visits of t through send from clients concurrent
// clients, each sending its visit's requests in order. Visits are made in
// rounds while the timer is stopped. It reports the process's CPU time per
// visit (cpu-ms/op) and the median and 99th percentile time of a request
// (p50-ms, p99-ms); throughput is of the decompressed bodies.
func Drive(b *testing.B, t *Template, clients int, send func(Request) error) {
	const round = 32 // visits made while the timer is stopped
	b.SetBytes(int64(t.Size))
	var (
		mu        sync.Mutex
		latencies []time.Duration
		cpu       time.Duration
	)
	seed := 0
	b.ResetTimer()
	for done := 0; done < b.N; {
		b.StopTimer()
		n := min(round, b.N-done)
		visits := make(chan []Request, n)
		for range n {
			seed++
			visits <- t.Visit(seed)
		}
		close(visits)
		b.StartTimer()
		start := ProcessCPU()
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				var mine []time.Duration
				for v := range visits {
					for _, r := range v {
						began := time.Now()
						if err := send(r); err != nil {
							b.Error(err)
							return
						}
						mine = append(mine, time.Since(began))
					}
				}
				mu.Lock()
				latencies = append(latencies, mine...)
				mu.Unlock()
			})
		}
		wg.Wait()
		cpu += ProcessCPU() - start
		done += n
	}
	b.StopTimer()
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	if len(latencies) > 0 {
		slices.Sort(latencies)
		q := func(f float64) float64 {
			return float64(latencies[int(f*float64(len(latencies)-1))].Microseconds()) / 1000
		}
		b.ReportMetric(q(0.5), "p50-ms")
		b.ReportMetric(q(0.99), "p99-ms")
	}
}

// ProcessCPU is the CPU time (user and system) the process has used: a
// figure other processes on the machine disturb less than elapsed time.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
