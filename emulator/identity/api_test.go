package identity_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/identity/store"
	"github.com/identity-dev/dev/emulator/tokens"
)

// clock is a settable time source, for expiry rules.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	t     *testing.T
	api   *identity.API
	store *store.SQLite
	srv   *httptest.Server
	clock *clock
	admin string
}

func newEnv(t *testing.T, cfg identity.Config) *env {
	t.Helper()
	db, err := store.Open(context.Background(), store.Memory)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if cfg.JWTSecret == "" {
		cfg.JWTSecret = "test-secret"
	}
	if cfg.SiteURL == "" {
		cfg.SiteURL = "http://site.test"
	}
	c := &clock{t: time.Now()}
	api := identity.New(cfg, db, identity.WithClock(c.now))
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	admin, err := api.Signer().AdminToken(time.Now().Add(24 * 365 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, api: api, store: db, srv: srv, clock: c, admin: admin}
}

type reply struct {
	status int
	header http.Header
	body   string
}

func (e *env) req(method, path, body string, headers ...string) reply {
	e.t.Helper()
	r, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if strings.HasPrefix(body, "{") {
		r.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		r.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, string(b)}
}

func (e *env) expect(r reply, status int, body string) {
	e.t.Helper()
	if r.status != status || (body != "" && strings.TrimSpace(r.body) != body) {
		e.t.Fatalf("got %d %s, want %d %s", r.status, r.body, status, body)
	}
}

func (e *env) form(values url.Values) reply {
	e.t.Helper()
	return e.req("POST", "/token", values.Encode(), "Content-Type: application/x-www-form-urlencoded")
}

func (e *env) login(email, password string) reply {
	return e.form(url.Values{"grant_type": {"password"}, "username": {email}, "password": {password}})
}

func (e *env) lastMail(to string, kind identity.MailKind) *identity.Mail {
	e.t.Helper()
	var found *identity.Mail
	err := e.store.View(context.Background(), func(tx identity.Tx) error {
		mails, err := tx.ListMail(to)
		for _, m := range mails {
			if m.Kind == kind && found == nil {
				found = m
			}
		}
		return err
	})
	if err != nil || found == nil {
		e.t.Fatalf("no %s mail to %s (%v)", kind, to, err)
	}
	return found
}

func (e *env) userCount() int {
	e.t.Helper()
	var n int
	err := e.store.View(context.Background(), func(tx identity.Tx) error {
		_, total, err := tx.ListUsers(identity.UserQuery{Page: identity.Page{Number: 1, PerPage: 1}})
		n = total
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) signupConfirmed(email, password string) {
	e.t.Helper()
	e.expect(e.req("POST", "/signup", `{"email":"`+email+`","password":"`+password+`"}`), 200, "")
	tok := e.lastMail(email, identity.MailConfirmation).Token
	e.expect(e.req("POST", "/verify", `{"type":"signup","token":"`+tok+`"}`), 200, "")
}

func tokenOf(t *testing.T, r reply) identity.TokenResponse {
	t.Helper()
	var tr identity.TokenResponse
	if err := json.Unmarshal([]byte(r.body), &tr); err != nil || tr.AccessToken == "" {
		t.Fatalf("not a token response: %d %s", r.status, r.body)
	}
	return tr
}

func TestConfirmationTokenExpires(t *testing.T) {
	e := newEnv(t, identity.Config{})
	e.expect(e.req("POST", "/signup", `{"email":"late@example.com","password":"pw"}`), 200, "")
	tok := e.lastMail("late@example.com", identity.MailConfirmation).Token
	e.clock.advance(24*time.Hour + time.Second)
	e.expect(e.req("POST", "/verify", `{"type":"signup","token":"`+tok+`"}`), 422, `{"code":422,"msg":"Confirmation token expired"}`)
}

func TestSignupResendsConfirmationOnlyAfterMaxFrequency(t *testing.T) {
	e := newEnv(t, identity.Config{})
	e.expect(e.req("POST", "/signup", `{"email":"re@example.com","password":"pw"}`), 200, "")
	first := e.lastMail("re@example.com", identity.MailConfirmation).Token
	e.expect(e.req("POST", "/signup", `{"email":"re@example.com","password":"pw"}`), 200, "")
	if got := e.lastMail("re@example.com", identity.MailConfirmation).Token; got != first {
		t.Fatalf("a second signup within 15 minutes sent a new mail")
	}
	e.clock.advance(16 * time.Minute)
	e.expect(e.req("POST", "/signup", `{"email":"re@example.com","password":"pw"}`), 200, "")
	second := e.lastMail("re@example.com", identity.MailConfirmation).Token
	if second == first {
		t.Fatalf("no new confirmation mail after 16 minutes")
	}
	e.expect(e.req("POST", "/verify", `{"type":"signup","token":"`+first+`"}`), 404, `{"code":404,"msg":"User not found"}`)
	e.expect(e.req("POST", "/verify", `{"type":"signup","token":"`+second+`"}`), 200, "")
}

func TestInviteExpiresAfterSevenDays(t *testing.T) {
	e := newEnv(t, identity.Config{})
	e.expect(e.req("POST", "/invite", `{"email":"inv@example.com"}`, "Authorization: Bearer "+e.admin), 200, "")
	tok := e.lastMail("inv@example.com", identity.MailInvite).Token
	e.clock.advance(6 * 24 * time.Hour)
	e.expect(e.req("POST", "/verify", `{"type":"signup","token":"`+tok+`"}`), 422, `{"code":422,"msg":"Invited users must specify a password"}`)
	e.clock.advance(24*time.Hour + time.Second)
	e.expect(e.req("POST", "/verify", `{"type":"signup","token":"`+tok+`","password":"pw"}`), 422, `{"code":422,"msg":"Confirmation token expired"}`)
}

func TestRecoveryRateLimitAndExpiry(t *testing.T) {
	e := newEnv(t, identity.Config{})
	e.signupConfirmed("rec@example.com", "pw")
	e.expect(e.req("POST", "/recover", `{"email":"rec@example.com"}`), 200, `{}`)
	e.expect(e.req("POST", "/recover", `{"email":"rec@example.com"}`), 429, `{"code":429,"msg":"Rate limit exceeded, try again later"}`)
	tok := e.lastMail("rec@example.com", identity.MailRecovery).Token
	e.clock.advance(24*time.Hour + time.Second)
	e.expect(e.req("POST", "/verify", `{"type":"recovery","token":"`+tok+`"}`), 422, `{"code":422,"msg":"Recovery token expired"}`)
	e.expect(e.req("POST", "/recover", `{"email":"rec@example.com"}`), 200, `{}`)
	tok = e.lastMail("rec@example.com", identity.MailRecovery).Token
	e.expect(e.req("POST", "/verify", `{"type":"recovery","token":"`+tok+`"}`), 200, "")
}

func TestRecoveryConfirmsAnUnconfirmedUser(t *testing.T) {
	e := newEnv(t, identity.Config{})
	e.expect(e.req("POST", "/signup", `{"email":"u@example.com","password":"pw"}`), 200, "")
	e.expect(e.req("POST", "/recover", `{"email":"u@example.com"}`), 200, `{}`)
	tok := e.lastMail("u@example.com", identity.MailRecovery).Token
	e.expect(e.req("POST", "/verify", `{"type":"recovery","token":"`+tok+`"}`), 200, "")
	e.expect(e.login("u@example.com", "pw"), 200, "")
}

func TestEmailChangeTokenExpires(t *testing.T) {
	e := newEnv(t, identity.Config{})
	e.signupConfirmed("old@example.com", "pw")
	access := tokenOf(t, e.login("old@example.com", "pw")).AccessToken
	e.expect(e.req("PUT", "/user", `{"email":"new@example.com"}`, "Authorization: Bearer "+access), 200, "")
	tok := e.lastMail("new@example.com", identity.MailEmailChange).Token
	e.clock.advance(24*time.Hour + time.Second)
	fresh := tokenOf(t, e.login("old@example.com", "pw")).AccessToken
	e.expect(e.req("PUT", "/user", `{"email_change_token":"`+tok+`"}`, "Authorization: Bearer "+fresh), 422, `{"code":422,"msg":"Email change token expired"}`)
}

func TestRefreshTokenExpiresAfterThirtyDays(t *testing.T) {
	e := newEnv(t, identity.Config{})
	e.signupConfirmed("r@example.com", "pw")
	rt := tokenOf(t, e.login("r@example.com", "pw")).RefreshToken
	e.clock.advance(30*24*time.Hour + time.Second)
	e.expect(e.form(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}), 400,
		`{"error":"invalid_grant","error_description":"Refresh token expired"}`)
}

func TestRefreshRotatesAndRevokes(t *testing.T) {
	e := newEnv(t, identity.Config{})
	e.signupConfirmed("rot@example.com", "pw")
	first := tokenOf(t, e.login("rot@example.com", "pw")).RefreshToken
	next := tokenOf(t, e.form(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first}}))
	if next.RefreshToken == first || len(next.RefreshToken) != 22 {
		t.Fatalf("refresh token not rotated: %q", next.RefreshToken)
	}
	r := e.form(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first}})
	e.expect(r, 400, `{"error":"invalid_grant","error_description":"Invalid Refresh Token"}`)
	if !strings.Contains(r.header.Get("Set-Cookie"), "nf_jwt=;") {
		t.Fatalf("reuse of a revoked refresh token did not clear the cookie: %q", r.header.Get("Set-Cookie"))
	}
	e.expect(e.req("POST", "/logout", "", "Authorization: Bearer "+next.AccessToken), 204, "")
	e.expect(e.form(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {next.RefreshToken}}), 400,
		`{"error":"invalid_grant","error_description":"Invalid Refresh Token"}`)
}

