package functions_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/functions/golang"
	"github.com/identity-dev/dev/emulator/functions/nodejs"
)

// A v1 result over Lambda's 6 MB limit gets the same answer from a JS and a Go function:
// Lambda's Function.ResponseSizeTooLarge error. Just under the limit, both answer.
func TestResponseSizeLimitAnswersAlikeInJSAndGo(t *testing.T) {
	jsSite, _ := filepath.Abs(filepath.Join("nodejs", "testdata", "site"))
	goSite, _ := filepath.Abs(filepath.Join("golang", "testdata"))
	jsCache := t.TempDir()
	js := serveOne(t, jsSite, filepath.Join(jsSite, "netlify", "functions"), "big", functions.KindJS,
		nodejs.New(nodejs.Options{CacheDir: func(fn *functions.Function) string { return filepath.Join(jsCache, fn.Name) }}))
	gofn := serveOne(t, goSite, goSite, "hello", functions.KindGo, golang.New(golang.Options{CacheDir: t.TempDir()}))
	urls := map[string]string{ // each function answers a body of n bytes at this URL
		"js": js + "/.netlify/functions/big?n=",
		"go": gofn + "/.netlify/functions/hello/big?n=",
	}

	answers := map[string]string{}
	for lang, url := range urls {
		status, body := get(t, url+strconv.Itoa(7<<20))
		if status < 500 {
			t.Errorf("%s, 7 MB: status %d, want a failed function's", lang, status)
		}
		var e struct {
			Type    string `json:"errorType"`
			Message string `json:"errorMessage"`
		}
		want := functions.ResponseSizeTooLarge()
		if err := json.Unmarshal([]byte(body), &e); err != nil || e.Type != want.Type || e.Message != want.Message {
			t.Errorf("%s, 7 MB: %.200q, want Lambda's %s", lang, body, want)
		}
		answers[lang] = strconv.Itoa(status) + " " + body
	}
	if answers["js"] != answers["go"] {
		t.Errorf("the answers differ:\njs: %s\ngo: %s", answers["js"], answers["go"])
	}

	for lang, url := range urls {
		const n = 6_000_000
		if status, body := get(t, url+strconv.Itoa(n)); status != http.StatusOK || len(body) != n {
			t.Errorf("%s, %d bytes: status %d, %d bytes", lang, n, status, len(body))
		}
	}
}

// serveOne serves one function of dir over HTTP and returns the server's URL.
func serveOne(t *testing.T, site, dir, name string, kind functions.Kind, rt functions.Runtime) string {
	t.Helper()
	s := functions.NewServer(functions.Options{SiteDir: site, FunctionsDir: dir, Only: name,
		Runtimes: map[functions.Kind]functions.Runtime{kind: rt}})
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(func() { hs.Close(); s.Close() })
	return hs.URL
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
