package main

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// dev invoke with typed identity handlers (testdata/sites/typed), alone and through a
// running dev serve.
func TestInvokeTypedHandlers(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "testdata", "sites", "typed"), dir)

	for _, mode := range []string{"--standalone", "--url"} {
		args := []string{"--dir", dir, mode}
		if mode == "--url" {
			args[2], args = "--url", append(args, serveSite(t, dir))
		}
		t.Run(mode+": a method name runs the whole chain in production's order", func(t *testing.T) {
			res, err := invokeJSON(t, append([]string{"userSignup", "--email", "zed@example.com"}, args...)...)
			if err != nil || res.Verdict != "pass" || res.Event != "signup" {
				t.Fatalf("%v %+v", err, res)
			}
			var order []string
			for _, a := range res.Attempts {
				order = append(order, a.Function)
			}
			if want := []string{"identity-signup", "identity", "notify", "welcome"}; !reflect.DeepEqual(order, want) {
				t.Fatalf("attempts went to %v, want %v", order, want)
			}
			if res.UserAfter == nil || res.UserAfter.AppMetaData["welcomed"] != true || !reflect.DeepEqual(res.UserAfter.AppMetaData["rolesSeen"], []any{"member"}) {
				t.Fatalf("user after %+v", res.UserAfter)
			}
		})
		t.Run(mode+": a function that handles several events needs --event", func(t *testing.T) {
			_, _, err := runCmd(t, append([]string{"invoke", "identity"}, args...)...)
			if err == nil || !strings.Contains(err.Error(), "identity handles userValidate, userSignup, userLogin, userModified, userDeleted: say which with --event") {
				t.Fatalf("%v", err)
			}
		})
		t.Run(mode+": --event picks one; a deny blocks with 401", func(t *testing.T) {
			res, err := invokeJSON(t, append([]string{"identity", "--event", "userValidate", "--email", "deny@example.com"}, args...)...)
			if err == nil || res.Verdict != "block" || res.Client == nil || res.Client.Status != 401 || len(res.Attempts) != 1 || res.Attempts[0].Outcome != "deny" {
				t.Fatalf("%v %+v", err, res)
			}
			if res.Request.Header.Get("X-Netlify-Event") != "identity_validate" {
				t.Fatalf("request headers %v", res.Request.Header)
			}
		})
		t.Run(mode+": an event the function does not handle", func(t *testing.T) {
			_, _, err := runCmd(t, append([]string{"invoke", "welcome", "--event", "userLogin"}, args...)...)
			if err == nil || !strings.Contains(err.Error(), "welcome does not handle userLogin: it handles userSignup") {
				t.Fatalf("%v", err)
			}
		})
	}

	t.Run("dev payload takes a method name", func(t *testing.T) {
		out, _, err := runCmd(t, "payload", "userLogin", "--seed", "3")
		if err != nil || !strings.Contains(out, `"event": "login"`) {
			t.Fatalf("%v\n%s", err, out)
		}
	})
}
