package invoke

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/hooks"
	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/tokens"
)

// inProcess runs "functions" in the test's process: each answers with what answer says.
type inProcess struct {
	answer func(name string, ev functions.Event) *functions.Response
}

type builtFn struct{ fn *functions.Function }

func (a builtFn) Function() *functions.Function { return a.fn }
func (a builtFn) Files() []string               { return nil }

func (r inProcess) Build(_ context.Context, fn *functions.Function) (functions.Artifact, error) {
	return builtFn{fn}, nil
}

func (r inProcess) Start(_ context.Context, a functions.Artifact, _ functions.StartOptions) (functions.Instance, error) {
	return fnInstance{r: r, name: a.Function().Name}, nil
}

type fnInstance struct {
	r    inProcess
	name string
}

func (in fnInstance) Invoke(_ context.Context, inv *functions.Invocation) (*functions.Response, error) {
	var ev functions.Event
	if err := json.Unmarshal(inv.Event, &ev); err != nil {
		return nil, err
	}
	return in.r.answer(in.name, ev), nil
}

func (fnInstance) Close() error { return nil }

func lambda(status int, body any) *functions.Response {
	b, _ := json.Marshal(body)
	raw, _ := json.Marshal(map[string]any{"statusCode": status, "body": string(b)})
	return &functions.Response{Lambda: raw}
}

// testEnv serves the named functions, each answering as answer says.
func testEnv(t *testing.T, answer func(name string, ev functions.Event) *functions.Response, names ...string) Env {
	t.Helper()
	site := t.TempDir()
	dir := filepath.Join(site, "netlify", "functions")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n+".js"), []byte("exports.handler = async () => ({statusCode: 200})"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fns := functions.NewServer(functions.Options{SiteDir: site, FunctionsDir: dir,
		Runtimes: map[functions.Kind]functions.Runtime{functions.KindJS: inProcess{answer: answer}},
		Contexts: &functions.ClientContexts{Signer: tokens.NewSigner("secret"), IdentityURL: "http://127.0.0.1:8888/.netlify/identity"},
		BaseURL:  func() string { return "http://127.0.0.1:8888" }})
	if err := fns.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fns.Close)
	return Env{Mode: "standalone", Functions: fns, InstanceID: "instance-1",
		Hooks: &hooks.Dispatcher{InstanceID: "instance-1", Secret: "secret", Functions: fns, Timeout: time.Second}}
}

// A plain function is called as dev serve would call it, and its verdict says
// whether it worked, with the same JSON values as ever.
func TestRunPlainFunction(t *testing.T) {
	env := testEnv(t, func(name string, ev functions.Event) *functions.Response {
		if name == "fails" {
			return lambda(502, "bad gateway")
		}
		return lambda(200, ev)
	}, "echo", "fails")

	res, err := Run(context.Background(), env, Request{Function: "echo", Path: "/sub", Query: "?a=1&a=2", Headers: []string{"X-One: 1"}, Body: `{"x":1}`})
	if err != nil {
		t.Fatal(err)
	}
	var ev functions.Event
	if json.Unmarshal(res.Response.Body, &ev) != nil {
		t.Fatalf("body %s", res.Response.Body)
	}
	if res.Verdict != VerdictOK || res.ExitCode() != 0 || res.Response.Status != 200 || ev.HTTPMethod != "POST" || ev.Path != "/.netlify/functions/echo/sub" ||
		ev.RawQuery != "a=1&a=2" || ev.Headers["x-one"] != "1" || ev.Headers["content-type"] != "application/json" || ev.Headers["host"] != "127.0.0.1" || ev.Body != `{"x":1}` {
		t.Fatalf("verdict %s, status %d, event %+v", res.Verdict, res.Response.Status, ev)
	}
	if res.Request.URL != "/.netlify/functions/echo/sub?a=1&a=2" || res.Request.Method != "POST" {
		t.Fatalf("request %+v", res.Request)
	}
	if b, _ := json.Marshal(res); !strings.Contains(string(b), `"verdict":"ok"`) {
		t.Fatalf("JSON %s", b)
	}

	res, err = Run(context.Background(), env, Request{Function: "fails"})
	if err != nil || res.Verdict != VerdictError || res.ExitCode() != 1 || res.Response.Status != 502 {
		t.Fatalf("fails: %+v %v", res, err)
	}
	if b, _ := json.Marshal(res); !strings.Contains(string(b), `"verdict":"error"`) {
		t.Fatalf("JSON %s", b)
	}

	if _, err := Run(context.Background(), env, Request{Function: "echo", Path: "sub"}); err == nil || !strings.Contains(err.Error(), "--path") {
		t.Fatalf("a path without its \"/\": %v, want an error about --path", err)
	}
}

// The verdict of an identity function follows its event's rule: a failed blocking
// hook blocks, a failed later one only warns, a deleted user's answer changes nothing,
// and a background function passes at once.
func TestRunIdentityFunctionFollowsTheEventRules(t *testing.T) {
	newMeta := map[string]any{"app_metadata": map[string]any{"roles": []string{"admin"}}}
	env := testEnv(t, func(name string, ev functions.Event) *functions.Response {
		if strings.HasPrefix(name, "identity-validate") || name == "identity-usermodified" {
			return lambda(400, "no")
		}
		return lambda(200, newMeta)
	}, "identity-validate", "identity-validate-background", "identity-usermodified", "identity-login", "identity-userdeleted")

	for _, tt := range []struct {
		function string
		event    identity.Event
		verdict  Verdict
		changed  bool
		warns    bool
	}{
		{"identity-validate", identity.EventValidate, VerdictBlock, false, false},
		{"identity-validate-background", identity.EventValidate, VerdictPass, false, false},
		{"identity-usermodified", identity.EventUserModified, VerdictPass, false, true},
		{"identity-login", identity.EventLogin, VerdictPass, true, false},
		{"identity-userdeleted", identity.EventUserDeleted, VerdictPass, false, false},
	} {
		res, err := Run(context.Background(), env, Request{Function: tt.function})
		if err != nil {
			t.Fatalf("%s: %v", tt.function, err)
		}
		if res.Event != string(tt.event) || res.Verdict != tt.verdict || (len(res.Changes) > 0) != tt.changed || (len(res.Warnings) > 0) != tt.warns {
			t.Fatalf("%s: event %s, verdict %s, changes %v, warnings %v", tt.function, res.Event, res.Verdict, res.Changes, res.Warnings)
		}
		if tt.verdict == VerdictBlock && (res.Client == nil || res.Client.Status != 422 || len(res.Attempts) != identity.HookAttempts) {
			t.Fatalf("%s: client %+v after %d attempts", tt.function, res.Client, len(res.Attempts))
		}
		if b, _ := json.Marshal(res); !strings.Contains(string(b), `"verdict":"`+string(tt.verdict)+`"`) {
			t.Fatalf("%s: JSON %s", tt.function, b)
		}
	}
}
