package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/session"
)

// crashChildEnv names the store file a re-executed test binary commits to
// until it is killed (see TestMain).
const crashChildEnv = "WEFT_STORE_CRASH_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		if err := crashChild(path); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const crashDocs = 8

// crashChild commits to crashDocs documents, several per batch, with
// snapshots now and then and small log segments (so that the kill can land
// during a segment switch or deletion), and prints "doc version" for every
// op once Commit has returned it: those are the acknowledged ops.
func crashChild(path string) error {
	s, err := OpenBolt(path, BoltOptions{LockTimeout: 10 * time.Second, segmentBytes: 16 << 10}, nil)
	if err != nil {
		return err
	}
	ctx := context.Background()
	heads := make([]int64, crashDocs)
	for d := range heads {
		if heads[d], err = s.Head(ctx, "c", strconv.Itoa(d)); err != nil {
			return err
		}
	}
	out := bufio.NewWriter(os.Stdout)
	for i := range 200_000 {
		var commits []session.Commit
		for d := i % 3; d < crashDocs; d += 1 + i%3 {
			v := heads[d]
			op := ot.Op{Version: v, Src: "crash", Seq: v + 1, Ts: v, Edit: []any{map[string]any{"p": []any{"n"}, "na": 1.0}}}
			if v == 0 {
				op = ot.Op{Version: 0, Src: "crash", Seq: 1, Create: &ot.Create{Type: testURI, Data: map[string]any{"n": 0.0}}}
			}
			c := session.Commit{Collection: "c", ID: strconv.Itoa(d), Ops: []ot.Op{op}}
			if v%50 == 49 {
				c.Snapshot = &ot.Snapshot{Version: v + 1, Type: testURI, Data: map[string]any{"n": float64(v)}, Ts: v}
			}
			commits = append(commits, c)
		}
		got, err := s.Commit(ctx, commits)
		if err != nil {
			return err
		}
		for j, ok := range got {
			if !ok {
				return fmt.Errorf("commit %s v%d refused", commits[j].ID, commits[j].Ops[0].Version)
			}
			d, _ := strconv.Atoi(commits[j].ID)
			fmt.Fprintf(out, "%d %d\n", d, heads[d])
			heads[d]++
		}
		if err := out.Flush(); err != nil {
			return err
		}
		if i%97 == 0 {
			if err := s.WriteSnapshot(ctx, "c", "0", ot.Snapshot{Version: heads[0], Type: testURI, Data: map[string]any{"n": 1.0}}); err != nil {
				return err
			}
		}
	}
	return s.Close()
}

// TestBoltKilledLosesNoAcknowledgedOp kills (SIGKILL) a process committing
// to the store at varying points, several times over the same file, and
// checks after each that every op it acknowledged is there, the logs are
// dense and readable, and the store takes commits again.
func TestBoltKilledLosesNoAcknowledgedOp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "weft.db")
	acked := make([]int64, crashDocs) // per doc, acknowledged ops
	ctx := context.Background()
	for round, kill := range []int{150, 700, 40, 1500, 400} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		deadline := time.After(60 * time.Second)
		n := 0
	read:
		for n < kill {
			select {
			case line, ok := <-lines:
				if !ok {
					break read
				}
				var d int
				var v int64
				if _, err := fmt.Sscanf(line, "%d %d", &d, &v); err != nil || d < 0 || d >= crashDocs {
					t.Fatalf("round %d: child printed %q", round, line)
				}
				acked[d] = max(acked[d], v+1)
				n++
			case <-deadline:
				t.Fatalf("round %d: %d acks within 60 s, want %d", round, n, kill)
			}
		}
		_ = cmd.Process.Kill()
		for line := range lines { // acks printed before the kill landed
			var d int
			var v int64
			if _, err := fmt.Sscanf(line, "%d %d", &d, &v); err == nil && d >= 0 && d < crashDocs {
				acked[d] = max(acked[d], v+1)
			}
		}
		_ = cmd.Wait()
		if n < kill {
			t.Fatalf("round %d: child exited after %d acks: %s", round, n, stderr.String())
		}

		s := mustOpen(t, path)
		for d := range crashDocs {
			id := strconv.Itoa(d)
			h, err := s.Head(ctx, "c", id)
			if err != nil || h < acked[d] {
				t.Fatalf("round %d: doc %d head %d, %v; %d ops were acknowledged", round, d, h, err, acked[d])
			}
			ops, err := s.Ops(ctx, "c", id, 0, -1)
			if err != nil || int64(len(ops)) != h {
				t.Fatalf("round %d: doc %d: %d ops, %v; head %d", round, d, len(ops), err, h)
			}
			if _, err := s.Snapshot(ctx, "c", id, -1); err != nil {
				t.Fatalf("round %d: doc %d snapshot: %v", round, d, err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: killed after %d acks; acknowledged ops per doc %v all recovered", round, n, acked)
	}
}
