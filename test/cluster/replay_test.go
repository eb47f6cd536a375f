package cluster

import (
	"encoding/json"
	"fmt"

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
