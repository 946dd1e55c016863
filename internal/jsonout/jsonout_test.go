package jsonout

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// marshal is what encoding/json writes for v, with or without HTML escaping.
func marshal(t testing.TB, v any, html bool) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(html)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func FuzzString(f *testing.F) {
	for _, s := range []string{"", "plain", "<a href=\"x\">&</a>", "\x00\x1f\x7f", "\xff\xfe", "\u2028\u2029", "é☃🎉", "\xe2\x80", "\b\f\n\r\t\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, html := range []bool{true, false} {
			if got, want := String(nil, s, html), marshal(t, s, html); !bytes.Equal(got, want) {
				t.Fatalf("String(%q, html %v) = %s, encoding/json gives %s", s, html, got, want)
			}
		}
	})
}

// Lists and maps, nil, empty and full, with keys that need escaping, as encoding/json
// writes them.
func TestListsAndMapsAreEncodingJSONs(t *testing.T) {
	for _, m := range []map[string][]string{
		nil, {}, {"b": {"1"}, "a": nil, "<k>": {}, "é": {"x", "<&>"}},
	} {
		for _, html := range []bool{true, false} {
			got := Map(nil, m, html, func(b []byte, vs []string) []byte { return Strings(b, vs, html) })
			if want := marshal(t, m, html); !bytes.Equal(got, want) {
				t.Errorf("Map(%v, html %v) = %s, encoding/json gives %s", m, html, got, want)
			}
		}
	}
	for _, data := range [][]byte{nil, {}, []byte(strings.Repeat("\xff", 7))} {
		if got, want := Bytes(nil, data), marshal(t, data, true); !bytes.Equal(got, want) {
			t.Errorf("Bytes(%q) = %s, encoding/json gives %s", data, got, want)
		}
	}
	for _, f := range []float64{0, 1, -0.5, 12.345, 1e-6, 9.99e-7, 1e-9, 1e20, 1e21, 123456789.123, 3e-5} {
		if got, want := Float(nil, f), marshal(t, f, true); !bytes.Equal(got, want) {
			t.Errorf("Float(%v) = %s, encoding/json gives %s", f, got, want)
		}
	}
}
