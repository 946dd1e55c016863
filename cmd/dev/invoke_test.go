package main

import (
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/devapi"
	"github.com/identity-dev/dev/emulator/devserver"
	"github.com/identity-dev/dev/emulator/invoke"
	"github.com/identity-dev/dev/emulator/site"
	"github.com/identity-dev/dev/emulator/tokens"
	"github.com/identity-dev/dev/fixtures"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

func invokeSite(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "testdata", "sites", "invoke"), dst)
	return dst
}

// serveSite runs dev serve in process for a site; it returns its URL.
func serveSite(t *testing.T, dir string) string {
	return serveSiteServer(t, dir).URL()
}

func serveSiteServer(t *testing.T, dir string) *devserver.Server {
	t.Helper()
	return startServer(t, dir, func(set *site.ServeSettings) { set.Autoconfirm = true })
}

func invokeJSON(t *testing.T, args ...string) (*invoke.Result, error) {
	t.Helper()
	out, _, err := runCmd(t, append([]string{"invoke", "--json"}, args...)...)
	var res invoke.Result
	if jerr := json.Unmarshal([]byte(out), &res); jerr != nil {
		t.Fatalf("dev invoke %v: %v (%v)\n%s", args, jerr, err, out)
	}
	return &res, err
}

func TestInvokeStandaloneAndThroughServerGiveTheSameInput(t *testing.T) {
	dir := invokeSite(t)
	standalone, err := invokeJSON(t, "identity-signup", "--dir", dir, "--seed", "7", "--standalone")
	if err != nil || standalone.Verdict != "pass" || standalone.Mode != "standalone" {
		t.Fatalf("standalone: %v %+v", err, standalone)
	}
	url := serveSite(t, dir)
	server, err := invokeJSON(t, "identity-signup", "--dir", dir, "--seed", "7", "--url", url)
	if err != nil || server.Verdict != "pass" || server.Mode != "server" {
		t.Fatalf("server: %v %+v", err, server)
	}
	a, _ := json.Marshal(standalone.UserAfter.UserMetaData["input"])
	b, _ := json.Marshal(server.UserAfter.UserMetaData["input"])
	if string(a) != string(b) || !strings.Contains(string(a), `"signed":true`) || !strings.Contains(string(a), `"identity":true`) {
		t.Fatalf("function input differs:\n standalone %s\n server     %s", a, b)
	}
	if strings.Join(standalone.Changes, "|") != strings.Join(server.Changes, "|") || !strings.Contains(strings.Join(server.Changes, "|"), `+ app_metadata.roles: ["member"]`) {
		t.Fatalf("changes %v vs %v", standalone.Changes, server.Changes)
	}
	for _, r := range []*invoke.Result{standalone, server} {
		if err := fixtures.Validate("identity-signup", r.Request.Body); err != nil {
			t.Fatal(err)
		}
	}
	// Through the server the invocation is journaled; dev serve's state file is found
	// without --url.
	out, _, err := runCmd(t, "events", "list", "--url", url, "--function", "identity-signup")
	if err != nil || !strings.Contains(out, "identity-signup") {
		t.Fatalf("journal: %v %s", err, out)
	}
	remove, err := devapi.WriteState(dir, devapi.State{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer remove()
	if r, err := invokeJSON(t, "identity-signup", "--dir", dir); err != nil || r.Mode != "server" {
		t.Fatalf("the state file was not used: %v %+v", err, r)
	}
}

func TestInvokeExitCodesAndWarnings(t *testing.T) {
	dir := invokeSite(t)
	r, err := invokeJSON(t, "identity-validate", "--dir", dir, "--standalone")
	var exit *exitError
	if !errors.As(err, &exit) || exit.code != 1 || r.Verdict != "block" || len(r.Attempts) != 3 || r.Client.Status != 422 {
		t.Fatalf("blocking validate: %v %+v", err, r)
	}
	r, err = invokeJSON(t, "fails", "--dir", dir, "--standalone")
	if !errors.As(err, &exit) || r.Verdict != "error" || !strings.Contains(string(r.Response.Body), "fails on purpose") {
		t.Fatalf("failing function: %v %+v", err, r)
	}
	cli := `{"event":"signup","user":{"id":"1111a1a1-a11a-1111-aa11-aaa11111a11a","aud":"","role":"","email":"foo@trust-this-company.com","app_metadata":{"provider":"email"},"user_metadata":{"full_name":"Test Person"},"created_at":"2026-11-28T06:30:46Z","update_at":"2026-11-28T06:30:46Z"}}`
	file := filepath.Join(t.TempDir(), "cli.json")
	os.WriteFile(file, []byte(cli), 0o644)
	out, _, err := runCmd(t, "invoke", "identity-signup", "--dir", dir, "--standalone", "--payload", file)
	if err != nil || !strings.Contains(out, "payload   netlify-cli's functions:invoke mock") || !strings.Contains(out, `has "update_at", which production never sends`) ||
		!strings.Contains(out, "no instance_id") || !strings.Contains(out, "PASS") {
		t.Fatalf("dev invoke --payload cli.json: %v\n%s", err, out)
	}
}

func TestInvokePlainFunctionAsAUser(t *testing.T) {
	dir := invokeSite(t)
	r, err := invokeJSON(t, "echo", "--dir", dir, "--standalone", "--method", "POST", "--path", "/sub", "--query", "a=1",
		"--header", "X-Custom: yes", "--body", `{"b":2}`, "--as", "someone@example.com")
	if err != nil || r.Verdict != "ok" || r.Response.Status != 200 {
		t.Fatalf("%v %+v", err, r)
	}
	var got map[string]any
	json.Unmarshal(r.Response.Body, &got)
	if got["method"] != "POST" || got["path"] != "/.netlify/functions/echo/sub" || got["header"] != "yes" || got["body"] != `{"b":2}` || got["user"] != "someone@example.com" {
		t.Fatalf("echo %v", got)
	}
	srv := serveSiteServer(t, dir)
	url := srv.URL()
	admin, _ := srv.AdminToken(time.Hour)
	req, _ := http.NewRequest("POST", url+"/.netlify/identity/admin/users", strings.NewReader(`{"email":"real@example.com","password":"pw","confirm":true}`))
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("create user: %v", err)
	}
	resp.Body.Close()
	r, err = invokeJSON(t, "echo", "--dir", dir, "--url", url, "--as", "real@example.com")
	json.Unmarshal(r.Response.Body, &got)
	if err != nil || got["user"] != "real@example.com" {
		t.Fatalf("--as a user of the server: %v %s", err, r.Response.Body)
	}
	if _, _, err := runCmd(t, "invoke", "echo", "--dir", dir, "--url", url, "--as", "nobody@example.com"); err == nil || !strings.Contains(err.Error(), "no such user in this dev serve") {
		t.Fatalf("--as an unknown user: %v", err)
	}
	if _, _, err := runCmd(t, "invoke", "echo", "--dir", dir, "--url", url, "--timeout", "1s"); err == nil || !strings.Contains(err.Error(), "add --standalone") {
		t.Fatalf("--timeout through a server: %v, want it refused", err)
	}
}

func TestPayloadCommandOutputMatchesSchemasAndGoldenFiles(t *testing.T) {
	for _, name := range []string{"identity-validate", "identity-signup", "identity-login", "identity-usermodified", "identity-userdeleted", "lambda-event"} {
		args := []string{"payload", name, "--seed", "42"}
		if name == "lambda-event" {
			args = append(args, "--query", "a=1", "--query", "a=2", "--header", "X-Custom: one")
		}
		out, _, err := runCmd(t, args...)
		if err != nil {
			t.Fatal(err)
		}
		if err := fixtures.Validate(name, []byte(out)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		golden := filepath.Join("..", "..", "testdata", "golden", "payload-"+name+".json")
		if *update {
			os.WriteFile(golden, []byte(out), 0o644)
		}
		want, err := os.ReadFile(golden)
		if err != nil || string(want) != out {
			t.Errorf("%s differs from %s (go test ./cmd/dev -run Golden -update rewrites it):\n%s", name, golden, out)
		}
		schema, _, err := runCmd(t, "payload", name, "--schema")
		if err != nil || !strings.Contains(schema, `"$schema": "https://json-schema.org/draft/2020-12/schema"`) {
			t.Errorf("%s --schema: %v", name, err)
		}
	}
	if _, _, err := runCmd(t, "payload", "identity-nope"); err == nil || !strings.Contains(err.Error(), "is not an identity event") {
		t.Fatalf("unknown event: %v", err)
	}
}

// A recorded fixture from another instance is sent with this instance's id, which the
// signature names; and --jwt-secret signs it, so a function can verify it.
func TestInvokeSignsWhatItSends(t *testing.T) {
	dir := invokeSite(t)
	fixture := filepath.Join("..", "..", "fixtures", "hooks", "signup-email-confirmation.json")
	r, err := invokeJSON(t, "identity-signup", "--dir", dir, "--standalone", "--payload", fixture, "--jwt-secret", "test-secret", "--seed", "3")
	if err != nil || r.PayloadKind != invoke.KindFixture {
		t.Fatalf("%v %+v", err, r)
	}
	var body struct {
		InstanceID string `json:"instance_id"`
	}
	json.Unmarshal(r.Request.Body, &body)
	if body.InstanceID == "00000000-0000-0000-0000-000000000000" || !strings.Contains(strings.Join(r.Warnings, "\n"), "is not this instance's") {
		t.Fatalf("instance id %s, warnings %v", body.InstanceID, r.Warnings)
	}
	if err := tokens.VerifyWebhook("test-secret", body.InstanceID, r.Request.Header.Get("X-Webhook-Signature"), r.Request.Body); err != nil {
		t.Fatal(err)
	}
}

func TestInvokePlainFunctionWithALambdaEvent(t *testing.T) {
	dir := invokeSite(t)
	event, _, err := runCmd(t, "payload", "lambda-event", "--method", "PUT", "--path", "/.netlify/functions/echo/x", "--query", "q=1", "--header", "X-Custom: from-event", "--body", "hello")
	if err != nil {
		t.Fatal(err)
	}
	r, err := invokeJSON(t, "echo", "--dir", dir, "--standalone", "--payload", event)
	var got map[string]any
	json.Unmarshal(r.Response.Body, &got)
	if err != nil || got["method"] != "PUT" || got["path"] != "/.netlify/functions/echo/x" || got["header"] != "from-event" || got["body"] != "hello" {
		t.Fatalf("%v %s", err, r.Response.Body)
	}
}
