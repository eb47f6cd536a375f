package cluster

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/weftdev/weft/internal/ot"
	"github.com/weftdev/weft/internal/ot/textunicode"
)

// replay rebuilds a text document from its op log rows alone (the create
// and text-unicode edits), independently of any server's memory or stored
// snapshots.
func replay(rows []logRow) (string, error) {
	typ := textunicode.New()
	var data any
	for _, r := range rows {
		v, err := ot.Decode([]byte(r.op))
		if err != nil {
			return "", fmt.Errorf("op v%d: %w", r.version, err)
		}
		m, _ := v.(map[string]any)
		switch {
		case m["create"] != nil:
			cm, _ := m["create"].(map[string]any)
			data, err = typ.Create(cm["data"])
		case m["op"] != nil:
			data, err = typ.Apply(data, m["op"])
		default:
			err = fmt.Errorf("unexpected op %s", r.op)
		}
		if err != nil {
			return "", fmt.Errorf("op v%d: %w", r.version, err)
		}
	}
	b, err := ot.Marshal(data)
	if err != nil {
		return "", err
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", fmt.Errorf("replayed data %.60q is not a string: %w", b, err)
	}
	return s, nil
}

// firstBreak names the first op after which token no longer occurs once
// in the replayed text (diagnostics for a lost token).
func firstBreak(rows []logRow, token string) string {
	for i := range rows {
		before, err1 := replay(rows[:i])
		after, err2 := replay(rows[:i+1])
		if err1 != nil || err2 != nil {
			return fmt.Sprintf("replay error at v%d: %v %v", i, err1, err2)
		}
		if strings.Count(before, token) == 1 && strings.Count(after, token) != 1 {
			return fmt.Sprintf("op %s turned %q into %q", rows[i].op, before, after)
		}
	}
	return "never present once"
}
