package functions

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/identity-dev/dev/emulator/term"
)

// A request to a function that does not exist is logged, and both the answer and the
// log line suggest the near name.
func TestUnknownFunctionIsLoggedWithASuggestion(t *testing.T) {
	var log bytes.Buffer
	_, hs := newTestServerWith(t, &fakeRuntime{}, func(o *Options) { o.Log = term.NewLogger(&log) }, "identity-signup.js")
	resp, err := http.Get(hs.URL + "/.netlify/functions/identity-sigup")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(string(body), "did you mean identity-signup?") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if !strings.Contains(log.String(), "identity-sigup GET /.netlify/functions/identity-sigup  404 no function \"identity-sigup\"") ||
		!strings.Contains(log.String(), "did you mean identity-signup?") {
		t.Fatalf("no log line for the unknown function:\n%s", log.String())
	}
}
