package main

import (
	"context"
	"fmt"

	"github.com/weftdev/weft/internal/health"
	"github.com/weftdev/weft/internal/session"
	"github.com/weftdev/weft/internal/tracing"
)

// lateSources feeds the metrics' gauges from the session manager, which is
// created after the metrics (it takes them as its Observer). Gauges read
// zero until m is set; m is set before the server serves.
type lateSources struct{ m *session.Manager }

func (l *lateSources) Connections() int {
	if l.m == nil {
		return 0
	}
	return l.m.Connections()
}

func (l *lateSources) OpenDocuments() int {
	if l.m == nil {
		return 0
	}
	return l.m.OpenDocuments()
}

// pinger is what the store and the bus offer for health checks.
type pinger interface {
	Ping(ctx context.Context) error
}

// healthChecks lists the dependencies /readyz waits for: the store (unless
// it is in memory) and Redis when configured.
func (s *server) healthChecks() []health.Check {
	var cs []health.Check
	if p, ok := s.store.(pinger); ok {
		cs = append(cs, health.Check{Name: "store", Ping: p.Ping})
	}
	if p, ok := s.bus.(pinger); ok {
		cs = append(cs, health.Check{Name: "redis", Ping: p.Ping})
	}
	return cs
}

// startHealth pings the dependencies once, synchronously (the store and
// Redis were just reached, so the instance starts ready), then every
// --health-interval until close.
func (s *server) startHealth(checks []health.Check) {
	s.health = health.New(health.Options{
		Checks:   checks,
		Interval: s.cfg.HealthInterval,
		Draining: s.manager.Draining,
		Report:   s.metrics.SetUp,
		Logger:   s.log,
	})
	ctx, cancel := context.WithCancel(context.Background())
	s.health.CheckNow(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.health.Run(ctx)
	}()
	s.stopHealth = func() { cancel(); <-done }
}

// openTracing sets up trace export when an OTLP endpoint is configured.
func (s *server) openTracing(ctx context.Context) error {
	if s.cfg.OTLPEndpoint == "" {
		return nil
	}
	t, err := tracing.New(ctx, tracing.Options{Endpoint: s.cfg.OTLPEndpoint})
	if err != nil {
		return fmt.Errorf("tracing: %w", err)
	}
	s.tracing = t
	s.log.Info("sending traces", "otlp_endpoint", redactURL(s.cfg.OTLPEndpoint))
	return nil
}
