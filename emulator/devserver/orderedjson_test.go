package devserver

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// node is a JSON value that keeps its keys' order, so comparisons catch a key order
// that differs from GoTrue's.
type node struct {
	kind  byte // 'o' object, 'a' array, 'v' scalar
	keys  []string
	vals  []*node
	value any
}

func parseOrdered(b []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := parseNode(dec)
	if err != nil {
		return nil, err
	}
	return n, nil
}

func parseNode(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &node{kind: 'o'}
		if t == '[' {
			n.kind = 'a'
		}
		for dec.More() {
			if n.kind == 'o' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
			}
			v, err := parseNode(dec)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return n, nil
	default:
		return &node{kind: 'v', value: t}, nil
	}
}

func (n *node) get(key string) *node {
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

func (n *node) str() string {
	s, _ := n.value.(string)
	return s
}

var (
	uuidRe     = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	token22Re  = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)
	expiredRe  = regexp.MustCompile(`expired by 1m[01]s`)
	nilUUIDStr = "00000000-0000-0000-0000-000000000000"
)

// normalized renders n with ids, times and tokens replaced by their shape, keeping
// everything else (keys, order, values) as it is.
func (n *node) normalized(key string) string {
	switch n.kind {
	case 'o':
		parts := make([]string, len(n.keys))
		for i, k := range n.keys {
			kb, _ := json.Marshal(k)
			parts[i] = string(kb) + ":" + n.vals[i].normalized(k)
		}
		return "{" + strings.Join(parts, ",") + "}"
	case 'a':
		parts := make([]string, len(n.vals))
		for i, v := range n.vals {
			parts[i] = v.normalized(key)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	s, isString := n.value.(string)
	if !isString {
		b, _ := json.Marshal(n.value)
		return string(b)
	}
	switch {
	case uuidRe.MatchString(s) && s != nilUUIDStr:
		return `"<uuid>"`
	case strings.HasSuffix(key, "_at") || key == "timestamp":
		return `"` + timeShape(s) + `"`
	case key == "access_token":
		return `"` + jwtShape(s) + `"`
	case key == "refresh_token" && token22Re.MatchString(s):
		return `"<token22>"`
	case key == "version":
		return `"<version>"`
	}
	s = expiredRe.ReplaceAllString(s, "expired by 1m0s")
	b, _ := json.Marshal(s)
	return string(b)
}

// timeShape keeps what matters of a timestamp: RFC 3339, and whether it has a fraction
// (set in this request) or not (read back from the database).
func timeShape(s string) string {
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		return s
	}
	if strings.Contains(s, ".") {
		return "<time.frac>"
	}
	return "<time>"
}

// jwtShape is a JWT's header and claims with exp and sub normalized.
func jwtShape(tok string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "<not a jwt>"
	}
	var out []string
	for _, p := range parts[:2] {
		b, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil {
			return "<bad jwt segment>"
		}
		n, err := parseOrdered(b)
		if err != nil {
			return "<bad jwt json>"
		}
		if exp := n.get("exp"); exp != nil {
			exp.value = "<exp>"
		}
		out = append(out, n.normalized(""))
	}
	return fmt.Sprintf("jwt%s%s", out[0], out[1])
}

// mapIDs walks a recorded and an actual body side by side and notes recorded → actual
// for every "id", so later requests can name the emulator's ids.
func mapIDs(recorded, actual *node, ids map[string]string) {
	if recorded == nil || actual == nil || recorded.kind != actual.kind {
		return
	}
	switch recorded.kind {
	case 'o':
		for i, k := range recorded.keys {
			av := actual.get(k)
			if av == nil {
				continue
			}
			if k == "id" && recorded.vals[i].kind == 'v' {
				ids[recorded.vals[i].str()] = av.str()
			}
			mapIDs(recorded.vals[i], av, ids)
		}
	case 'a':
		for i := range recorded.vals {
			if i < len(actual.vals) {
				mapIDs(recorded.vals[i], actual.vals[i], ids)
			}
		}
	}
}
