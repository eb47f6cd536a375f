package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weftdev/weft/internal/client"
	"github.com/weftdev/weft/internal/ot"
)

// editorRun is the shared state of a hot or spread run.
type editorRun struct {
	cfg      config
	reg      *ot.Registry
	kind     opKind
	log      *slog.Logger
	sent     sendTimes
	ack      samples
	deliver  samples
	cross    samples      // deliveries between editors on different instances
	budget   atomic.Int64 // ops left to submit
	ops      atomic.Int64 // ops acknowledged
	errs     atomic.Int64
	coll     string
	deadline time.Time
}

func runEditors(ctx context.Context, cfg config, log *slog.Logger) (result, error) {
	docs, per := 1, 10
	switch cfg.scenario {
	case "hot":
	case "spread":
		docs, per = 100, 2
	default:
		return result{}, fmt.Errorf("unknown --scenario %q", cfg.scenario)
	}
	reg, err := newRegistry()
	if err != nil {
		return result{}, err
	}
	kind, err := kindFor(reg, cfg.opType)
	if err != nil {
		return result{}, err
	}
	r := &editorRun{cfg: cfg, reg: reg, kind: kind, log: log,
		coll: fmt.Sprintf("loadgen-%d", time.Now().UnixNano())}
	r.budget.Store(cfg.maxOps)
	if err := r.createDocs(ctx, docs); err != nil {
		return result{}, err
	}
	editors, err := r.connectEditors(ctx, docs, per)
	defer func() {
		for _, e := range editors {
			e.w.Close()
		}
	}()
	if err != nil {
		return result{}, err
	}
	if cfg.onStart != nil {
		cfg.onStart()
	}
	use0, own0 := r.serverUsage(), ownCPU()
	start := time.Now()
	r.deadline = start.Add(cfg.duration)
	var wg sync.WaitGroup
	for i, e := range editors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.edit(ctx, e, rand.New(rand.NewPCG(cfg.seed, uint64(i))))
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	use, own := r.serverUsage().minus(use0), ownCPU()-own0
	if err := settle(ctx, editors); err != nil {
		return result{}, err
	}
	res := r.result(docs, len(editors), elapsed)
	if res.Ops > 0 {
		res.LoadgenCPUMicrosPerOp = own * 1e6 / float64(res.Ops)
	}
	if cfg.serverPID != 0 && res.Ops > 0 && use.ok {
		res.ServerCPUSeconds = use.cpu
		res.ServerCPUMicrosPerOp = use.cpu * 1e6 / float64(res.Ops)
		res.ServerReadCallsPerOp = float64(use.reads) / float64(res.Ops)
		res.ServerWriteCallsPerOp = float64(use.writes) / float64(res.Ops)
	}
	return res, nil
}

// settle waits (at most 10 s) until every editor has received every
// committed op of its document, so the last broadcasts are counted.
func settle(ctx context.Context, editors []editor) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	head := map[string]int64{}
	for _, e := range editors {
		head[e.w.id] = max(head[e.w.id], e.w.Version())
	}
	for _, e := range editors {
		if err := e.w.WaitVersion(ctx, head[e.w.id]); err != nil {
			return fmt.Errorf("settle: %w", err)
		}
	}
	return nil
}

// usage is what the server's processes have used so far.
type usage struct {
	cpu           float64 // CPU seconds
	reads, writes int64   // read and write system calls
	ok            bool    // every process could be read
}

func (u usage) minus(v usage) usage {
	return usage{u.cpu - v.cpu, u.reads - v.reads, u.writes - v.writes, u.ok && v.ok}
}

// serverUsage returns the server's usage so far (all its instances'), not
// ok when unknown.
func (r *editorRun) serverUsage() usage {
	if r.cfg.serverPID == 0 {
		return usage{}
	}
	u := usage{ok: true}
	for _, pid := range append([]int{r.cfg.serverPID}, r.cfg.morePIDs...) {
		s, err := cpuSeconds(pid)
		if err == nil {
			var rd, wr int64
			rd, wr, err = ioCalls(pid)
			u.reads, u.writes = u.reads+rd, u.writes+wr
		}
		if err != nil {
			r.log.Warn("loadgen: server usage", "err", err)
			return usage{}
		}
		u.cpu += s
	}
	return u
}

// ownCPU returns this process's CPU seconds so far, 0 when unknown.
func ownCPU() float64 {
	s, _ := cpuSeconds(os.Getpid())
	return s
}

type editor struct {
	w *wireEditor
	// inst names the server instance the connection landed on (the
	// config's instance header), "" when not known.
	inst string
}

func (r *editorRun) docID(i int) string { return fmt.Sprintf("d%d", i) }

func (r *editorRun) createDocs(ctx context.Context, n int) error {
	c, err := client.Dial(ctx, r.cfg.url, client.Options{Registry: r.reg, Logger: r.log})
	if err != nil {
		return err
	}
	defer c.Close()
	for i := range n {
		if err := c.Get(r.coll, r.docID(i)).Create(ctx, r.kind.typeName, r.kind.initial); err != nil {
			return fmt.Errorf("create %s: %w", r.docID(i), err)
		}
	}
	return nil
}