// Forged and malformed tokens get GoTrue's answers, worded as golang-jwt v4 words them.
func TestTokensThatMustBeRefused(t *testing.T) {
	e := newEnv(t, identity.Config{})
	e.signupConfirmed("victim@example.com", "pw")
	access := tokenOf(t, e.login("victim@example.com", "pw")).AccessToken
	parts := strings.Split(access, ".")
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	noneToken := b64(`{"alg":"none","typ":"JWT"}`) + "." + parts[1] + "."
	hs512Token := b64(`{"alg":"HS512","typ":"JWT"}`) + "." + parts[1] + "." + parts[2]
	rs256Token := b64(`{"alg":"RS256","typ":"JWT"}`) + "." + parts[1] + "." + parts[2]
	tampered := parts[0] + "." + b64(`{"exp":9999999999,"sub":"0"}`) + "." + parts[2]
	for name, tc := range map[string]struct{ auth, msg string }{
		"alg none":    {"Bearer " + noneToken, "Invalid token: signing method none is invalid"},
		"HS512":       {"Bearer " + hs512Token, "Invalid token: signing method HS512 is invalid"},
		"RS256":       {"Bearer " + rs256Token, "Invalid token: signing method RS256 is invalid"},
		"tampered":    {"Bearer " + tampered, "Invalid token: signature is invalid"},
		"one segment": {"Bearer abc", "Invalid token: token contains an invalid number of segments"},
		"no bearer":   {"Token " + access, "This endpoint requires a Bearer token"},
	} {
		t.Run(name, func(t *testing.T) {
			for _, path := range []string{"/user", "/admin/users"} {
				r := e.req("GET", path, "", "Authorization: "+tc.auth)
				want, _ := json.Marshal(map[string]any{"code": 401, "msg": tc.msg})
				e.expect(r, 401, string(want))
			}
		})
	}
}

