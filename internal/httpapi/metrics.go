package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tapedeck/tapedeck/internal/ingest"
)

// metrics are the server's Prometheus figures, on a registry of its own.
type metrics struct {
	registry        *prometheus.Registry
	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	ingestBlocks    prometheus.Counter
	ingestEvents    prometheus.Counter
	ingestRRWeb     prometheus.Counter
	ingestRaw       prometheus.Counter
	ingestStored    prometheus.Counter
	ingestDuplicate prometheus.Counter
	ingestFailures  prometheus.Counter
	ingestDuration  prometheus.Histogram
}

func newMetrics() *metrics {
	m := &metrics{registry: prometheus.NewRegistry()}
	counter := func(name, help string) prometheus.Counter {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
		m.registry.MustRegister(c)
		return c
	}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tapedeck_http_requests_total",
		Help: "HTTP requests by route pattern, method and status."}, []string{"route", "method", "status"})
	m.requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tapedeck_http_request_duration_seconds",
		Help: "HTTP request latency by route pattern.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"route"})
	m.ingestDuration = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "tapedeck_ingest_store_duration_seconds",
		Help:    "Time to make one capture request durable (blob writes and the metadata transaction).",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)})
	m.registry.MustRegister(m.requests, m.requestDuration, m.ingestDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.ingestBlocks = counter("tapedeck_ingest_blocks_total", "Snapshot blocks stored.")
	m.ingestEvents = counter("tapedeck_ingest_events_total", "Analytics events stored.")
	m.ingestRRWeb = counter("tapedeck_ingest_rrweb_events_total", "rrweb events stored in blocks.")
	m.ingestRaw = counter("tapedeck_ingest_raw_bytes_total", "Uncompressed JSONL bytes of stored blocks.")
	m.ingestStored = counter("tapedeck_ingest_stored_bytes_total", "Compressed bytes of stored blocks.")
	m.ingestDuplicate = counter("tapedeck_ingest_duplicate_blocks_total", "Blocks skipped because their snapshot events were stored before.")
	m.ingestFailures = counter("tapedeck_ingest_failures_total", "Capture requests refused with 503 because storage failed.")
	return m
}

func (m *metrics) observeRequest(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.requestDuration.WithLabelValues(route).Observe(d.Seconds())
}

func (m *metrics) observeIngest(r ingest.Result, d time.Duration) {
	m.ingestBlocks.Add(float64(r.Blocks))
	m.ingestEvents.Add(float64(r.Events))
	m.ingestRRWeb.Add(float64(r.RRWebEvents))
	m.ingestRaw.Add(float64(r.RawBytes))
	m.ingestStored.Add(float64(r.StoredBytes))
	m.ingestDuplicate.Add(float64(r.Duplicates))
	m.ingestDuration.Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
