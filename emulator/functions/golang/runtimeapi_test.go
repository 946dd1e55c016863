package golang

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
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

// connsAnswer is what the custom fixture answers: the event and how many connections
// it had opened.
type connsAnswer struct {
	Event json.RawMessage
	Conn  int
}

func invokeCustom(t *testing.T, in *Instance, ctx context.Context, inv *functions.Invocation) connsAnswer {
	t.Helper()
	resp, err := in.Invoke(ctx, inv)
	if err != nil {
		t.Fatalf("invoke %s: %v", inv.Event, err)
	}
	var got connsAnswer
	if err := json.Unmarshal(resp.Lambda, &got); err != nil || string(got.Event) != string(inv.Event) {
		t.Fatalf("invoke %s answered %s (%v)", inv.Event, resp.Lambda, err)
	}
	return got
}

func customInvocation(id, event string) *functions.Invocation {
	return &functions.Invocation{ID: id, Event: json.RawMessage(event), Deadline: time.Now().Add(10 * time.Second)}
}

// Invoke reads an answer on the connection the function asked on. Runtimes use their
// connections in other ways too (see the custom fixture): a connection per request, a
// second one for answers, a first one left open and idle, HTTP/1.0 read to the end of
// the connection, Expect: 100-continue, a long poll given up on and asked again. Each
// call gets its own answer, before its context ends.
func TestRuntimesUseTheirConnectionsTheirWay(t *testing.T) {
	for _, c := range []struct {
		conns string
		want  func(call int) int // connections opened when call answers
	}{
		{"one", func(int) int { return 1 }},
		{"fresh", func(call int) int { return 2*call + 1 }},
		{"two", func(call int) int { return min(call+1, 2) }}, // the second opens at the first answer
		{"switch", func(call int) int { return min(call+1, 2) }},
		{"eof", func(call int) int { return 2*call + 1 }},
		{"expect", func(int) int { return 1 }},
		{"retry", func(int) int { return 2 }},
	} {
		t.Run(c.conns, func(t *testing.T) {
			in, _ := start(t, New(Options{CacheDir: cacheDir}), "custom", "CONNS="+c.conns)
			if c.conns == "retry" {
				time.Sleep(500 * time.Millisecond) // its first /next gives up after 200 ms
			}
			for i := range 4 {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				got := invokeCustom(t, in, ctx, customInvocation(fmt.Sprintf("%s-%d", c.conns, i), fmt.Sprintf(`{"n":%d}`, i)))
				if ctx.Err() != nil {
					t.Errorf("call %d returned only once its context had ended", i)
				}
				cancel()
				if got.Conn != c.want(i) {
					t.Errorf("call %d answered with %d connections opened, want %d", i, got.Conn, c.want(i))
				}
			}
		})
	}
}

// A call given up on returns at its context's end, whether the function is still at
// work or in the middle of posting its answer, and no answer cut off counts: the
// connection it was sent on is closed, so nothing is left half read. (A pool stops such
// an instance, as Lambda ends a sandbox whose invocation timed out.)
func TestACallGivenUpOnReturnsAtItsContextsEnd(t *testing.T) {
	for _, event := range []string{`{"sleep":3000}`, `{"trickle":3000}`} {
		t.Run(event, func(t *testing.T) {
			in, _ := start(t, New(Options{CacheDir: cacheDir}), "custom")
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			began := time.Now()
			_, err := in.Invoke(ctx, customInvocation("slow", event))
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("got %v, want the context's error", err)
			}
			if took := time.Since(began); took > 2*time.Second {
				t.Errorf("the call returned %v after it began, not at its context's end", took)
			}
		})
	}
}

// startAndDial starts the hello function and opens a connection of the test's own to
// its Runtime API, which it may hold for 10 s.
func startAndDial(t *testing.T) (*Instance, net.Conn) {
	in, _ := start(t, New(Options{CacheDir: cacheDir}), "hello")
	nc, err := net.Dial("tcp", in.api.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	return in, nc
}

// A request whose headers never end is refused once they pass net/http's limit, and
// the function goes on being served.
func TestRuntimeAPIBoundsARequestsHeaders(t *testing.T) {
	in, nc := startAndDial(t)
	go func() {
		nc.Write([]byte("GET /" + string(in.api.secret) + "/2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\nX-Big: "))
		chunk := []byte(strings.Repeat("a", 64<<10))
		for range 64 { // 4 MiB, more than the limit
			if _, err := nc.Write(chunk); err != nil {
				return
			}
		}
	}()
	answer, _ := io.ReadAll(nc)
	if !strings.HasPrefix(string(answer), "HTTP/1.1 431 ") {
		t.Fatalf("got %.80q, want a 431", answer)
	}
	if res := invoke(t, in, invocation("/")); res.StatusCode != 200 {
		t.Errorf("the next call: %+v", res)
	}
}

// A body longer than what is read and skipped to reach the next request closes the
// connection after its answer: what follows in it is never taken for a request.
func TestRuntimeAPIClosesAfterABodyItWillNotRead(t *testing.T) {
	in, nc := startAndDial(t)
	prefix := "/" + string(in.api.secret) + "/2018-06-01/runtime/"
	go func() {
		const size = 20 << 20
		fmt.Fprintf(nc, "POST %sinvocation/nope/response HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", prefix, size)
		smuggled := "GET " + prefix + "invocation/next HTTP/1.1\r\nHost: x\r\n\r\n"
		chunk := []byte(strings.Repeat(smuggled, (64<<10)/len(smuggled)))
		for sent := 0; sent < size; sent += len(chunk) {
			if _, err := nc.Write(chunk[:min(len(chunk), size-sent)]); err != nil {
				return
			}
		}
	}()
	answer, _ := io.ReadAll(nc)
	if n := strings.Count(string(answer), "HTTP/1.1 "); n != 1 || !strings.HasPrefix(string(answer), "HTTP/1.1 400 ") {
		t.Fatalf("got %d answers (%.80q), want one 400 and the connection closed", n, answer)
	}
	if res := invoke(t, in, invocation("/")); res.StatusCode != 200 {
		t.Errorf("the next call: %+v", res)
	}
}