// dialEditor opens one editor connection (handshake done, not yet
// subscribed). Its callbacks record when each of its ops leaves and, for
// ops of other editors, the delivery latency (also as a cross-instance
// sample when sender and receiver are known to sit on different
// instances).
func (r *editorRun) dialEditor(ctx context.Context) (*wireEditor, string, error) {
	var inst atomic.Pointer[string]
	onSent := func(src string, seq int64) { r.sent.put(src, seq, time.Now(), inst.Load()) }
	onOp := func(src string, seq int64) {
		s, ok := r.sent.get(src, seq)
		if !ok {
			return
		}
		d := time.Since(s.at)
		r.deliver.add(d)
		if mine := inst.Load(); s.inst != nil && mine != nil && *s.inst != *mine {
			r.cross.add(d)
		}
	}
	w, header, err := dialWire(ctx, r.cfg.url, r.cfg.instanceHeader, onSent, onOp, r.fail)
	if err != nil {
		return nil, "", err
	}
	name := ""
	if r.cfg.instanceHeader != "" {
		name = header
		inst.Store(&name)
	}
	return w, name, nil
}

// connectEditors opens per editors for each of docs documents and
// subscribes them. With an instance header and instances > 1, editor j of
// every document is placed on instance j mod instances (instances are
// numbered in the order they are first seen): connections that land on an
// instance no free place wants are closed and dialled again, a bounded
// number of times.
func (r *editorRun) connectEditors(ctx context.Context, docs, per int) ([]editor, error) {
	n := docs * per
	want := map[int][]int{} // instance index -> free editor slots
	for i := range n {
		k := 0
		if r.cfg.instanceHeader != "" && r.cfg.instances > 1 {
			k = (i / docs) % r.cfg.instances
		}
		want[k] = append(want[k], i)
	}
	slots := make([]editor, n)
	var out []editor
	index := map[string]int{}
	for dials := 0; len(out) < n; dials++ {
		if dials >= 4*n+20 {
			return out, fmt.Errorf("placing %d editors over %d instances took more than %d connections (seen %v)", n, r.cfg.instances, dials, index)
		}
		w, name, err := r.dialEditor(ctx)
		if err != nil {
			return out, fmt.Errorf("editor %d: %w", len(out), err)
		}
		k := 0
		if r.cfg.instanceHeader != "" && r.cfg.instances > 1 {
			if name == "" {
				w.Close()
				return out, fmt.Errorf("the upgrade response has no %s header", r.cfg.instanceHeader)
			}
			var seen bool
			if k, seen = index[name]; !seen {
				k = len(index)
				index[name] = k
			}
		}
		if len(want[k]) == 0 {
			w.Close()
			continue
		}
		i := want[k][0]
		want[k] = want[k][1:]
		slots[i] = editor{w, name}
		out = append(out, slots[i])
		if err := w.subscribe(ctx, r.coll, r.docID(i%docs)); err != nil {
			return out, fmt.Errorf("editor %d subscribe: %w", i, err)
		}
	}
	return slots, nil
}

// edit is one editor's closed loop, bounded by the deadline and the shared
// op budget.
func (r *editorRun) edit(ctx context.Context, e editor, rng *rand.Rand) {
	// Every submit must be answered by 10 s after the run's end.
	sctx, cancel := context.WithDeadline(ctx, r.deadline.Add(10*time.Second))
	defer cancel()
	for ctx.Err() == nil && time.Now().Before(r.deadline) && r.budget.Add(-1) >= 0 {
		op, err := r.kind.next(rng, e.w.Version())
		if err != nil {
			r.fail(err)
			return
		}
		t0 := time.Now()
		err = e.w.Submit(sctx, op)
		if err != nil {
			r.fail(err)
			continue
		}
		r.ack.add(time.Since(t0))
		r.ops.Add(1)
	}
}

func (r *editorRun) fail(err error) {
	if r.errs.Add(1) <= 5 {
		r.log.Warn("loadgen: op failed", "err", err)
	}
}

func (r *editorRun) result(docs, editors int, elapsed time.Duration) result {
	res := result{Scenario: r.cfg.scenario, Type: r.cfg.opType, Docs: docs, Editors: editors,
		Seconds: elapsed.Seconds(), Ops: r.ops.Load(), Errors: r.errs.Load()}
	res.OpsPerSec = float64(res.Ops) / elapsed.Seconds()
	_, p50, p99 := r.ack.quantiles()
	res.AckP50Ms, res.AckP99Ms = ms(p50), ms(p99)
	n, p50, p99 := r.deliver.quantiles()
	res.Deliveries, res.DeliverP50Ms, res.DeliverP99Ms = n, ms(p50), ms(p99)
	n, p50, p99 = r.cross.quantiles()
	res.CrossDeliveries, res.CrossP50Ms, res.CrossP99Ms = n, ms(p50), ms(p99)
	return res
}
