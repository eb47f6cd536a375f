package tracing

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func newTest(t *testing.T) (*Tracing, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tr, err := New(context.Background(), Options{Exporter: exp, ServiceVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	return tr, exp
}

func flush(t *testing.T, tr *Tracing) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tr.tp.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
}

func attr(kvs []attribute.KeyValue, key string) (attribute.Value, bool) {
	for _, kv := range kvs {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

func TestCommitSpanCarriesTimesSizesAndErrors(t *testing.T) {
	tr, exp := newTest(t)
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tr.CommitSpan(start, 3*time.Millisecond, 2, 7, nil)
	tr.CommitSpan(start, time.Millisecond, 1, 1, errors.New("disk full"))
	flush(t, tr)
	spans := exp.GetSpans()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	ok := spans[0]
	if ok.Name != "weft.store.commit" || !ok.StartTime.Equal(start) || ok.EndTime.Sub(ok.StartTime) != 3*time.Millisecond {
		t.Errorf("span %q %v..%v, want weft.store.commit lasting 3ms from %v", ok.Name, ok.StartTime, ok.EndTime, start)
	}
	if v, _ := attr(ok.Attributes, "weft.commit.ops"); v.AsInt64() != 7 {
		t.Errorf("weft.commit.ops = %v, want 7", v)
	}
	if v, _ := attr(ok.Attributes, "weft.commit.documents"); v.AsInt64() != 2 {
		t.Errorf("weft.commit.documents = %v, want 2", v)
	}
	if spans[1].Status.Code != codes.Error {
		t.Errorf("failed commit status %v, want Error", spans[1].Status)
	}
	if v, ok := attr(ok.Resource.Attributes(), "service.name"); !ok || v.AsString() != "weft" {
		t.Errorf("service.name = %v", v)
	}
}

func TestHandlerSpanNamedByRouteAndJoinsIncomingTrace(t *testing.T) {
	tr, exp := newTest(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/docs/{collection}/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
	})
	srv := httptest.NewServer(tr.Handler(mux, "api"))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/docs/notes/a", nil)
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	flush(t, tr)
	spans := exp.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	s := spans[0]
	if s.Name != "GET /api/v1/docs/{collection}/{id}" {
		t.Errorf("span name %q, want the route pattern", s.Name)
	}
	if got := s.SpanContext.TraceID().String(); got != traceID {
		t.Errorf("trace id %s, want the incoming %s", got, traceID)
	}
	if v, _ := attr(s.Attributes, "http.response.status_code"); v.AsInt64() != 404 {
		t.Errorf("status attribute %v, want 404", v)
	}
}
