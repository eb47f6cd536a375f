// Package metrics exposes what a Weft instance does as Prometheus metrics.
// Metrics implements session.Observer, so the session Manager reports
// commits, acknowledgements, retries, gap fills, slow clients and
// rejections to it; gauges of open connections and documents are read from
// the Manager when scraped, and dependency health (store, Redis) is set by
// whoever checks it.
//
// Every metric lives in the prometheus.Registerer given to New (the server
// creates one; nothing is registered globally). The Observer methods run
// on the Manager's hot paths: they take no lock but a read lock on a small
// map, and allocate nothing once a label value has been seen.
package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/weftdev/weft/internal/session"
)

// Sources are the live counts the gauges read at scrape time
// (*session.Manager provides them).
type Sources interface {
	Connections() int
	OpenDocuments() int
}

// CommitTracer records one store commit as a trace span (see package
// tracing). Metrics forwards every CommitFlushed call to it when set.
type CommitTracer interface {
	CommitSpan(start time.Time, took time.Duration, docs, ops int, err error)
}

// Options configures New.
type Options struct {
	// Sources feeds the connection and open-document gauges. Required.
	Sources Sources
	// Commits, when set, is also told about every store commit.
	Commits CommitTracer
	// Dependencies names the health gauges to create (weft_dependency_up
	// with a "dependency" label), e.g. "store", "redis". Each starts at 0
	// until SetUp reports it.
	Dependencies []string
}

// Metrics holds a Weft instance's collectors. Create it with New.
type Metrics struct {
	commits CommitTracer

	opsCommitted  *prometheus.CounterVec
	submitAck     prometheus.Histogram
	commitOps     prometheus.Histogram
	commitDocs    prometheus.Histogram
	commitSeconds prometheus.Histogram
	commitErrors  prometheus.Counter
	retries       prometheus.Counter
	gaps          prometheus.Counter
	gapOps        prometheus.Counter
	slow          prometheus.Counter
	forwarded     prometheus.Counter
	fellBack      prometheus.Counter
	rejected      *prometheus.CounterVec
	up            *prometheus.GaugeVec

	mu       sync.RWMutex // guards the two caches below
	byType   map[string]prometheus.Counter
	byReason map[string]prometheus.Counter
}

var (
	_ session.Observer          = (*Metrics)(nil)
	_ session.OwnershipObserver = (*Metrics)(nil)
)

// New creates Weft's collectors, plus the Go runtime and process
// collectors, and registers them with reg.
func New(reg prometheus.Registerer, opts Options) (*Metrics, error) {
	m := &Metrics{
		commits: opts.Commits,
		opsCommitted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "weft_ops_committed_total",
			Help: "Ops durably committed by this instance, by the document's OT type after the commit (\"none\": deleted).",
		}, []string{"type"}),
		submitAck: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "weft_submit_ack_seconds",
			Help:    "Time from reading a submitted op off the socket to queuing its acknowledgement (after its durable commit).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		commitOps: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "weft_commit_ops",
			Help:    "Ops per store commit (group commit across documents).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11),
		}),
		commitDocs: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "weft_commit_documents",
			Help:    "Documents per store commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 9),
		}),
		commitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "weft_commit_duration_seconds",
			Help:    "Duration of one store commit.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
		commitErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "weft_commit_errors_total",
			Help: "Store commits that failed (their submits got an error, never an ack).",
		}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "weft_transform_retries_total",
			Help: "Commits that lost the version race to another instance and were transformed and retried.",
		}),
		gaps: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "weft_pubsub_gaps_filled_total",
			Help: "Catch-ups from the store that found ops missed on the bus (lost or late pub/sub messages).",
		}),
		gapOps: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "weft_pubsub_gap_ops_total",
			Help: "Ops read from the store to fill pub/sub gaps.",
		}),
		slow: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "weft_slow_clients_disconnected_total",
			Help: "Connections closed with 1008 because their send queue filled.",
		}),
		forwarded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "weft_submits_forwarded_total",
			Help: "Submits sent to the instance owning their document (document ownership).",
		}),
		fellBack: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "weft_forward_fallbacks_total",
			Help: "Forwarded submits the owner did not answer in time, or whose owner was found gone, committed by this instance instead.",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "weft_rejected_messages_total",
			Help: "Client messages refused, by reason (a ShareDB error code, or a close reason such as message_too_big).",
		}, []string{"reason"}),
		up: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "weft_dependency_up",
			Help: "1 when the last health check of the dependency (store, redis) succeeded, else 0.",
		}, []string{"dependency"}),
		byType:   map[string]prometheus.Counter{},
		byReason: map[string]prometheus.Counter{},
	}
	src := opts.Sources
	cs := []prometheus.Collector{
		m.opsCommitted, m.submitAck, m.commitOps, m.commitDocs, m.commitSeconds, m.commitErrors,
		m.retries, m.gaps, m.gapOps, m.slow, m.forwarded, m.fellBack, m.rejected, m.up,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "weft_connections",
			Help: "Open client WebSocket connections.",
		}, func() float64 { return float64(src.Connections()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "weft_open_documents",
			Help: "Documents held open in memory.",
		}, func() float64 { return float64(src.OpenDocuments()) }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	for _, d := range opts.Dependencies {
		m.up.WithLabelValues(d).Set(0)
	}
	return m, nil
}

