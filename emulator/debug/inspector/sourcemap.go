package inspector

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// sourceMap is a bundle's source map (version 3), decoded to what moving a
// breakpoint from one build of a bundle to the next needs: which original line each
// generated position comes from, and back.
type sourceMap struct {
	sources  []string
	segments []segment // in generated order
}

type segment struct {
	genLine, genCol   int // 0-based, as CDP counts
	src               int // index in sources
	origLine, origCol int
}

// position is a place in an original source.
type position struct {
	source       string
	line, column int
}

// loadSourceMap reads the map a script names (Debugger.scriptParsed's sourceMapURL):
// inline, as esbuild writes them for dev (a data: URL), or a file beside the script.
func loadSourceMap(mapURL, scriptURL string) (*sourceMap, error) {
	var raw []byte
	switch {
	case strings.HasPrefix(mapURL, "data:"):
		meta, data, ok := strings.Cut(mapURL, ",")
		if !ok {
			return nil, errors.New("source map: bad data URL")
		}
		if strings.HasSuffix(meta, ";base64") {
			b, err := base64.StdEncoding.DecodeString(data)
			if err != nil {
				return nil, err
			}
			raw = b
		} else {
			s, err := url.PathUnescape(data)
			if err != nil {
				return nil, err
			}
			raw = []byte(s)
		}
	default:
		path := mapURL
		if u, err := url.Parse(mapURL); err == nil && u.Scheme == "file" {
			path = u.Path
		} else if !filepath.IsAbs(path) {
			su, err := url.Parse(scriptURL)
			if err != nil || su.Scheme != "file" {
				return nil, errors.New("source map: cannot tell where " + mapURL + " is")
			}
			path = filepath.Join(filepath.Dir(su.Path), filepath.FromSlash(mapURL))
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		raw = b
	}
	return parseSourceMap(raw)
}

func parseSourceMap(raw []byte) (*sourceMap, error) {
	var sm struct {
		Version  int      `json:"version"`
		Sources  []string `json:"sources"`
		Mappings string   `json:"mappings"`
	}
	if err := json.Unmarshal(raw, &sm); err != nil {
		return nil, err
	}
	m := &sourceMap{sources: sm.Sources}
	src, origLine, origCol := 0, 0, 0
	for genLine, line := range strings.Split(sm.Mappings, ";") {
		genCol := 0
		for _, seg := range strings.Split(line, ",") {
			if seg == "" {
				continue
			}
			f, err := vlq(seg)
			if err != nil {
				return nil, err
			}
			genCol += f[0]
			if len(f) < 4 {
				continue // a generated position with no original
			}
			src, origLine, origCol = src+f[1], origLine+f[2], origCol+f[3]
			if src < 0 || src >= len(m.sources) {
				return nil, errors.New("source map: source index out of range")
			}
			m.segments = append(m.segments, segment{genLine, genCol, src, origLine, origCol})
		}
	}
	return m, nil
}

// vlq decodes one segment's base64 VLQ fields.
func vlq(seg string) ([]int, error) {
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var out []int
	value, shift := 0, 0
	for _, ch := range seg {
		digit := strings.IndexRune(b64, ch)
		if digit < 0 {
			return nil, errors.New("source map: bad VLQ digit")
		}
		value += (digit & 31) << shift
		if digit&32 != 0 {
			shift += 5
			continue
		}
		if value&1 != 0 {
			out = append(out, -(value >> 1))
		} else {
			out = append(out, value>>1)
		}
		value, shift = 0, 0
	}
	return out, nil
}

// original is where a generated position comes from: the last mapping on its line at
// or before its column, or else the line's first.
func (m *sourceMap) original(line, col int) (position, bool) {
	var before, first *segment
	for i := range m.segments {
		s := &m.segments[i]
		if s.genLine != line {
			continue
		}
		if first == nil || s.genCol < first.genCol {
			first = s
		}
		if s.genCol <= col && (before == nil || s.genCol > before.genCol) {
			before = s
		}
	}
	if before == nil {
		before = first
	}
	if before == nil {
		return position{}, false
	}
	return position{m.sources[before.src], before.origLine, before.origCol}, true
}

// generated is where an original line is in this bundle: the mapping of that line
// whose column is nearest p's, first in generated order. A line with no mapping (it is
// gone, or holds no code) has none.
func (m *sourceMap) generated(p position) (line, col int, ok bool) {
	bestDist := -1
	for _, s := range m.segments {
		if m.sources[s.src] != p.source || s.origLine != p.line {
			continue
		}
		d := s.origCol - p.column
		if d < 0 {
			d = -d
		}
		if bestDist < 0 || d < bestDist {
			bestDist, line, col, ok = d, s.genLine, s.genCol, true
		}
	}
	return line, col, ok
}