// Each bad request gets GoTrue's answer and leaves no user behind.
func TestBadInputLeavesStoreUnchanged(t *testing.T) {
	e := newEnv(t, identity.Config{})
	big := `{"email":"big@example.com","password":"pw","data":{"x":"` + strings.Repeat("a", identity.MaxBodyBytes) + `"}}`
	cases := []struct {
		name, method, path, body, ctype string
		status                          int
		want                            string
	}{
		{"form body to signup", "POST", "/signup", "email=a%40b.c&password=x", "application/x-www-form-urlencoded", 400, `{"code":400,"msg":"Could not read Signup params: invalid character 'e' looking for beginning of value"}`},
		{"oversized signup", "POST", "/signup", big, "application/json", 400, `{"code":400,"msg":"Could not read Signup params: http: request body too large"}`},
		{"wrong types", "POST", "/signup", `{"email":5,"password":"x"}`, "application/json", 400, `{"code":400,"msg":"Could not read Signup params: json: cannot unmarshal number into Go struct field SignupParams.email of type string"}`},
		{"unknown route", "GET", "/nope", "", "", 404, "404 page not found"},
		{"wrong method", "GET", "/signup", "", "", 405, ""},
		{"verify without type", "POST", "/verify", `{"token":"x"}`, "application/json", 422, `{"code":422,"msg":"Verify requires a verification type"}`},
		{"json to token", "POST", "/token", `{"grant_type":"password"}`, "application/json", 400, `{"error":"unsupported_grant_type"}`},
		{"oversized token form", "POST", "/token", "grant_type=password&x=" + strings.Repeat("a", identity.MaxBodyBytes), "application/x-www-form-urlencoded", 400, `{"error":"unsupported_grant_type"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var hs []string
			if c.ctype != "" {
				hs = append(hs, "Content-Type: "+c.ctype)
			}
			r := e.req(c.method, c.path, c.body, hs...)
			e.expect(r, c.status, c.want)
			if n := e.userCount(); n != 0 {
				t.Fatalf("%d users after a refused request", n)
			}
		})
	}
}

func TestAdminRoleUserIsAdminAndOthersAreNot(t *testing.T) {
	e := newEnv(t, identity.Config{})
	e.signupConfirmed("boss@example.com", "pw")
	e.signupConfirmed("staff@example.com", "pw")
	var users struct {
		Users []identity.User `json:"users"`
	}
	r := e.req("GET", "/admin/users?filter=boss", "", "Authorization: Bearer "+e.admin)
	if err := json.Unmarshal([]byte(r.body), &users); err != nil || len(users.Users) != 1 {
		t.Fatalf("filter: %s", r.body)
	}
	staff := tokenOf(t, e.login("staff@example.com", "pw")).AccessToken
	e.expect(e.req("GET", "/admin/users", "", "Authorization: Bearer "+staff), 401, `{"code":401,"msg":"User not allowed"}`)
	e.expect(e.req("PUT", "/admin/users/"+users.Users[0].ID, `{"role":"admin"}`, "Authorization: Bearer "+e.admin), 200, "")
	boss := tokenOf(t, e.login("boss@example.com", "pw")).AccessToken
	e.expect(e.req("GET", "/admin/users", "", "Authorization: Bearer "+boss), 200, "")
	e.expect(e.req("PUT", "/user", `{"app_metadata":{"plan":"pro"}}`, "Authorization: Bearer "+boss), 200, "")
	// A token for a user that no longer exists is not an admin.
	e.expect(e.req("DELETE", "/admin/users/"+users.Users[0].ID, "", "Authorization: Bearer "+e.admin), 200, `{}`)
	e.expect(e.req("GET", "/admin/users", "", "Authorization: Bearer "+boss), 401, `{"code":401,"msg":"Invalid admin user"}`)
	e.expect(e.req("GET", "/user", "", "Authorization: Bearer "+boss), 404, `{"code":404,"msg":"User not found"}`)
}

func TestCookieIsSetOnRequestAndSessionOnly(t *testing.T) {
	e := newEnv(t, identity.Config{})
	e.signupConfirmed("c@example.com", "pw")
	form := url.Values{"grant_type": {"password"}, "username": {"c@example.com"}, "password": {"pw"}}.Encode()
	r := e.req("POST", "/token", form, "Content-Type: application/x-www-form-urlencoded", "X-Use-Cookie: session")
	c := r.header.Get("Set-Cookie")
	if !strings.HasPrefix(c, "nf_jwt=ey") || strings.Contains(c, "Max-Age") || !strings.HasSuffix(c, "; Path=/; HttpOnly; Secure") {
		t.Fatalf("session cookie: %q", c)
	}
	r = e.req("POST", "/token", form, "Content-Type: application/x-www-form-urlencoded")
	if c := r.header.Get("Set-Cookie"); c != "" {
		t.Fatalf("cookie without X-Use-Cookie: %q", c)
	}
}

func TestAdminTokenShape(t *testing.T) {
	s := tokens.NewSigner("k")
	tok, err := s.AdminToken(time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	// {"alg":"HS256","typ":"JWT"} . {"exp":1700000000,"sub":"0"}
	want := "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3MDAwMDAwMDAsInN1YiI6IjAifQ."
	if !strings.HasPrefix(tok, want) {
		t.Fatalf("admin token %s, want prefix %s", tok, want)
	}
}

// The OAuth state of an external sign-in lasts 5 minutes on the API's clock.
func TestExternalStateExpires(t *testing.T) {
	e := newEnv(t, identity.Config{External: map[string]bool{"github": true}})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(e.srv.URL + "/authorize?provider=github")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("state") == "" {
		t.Fatalf("authorize redirected to %q", resp.Header.Get("Location"))
	}
	state := loc.Query().Get("state")
	code := e.api.IssueCode(identity.ProviderIdentity{Email: "gh@example.com", EmailVerified: true})
	e.clock.advance(6 * time.Minute)
	r := e.req("GET", "/callback?code="+url.QueryEscape(code)+"&state="+url.QueryEscape(state), "")
	if r.status != 400 || !strings.Contains(r.body, "took more than 5 minutes") {
		t.Fatalf("a callback 6 minutes on: %d %s", r.status, r.body)
	}
}
