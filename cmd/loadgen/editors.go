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
		sent: sendTimes{m: map[opID]time.Time{}},
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
	cpu0, own0 := r.serverCPU(), ownCPU()
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
	cpu, own := r.serverCPU()-cpu0, ownCPU()-own0
	if err := settle(ctx, editors); err != nil {
		return result{}, err
	}
	res := r.result(docs, len(editors), elapsed)
	if res.Ops > 0 {
		res.LoadgenCPUMicrosPerOp = own * 1e6 / float64(res.Ops)
	}
	if cfg.serverPID != 0 && res.Ops > 0 {
		res.ServerCPUSeconds = cpu
		res.ServerCPUMicrosPerOp = cpu * 1e6 / float64(res.Ops)
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

// serverCPU returns the server's CPU seconds so far, 0 when unknown.
func (r *editorRun) serverCPU() float64 {
	if r.cfg.serverPID == 0 {
		return 0
	}
	s, err := cpuSeconds(r.cfg.serverPID)
	if err != nil {
		r.log.Warn("loadgen: server CPU time", "err", err)
		return 0
	}
	return s
}

// ownCPU returns this process's CPU seconds so far, 0 when unknown.
func ownCPU() float64 {
	s, _ := cpuSeconds(os.Getpid())
	return s
}

type editor struct {
	w *wireEditor
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

func (r *editorRun) connectEditors(ctx context.Context, docs, per int) ([]editor, error) {
	var out []editor
	onSent := func(src string, seq int64) { r.sent.put(opID{src, seq}, time.Now()) }
	onOp := func(src string, seq int64) {
		if t, ok := r.sent.get(opID{src, seq}); ok {
			r.deliver.add(time.Since(t))
		}
	}
	for i := range docs * per {
		w, err := dialWire(ctx, r.cfg.url, r.coll, r.docID(i%docs), onSent, onOp, r.fail)
		if err != nil {
			return out, fmt.Errorf("editor %d: %w", i, err)
		}
		out = append(out, editor{w})
	}
	return out, nil
}

// edit is one editor's closed loop, bounded by the deadline and the shared
// op budget.
func (r *editorRun) edit(ctx context.Context, e editor, rng *rand.Rand) {
	for ctx.Err() == nil && time.Now().Before(r.deadline) && r.budget.Add(-1) >= 0 {
		op, err := r.kind.next(rng, e.w.Version())
		if err != nil {
			r.fail(err)
			return
		}
		sctx, cancel := context.WithDeadline(ctx, r.deadline.Add(10*time.Second))
		t0 := time.Now()
		err = e.w.Submit(sctx, op)
		cancel()
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
	return res
}