// Handler serves the metrics gathered from g in the Prometheus text (or
// negotiated OpenMetrics) format.
func Handler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

// SetUp records the outcome of a health check of dependency.
func (m *Metrics) SetUp(dependency string, up bool) {
	v := 0.0
	if up {
		v = 1
	}
	m.up.WithLabelValues(dependency).Set(v)
}

// labelled returns the counter of vec for value, creating it on first use.
func (m *Metrics) labelled(cache map[string]prometheus.Counter, vec *prometheus.CounterVec, value string) prometheus.Counter {
	m.mu.RLock()
	c := cache[value]
	m.mu.RUnlock()
	if c != nil {
		return c
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if c = cache[value]; c == nil {
		c = vec.WithLabelValues(value)
		cache[value] = c
	}
	return c
}

// OpsCommitted implements session.Observer.
func (m *Metrics) OpsCommitted(typ string, n int) {
	if typ == "" {
		typ = "none"
	}
	m.labelled(m.byType, m.opsCommitted, typ).Add(float64(n))
}

// SubmitAcked implements session.Observer.
func (m *Metrics) SubmitAcked(d time.Duration) { m.submitAck.Observe(d.Seconds()) }

// CommitFlushed implements session.Observer.
func (m *Metrics) CommitFlushed(start time.Time, took time.Duration, docs, ops int, err error) {
	m.commitSeconds.Observe(took.Seconds())
	if err != nil {
		m.commitErrors.Inc()
	} else {
		m.commitOps.Observe(float64(ops))
		m.commitDocs.Observe(float64(docs))
	}
	if m.commits != nil {
		m.commits.CommitSpan(start, took, docs, ops, err)
	}
}

// CommitRetried implements session.Observer.
func (m *Metrics) CommitRetried() { m.retries.Inc() }

// GapFilled implements session.Observer.
func (m *Metrics) GapFilled(ops int) {
	m.gaps.Inc()
	m.gapOps.Add(float64(ops))
}

// SubmitForwarded implements session.OwnershipObserver.
func (m *Metrics) SubmitForwarded() { m.forwarded.Inc() }

// ForwardFellBack implements session.OwnershipObserver.
func (m *Metrics) ForwardFellBack(n int) { m.fellBack.Add(float64(n)) }

// SlowClientClosed implements session.Observer.
func (m *Metrics) SlowClientClosed() { m.slow.Inc() }

// Rejected implements session.Observer.
func (m *Metrics) Rejected(reason string) {
	m.labelled(m.byReason, m.rejected, reason).Inc()
}
