package devserver

import (
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/devapi"
	"github.com/identity-dev/dev/emulator/hooks"
	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/journal"
	"github.com/identity-dev/dev/emulator/tokens"
	"github.com/identity-dev/dev/fixtures"
)

func (s *testServer) signup(t testing.TB, email string) *response {
	t.Helper()
	return s.do(t, "POST", s.identityURL("/signup"), `{"email":"`+email+`","password":"pw","data":{"full_name":"Test"}}`, "Content-Type: application/json")
}

func (s *testServer) events(t testing.TB, query string) []journal.Entry {
	t.Helper()
	var out []journal.Entry
	s.do(t, "GET", s.URL()+"/.netlify/dev/api/events?"+query, "").json(t, &out)
	return out
}

func claimsOf(t testing.TB, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIdentityFunctionHooks(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips running real JS and Go hook functions")
	}
	const secret = "hooks-test-secret"
	srv, _ := startSite(t, "hooks", Options{JWTSecret: secret, HookTimeout: time.Second})
	instanceID := srv.API().Config().InstanceID
	admin, _ := srv.AdminToken(time.Hour)

	t.Run("validate on signup: the 8-key user, and its answer replaces app_metadata", func(t *testing.T) {
		r := srv.signup(t, "ann@allowed.test")
		var u identity.User
		r.json(t, &u)
		if r.Status != 200 || u.AppMetaData["validated"] != true || u.AppMetaData["provider"] != "email" || u.AppMetaData["seen"] != "validate" ||
			u.AppMetaData["keys"] != "id,aud,role,email,app_metadata,user_metadata,created_at,updated_at" || u.AppMetaData["instance"] != instanceID {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		entries := srv.events(t, "kind=hook&user=ann@allowed.test")
		if len(entries) != 1 || entries[0].Function != "identity-validate" || entries[0].Outcome != "pass" {
			t.Fatalf("journal %+v", entries)
		}
		e := entries[0]
		if e.Request.Header.Get("X-Netlify-Event") != "identity_validate" || e.Request.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("headers %v", e.Request.Header)
		}
		if err := tokens.VerifyWebhook(secret, instanceID, e.Request.Header.Get("X-Webhook-Signature"), e.Request.Body); err != nil {
			t.Fatalf("signature: %v", err)
		}
		var body map[string]json.RawMessage
		if json.Unmarshal(e.Request.Body, &body) != nil || len(body) != 3 || string(body["event"]) != `"validate"` {
			t.Fatalf("body %s", e.Request.Body)
		}
	})

	t.Run("verify fires signup (Go), not login; the token carries its answer", func(t *testing.T) {
		tok := srv.mailToken(t, "ann@allowed.test", identity.MailConfirmation)
		r := srv.do(t, "POST", srv.identityURL("/verify"), `{"type":"signup","token":"`+tok+`"}`, "Content-Type: application/json")
		var tr identity.TokenResponse
		r.json(t, &tr)
		app, _ := claimsOf(t, tr.AccessToken)["app_metadata"].(map[string]any)
		if r.Status != 200 || app["roles"] == nil || app["provider"] != "email" || app["confirmed_in_payload"] != false || app["signature_header"] != true {
			t.Fatalf("%d %s; app_metadata %v", r.Status, r.Body, app)
		}
		if got := srv.events(t, "kind=hook&function=identity-login&user=ann@allowed.test"); len(got) != 0 {
			t.Fatalf("login fired on /verify: %+v", got)
		}
	})

	t.Run("login fires login with confirmed_at and clientContext.identity", func(t *testing.T) {
		form := url.Values{"grant_type": {"password"}, "username": {"ann@allowed.test"}, "password": {"pw"}}
		r := srv.do(t, "POST", srv.identityURL("/token"), form.Encode(), "Content-Type: application/x-www-form-urlencoded")
		var tr identity.TokenResponse
		r.json(t, &tr)
		meta, _ := claimsOf(t, tr.AccessToken)["user_metadata"].(map[string]any)
		if r.Status != 200 || meta["logins"] != float64(1) || meta["confirmed"] != true || meta["identity"] != true || meta["full_name"] != "Test" {
			t.Fatalf("%d %s; user_metadata %v", r.Status, r.Body, meta)
		}
		r = srv.do(t, "POST", srv.identityURL("/token"), url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken}}.Encode(), "Content-Type: application/x-www-form-urlencoded")
		if r.Status != 200 || len(srv.events(t, "kind=hook&function=identity-login&user=ann@allowed.test")) != 1 {
			t.Fatalf("refresh fired login, or failed: %d %s", r.Status, r.Body)
		}
	})

	t.Run("a rejecting validate runs three times, blocks with 422 and leaves no user", func(t *testing.T) {
		r := srv.signup(t, "eve@elsewhere.test")
		if r.Status != 422 || string(r.Body) != `{"code":422,"msg":"Failed to handle signup webhook"}` {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		if got := srv.events(t, "kind=hook&user=eve@elsewhere.test"); len(got) != 3 || got[0].Outcome != "reject" || got[0].Attempt != 3 {
			t.Fatalf("journal %+v", got)
		}
		list := srv.do(t, "GET", srv.identityURL("/admin/users?filter=eve"), "", "Authorization: Bearer "+admin)
		if !strings.Contains(string(list.Body), `"users":[]`) {
			t.Fatalf("rejected user exists: %s", list.Body)
		}
	})

	t.Run("a non-JSON 200 is a 500 and leaves no user", func(t *testing.T) {
		r := srv.signup(t, "text@allowed.test")
		var he identity.HTTPError
		r.json(t, &he)
		if r.Status != 500 || he.Message != "Webhook returned malformed JSON: invalid character 'O' looking for beginning of value" || he.ErrorID == "" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})

	t.Run("a slow validate times out three times: 504", func(t *testing.T) {
		r := srv.signup(t, "slow@allowed.test")
		if r.Status != 504 || !strings.Contains(string(r.Body), `"msg":"Failed to perform webhook in time frame (1 seconds)"`) {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		if got := srv.events(t, "kind=hook&user=slow@allowed.test"); len(got) != 3 || got[0].Outcome != "timeout" {
			t.Fatalf("journal %+v", got)
		}
	})

	t.Run("a rejecting login issues no token", func(t *testing.T) {
		r := srv.do(t, "POST", srv.identityURL("/admin/users"), `{"email":"blocked@allowed.test","password":"pw","confirm":true}`, "Authorization: Bearer "+admin, "Content-Type: application/json")
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		form := url.Values{"grant_type": {"password"}, "username": {"blocked@allowed.test"}, "password": {"pw"}}
		r = srv.do(t, "POST", srv.identityURL("/token"), form.Encode(), "Content-Type: application/x-www-form-urlencoded")
		if r.Status != 422 || strings.Contains(string(r.Body), "access_token") {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})

	t.Run("usermodified never blocks", func(t *testing.T) {
		var list struct{ Users []identity.User }
		srv.do(t, "GET", srv.identityURL("/admin/users?filter=ann"), "", "Authorization: Bearer "+admin).json(t, &list)
		r := srv.do(t, "PUT", srv.identityURL("/admin/users/"+list.Users[0].ID), `{"user_metadata":{"x":1}}`, "Authorization: Bearer "+admin, "Content-Type: application/json")
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		if got := srv.events(t, "function=identity-usermodified"); len(got) != 3 || got[0].Outcome != "reject" {
			t.Fatalf("journal %+v", got)
		}
	})

	defer t.Run("every request sent matches its schema", func(t *testing.T) {
		entries := srv.events(t, "kind=hook&limit=1000")
		if len(entries) < 10 {
			t.Fatalf("%d entries", len(entries))
		}
		for _, e := range entries {
			if err := fixtures.Validate("identity-"+e.Event, e.Request.Body); err != nil {
				t.Errorf("%s %s: %v", e.Function, e.Event, err)
			}
		}
	})

	t.Run("invite fires validate, accepting it fires signup", func(t *testing.T) {
		r := srv.do(t, "POST", srv.identityURL("/invite"), `{"email":"inv@allowed.test"}`, "Authorization: Bearer "+admin, "Content-Type: application/json")
		if r.Status != 200 || !strings.Contains(string(r.Body), `"seen":"validate"`) {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		tok := srv.mailToken(t, "inv@allowed.test", identity.MailInvite)
		r = srv.do(t, "POST", srv.identityURL("/verify"), `{"type":"signup","token":"`+tok+`","password":"pw"}`, "Content-Type: application/json")
		if r.Status != 200 || len(srv.events(t, "function=identity-signup&user=inv@allowed.test")) != 1 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
}

func TestAutoconfirmFiresValidateThenSignup(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips running real hook functions")
	}
	srv, _ := startSite(t, "hooks", Options{Autoconfirm: true})
	r := srv.signup(t, "auto@allowed.test")
	var u identity.User
	r.json(t, &u)
	if r.Status != 200 || u.ConfirmedAt == nil || u.AppMetaData["roles"] == nil || u.AppMetaData["validated"] != true {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	got := srv.events(t, "kind=hook&user=auto@allowed.test")
	if len(got) != 2 || got[1].Function != "identity-validate" || got[0].Function != "identity-signup" {
		t.Fatalf("journal %+v", got)
	}
}

func TestWebhookReplacesFunctionHooks(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips running real hook functions")
	}
	rc := &receiver{answer: hookAnswer{204, ""}}
	hs := httptest.NewServer(rc)
	defer hs.Close()
	srv, _ := startSite(t, "hooks", Options{Webhook: &hooks.Webhook{URL: hs.URL, Events: []string{"validate", "signup", "login"}}})
	if r := srv.signup(t, "anyone@elsewhere.test"); r.Status != 200 {
		t.Fatalf("the rejecting validate function ran although a webhook is set: %d %s", r.Status, r.Body)
	}
	if got := rc.take(defaultHookAnswer); len(got) != 1 || got[0].event != "validate" || got[0].signature != "" {
		t.Fatalf("webhook deliveries %+v", got)
	}
	if got := srv.events(t, "user=anyone@elsewhere.test"); len(got) != 1 || got[0].Kind != journal.KindWebhook {
		t.Fatalf("journal %+v", got)
	}
}

func TestHookMomentsRecoveryDeletionReplayAndHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips running real hook functions")
	}
	srv, _ := startSite(t, "hooks", Options{})
	admin, _ := srv.AdminToken(time.Hour)

	// Recovery of an unconfirmed user confirms them, and fires signup.
	if r := srv.signup(t, "rec@allowed.test"); r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	srv.do(t, "POST", srv.identityURL("/recover"), `{"email":"rec@allowed.test"}`, "Content-Type: application/json")
	tok := srv.mailToken(t, "rec@allowed.test", identity.MailRecovery)
	r := srv.do(t, "POST", srv.identityURL("/verify"), `{"type":"recovery","token":"`+tok+`"}`, "Content-Type: application/json")
	var tr identity.TokenResponse
	r.json(t, &tr)
	if app, _ := claimsOf(t, tr.AccessToken)["app_metadata"].(map[string]any); r.Status != 200 || app["roles"] == nil {
		t.Fatalf("%d %s", r.Status, r.Body)
	}

	// Deleting a user answers 200 though identity-userdeleted fails, and the history sums
	// up what the user went through.
	var list struct{ Users []identity.User }
	srv.do(t, "GET", srv.identityURL("/admin/users?filter=rec@"), "", "Authorization: Bearer "+admin).json(t, &list)
	if r := srv.do(t, "DELETE", srv.identityURL("/admin/users/"+list.Users[0].ID), "", "Authorization: Bearer "+admin); r.Status != 200 || string(r.Body) != "{}" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	var history []devapi.HookHistory
	srv.do(t, "GET", srv.URL()+"/.netlify/dev/api/events/summary?user=rec@allowed.test", "").json(t, &history)
	if len(history) != 3 || history[0].Event != "validate" || history[1].Event != "signup" || history[1].Target != "identity-signup" ||
		history[1].Last != "pass" || history[2].Event != "userdeleted" || history[2].Outcomes["reject"] != 3 {
		t.Fatalf("history %+v", history)
	}

	// Replaying the recorded validate to another function, re-signed.
	entries := srv.events(t, "kind=hook&function=identity-validate&user=rec@allowed.test")
	var pair struct{ Old, New journal.Entry }
	srv.do(t, "POST", srv.URL()+"/.netlify/dev/api/events/"+entries[0].ID+"/replay?function=identity-login", "", "Content-Type: application/json").json(t, &pair)
	// Re-signed at the replay: its iat is the replay's second (equal to the recorded
	// one's when both fall in the same second, as HS256 over the same claims is).
	if pair.New.Function != "identity-login" || pair.New.ReplayOf != entries[0].ID || pair.New.Outcome != "pass" ||
		iatOf(t, pair.New.Request.Header.Get("X-Webhook-Signature")) < iatOf(t, pair.Old.Request.Header.Get("X-Webhook-Signature")) ||
		iatOf(t, pair.New.Request.Header.Get("X-Webhook-Signature")) < pair.New.CreatedAt.Unix()-1 {
		t.Fatalf("replay: %+v", pair.New)
	}
	if !strings.Contains(string(pair.New.Response.Body), "logins") {
		t.Fatalf("identity-login's answer to the replayed body: %s", pair.New.Response.Body)
	}
}

// A failing usermodified or userdeleted hook is explained as production treats it:
// logged, never the client's error.
func TestExplainNonBlockingFailure(t *testing.T) {
	var n notes
	var said []string
	for attempt := 1; attempt <= 3; attempt++ {
		said = append(said, n.explain(&journal.Entry{Event: "usermodified", Function: "identity-usermodified", Outcome: "reject",
			Attempt: attempt, Attempts: 3, Response: &journal.Response{Status: 400}})...)
	}
	all := strings.Join(said, "\n")
	if len(said) != 2 || !strings.Contains(all, "production calls it again at once, 3 times") ||
		!strings.Contains(all, "production only logs a failed usermodified hook; the admin's request still succeeds") || strings.Contains(all, "422") {
		t.Fatalf("explained as:\n%s", all)
	}
}

// iatOf is a JWT's iat claim.
func iatOf(t *testing.T, jwt string) int64 {
	t.Helper()
	iat, ok := claimsOf(t, jwt)["iat"].(float64)
	if !ok {
		t.Fatalf("no iat in %q", jwt)
	}
	return int64(iat)
}
