package journal

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"
)

// AppendJSON writes what json.Marshal writes, byte for byte, for entries made at random
// from what the two could treat differently: strings that need escaping (quotes,
// controls, HTML, invalid UTF-8, U+2028), empty and nil headers, bodies and lists,
// floats on both sides of the exponent cutoffs, times in other zones, no response.
func TestAppendJSONIsMarshals(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	var buf []byte
	for range 5000 {
		e := randomEntry(r)
		want, wantErr := json.Marshal(e)
		var err error
		buf, err = e.AppendJSON(buf[:0])
		if (err != nil) != (wantErr != nil) || !bytes.Equal(buf, want) {
			t.Fatalf("AppendJSON:\n%s (%v)\njson.Marshal:\n%s (%v)", buf, err, want, wantErr)
		}
	}
}

// An entry Marshal refuses is refused with its error, and the buffer is left as it was.
func TestAppendJSONRefusesWhatMarshalRefuses(t *testing.T) {
	for _, e := range []*Entry{
		{DurationMS: math.NaN(), CreatedAt: time.Now()},
		{CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		_, wantErr := json.Marshal(e)
		got, err := e.AppendJSON([]byte("kept"))
		if err == nil || wantErr == nil || string(got) != "kept" {
			t.Errorf("AppendJSON = %q, %v; json.Marshal's error %v", got, err, wantErr)
		}
	}
}

func BenchmarkEntryJSON(b *testing.B) {
	e := randomEntry(rand.New(rand.NewPCG(1, 1)))
	e.Request.Header = http.Header{"Accept": {"*/*"}, "User-Agent": {"wrk"}, "Host": {"127.0.0.1:8888"}}
	e.Response = &Response{Status: 200, Body: []byte(`{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{\"ok\":true}"}`)}
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf, _ = e.AppendJSON(buf[:0])
		}
	})
	b.Run("Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(e)
		}
	})
}

func randomEntry(r *rand.Rand) *Entry {
	str := func() string {
		pieces := []string{"", "a", "hello", "fresh@example.com", "/.netlify/functions/hello?a=1&b=<2>", `"q"`, `\`, "\n\t\r\b\f", "\x00\x1f", "\x7f",
			"é", "☃", "🎉", "\xff", "\xe2\x80", "\u2028", "\u2029", "<script>", "&amp;"}
		var b strings.Builder
		for range r.IntN(4) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		return b.String()
	}
	header := func() http.Header {
		switch r.IntN(4) {
		case 0:
			return nil
		case 1:
			return http.Header{}
		}
		h := http.Header{}
		for range 1 + r.IntN(4) {
			name := []string{"Content-Type", "X-A", "Set-Cookie", str()}[r.IntN(4)]
			switch r.IntN(5) {
			case 0:
				h[name] = nil
			case 1:
				h[name] = []string{}
			default:
				h[name] = []string{str(), str()}[:1+r.IntN(2)]
			}
		}
		return h
	}
	body := func() []byte {
		switch r.IntN(3) {
		case 0:
			return nil
		case 1:
			return []byte{}
		}
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return b
	}
	floats := []float64{0, 1, 0.5, 12.345, 1e-6, 9.99e-7, 1e-9, 1e20, 1e21, 123456789.123, -0.001, 3.0e-5}
	zones := []*time.Location{time.UTC, time.FixedZone("X", 5*3600+1800), time.FixedZone("Y", -7*3600)}
	e := &Entry{
		ID: str(), Kind: Kind(str()), Event: str(), Function: str(), Target: str(), UserID: str(), UserEmail: str(),
		Attempt: r.IntN(3), Attempts: r.IntN(3) * 3,
		Request:    Request{Method: str(), URL: str(), Header: header(), Body: body(), Cut: r.IntN(2) == 0, Size: r.IntN(2) * r.IntN(1<<20)},
		Outcome:    str(),
		Error:      str(),
		DurationMS: floats[r.IntN(len(floats))] * float64(1+r.IntN(3)),
		ReplayOf:   str(),
		CreatedAt:  time.Unix(r.Int64N(4e9), r.Int64N(1e9)*int64(r.IntN(2))).In(zones[r.IntN(len(zones))]),
	}
	if r.IntN(3) > 0 {
		e.Response = &Response{Status: []int{0, 200, 404}[r.IntN(3)], Header: header(), Body: body(), Cut: r.IntN(2) == 0, Size: r.IntN(2) * 77}
	}
	return e
}
