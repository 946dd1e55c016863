package functions

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// sameAsEncodingJSON fails t when ParseLambdaResult and parseAnyResult (encoding/json)
// give raw different results or different errors; it reports whether the one-pass
// reader took raw.
func sameAsEncodingJSON(t testing.TB, raw []byte) bool {
	t.Helper()
	got, gotErr := ParseLambdaResult(raw)
	want, wantErr := parseAnyResult(raw)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseLambdaResult(%q)\n= %#v, %v\nencoding/json gives\n  %#v, %v", raw, got, gotErr, want, wantErr)
	}
	_, fast := parseCommonResult(raw)
	return fast
}

// What node's JSON.stringify and Go's encoding/json write for the usual results is
// read in one pass, to the same result as through encoding/json.
func TestCommonResultsAreReadInOnePass(t *testing.T) {
	for _, raw := range []string{
		`{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{\"ok\":true}"}`,
		`{"statusCode":204}`,
		`{"statusCode":200,"body":"","isBase64Encoded":false,"headers":null}`,
		`{"statusCode":200,"body":"aGVsbG8=","isBase64Encoded":true}`,
		`{"statusCode":200,"body":null,"isBase64Encoded":null,"headers":{}}`,
		`{"statusCode":302,"headers":{"Location":"/a","location":"/b","X-Émoji":"☃ \/ \\ \b\f\n\r\t"},"body":"naïve ☃ 🎉"}`,
		"{\n  \"statusCode\": 200,\n  \"headers\": {\n    \"a\": \"b\"\n  },\n  \"body\": \"x\"\n}\n",
	} {
		if !sameAsEncodingJSON(t, []byte(raw)) {
			t.Errorf("%s was left to encoding/json", raw)
		}
	}
}

// Anything else is left to encoding/json, so that its result and its error are the ones
// it always gave.
func TestUncommonResultsAreLeftToEncodingJSON(t *testing.T) {
	for _, raw := range []string{
		`{"statusCode":200,"multiValueHeaders":{"set-cookie":["a=1","b=2"]}}`,
		`{"statusCode":200.0}`, `{"statusCode":2e2}`, `{"statusCode":"200"}`, `{"statusCode":99}`, `{"statusCode":1000}`, `{"statusCode":0200}`,
		`{"statusCode":200,"statusCode":201}`, `{"statusCode":200,"body":"a","body":"b"}`,
		`{"statusCode":200,"headers":{"a":"1","a":"2"}}`, `{"statusCode":200,"headers":{"n":1,"b":true}}`,
		`{"statusCode":200,"body":"\u00e9"}`, "{\"statusCode\":200,\"body\":\"\xff\"}", "{\"statusCode\":200,\"body\":\"a\nb\"}",
		`{"statusCode":200,"body":"!!","isBase64Encoded":true}`, `{"statusCode":200,"isBase64Encoded":1}`,
		`{"statusCode":200} trailing`, `{"statusCode":200}{}`, `{"statusCode":200,}`, `{"statusCode":200`, `{"other":1,"statusCode":200}`,
		`null`, `[]`, `"x"`, ``, `{}`, `{"body":{"a":1},"statusCode":200}`, `{"statusCode":200,"isBase64Encoded":truex}`,
	} {
		if sameAsEncodingJSON(t, []byte(raw)) {
			t.Errorf("%s was read in one pass", raw)
		}
	}
}

// Results made at random from the pieces the two readers treat differently give the
// same result and error either way; most of the well-formed ones take the one pass.
func TestParseLambdaResultMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 4))
	fast := 0
	const n = 20000
	for range n {
		if sameAsEncodingJSON(t, randomResult(r)) {
			fast++
		}
	}
	if fast < n/20 {
		t.Fatalf("only %d of %d random results were read in one pass: the generator no longer exercises it", fast, n)
	}
}

func FuzzParseLambdaResult(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		f.Add(randomResult(r))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { sameAsEncodingJSON(t, raw) })
}

