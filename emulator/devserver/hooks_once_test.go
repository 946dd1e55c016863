package devserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/journal"
	"github.com/identity-dev/dev/emulator/term"
)

// A background function that receives an identity event is journaled once, as a
// hook attempt answered 202, and never again as a function invocation when it ends.
func TestBackgroundHookIsJournaledOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips running a real JS hook function")
	}
	requireNode(t)
	log := &lockedBuffer{}
	srv := startSiteWithFile(t, "hooks", "netlify/functions/identity-validate-background.js",
		`exports.handler = async () => { await new Promise((r) => setTimeout(r, 200)); };`,
		Options{Log: term.NewLogger(log)})

	if r := srv.signup(t, "bg@allowed.test"); r.Status != 200 {
		t.Fatalf("signup: %d %s", r.Status, r.Body)
	}
	// The functions server logs the background call's end once it is over, after
	// anything it would have journaled.
	ended := "identity-validate-background POST " + functions.Prefix + "identity-validate-background"
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(log.String(), ended); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the background function never ended; log:\n%s", log.String())
		}
	}

	got := srv.events(t, "function=identity-validate-background")
	if len(got) != 1 {
		var kinds []string
		for _, e := range got {
			kinds = append(kinds, string(e.Kind)+" "+e.Outcome)
		}
		t.Fatalf("identity-validate-background journaled %d times (%s), want once, as a hook", len(got), strings.Join(kinds, ", "))
	}
	e := got[0]
	if e.Kind != journal.KindHook || e.Event != "validate" || e.UserEmail != "bg@allowed.test" || e.Outcome != journal.OutcomePass ||
		e.Attempt != 1 || e.Response == nil || e.Response.Status != 202 {
		t.Fatalf("entry %+v, want the hook attempt answered 202", e)
	}
	if fns := srv.events(t, "kind=function"); len(fns) != 0 {
		t.Fatalf("%d function entries after a signup, want none", len(fns))
	}
	if hooks := srv.events(t, "kind=hook&user=bg@allowed.test"); len(hooks) != 2 {
		t.Fatalf("hook entries %+v, want identity-validate's and identity-validate-background's", hooks)
	}
}

// startSiteWithFile serves a copy of a test site with one more file in it.
func startSiteWithFile(t *testing.T, name, file, content string, opts Options) *testServer {
	t.Helper()
	dir := copySite(t, name)
	path := filepath.Join(dir, filepath.FromSlash(file))
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, _ := startSiteIn(t, dir, opts)
	return srv
}
