// Package tracing records OpenTelemetry traces of Weft's REST requests and
// store commits and exports them over OTLP/HTTP. It exists only when an
// exporter is configured: without one the server builds no Tracing, wraps
// no handler and records no span, so tracing costs nothing.
//
// The package never touches OpenTelemetry's global provider or propagator:
// the Tracing value carries its own, and incoming W3C traceparent headers
// are honoured on the requests it wraps.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
)

// Options configures New.
type Options struct {
	// Endpoint is the OTLP/HTTP collector's base URL, e.g.
	// http://collector:4318 (spans are posted to Endpoint + /v1/traces).
	// Required unless Exporter is set.
	Endpoint string
	// Exporter, when set, receives the spans instead of an OTLP exporter
	// (tests use an in-memory one).
	Exporter sdktrace.SpanExporter
	// ServiceName names this service in the spans' resource (default
	// "weft"); ServiceVersion is optional.
	ServiceName, ServiceVersion string
}

// Tracing owns a tracer provider whose spans go to one exporter in
// batches. Shutdown flushes them.
type Tracing struct {
	tp     *sdktrace.TracerProvider
	tracer trace.Tracer
	prop   propagation.TextMapPropagator
}

// New builds the exporter and the provider. It does not connect: spans are
// exported in the background, and an unreachable collector never slows a
// request or a commit (OpenTelemetry reports export errors through its own
// error handler, on stderr).
func New(ctx context.Context, opts Options) (*Tracing, error) {
	exp := opts.Exporter
	if exp == nil {
		if opts.Endpoint == "" {
			return nil, errors.New("tracing: no OTLP endpoint")
		}
		var err error
		// As with OTEL_EXPORTER_OTLP_ENDPOINT, the signal's path is
		// appended to the base URL.
		traces := strings.TrimRight(opts.Endpoint, "/") + "/v1/traces"
		exp, err = otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(traces))
		if err != nil {
			return nil, fmt.Errorf("tracing: OTLP exporter for %s: %w", opts.Endpoint, err)
		}
	}
	name := opts.ServiceName
	if name == "" {
		name = "weft"
	}
	attrs := []attribute.KeyValue{semconv.ServiceName(name)}
	if opts.ServiceVersion != "" {
		attrs = append(attrs, semconv.ServiceVersion(opts.ServiceVersion))
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(resource.NewWithAttributes(semconv.SchemaURL, attrs...)),
	)
	return &Tracing{
		tp:     tp,
		tracer: tp.Tracer("github.com/weftdev/weft"),
		prop:   propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
	}, nil
}

// Handler wraps h so that every request is a server span named after its
// method and route pattern (e.g. "GET /api/v1/docs/{collection}/{id}"
// when the pattern is known, else the method and operation).
func (t *Tracing) Handler(h http.Handler, operation string) http.Handler {
	return otelhttp.NewHandler(h, operation,
		otelhttp.WithTracerProvider(t.tp),
		otelhttp.WithPropagators(t.prop),
		otelhttp.WithSpanNameFormatter(func(op string, r *http.Request) string {
			if r.Pattern != "" {
				return r.Pattern
			}
			return r.Method + " " + op
		}),
	)
}

// CommitSpan records one store commit (a group commit of docs documents
// and ops ops) as a span that started at start and took took. It has no
// parent: commits batch the submits of many connections.
func (t *Tracing) CommitSpan(start time.Time, took time.Duration, docs, ops int, err error) {
	_, span := t.tracer.Start(context.Background(), "weft.store.commit",
		trace.WithTimestamp(start),
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(
			attribute.Int("weft.commit.documents", docs),
			attribute.Int("weft.commit.ops", ops),
		))
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "commit failed")
	}
	span.End(trace.WithTimestamp(start.Add(took)))
}

// Shutdown exports the spans still buffered and stops the exporter; ctx
// bounds the wait.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if err := t.tp.Shutdown(ctx); err != nil {
		return fmt.Errorf("tracing: shutdown: %w", err)
	}
	return nil
}
