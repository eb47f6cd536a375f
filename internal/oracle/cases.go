package oracle

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/weftdev/weft/internal/ot"
)

// Case is a recorded call and the reference's answer: one line of a
// regression file.
type Case struct {
	Call
	Want Result `json:"want"`
	// Note says where the case came from (seed, generator).
	Note string `json:"note,omitempty"`
}

// Recorder appends mismatching cases to a JSONL regression file. It is safe
// for concurrent use.
type Recorder struct {
	mu   sync.Mutex
	path string
}

// NewRecorder returns a Recorder writing to path (usually
// testdata/regressions.jsonl in the type's package).
func NewRecorder(path string) *Recorder { return &Recorder{path: path} }

// Record appends c to the regression file.
func (r *Recorder) Record(c Case) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	line, err := ot.Marshal(caseTree(c))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(r.path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(r.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func caseTree(c Case) map[string]any {
	want := map[string]any{"ok": c.Want.OK, "undef": c.Want.Undef, "result": c.Want.Value}
	if c.Want.Error != nil {
		want["error"] = map[string]any{"name": c.Want.Error.Name, "message": c.Want.Error.Message}
	}
	args := c.Args
	if args == nil {
		args = []any{}
	}
	return map[string]any{"type": c.Type, "fn": c.Fn, "args": args, "want": want, "note": c.Note}
}

// LoadCases reads a JSONL regression file. A missing file has no cases.
func LoadCases(path string) ([]Case, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Case
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var c Case
		if err := ot.Unmarshal(line, &c); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		out = append(out, c)
	}
	return out, sc.Err()
}

// Alphabets of the text the generators draw from: ASCII, accented and CJK
// letters, astral characters (emoji, mathematical letters), ZWJ sequences
// and newlines.
var alphabets = [][]string{
	strings.Split("abcdefghijklmnopqrstuvwxyz ABC", ""),
	{"é", "ü", "ñ", "ø", "ç", "Å", "ß"},
	{"中", "文", "字", "日", "本", "語", "한"},
	{"😀", "🤖", "👻", "🎉", "𝒳", "𝔸", "𝟘", "🇫🇷"},
	{"👩‍💻", "👨‍👩‍👧", "🏳️‍🌈"},
	{"\n", "\n", " "},
}

// Text returns a random string of n pieces (each piece is a letter, an
// astral character or a ZWJ sequence), with ASCII the most likely.
func Text(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		var a []string
		switch x := r.IntN(20); {
		case x < 10:
			a = alphabets[0]
		case x < 12:
			a = alphabets[1]
		case x < 14:
			a = alphabets[2]
		case x < 17:
			a = alphabets[3]
		case x < 18:
			a = alphabets[4]
		default:
			a = alphabets[5]
		}
		b.WriteString(a[r.IntN(len(a))])
	}
	return b.String()
}
