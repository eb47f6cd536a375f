package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/weftdev/weft/internal/client"
	"github.com/weftdev/weft/internal/ot"
)

// runIdle opens cfg.conns connections, each subscribed to one of 100
// documents, and reports the server's RSS growth per connection.
func runIdle(ctx context.Context, cfg config, log *slog.Logger) (result, error) {
	if cfg.serverPID == 0 {
		return result{}, errors.New("the idle scenario needs --server-pid (or --ref)")
	}
	reg, err := newRegistry()
	if err != nil {
		return result{}, err
	}
	before, err := rssKiB(cfg.serverPID)
	if err != nil {
		return result{}, err
	}
	coll := fmt.Sprintf("idle-%d", time.Now().UnixNano())
	conns := make([]*client.Conn, cfg.conns)
	defer closeAll(conns)
	start := time.Now()
	if err := openIdle(ctx, cfg, reg, log, coll, conns); err != nil {
		return result{}, err
	}
	connect := time.Since(start)
	after, err := rssKiB(cfg.serverPID)
	if err != nil {
		return result{}, err
	}
	if cfg.hold > 0 {
		log.Warn("loadgen: holding the idle connections open", "for", cfg.hold)
		select {
		case <-time.After(cfg.hold):
		case <-ctx.Done():
		}
	}
	return result{Scenario: "idle", Conns: cfg.conns, RSSBeforeKiB: before, RSSAfterKiB: after,
		BytesPerConn:  float64(after-before) * 1024 / float64(cfg.conns),
		ConnectSecond: connect.Seconds()}, nil
}

// openIdle dials and subscribes with a bounded pool of 32 workers.
func openIdle(ctx context.Context, cfg config, registry *ot.Registry, log *slog.Logger, coll string, conns []*client.Conn) error {
	jobs := make(chan int)
	errs := make(chan error, len(conns))
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				c, err := client.Dial(ctx, cfg.url, client.Options{Registry: registry, Logger: log})
				if err != nil {
					errs <- fmt.Errorf("conn %d: %w", i, err)
					continue
				}
				conns[i] = c
				if err := c.Get(coll, fmt.Sprintf("d%d", i%100)).Subscribe(ctx); err != nil {
					errs <- fmt.Errorf("conn %d subscribe: %w", i, err)
				}
			}
		}()
	}
	for i := range conns {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	return <-errs // nil when the channel is empty
}

func closeAll(conns []*client.Conn) {
	var wg sync.WaitGroup
	for _, c := range conns {
		if c != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.Close()
			}()
		}
	}
	wg.Wait()
}

// rssKiB reads VmRSS from /proc/<pid>/status.
func rssKiB(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("server RSS: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("server RSS %q: %w", rest, err)
			}
			return kb, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// cpuSeconds reads the user plus system CPU time of process pid from
// /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s).
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("server CPU time: %w", err)
	}
	// The command name (field 2) may hold spaces; fields after it are plain.
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("server CPU time: short /proc/%d/stat", pid)
	}
	var ticks int64
	for _, s := range f[11:13] { // utime, stime: fields 14 and 15 overall
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("server CPU time %q: %w", s, err)
		}
		ticks += n
	}
	return float64(ticks) / 100, nil
}

// ioCalls reads the read and write system calls process pid has made so
// far (syscr and syscw of /proc/<pid>/io: every read, recv, write, send and
// their vector forms).
func ioCalls(pid int) (reads, writes int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("server system calls: %w", err)
	}
	var seen int
	for line := range strings.Lines(string(b)) {
		name, val, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || (name != "syscr" && name != "syscw") {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("server system calls %q: %w", line, err)
		}
		if name == "syscr" {
			reads = n
		} else {
			writes = n
		}
		seen++
	}
	if seen != 2 {
		return 0, 0, fmt.Errorf("no syscr and syscw in /proc/%d/io", pid)
	}
	return reads, writes, nil
}