func randomResult(r *rand.Rand) []byte {
	var b strings.Builder
	sp := func() {
		if r.IntN(6) == 0 {
			b.WriteString([]string{" ", "\n", "\t", "\r\n  "}[r.IntN(4)])
		}
	}
	sp()
	b.WriteByte('{')
	keys := []string{"statusCode", "body", "headers", "isBase64Encoded"}
	r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	keys = keys[:r.IntN(len(keys)+1)]
	if r.IntN(8) == 0 {
		keys = append(keys, []string{"statusCode", "body", "multiValueHeaders", "other", "StatusCode"}[r.IntN(5)])
	}
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		sp()
		b.WriteString(`"` + k + `"`)
		sp()
		b.WriteByte(':')
		sp()
		b.WriteString(randomValue(r, k))
		sp()
	}
	if r.IntN(20) == 0 {
		b.WriteByte(',')
	}
	b.WriteByte('}')
	sp()
	if r.IntN(20) == 0 {
		b.WriteString([]string{"x", "{}", "null", "}"}[r.IntN(4)])
	}
	return []byte(b.String())
}

func randomValue(r *rand.Rand, key string) string {
	if r.IntN(10) == 0 {
		return []string{"null", "true", "false", "1", `"s"`, "{}", "[]", `{"a":"b"}`, "truex"}[r.IntN(9)]
	}
	switch key {
	case "statusCode":
		return []string{"200", "204", "302", "404", "500", "999", "100", "99", "1000", "200.0", "2e2", "-200", "0200", `"200"`, "200.5"}[r.IntN(15)]
	case "isBase64Encoded":
		return []string{"true", "false", "null"}[r.IntN(3)]
	case "headers", "multiValueHeaders":
		var b strings.Builder
		b.WriteByte('{')
		for i := range r.IntN(4) {
			if i > 0 {
				b.WriteByte(',')
			}
			name := []string{"Content-Type", "content-type", "X-A", "x-a", "Set-Cookie", "a b", "Ünicode"}[r.IntN(7)]
			b.WriteString(`"` + name + `":`)
			if key == "multiValueHeaders" {
				b.WriteString("[" + randomString(r) + "]")
			} else if r.IntN(12) == 0 {
				b.WriteString([]string{"1", "true", "null", "1.5"}[r.IntN(4)])
			} else {
				b.WriteString(randomString(r))
			}
		}
		b.WriteByte('}')
		return b.String()
	}
	if r.IntN(4) == 0 {
		enc, _ := json.Marshal([]byte(randomString(r))) // base64 of something
		return string(enc)
	}
	return randomString(r)
}

// randomString is a JSON string, or something close: plain text, escapes, \u escapes
// (with surrogates, paired or not), non-ASCII, invalid UTF-8, raw control characters.
func randomString(r *rand.Rand) string {
	pieces := []string{"a", "hello", " ", "é", "☃", "🎉", `\"`, `\\`, `\/`, `\n`, `\t`, `\b`, `\f`, `\r`, `\u00e9`,
		`\ud83c\udf89`, `\ud83c`, `\udf89x`, "\xff", "\xc3", "\x01", "\n", `{\"ok\":true}`, "aGVsbG8=", `\x`, "\x7f"}
	var b strings.Builder
	b.WriteByte('"')
	for range r.IntN(6) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	if r.IntN(30) != 0 {
		b.WriteByte('"')
	}
	return b.String()
}

// BenchmarkParseLambdaResult reads the benchmark site's hello result both ways.
func BenchmarkParseLambdaResult(b *testing.B) {
	raw := []byte(`{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{\"ok\":true}"}`)
	for _, c := range []struct {
		name  string
		parse func(json.RawMessage) (*LambdaResult, error)
	}{{"one-pass", ParseLambdaResult}, {"encoding-json", parseAnyResult}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.parse(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
