package journal

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Limits of what the journal keeps, so that dev serve's memory stays flat whatever
// passes through it: the oldest entries are dropped first.
const (
	MaxEntries = 5000      // entries kept
	MaxBytes   = 32 << 20  // bytes of kept bodies and headers, all entries together
	MaxBody    = 256 << 10 // bytes kept of one request or response body
	MaxPage    = 8 << 20   // bytes of entries in one page of a listing
)

// Redacted stands for a credential that was not kept.
const Redacted = "[redacted]"

// ErrCut is returned for an entry whose request body was not kept whole.
var ErrCut = errors.New("the journal kept only the start of this request's body")

// Kept is the copy of e that the journal stores: bodies cut to MaxBody (with their
// full size), and the credentials in headers redacted (Authorization, Cookie,
// Set-Cookie), as a replay signs its request afresh. e itself is left as it is.
func Kept(e *Entry) *Entry {
	c := *e
	c.Request.Header = redactHeader(e.Request.Header)
	c.Request.Body, c.Request.Size, c.Request.Cut = cut(e.Request.Body)
	if e.Response != nil {
		r := *e.Response
		r.Header = redactHeader(e.Response.Header)
		r.Body, r.Size, r.Cut = cut(redactLambdaCookies(r.Body))
		c.Response = &r
	}
	return &c
}

// Bytes is about what an entry costs to keep: its bodies and headers.
func (e *Entry) Bytes() int {
	n := len(e.Request.Body) + headerBytes(e.Request.Header) + len(e.Error) + 256
	if e.Response != nil {
		n += len(e.Response.Body) + headerBytes(e.Response.Header)
	}
	return n
}

// FullRequestBody is the request's body, or ErrCut when only its start was kept.
func (e *Entry) FullRequestBody() ([]byte, error) {
	if e.Request.Cut {
		return nil, fmt.Errorf("%w (%d of %d bytes)", ErrCut, len(e.Request.Body), e.Request.Size)
	}
	return e.Request.Body, nil
}

func cut(b []byte) ([]byte, int, bool) {
	if len(b) <= MaxBody {
		return b, 0, false
	}
	kept := make([]byte, MaxBody)
	copy(kept, b)
	return kept, len(b), true
}

func headerBytes(h http.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// redactHeader copies h with credentials replaced: the scheme of Authorization is
// kept, and the names and attributes of cookies.
func redactHeader(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		vs = append([]string(nil), vs...)
		for i, v := range vs {
			switch http.CanonicalHeaderKey(k) {
			case "Authorization", "Proxy-Authorization":
				vs[i] = redactAuthorization(v)
			case "Cookie":
				vs[i] = redactCookies(v, "; ", false)
			case "Set-Cookie":
				vs[i] = redactCookies(v, "; ", true)
			}
		}
		out[k] = vs
	}
	return out
}

func redactAuthorization(v string) string {
	if scheme, _, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
		return scheme + " " + Redacted
	}
	return Redacted
}

// redactCookies replaces cookie values: every pair of a Cookie header, the first
// pair only of a Set-Cookie (the rest are attributes).
func redactCookies(v, sep string, first bool) string {
	parts := strings.Split(v, ";")
	for i, p := range parts {
		if first && i > 0 {
			parts[i] = strings.TrimSpace(p)
			continue
		}
		name, _, _ := strings.Cut(strings.TrimSpace(p), "=")
		parts[i] = name + "=" + Redacted
	}
	return strings.Join(parts, sep)
}

// redactLambdaCookies redacts Set-Cookie in a Lambda result's headers, where a
// function's cookies travel inside the body.
func redactLambdaCookies(body []byte) []byte {
	if len(body) == 0 || body[0] != '{' || !mentionsCookie(body) {
		return body
	}
	var res map[string]json.RawMessage
	if json.Unmarshal(body, &res) != nil {
		return body
	}
	changed := false
	for _, key := range []string{"headers", "multiValueHeaders", "cookies"} {
		raw, ok := res[key]
		if !ok {
			continue
		}
		if key == "cookies" {
			var list []string
			if json.Unmarshal(raw, &list) == nil {
				for i := range list {
					list[i] = redactCookies(list[i], "; ", true)
				}
				res[key], _ = json.Marshal(list)
				changed = true
			}
			continue
		}
		var h map[string]json.RawMessage
		if json.Unmarshal(raw, &h) != nil {
			continue
		}
		for name, v := range h {
			if !strings.EqualFold(name, "set-cookie") {
				continue
			}
			var one string
			var many []string
			switch {
			case json.Unmarshal(v, &one) == nil:
				h[name], _ = json.Marshal(redactCookies(one, "; ", true))
			case json.Unmarshal(v, &many) == nil:
				for i := range many {
					many[i] = redactCookies(many[i], "; ", true)
				}
				h[name], _ = json.Marshal(many)
			}
			changed = true
		}
		res[key], _ = json.Marshal(h)
	}
	if !changed {
		return body
	}
	out, err := json.Marshal(res)
	if err != nil {
		return body
	}
	return out
}

// mentionsCookie reports whether b holds "cookie" in any case, as a Set-Cookie header
// and a cookies list do. Most results hold neither and are kept as they are; this
// replaces a case-blind regular expression that took 2% of dev serve's CPU per call.
func mentionsCookie(b []byte) bool {
	const word = "cookie"
	for i := 0; i+len(word) <= len(b); i++ {
		j := 0
		for j < len(word) && b[i+j]|0x20 == word[j] {
			j++
		}
		if j == len(word) {
			return true
		}
	}
	return false
}
