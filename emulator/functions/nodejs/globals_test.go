package nodejs

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/identity-dev/dev/emulator/functions"
)

// TestNetlifyGlobals: a v2 function gets production's globalThis.Netlify and
// netlifyIdentityContext for its invocation only, its Request carries the client's
// origin, and a v1 function gets neither global.
func TestNetlifyGlobals(t *testing.T) {
	rt := testRuntime(t)
	in := start(t, rt, "v2globals")
	identity := `{"url":"http://127.0.0.1:8888/.netlify/identity","token":"admin.jwt","user":{"sub":"u1","email":"u@example.com"}}`
	v2 := func(origin, identityContext string) json.RawMessage {
		return json.RawMessage(`{"site":{"id":"site-1","name":"fixture","url":"http://localhost:8888"},"ip":"127.0.0.1",` +
			`"requestId":"01HX","origin":` + origin + `,"identityContext":` + identityContext + `}`)
	}
	call := func(t *testing.T, inv *functions.Invocation) (map[string]any, []string) {
		t.Helper()
		resp, err := invoke(t, in, inv)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("%d %s: %v", resp.Status, body, err)
		}
		return got, resp.Header.Values("Set-Cookie")
	}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }

	t.Run("in an invocation", func(t *testing.T) {
		inv := &functions.Invocation{
			ID:        "01HX",
			Event:     event("GET", "/.netlify/functions/v2globals", "a=1", "", map[string][]string{"cookie": {"nf_jwt=from.the.browser"}}),
			V2Context: v2(`"http://localhost:5173"`, identity),
		}
		got, cookies := call(t, inv)
		want := map[string]string{
			"atLoad":             `{"context":null,"greeting":"hi","identity":null,"netlify":"object"}`,
			"sameContext":        `true`,
			"sameCookies":        `true`,
			"identity":           identity,
			"identityEnumerable": `false`,
			"reqUrl":             `"http://localhost:5173/.netlify/functions/v2globals?a=1"`,
			"contextUrl":         `"http://localhost:5173/.netlify/functions/v2globals?a=1"`,
			"site":               `{"id":"site-1","name":"fixture","url":"http://localhost:8888"}`,
			"requestId":          `"01HX"`,
			"ip":                 `"127.0.0.1"`,
			"cookie":             `"from.the.browser"`,
			"envHas":             `true`,
			"envObject":          `"hi"`,
		}
		for k, w := range want {
			var wv any
			json.Unmarshal([]byte(w), &wv)
			if g, w := js(got[k]), js(wv); g != w {
				t.Errorf("%s = %s, want %s", k, g, w)
			}
		}
		wantCookies := []string{"nf_jwt=abc.def.ghi; Secure; SameSite=Lax; Path=/", "nf_refresh=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"}
		if !slices.Equal(cookies, wantCookies) {
			t.Errorf("Set-Cookie = %q, want %q", cookies, wantCookies)
		}
	})

	t.Run("the next invocation has its own", func(t *testing.T) {
		inv := &functions.Invocation{ID: "02HX", Event: event("GET", "/.netlify/functions/v2globals", "", "", nil), V2Context: v2(`""`, `null`)}
		got, _ := call(t, inv)
		if g := js(got["identity"]); g != "null" {
			t.Errorf("identity = %s, want null", g)
		}
		if g := js(got["cookie"]); g != "null" { // undefined in JSON
			t.Errorf("cookie = %s, want none", g)
		}
		if g := js(got["reqUrl"]); g != `"http://localhost:8888/.netlify/functions/v2globals"` {
			t.Errorf("without an origin the URL is rawUrl's: %s", g)
		}
	})

	t.Run("v1 has none", func(t *testing.T) {
		v1 := start(t, rt, "v1globals")
		cc := `{"identity":{"url":"http://127.0.0.1:8888/.netlify/identity","token":"admin.jwt"},"custom":{"netlify":"e30="}}`
		r := invokeLambda(t, v1, &functions.Invocation{ID: "03HX", Event: event("GET", "/x", "", "", nil),
			ClientContext: json.RawMessage(cc), V2Context: v2(`"http://localhost:5173"`, identity)})
		var got struct {
			Netlify       string
			Identity      bool
			ClientContext json.RawMessage
		}
		if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
			t.Fatalf("%s: %v", r.Body, err)
		}
		if got.Netlify != "undefined" || got.Identity || string(got.ClientContext) != cc {
			t.Errorf("v1 sees %s", r.Body)
		}
	})
}

