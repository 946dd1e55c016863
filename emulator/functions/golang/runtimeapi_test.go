package golang

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The Runtime API's port can be found by any local process; only the function, which
// has the instance's secret, may take invocations or answer them. A real aws-lambda-go
// function (hello) finds the secret in AWS_LAMBDA_RUNTIME_API and works unchanged.
func TestRuntimeAPIRefusesRequestsWithoutTheSecret(t *testing.T) {
	in, _ := start(t, New(Options{CacheDir: cacheDir}), "hello")
	base := "http://" + in.api.ln.Addr().String()
	secret := string(in.api.secret)
	client := &http.Client{Timeout: 5 * time.Second}
	type answer struct {
		status int
		body   string
		err    error
	}
	request := func(method, path string) answer {
		req, err := http.NewRequest(method, base+path, strings.NewReader(`{}`))
		if err != nil {
			return answer{err: err}
		}
		resp, err := client.Do(req)
		if err != nil {
			return answer{err: err}
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return answer{status: resp.StatusCode, body: string(b)}
	}

	// A thief polls for the next invocation while the function serves calls.
	thief := make(chan answer, 1)
	go func() { thief <- request(http.MethodGet, "/2018-06-01/runtime/invocation/next") }()
	for i := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		resp, err := in.Invoke(ctx, invocation("/"))
		cancel()
		if err != nil {
			t.Fatalf("call %d: %v (did the request without the secret take it?)", i, err)
		}
		if !strings.Contains(string(resp.Lambda), `"X-Hello":"world"`) {
			t.Fatalf("call %d answered %s", i, resp.Lambda)
		}
	}
	if got := <-thief; got.err != nil || got.status != http.StatusForbidden || strings.Contains(got.body, "httpMethod") {
		t.Fatalf("GET /next without the secret: %d %q %v, want 403 and no invocation", got.status, got.body, got.err)
	}

	// Every route, and any other secret (of the same length, or a part of it), is refused
	// before anything is read or changed: an init error would otherwise end the instance.
	wrong := strings.Repeat("A", len(secret))
	if wrong == secret {
		wrong = strings.Repeat("B", len(secret))
	}
	for _, r := range []struct{ method, path string }{
		{http.MethodPost, "/2018-06-01/runtime/init/error"},
		{http.MethodPost, "/2018-06-01/runtime/invocation/req-1/response"},
		{http.MethodPost, "/2018-06-01/runtime/invocation/req-1/error"},
		{http.MethodPost, "/2020-01-01/extension/register"},
		{http.MethodGet, "/" + wrong + "/2018-06-01/runtime/invocation/next"},
		{http.MethodPost, "/" + wrong + "/2018-06-01/runtime/init/error"},
		{http.MethodPost, "/" + secret[:len(secret)-1] + "/2018-06-01/runtime/init/error"},
		{http.MethodGet, "/" + secret},
	} {
		if got := request(r.method, r.path); got.err != nil || got.status != http.StatusForbidden {
			t.Errorf("%s %s: %d %q %v, want 403", r.method, r.path, got.status, got.body, got.err)
		}
	}
	if res := invoke(t, in, invocation("/")); res.Headers["X-Hello"] != "world" {
		t.Fatalf("after the refused requests: %+v", res)
	}
}
