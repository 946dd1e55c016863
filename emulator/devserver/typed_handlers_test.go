package devserver

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/devapi"
	"github.com/identity-dev/dev/emulator/hooks"
	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/journal"
)

// Typed identity event handlers (export default { userSignup, ... }) in the real Node
// worker, called by the real hooks dispatcher: testdata/sites/typed.
func TestTypedHandlers(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips running real JS functions")
	}
	srv, _ := startSite(t, "typed", Options{HookTimeout: 5 * time.Second})
	admin, _ := srv.AdminToken(time.Hour)

	t.Run("signup: legacy function, then subscribers by name, each seeing the one before", func(t *testing.T) {
		tr := srv.signupConfirmLogin(t, "ann@typed.test", "pw")
		app, _ := claimsOf(t, tr.AccessToken)["app_metadata"].(map[string]any)
		// identity-signup.js set legacy; identity.mts saw it and set roles; notify.mts (background)
		// changed nothing; welcome.mts saw the roles identity.mts returned.
		if app["legacy"] != true || app["sawLegacy"] != true || app["welcomed"] != true ||
			!reflect.DeepEqual(app["roles"], []any{"member"}) || !reflect.DeepEqual(app["rolesSeen"], []any{"member"}) {
			t.Fatalf("app_metadata %v", app)
		}
		// The camelCase user: aud dropped, empty optional fields absent, provider lifted.
		if app["shape"] != "appMetadata,confirmationSentAt,createdAt,email,id,provider,updatedAt,userMetadata" {
			t.Errorf("the handler saw a user with fields %v", app["shape"])
		}
		var order []string
		entries := srv.events(t, "kind=hook&user=ann@typed.test")
		for i := len(entries) - 1; i >= 0; i-- {
			if entries[i].Event == string(identity.EventSignup) {
				order = append(order, entries[i].Function)
			}
		}
		if want := []string{"identity-signup", "identity", "notify", "welcome"}; !reflect.DeepEqual(order, want) {
			t.Fatalf("signup went to %v, want %v", order, want)
		}
		for _, e := range entries {
			if e.Function == "notify" && (e.Response == nil || e.Response.Status != 202) {
				t.Errorf("the background subscriber was answered %+v, want 202", e.Response)
			}
			if e.Function == "identity" && e.Request.Header.Get("X-Netlify-Event") != "identity_"+e.Event {
				t.Errorf("X-Netlify-Event %q for %s", e.Request.Header.Get("X-Netlify-Event"), e.Event)
			}
		}
		// The background subscriber ran to its end after the signup was answered.
		id, _ := claimsOf(t, tr.AccessToken)["sub"].(string)
		marker := filepath.Join(os.TempDir(), "dev-typed-notify-"+id+".json")
		t.Cleanup(func() { os.Remove(marker) })
		deadline := time.Now().Add(10 * time.Second)
		for {
			b, err := os.ReadFile(marker)
			if err == nil && strings.Contains(string(b), `"email":"ann@typed.test"`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the background subscriber never finished: %v %s", err, b)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})

	t.Run("login: the returned user's metadata is applied", func(t *testing.T) {
		form := url.Values{"grant_type": {"password"}, "username": {"ann@typed.test"}, "password": {"pw"}}
		r := srv.do(t, "POST", srv.identityURL("/token"), form.Encode(), "Content-Type: application/x-www-form-urlencoded")
		var tr identity.TokenResponse
		r.json(t, &tr)
		meta, _ := claimsOf(t, tr.AccessToken)["user_metadata"].(map[string]any)
		if r.Status != 200 || meta["logins"] != float64(2) {
			t.Fatalf("%d %s; user_metadata %v", r.Status, r.Body, meta)
		}
	})

	t.Run("deny() in userValidate: 401 at once, one call, no user", func(t *testing.T) {
		r := srv.signup(t, "deny@typed.test")
		if r.Status != 401 || string(r.Body) != `{"code":401,"msg":"`+hooks.DeniedMessage+`"}` {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		got := srv.events(t, "kind=hook&user=deny@typed.test")
		if len(got) != 1 || got[0].Function != "identity" || got[0].Outcome != journal.OutcomeDeny || got[0].Response.Status != 401 {
			t.Fatalf("journal %+v", got)
		}
		list := srv.do(t, "GET", srv.identityURL("/admin/users?filter=deny"), "", "Authorization: Bearer "+admin)
		if !strings.Contains(string(list.Body), `"users":[]`) {
			t.Fatalf("denied user exists: %s", list.Body)
		}
		// Replayed from the journal, re-signed: denied again.
		var replay devapi.Replay
		r = srv.do(t, "POST", srv.URL()+"/.netlify/dev/api/events/"+got[0].ID+"/replay", "{}", "Content-Type: application/json")
		r.json(t, &replay)
		if r.Status != 200 || replay.New == nil || replay.New.Outcome != journal.OutcomeDeny || replay.New.Function != "identity" || replay.New.ReplayOf != got[0].ID {
			t.Fatalf("replay %d %s", r.Status, r.Body)
		}
	})

	t.Run("deny() in userLogin: 401, no token", func(t *testing.T) {
		r := srv.do(t, "POST", srv.identityURL("/signup"), `{"email":"blocked@typed.test","password":"pw"}`, "Content-Type: application/json")
		if r.Status != 200 {
			t.Fatalf("signup %d %s", r.Status, r.Body)
		}
		tok := srv.mailToken(t, "blocked@typed.test", identity.MailConfirmation)
		srv.do(t, "POST", srv.identityURL("/verify"), `{"type":"signup","token":"`+tok+`"}`, "Content-Type: application/json")
		form := url.Values{"grant_type": {"password"}, "username": {"blocked@typed.test"}, "password": {"pw"}}
		r = srv.do(t, "POST", srv.identityURL("/token"), form.Encode(), "Content-Type: application/x-www-form-urlencoded")
		if r.Status != 401 || strings.Contains(string(r.Body), "access_token") {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})

	t.Run("userModified and userDeleted after an admin update and delete", func(t *testing.T) {
		var list struct {
			Users []identity.User `json:"users"`
		}
		srv.do(t, "GET", srv.identityURL("/admin/users?filter=ann@typed.test"), "", "Authorization: Bearer "+admin).json(t, &list)
		if len(list.Users) != 1 {
			t.Fatalf("users %+v", list.Users)
		}
		id := list.Users[0].ID
		r := srv.do(t, "PUT", srv.identityURL("/admin/users/"+id), `{"app_metadata":{"roles":["editor"]}}`, "Content-Type: application/json", "Authorization: Bearer "+admin)
		if r.Status != 200 {
			t.Fatalf("update %d %s", r.Status, r.Body)
		}
		r = srv.do(t, "DELETE", srv.identityURL("/admin/users/"+id), "", "Authorization: Bearer "+admin)
		if r.Status != 200 {
			t.Fatalf("delete %d %s", r.Status, r.Body)
		}
		seen := map[string]string{}
		for _, e := range srv.events(t, "kind=hook&function=identity&user=ann@typed.test") {
			if e.Event == string(identity.EventUserModified) || e.Event == string(identity.EventUserDeleted) {
				seen[e.Event] = e.Outcome
			}
		}
		if seen["usermodified"] != journal.OutcomePass || seen["userdeleted"] != journal.OutcomePass {
			t.Fatalf("modified/deleted deliveries %v", seen)
		}
	})

	t.Run("a request that is no event goes to fetch", func(t *testing.T) {
		r := srv.fn(t, "GET", "identity", "")
		if r.Status != 200 || string(r.Body) != "identity.mts answers other requests: GET" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})

	t.Run("a bad event body: production's 400", func(t *testing.T) {
		r := srv.fn(t, "POST", "identity", `{"user":{"id":"x"}}`, "X-Netlify-Event: identity_signup", "Content-Type: application/json")
		var body map[string]string
		r.json(t, &body)
		if r.Status != 400 || body["error"] != `Invalid event payload for "identity_signup": user.email is not a string` {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		r = srv.fn(t, "POST", "identity", `not json`, "X-Netlify-Event: identity_login")
		if r.Status != 400 || !strings.Contains(string(r.Body), "Failed to parse event payload as JSON") {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})

	t.Run("the functions listing says what each handles", func(t *testing.T) {
		var list []struct {
			Name       string   `json:"name"`
			Events     []string `json:"events"`
			Background bool     `json:"background"`
		}
		srv.do(t, "GET", srv.URL()+"/.netlify/dev/api/functions", "").json(t, &list)
		got := map[string]string{}
		for _, f := range list {
			got[f.Name] = strings.Join(f.Events, ",")
			if f.Background {
				got[f.Name] += " (background)"
			}
		}
		want := map[string]string{
			"identity":        "identity_login,identity_signup,identity_userdeleted,identity_usermodified,identity_validate",
			"identity-signup": "", "notify": "identity_signup (background)", "welcome": "identity_signup", "items": "", "pages": "",
		}
		if !reflect.DeepEqual(got, want) {
			b, _ := json.Marshal(list)
			t.Fatalf("functions %v\n%s", got, b)
		}
	})
}

// Under --deny-profile gotrue a deny is what public GoTrue's code makes of a 401: three
// calls, then 422.
func TestTypedHandlersDenyGoTrueProfile(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips running real JS functions")
	}
	srv, _ := startSite(t, "typed", Options{HookTimeout: 5 * time.Second, DenyProfile: hooks.DenyGoTrue})
	r := srv.signup(t, "deny@typed.test")
	if r.Status != 422 || string(r.Body) != `{"code":422,"msg":"Failed to handle signup webhook"}` {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if got := srv.events(t, "kind=hook&user=deny@typed.test"); len(got) != 3 {
		t.Fatalf("journal %+v", got)
	}
}

// config.path: v2 functions served at their own paths, before the rules and the site.
func TestConfigPath(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips running real JS functions")
	}
	srv, _ := startSite(t, "typed", Options{})
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/api/items/42", 200, `{"params":{"id":"42"},"path":"/api/items/42","method":"GET"}`},
		{"POST", "/api/files/a/b.txt", 200, `{"params":{"0":"a/b.txt"},"path":"/api/files/a/b.txt","method":"POST"}`},
		{"GET", "/api/items/secret", 404, ""},        // excludedPath; pages.mts excludes /api/* too
		{"DELETE", "/api/items/42", 404, ""},         // not one of its methods
		{"GET", "/about.txt", 200, "static about\n"}, // preferStatic: the file wins over pages.mts
		{"GET", "/", 200, "<!doctype html><title>typed</title><p>static index</p>\n"},
		{"GET", "/blog/hello", 200, "rendered /blog/hello"},
		{"GET", "/.netlify/functions/items", 404, ""}, // not served at its default path
	} {
		r := srv.do(t, tc.method, srv.URL()+tc.path, "")
		if r.Status != tc.status || (tc.body != "" && string(r.Body) != tc.body) {
			t.Errorf("%s %s: %d %s, want %d %s", tc.method, tc.path, r.Status, r.Body, tc.status, tc.body)
		}
	}
}

func TestHookLines(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips running real JS functions")
	}
	srv, _ := startSite(t, "typed", Options{})
	got := strings.Join(srv.HookLines(t.Context()), "\n")
	want := "validate → identity (userValidate)\n" +
		"signup → identity-signup, identity (userSignup), notify (userSignup, background), welcome (userSignup)\n" +
		"login → identity (userLogin)\nusermodified → identity (userModified)\nuserdeleted → identity (userDeleted)"
	if got != want {
		t.Fatalf("hook lines:\n%s\nwant:\n%s", got, want)
	}
}
