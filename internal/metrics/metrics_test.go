package metrics

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

type fixedSources struct{ conns, docs int }

func (f fixedSources) Connections() int   { return f.conns }
func (f fixedSources) OpenDocuments() int { return f.docs }

type spans struct{ n, failed int }

func (s *spans) CommitSpan(_ time.Time, _ time.Duration, _, _ int, err error) {
	s.n++
	if err != nil {
		s.failed++
	}
}

func newTest(t *testing.T) (*Metrics, *prometheus.Registry, *spans) {
	t.Helper()
	reg := prometheus.NewRegistry()
	sp := &spans{}
	m, err := New(reg, Options{Sources: fixedSources{3, 2}, Commits: sp, Dependencies: []string{"store", "redis"}})
	if err != nil {
		t.Fatal(err)
	}
	return m, reg, sp
}

func TestObserverFeedsTheSeries(t *testing.T) {
	m, reg, sp := newTest(t)
	m.OpsCommitted("text-unicode", 3)
	m.OpsCommitted("", 1)
	m.SubmitAcked(2 * time.Millisecond)
	m.CommitFlushed(time.Now(), time.Millisecond, 2, 5, nil)
	m.CommitFlushed(time.Now(), time.Millisecond, 1, 1, errors.New("down"))
	m.CommitRetried()
	m.GapFilled(4)
	m.SlowClientClosed()
	m.Rejected("ERR_OT_OP_BADLY_FORMED")
	m.Rejected("ERR_OT_OP_BADLY_FORMED")
	m.SetUp("store", true)
	for _, c := range []struct {
		got  float64
		want float64
		name string
	}{
		{testutil.ToFloat64(m.opsCommitted.WithLabelValues("text-unicode")), 3, "ops text-unicode"},
		{testutil.ToFloat64(m.opsCommitted.WithLabelValues("none")), 1, "ops none"},
		{testutil.ToFloat64(m.retries), 1, "retries"},
		{testutil.ToFloat64(m.gaps), 1, "gaps"},
		{testutil.ToFloat64(m.gapOps), 4, "gap ops"},
		{testutil.ToFloat64(m.slow), 1, "slow"},
		{testutil.ToFloat64(m.commitErrors), 1, "commit errors"},
		{testutil.ToFloat64(m.rejected.WithLabelValues("ERR_OT_OP_BADLY_FORMED")), 2, "rejected"},
		{testutil.ToFloat64(m.up.WithLabelValues("store")), 1, "store up"},
		{testutil.ToFloat64(m.up.WithLabelValues("redis")), 0, "redis up before any check"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if sp.n != 2 || sp.failed != 1 {
		t.Errorf("commit spans %d (%d failed), want 2 (1 failed)", sp.n, sp.failed)
	}
	n, err := testutil.GatherAndCount(reg, "weft_connections", "weft_open_documents", "weft_commit_ops", "weft_commit_documents", "weft_submit_ack_seconds")
	if err != nil || n != 5 {
		t.Errorf("gathered %d series (%v), want 5", n, err)
	}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		switch mf.GetName() {
		case "weft_connections":
			if v := mf.GetMetric()[0].GetGauge().GetValue(); v != 3 {
				t.Errorf("weft_connections = %v, want 3", v)
			}
		case "weft_commit_ops":
			if h := mf.GetMetric()[0].GetHistogram(); h.GetSampleCount() != 1 || h.GetSampleSum() != 5 {
				t.Errorf("weft_commit_ops count %d sum %v, want 1 and 5 (failed commits not counted)", h.GetSampleCount(), h.GetSampleSum())
			}
		}
	}
}

// TestHotPathDoesNotAllocate checks that the calls made per op and per
// commit allocate nothing once their label values have been seen.
func TestHotPathDoesNotAllocate(t *testing.T) {
	m, _, _ := newTest(t)
	m.commits = nil // spans are the tracer's cost, measured there
	m.OpsCommitted("json0", 1)
	m.Rejected("ERR_MESSAGE_BADLY_FORMED")
	now := time.Now()
	allocs := testing.AllocsPerRun(1000, func() {
		m.OpsCommitted("json0", 1)
		m.SubmitAcked(time.Millisecond)
		m.CommitFlushed(now, time.Millisecond, 1, 1, nil)
		m.CommitRetried()
		m.GapFilled(1)
		m.Rejected("ERR_MESSAGE_BADLY_FORMED")
	})
	if allocs != 0 {
		t.Errorf("%v allocations per round of observer calls, want 0", allocs)
	}
}

func TestRegisteringTwiceFails(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := New(reg, Options{Sources: fixedSources{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(reg, Options{Sources: fixedSources{}}); err == nil {
		t.Error("a second New on one registry succeeded")
	}
}
