package devserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/functions/nodejs"
	"github.com/identity-dev/dev/emulator/term"
)

// A hook that throws shows its error and where in the log line, not only in the
// journal; one that refuses shows the start of what it answered.
func TestHookCauseInTheLogLine(t *testing.T) {
	requireNode(t)
	site := t.TempDir()
	fns := filepath.Join(site, "netlify", "functions")
	os.MkdirAll(fns, 0o755)
	os.WriteFile(filepath.Join(fns, "identity-validate.js"), []byte(`exports.handler = async (event) => {
  const { user } = JSON.parse(event.body);
  if (user.email.startsWith("throw")) {
    throw new TypeError("roles is missing");
  }
  return { statusCode: 403, body: JSON.stringify({ error: "only @example.com may sign up" }) };
};
`), 0o644)
	log := &lockedBuffer{}
	srv := startServer(t, Options{SiteDir: site, FunctionsDir: fns, Log: term.NewLogger(log), HookAttempts: 1,
		Runtimes: map[functions.Kind]functions.Runtime{functions.KindJS: nodejs.New(nodejs.Options{})}})
	srv.do(t, "POST", srv.identityURL("/signup"), `{"email":"throw@x.test","password":"pw"}`, "Content-Type: application/json")
	srv.do(t, "POST", srv.identityURL("/signup"), `{"email":"other@x.test","password":"pw"}`, "Content-Type: application/json")
	out := log.String()
	if !strings.Contains(out, "identity-validate validate throw@x.test  reject 500: TypeError: roles is missing at ") || !strings.Contains(out, "identity-validate.js:4") {
		t.Errorf("the thrown error is not in the log line:\n%s", out)
	}
	if !strings.Contains(out, `identity-validate validate other@x.test  reject 403: it answered "{\"error\":\"only @example.com may sign up\"}"`) {
		t.Errorf("the refusal's body is not in the log line:\n%s", out)
	}
}