// A function runs under the options Lambda's Node bootstrap gives it: global.gc exists,
// HTTP headers up to 80 KiB are read, and the heap stops near the function's 1024 MB
// (the old generation at 922 MB), where node's own default here is several GB. And
// once node has started, V8's flags are its defaults again, so that node's built-in
// modules load from its code cache: the tag of the cache V8 accepts is plain node's.
func TestLambdasNodeOptions(t *testing.T) {
	rt := testRuntime(t)
	for _, spare := range []bool{false, true} {
		sparePid := 0
		if spare {
			sparePid = prewarm(t, rt, testEnv)
		}
		in := start(t, rt, "limits")
		if pid := in.(*instance).cmd.Process.Pid; (pid == sparePid) != spare {
			t.Fatalf("the worker (%d) was the spare (%d): %v, want %v", pid, sparePid, !spare, spare)
		}
		got := nodeLimits(t, in, "limits")
		if got.GC != "function" || got.MaxHeaderSize != 81920 || got.HeapLimitMB < 922 || got.HeapLimitMB >= 1024 {
			t.Errorf("spare %v: got %+v, want global.gc a function, 81920 header bytes and a heap limit from 922 to 1024 MB", spare, got)
		}
		if want := plainNodeCodeCacheTag(t); got.CodeCacheTag != want || got.V8Defaults != nil {
			t.Errorf("spare %v: the function's code cache tag is %d and it sees %s=%v, want plain node's tag %d and no such variable",
				spare, got.CodeCacheTag, v8DefaultsVar, deref(got.V8Defaults), want)
		}
		in.Close()
	}
}

// A function that starts worker threads keeps Lambda's V8 options, for its threads
// read them as they start: a thread has global.gc and the function's heap limit too.
// A spare, which has set them back, is not used for it.
func TestAFunctionWithThreadsKeepsLambdasV8Options(t *testing.T) {
	rt := testRuntime(t)
	sparePid := prewarm(t, rt, testEnv)
	in := start(t, rt, "threadlimits")
	if in.(*instance).cmd.Process.Pid == sparePid {
		t.Error("a function with threads was given the spare")
	}
	got := nodeLimits(t, in, "threadlimits")
	if got.GC != "function" || got.HeapLimitMB < 922 || got.HeapLimitMB >= 1024 {
		t.Errorf("the function's thread has %+v, want global.gc a function and a heap limit from 922 to 1024 MB", got)
	}
}

type limits struct {
	GC            string
	MaxHeaderSize int
	HeapLimitMB   int
	CodeCacheTag  uint32
	V8Defaults    *string
}

func nodeLimits(t *testing.T, in functions.Instance, name string) limits {
	t.Helper()
	resp, err := invoke(t, in, &functions.Invocation{ID: name, Event: event("GET", "/.netlify/functions/"+name, "", "", nil)})
	if err != nil {
		t.Fatal(err)
	}
	var res lambdaResult
	if err := json.Unmarshal(resp.Lambda, &res); err != nil {
		t.Fatalf("%s: %v", resp.Lambda, err)
	}
	var got limits
	if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
		t.Fatalf("%s: %v", res.Body, err)
	}
	return got
}

// plainNodeCodeCacheTag is the code cache tag of node started with no options.
func plainNodeCodeCacheTag(t *testing.T) uint32 {
	t.Helper()
	cmd := exec.Command("node", "-p", "require('node:v8').cachedDataVersionTag()")
	cmd.Env = testEnv
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node -p: %v", err)
	}
	tag, err := strconv.ParseUint(strings.TrimSpace(string(out)), 10, 32)
	if err != nil {
		t.Fatalf("node -p printed %q: %v", out, err)
	}
	return uint32(tag)
}

// The v2 context is built only for a v2 function's worker, once per invocation: a v1
// worker never asks for it.
func TestTheV2ContextIsBuiltOnlyForV2Functions(t *testing.T) {
	rt := testRuntime(t)
	built := 0
	v2 := func() json.RawMessage {
		built++
		return json.RawMessage(`{"site":{"id":"site-1","name":"fixture","url":"http://localhost:8888"},"ip":"127.0.0.1",` +
			`"requestId":"03HX","origin":"http://localhost:5173","identityContext":null}`)
	}

	v1 := start(t, rt, "v1globals")
	if _, err := invoke(t, v1, &functions.Invocation{ID: "03HX", Event: event("GET", "/.netlify/functions/v1globals", "", "", nil), V2: v2}); err != nil {
		t.Fatal(err)
	}
	if built != 0 {
		t.Fatalf("a v1 function's invocation built the v2 context %d times", built)
	}

	in := start(t, rt, "v2globals")
	resp, err := invoke(t, in, &functions.Invocation{ID: "03HX", Event: event("GET", "/.netlify/functions/v2globals", "", "", nil), V2: v2})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	site, _ := json.Marshal(got["site"])
	if built != 1 || string(site) != `{"id":"site-1","name":"fixture","url":"http://localhost:8888"}` {
		t.Fatalf("built %d times; the function saw site %s", built, site)
	}
}
