package functions

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/identity-dev/dev/emulator/term"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/tokens"
)

// fakeRuntime runs "functions" in process, to test the pool and the server alone.
type fakeRuntime struct {
	builds    atomic.Int32
	starts    atomic.Int32
	live      atomic.Int32
	maxLive   atomic.Int32
	buildGate chan struct{} // when set, Build waits for it
	// slowGate, when set, holds the builds of functions whose names start with "slow".
	slowGate chan struct{}
	// startDelay is how long each Start takes.
	startDelay time.Duration
	// onStart, when set, hears of each instance started.
	onStart func(*fakeInstance)
	handle  func(ctx context.Context, inv *Invocation) (*Response, error)
}

type fakeArtifact struct{ fn *Function }

func (a fakeArtifact) Function() *Function { return a.fn }
func (a fakeArtifact) Files() []string     { return nil }

// Warnings: a function named "warned" builds with one, as esbuild reports them.
func (a fakeArtifact) Warnings() []string {
	if a.fn.Name == "warned" {
		return []string{`warned.js:1:20: warning: Duplicate key "a" in object literal`}
	}
	return nil
}

func (r *fakeRuntime) Build(ctx context.Context, fn *Function) (Artifact, error) {
	r.builds.Add(1)
	if r.buildGate != nil {
		<-r.buildGate
	}
	if r.slowGate != nil && strings.HasPrefix(fn.Name, "slow") {
		select {
		case <-r.slowGate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if strings.Contains(fn.Name, "broken") {
		return nil, &BuildError{Function: fn.Name, Output: "broken.js:1:1: Unexpected end of file"}
	}
	return fakeArtifact{fn}, nil
}

type fakeInstance struct {
	r      *fakeRuntime
	closed atomic.Bool
}

func (r *fakeRuntime) Start(ctx context.Context, a Artifact, opts StartOptions) (Instance, error) {
	r.starts.Add(1)
	time.Sleep(r.startDelay)
	in := &fakeInstance{r: r}
	if r.onStart != nil {
		r.onStart(in)
	}
	return in, nil
}

func (in *fakeInstance) Invoke(ctx context.Context, inv *Invocation) (*Response, error) {
	n := in.r.live.Add(1)
	defer in.r.live.Add(-1)
	for {
		m := in.r.maxLive.Load()
		if n <= m || in.r.maxLive.CompareAndSwap(m, n) {
			break
		}
	}
	return in.r.handle(ctx, inv)
}

func (in *fakeInstance) Close() error { in.closed.Store(true); return nil }

func newTestServer(t *testing.T, rt *fakeRuntime, names ...string) (*Server, *httptest.Server) {
	t.Helper()
	return newTestServerWith(t, rt, nil, names...)
}

// newTestServerWith is newTestServer with options of the test's own.
func newTestServerWith(t *testing.T, rt *fakeRuntime, configure func(*Options), names ...string) (*Server, *httptest.Server) {
	t.Helper()
	site := t.TempDir()
	dir := filepath.Join(site, "netlify", "functions")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("exports.handler = async () => ({statusCode: 200})"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts := Options{
		SiteDir: site, FunctionsDir: dir, Runtimes: map[Kind]Runtime{KindJS: rt},
		Concurrency: 2, Timeout: 200 * time.Millisecond,
		Contexts: &ClientContexts{Signer: tokens.NewSigner("secret"), IdentityURL: "http://dev/.netlify/identity", SiteURL: "http://site"},
	}
	if configure != nil {
		configure(&opts)
	}
	s := NewServer(opts)
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(func() { hs.Close(); s.Close() })
	return s, hs
}

func ok(body string) (*Response, error) {
	return &Response{Lambda: json.RawMessage(`{"statusCode":200,"body":` + body + `}`)}, nil
}

func get(t *testing.T, url string, headers ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestConcurrencyLimitQueuesTheRest(t *testing.T) {
	rt := &fakeRuntime{handle: func(ctx context.Context, inv *Invocation) (*Response, error) {
		time.Sleep(20 * time.Millisecond)
		return ok(`"hi"`)
	}}
	_, hs := newTestServer(t, rt, "hello.js")
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, body := get(t, hs.URL+"/.netlify/functions/hello"); code != 200 || body != "hi" {
				t.Errorf("%d %s", code, body)
			}
		}()
	}
	wg.Wait()
	if rt.maxLive.Load() > 2 || rt.starts.Load() > 2 {
		t.Fatalf("%d instances ran at once, %d started; the limit is 2", rt.maxLive.Load(), rt.starts.Load())
	}
	if code, _ := get(t, hs.URL+"/.netlify/functions/hello"); code != 200 || rt.starts.Load() > 2 {
		t.Fatalf("warm instance not reused: %d starts", rt.starts.Load())
	}
}

func TestTimeoutStopsTheInstance(t *testing.T) {
	var calls atomic.Int32
	rt := &fakeRuntime{handle: func(ctx context.Context, inv *Invocation) (*Response, error) {
		if calls.Add(1) == 1 {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return ok(`"fresh"`)
	}}
	_, hs := newTestServer(t, rt, "slow.js")
	code, body := get(t, hs.URL+"/.netlify/functions/slow")
	if code != 500 || !strings.Contains(body, `"errorType":"TimeoutError"`) || !strings.Contains(body, "time limit of 200ms") {
		t.Fatalf("%d %s", code, body)
	}
	if code, body := get(t, hs.URL+"/.netlify/functions/slow"); code != 200 || body != "fresh" || rt.starts.Load() != 2 {
		t.Fatalf("after a timeout: %d %s, %d starts", code, body, rt.starts.Load())
	}
}

func TestErrorsReachTheClientAndTheNextCallWorks(t *testing.T) {
	var calls atomic.Int32
	rt := &fakeRuntime{handle: func(ctx context.Context, inv *Invocation) (*Response, error) {
		switch calls.Add(1) {
		case 1:
			return nil, &FunctionError{Type: "TypeError", Message: "x is undefined", Stack: []string{"at handler (hello.ts:3:9)"}}
		case 2:
			return nil, &ExitError{Code: 3, Detail: "process.exit(3)"}
		case 3:
			return &Response{Lambda: json.RawMessage(`{"statusCode":"nope"}`)}, nil
		}
		return ok(`"fine"`)
	}}
	_, hs := newTestServer(t, rt, "hello.js")
	for _, want := range []string{
		`{"errorType":"TypeError","errorMessage":"x is undefined","trace":["at handler (hello.ts:3:9)"]}`,
		`"errorType":"ProcessExited","errorMessage":"the function's process exited with status 3: process.exit(3)"`,
		`"errorType":"InvalidResponse"`,
	} {
		code, body := get(t, hs.URL+"/.netlify/functions/hello")
		if code != 500 || !strings.Contains(body, want) {
			t.Fatalf("%d %s, want %s", code, body, want)
		}
	}
	if code, body := get(t, hs.URL+"/.netlify/functions/hello"); code != 200 || body != "fine" {
		t.Fatalf("%d %s", code, body)
	}
	if rt.starts.Load() != 2 {
		t.Fatalf("%d starts: the crashed instance must be replaced, the others kept", rt.starts.Load())
	}
}

func TestRequestDuringBuildWaits(t *testing.T) {
	gate := make(chan struct{})
	rt := &fakeRuntime{buildGate: gate, handle: func(context.Context, *Invocation) (*Response, error) { return ok(`"built"`) }}
	_, hs := newTestServer(t, rt, "hello.js")
	done := make(chan string)
	go func() {
		code, body := get(t, hs.URL+"/.netlify/functions/hello")
		done <- fmt.Sprint(code, " ", body)
	}()
	select {
	case got := <-done:
		t.Fatalf("answered %s before the build finished", got)
	case <-time.After(50 * time.Millisecond):
	}
	close(gate)
	if got := <-done; got != "200 built" {
		t.Fatalf("after the build: %s", got)
	}
}

func TestNotFoundConflictAndBuildFailure(t *testing.T) {
	rt := &fakeRuntime{handle: func(context.Context, *Invocation) (*Response, error) { return ok(`"x"`) }}
	s, hs := newTestServer(t, rt, "dup.js", "dup.ts", "broken.js")
	if code, body := get(t, hs.URL+"/.netlify/functions/nope"); code != 404 || !strings.Contains(body, `no function "nope"`) {
		t.Fatalf("%d %s", code, body)
	}
	if code, body := get(t, hs.URL+"/.netlify/functions/dup"); code != 500 || !strings.Contains(body, "netlify/functions/dup.js and netlify/functions/dup.ts") {
		t.Fatalf("%d %s", code, body)
	}
	if code, body := get(t, hs.URL+"/.netlify/functions/broken"); code != 500 || !strings.Contains(body, "broken.js:1:1: Unexpected end of file") {
		t.Fatalf("%d %s", code, body)
	}
	states := map[string]State{}
	for _, st := range s.List() {
		states[st.Name] = st.State
	}
	if states["dup"] != StateConflict || states["broken"] != StateFailed {
		t.Fatalf("states %v", states)
	}
}

func TestClientContextUserOnlyForAValidToken(t *testing.T) {
	var got atomic.Value
	rt := &fakeRuntime{handle: func(ctx context.Context, inv *Invocation) (*Response, error) {
		got.Store(inv)
		return ok(`"x"`)
	}}
	_, hs := newTestServer(t, rt, "who.js")
	signer := tokens.NewSigner("secret")
	valid, _ := signer.AccessToken(tokens.Claims{ExpiresAt: time.Now().Add(time.Hour).Unix(), Subject: "u1", Email: "u@example.com", AppMetaData: map[string]any{"provider": "email"}})
	expired, _ := signer.AccessToken(tokens.Claims{ExpiresAt: time.Now().Add(-time.Minute).Unix(), Subject: "u1"})
	forged, _ := tokens.NewSigner("other").AccessToken(tokens.Claims{ExpiresAt: time.Now().Add(time.Hour).Unix(), Subject: "u1"})
	for name, tc := range map[string]struct {
		auth     string
		wantUser bool
	}{"valid": {valid, true}, "expired": {expired, false}, "forged": {forged, false}, "none": {"", false}} {
		t.Run(name, func(t *testing.T) {
			var hs2 []string
			if tc.auth != "" {
				hs2 = append(hs2, "Authorization: Bearer "+tc.auth)
			}
			got.Store((*Invocation)(nil))
			if code, body := get(t, hs.URL+"/.netlify/functions/who", hs2...); code != 200 {
				t.Fatalf("%d %s", code, body)
			}
			inv := got.Load().(*Invocation)
			if inv == nil {
				t.Fatal("the function was not invoked")
			}
			var cc struct {
				Identity struct{ URL, Token string }
				User     map[string]any
				Custom   map[string]string
			}
			if err := json.Unmarshal(inv.ClientContext, &cc); err != nil {
				t.Fatal(err)
			}
			if cc.Identity.URL != "http://dev/.netlify/identity" {
				t.Fatalf("identity.url %q", cc.Identity.URL)
			}
			admin, err := signer.Parse(cc.Identity.Token)
			if err != nil || admin.Subject != "0" || admin.ExpiresAt > time.Now().Add(5*time.Minute+time.Second).Unix() {
				t.Fatalf("admin token %+v %v", admin, err)
			}
			if (cc.User != nil) != tc.wantUser || (tc.wantUser && cc.User["email"] != "u@example.com") {
				t.Fatalf("user %v", cc.User)
			}
			raw, _ := base64.StdEncoding.DecodeString(cc.Custom["netlify"])
			var custom struct {
				Identity struct{ URL, Token string }
				User     map[string]any
				SiteURL  string `json:"site_url"`
			}
			if err := json.Unmarshal(raw, &custom); err != nil || custom.SiteURL != "http://site" || custom.Identity.Token != cc.Identity.Token || (custom.User != nil) != tc.wantUser {
				t.Fatalf("custom.netlify %s", raw)
			}
			var lc struct {
				Custom map[string]string `json:"custom"`
			}
			if json.Unmarshal(inv.LambdaClientContext, &lc); lc.Custom["netlify"] != cc.Custom["netlify"] {
				t.Fatalf("Go client context %s", inv.LambdaClientContext)
			}
		})
	}
}

func TestBackgroundFunctionAnswers202AtOnce(t *testing.T) {
	release, ran := make(chan struct{}), make(chan struct{})
	rt := &fakeRuntime{handle: func(context.Context, *Invocation) (*Response, error) {
		<-release
		close(ran)
		return ok(`"ignored"`)
	}}
	_, hs := newTestServer(t, rt, "job-background.js")
	// The function is still running (it waits for release) when the 202 comes.
	code, body := get(t, hs.URL+"/.netlify/functions/job-background")
	if code != 202 || body != "" {
		t.Fatalf("%d %q", code, body)
	}
	close(release)
	<-ran
}

// As a hook target, a -background function is answered 202 while it runs, and its
// failure does not reach the identity operation.
func TestHookToBackgroundFunctionAnswers202AtOnce(t *testing.T) {
	release, ran := make(chan struct{}), make(chan struct{})
	rt := &fakeRuntime{handle: func(context.Context, *Invocation) (*Response, error) {
		<-release
		close(ran)
		return nil, &FunctionError{Type: "Error", Message: "boom"}
	}}
	s, _ := newTestServer(t, rt, "identity-signup-background.js")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond) // a hook's limit, shorter than the function's
	defer cancel()
	answered := make(chan string, 1)
	go func() {
		status, _, body, err := s.InvokeHook(ctx, "identity-signup-background", http.Header{}, []byte(`{}`))
		answered <- fmt.Sprintf("%d %q %v", status, body, err)
	}()
	select {
	case got := <-answered:
		if got != `202 "" <nil>` {
			t.Fatalf("InvokeHook = %s, want 202 while it runs", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("InvokeHook waited for the background function to finish")
	}
	close(release)
	<-ran
}

// A hook invocation's deadline is the function's own limit, as Lambda gives it; the
// hook's shorter limit ends the call with a context error.
func TestHookInvocationDeadline(t *testing.T) {
	deadline := make(chan time.Time, 1)
	rt := &fakeRuntime{handle: func(ctx context.Context, inv *Invocation) (*Response, error) {
		deadline <- inv.Deadline
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	s, _ := newTestServer(t, rt, "identity-signup.js") // the function's limit: 200 ms
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, _, err := s.InvokeHook(ctx, "identity-signup", http.Header{}, []byte(`{}`))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("InvokeHook past the hook's limit: %v, want a context error", err)
	}
	if d := (<-deadline).Sub(start); d < 200*time.Millisecond || d > 10*time.Second {
		t.Fatalf("the function's deadline was %s after the call, want its own 200 ms limit", d)
	}
}

func TestBodyLimit(t *testing.T) {
	rt := &fakeRuntime{handle: func(context.Context, *Invocation) (*Response, error) { return ok(`"x"`) }}
	_, hs := newTestServer(t, rt, "up.js")
	resp, err := http.Post(hs.URL+"/.netlify/functions/up", "application/octet-stream", strings.NewReader(strings.Repeat("a", MaxEventBody+1)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Fatalf("%d", resp.StatusCode)
	}
}

func TestHeldFunctionHasNoTimeLimit(t *testing.T) {
	rt := &fakeRuntime{handle: func(ctx context.Context, inv *Invocation) (*Response, error) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(400 * time.Millisecond): // twice the limit
			return ok(`"waited"`)
		}
	}}
	s, hs := newTestServer(t, rt, "held.js")
	s.Hold("held")
	if code, body := get(t, hs.URL+"/.netlify/functions/held"); code != 200 || body != "waited" {
		t.Fatalf("held: %d %s", code, body)
	}
	s.Release("held")
	if code, body := get(t, hs.URL+"/.netlify/functions/held"); code != 500 || !strings.Contains(body, "TimeoutError") {
		t.Fatalf("released: %d %s", code, body)
	}
}

// A build's warnings reach the log.
func TestBuildWarningsAreLogged(t *testing.T) {
	log := &syncBuffer{}
	rt := &fakeRuntime{handle: func(context.Context, *Invocation) (*Response, error) { return ok(`"x"`) }}
	site := t.TempDir()
	dir := filepath.Join(site, "netlify", "functions")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "warned.js"), []byte("exports.handler = async () => ({a: 1, a: 2})"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := NewServer(Options{SiteDir: site, FunctionsDir: dir, Runtimes: map[Kind]Runtime{KindJS: rt}, Log: term.NewLogger(log)})
	defer s.Close()
	if err := s.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := `warned.js:1:20: warning: Duplicate key "a" in object literal`
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(log.String(), want); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("log:\n%s", log.String())
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}
func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }

// A function called while the builds of others hold every background build slot is
// built at once and answers: in a site of many functions the first call does not
// queue behind the rest, and waits for its own build instead of failing.
func TestACalledFunctionSkipsTheBuildQueue(t *testing.T) {
	rt := &fakeRuntime{slowGate: make(chan struct{}), handle: func(ctx context.Context, inv *Invocation) (*Response, error) {
		return ok(`"fast"`)
	}}
	s, hs := newTestServer(t, rt, "slow1.js", "slow2.js", "slow3.js", "fast.js")
	defer close(rt.slowGate)
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(hs.URL + Prefix + "fast")
	if err != nil {
		t.Fatalf("fast did not answer while the slow builds still run: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if code, body := resp.StatusCode, string(b); code != 200 || body != "fast" {
		t.Fatalf("fast: %d %q, want 200 \"fast\" while the slow builds still run", code, body)
	}
	// The slow ones are still building, and wait their turn: one holds the slot.
	for _, st := range s.List() {
		if strings.HasPrefix(st.Name, "slow") && st.State != StateBuilding {
			t.Errorf("%s is %s, want still %s", st.Name, st.State, StateBuilding)
		}
	}
	if n := rt.builds.Load(); n != 2 {
		t.Errorf("%d builds began, want 2 (fast's, and one slow one in the background slot)", n)
	}
}

// burst sends n concurrent calls of a function and checks each answers 200.
func burst(t *testing.T, url string, n int) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.Get(url)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
}

// Calls that end long before a new instance would have started wait for the busy one:
// a burst on a quick function keeps one instance, where each would be a node process.
func TestQuickCallsWaitForTheBusyInstance(t *testing.T) {
	rt := &fakeRuntime{startDelay: 80 * time.Millisecond, handle: func(ctx context.Context, inv *Invocation) (*Response, error) {
		time.Sleep(time.Millisecond)
		return ok(`"quick"`)
	}}
	_, hs := newTestServerWith(t, rt, func(o *Options) { o.Concurrency = 4 }, "quick.js")
	url := hs.URL + Prefix + "quick"
	burst(t, url, 1) // one instance, and what a call takes
	for i := 0; i < 5; i++ {
		burst(t, url, 8)
	}
	if n := rt.starts.Load(); n != 1 {
		t.Errorf("%d instances started for calls of 1 ms that a start of 80 ms would not have served sooner, want 1", n)
	}
	if m := rt.maxLive.Load(); m != 1 {
		t.Errorf("%d invocations ran at once in one instance", m)
	}
}

// A first burst, arriving while the function's first instance is still starting, waits
// for that start however long it takes (here 300 ms, three times what a first burst
// waited before) instead of starting more: another start would end no sooner.
func TestAFirstBurstWaitsForTheStartUnderWay(t *testing.T) {
	rt := &fakeRuntime{startDelay: 300 * time.Millisecond, handle: func(ctx context.Context, inv *Invocation) (*Response, error) {
		time.Sleep(time.Millisecond)
		return ok(`"quick"`)
	}}
	_, hs := newTestServerWith(t, rt, func(o *Options) { o.Concurrency = 4 }, "quick.js")
	burst(t, hs.URL+Prefix+"quick", 4)
	if n := rt.starts.Load(); n != 1 {
		t.Errorf("%d instances started for a first burst of four quick calls, want the one already starting", n)
	}
}

// Calls that would wait longer than a start get instances of their own, up to the
// limit, as in production.
func TestSlowCallsGetInstancesOfTheirOwn(t *testing.T) {
	rt := &fakeRuntime{startDelay: 5 * time.Millisecond, handle: func(ctx context.Context, inv *Invocation) (*Response, error) {
		time.Sleep(150 * time.Millisecond)
		return ok(`"slow"`)
	}}
	_, hs := newTestServerWith(t, rt, func(o *Options) { o.Concurrency = 4; o.Timeout = 5 * time.Second }, "slow.js")
	url := hs.URL + Prefix + "slow"
	burst(t, url, 1)
	burst(t, url, 4)
	if n := rt.starts.Load(); n != 4 {
		t.Errorf("%d instances started for four concurrent calls of 150 ms, want 4", n)
	}
	if m := rt.maxLive.Load(); m != 4 {
		t.Errorf("at most %d calls ran at once, want the four", m)
	}
}

// A client that goes away does not stop the invocation it started, nor its instance:
// the function runs to its end, as in production, and the next call reuses it.
func TestClientGoneLeavesTheInvocationRunning(t *testing.T) {
	finished := make(chan struct{}, 1)
	rt := &fakeRuntime{handle: func(ctx context.Context, inv *Invocation) (*Response, error) {
		select {
		case <-time.After(150 * time.Millisecond):
			finished <- struct{}{}
			return ok(`"done"`)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}}
	_, hs := newTestServerWith(t, rt, func(o *Options) { o.Timeout = 5 * time.Second }, "long.js")
	impatient := &http.Client{Timeout: 20 * time.Millisecond}
	if _, err := impatient.Get(hs.URL + Prefix + "long"); err == nil {
		t.Fatal("the impatient client got an answer")
	}
	select {
	case <-finished:
	case <-time.After(3 * time.Second):
		t.Fatal("the invocation was stopped when its client went away")
	}
	if code, body := get(t, hs.URL+Prefix+"long"); code != 200 || body != "done" {
		t.Fatalf("next call: %d %q", code, body)
	}
	if n := rt.starts.Load(); n != 1 {
		t.Errorf("%d instances started, want the first one reused", n)
	}
}

// Instances a burst started are stopped once they have been idle a while; the most
// recently used one stays warm.
func TestIdleInstancesRetire(t *testing.T) {
	var mu sync.Mutex
	var started []*fakeInstance
	rt := &fakeRuntime{handle: func(ctx context.Context, inv *Invocation) (*Response, error) {
		time.Sleep(100 * time.Millisecond)
		return ok(`"slow"`)
	}}
	rt.onStart = func(in *fakeInstance) {
		mu.Lock()
		started = append(started, in)
		mu.Unlock()
	}
	s, hs := newTestServerWith(t, rt, func(o *Options) { o.Concurrency = 3; o.Timeout = 5 * time.Second }, "slow.js")
	s.mu.RLock()
	p := s.pools["slow"]
	s.mu.RUnlock()
	p.mu.Lock()
	p.retireAfter = 100 * time.Millisecond
	p.mu.Unlock()
	url := hs.URL + Prefix + "slow"
	burst(t, url, 1)
	burst(t, url, 3)
	if n := rt.starts.Load(); n != 3 {
		t.Fatalf("%d instances started, want 3", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		closed := 0
		for _, in := range started {
			if in.closed.Load() {
				closed++
			}
		}
		mu.Unlock()
		if closed == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 3 idle instances stopped, want 2", closed)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st := s.List(); st[0].Instances != 1 {
		t.Errorf("%d instances left, want one warm", st[0].Instances)
	}
	burst(t, url, 1)
	if n := rt.starts.Load(); n != 3 {
		t.Errorf("the warm instance was not used: %d starts", n)
	}
}

// An invocation that has its instance outlives its caller but not dev: dev's end stops
// it, and it sees its caller's values all along.
func TestDevsEndStopsAnInvocationThatKeepsItsCallersValues(t *testing.T) {
	type key struct{}
	seen := make(chan any, 1)
	stopped := make(chan error, 1)
	rt := &fakeRuntime{handle: func(ctx context.Context, inv *Invocation) (*Response, error) {
		seen <- ctx.Value(key{})
		select {
		case <-ctx.Done():
			stopped <- ctx.Err()
			return nil, ctx.Err()
		case <-time.After(10 * time.Second):
			stopped <- nil
			return ok(`"done"`)
		}
	}}
	s, _ := newTestServerWith(t, rt, func(o *Options) { o.Timeout = 30 * time.Second }, "held.js")
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "the caller's"))
	go s.InvokeHook(ctx, "held", http.Header{}, []byte(`{}`))
	if v := <-seen; v != "the caller's" {
		t.Fatalf("the invocation saw %v for the caller's key", v)
	}
	cancel() // the caller goes: the invocation goes on
	select {
	case err := <-stopped:
		t.Fatalf("the invocation ended (%v) when its caller went", err)
	case <-time.After(100 * time.Millisecond):
	}
	go s.Close()
	select {
	case err := <-stopped:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("dev's end left the invocation with %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("dev's end did not stop the invocation")
	}
}
