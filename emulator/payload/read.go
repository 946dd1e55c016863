package payload

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// CheckJSON says where a payload that is not JSON goes wrong: the source's name (a
// file, "stdin" or "inline"), the line and column, and what the parser expected.
func CheckJSON(source string, raw []byte) error {
	var v any
	err := json.Unmarshal(raw, &v)
	if err == nil {
		return nil
	}
	offset := int64(len(raw))
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		offset = syntax.Offset
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return fmt.Errorf("%s is empty: a payload is JSON (a hook body, a user, a journal entry or a Lambda event; dev payload EVENT prints one)", source)
	}
	line, col := position(raw, offset)
	return fmt.Errorf("%s:%d:%d: not JSON: %v (a payload is a hook body, a user, a journal entry or a Lambda event; dev payload EVENT prints one)", source, line, col, err)
}

// position is the 1-based line and column of the byte before offset, where the JSON
// decoder stopped.
func position(raw []byte, offset int64) (int, int) {
	if offset > int64(len(raw)) {
		offset = int64(len(raw))
	}
	line, col := 1, 0
	for _, b := range raw[:offset] {
		if b == '\n' {
			line, col = line+1, 0
			continue
		}
		col++
	}
	if col == 0 {
		col = 1
	}
	return line, col
}
