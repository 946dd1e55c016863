package inspector

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// vlqEncode is the test's source map writer: base64 VLQ of each field.
func vlqEncode(fields ...int) string {
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var sb strings.Builder
	for _, f := range fields {
		v := f << 1
		if f < 0 {
			v = (-f << 1) | 1
		}
		for {
			digit := v & 31
			v >>= 5
			if v > 0 {
				digit |= 32
			}
			sb.WriteByte(b64[digit])
			if v == 0 {
				break
			}
		}
	}
	return sb.String()
}

// lineMap is a source map in which generated line g comes from original line
// orig[g] (column col of each, -1 for a generated line from nowhere).
func lineMap(source string, col int, orig []int) string {
	var lines []string
	prevLine, prevCol := 0, 0
	for _, o := range orig {
		if o < 0 {
			lines = append(lines, "")
			continue
		}
		lines = append(lines, vlqEncode(col, 0, o-prevLine, col-prevCol))
		prevLine, prevCol = o, col
	}
	raw, _ := json.Marshal(map[string]any{"version": 3, "sources": []string{source}, "mappings": strings.Join(lines, ";")})
	return "data:application/json;base64," + base64.StdEncoding.EncodeToString(raw)
}

func TestSourceMapBothWays(t *testing.T) {
	// Generated lines 0-1 are a preamble; line 2 comes from line 0, and so on, and
	// original line 3 has no code.
	sm, err := loadSourceMap(lineMap("../src/fn.ts", 2, []int{-1, -1, 0, 1, 2, 4}), "file:///b/fn.cjs")
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := sm.original(4, 0); !ok || p.source != "../src/fn.ts" || p.line != 2 || p.column != 2 {
		t.Errorf("original(4, 0) = %+v, %v; want fn.ts line 2", p, ok)
	}
	if _, ok := sm.original(1, 0); ok {
		t.Error("a generated line with no mapping maps somewhere")
	}
	if line, col, ok := sm.generated(position{"../src/fn.ts", 4, 0}); !ok || line != 5 || col != 2 {
		t.Errorf("generated(line 4) = %d:%d, %v; want 5:2", line, col, ok)
	}
	if _, _, ok := sm.generated(position{"../src/fn.ts", 3, 0}); ok {
		t.Error("an original line with no code maps somewhere")
	}
	if _, _, ok := sm.generated(position{"../src/other.ts", 4, 0}); ok {
		t.Error("a line of another source maps into this one")
	}
}
