package devserver

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/identity"
)

// signInWith drives an external sign-in as a browser would: /authorize, the emulated
// provider's page, its form, /callback. It returns where /callback redirected.
func signInWith(t *testing.T, srv *testServer, provider, email string, verified bool, query string) *url.URL {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(srv.identityURL("/authorize?provider=" + provider + query))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 302 {
		t.Fatalf("/authorize: %d", resp.StatusCode)
	}
	page, _ := url.Parse(srv.URL() + resp.Header.Get("Location"))
	resp, err = client.Get(page.String())
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(html), "Sign in with") {
		t.Fatalf("provider page: %d %s", resp.StatusCode, html)
	}
	form := url.Values{"state": {page.Query().Get("state")}, "email": {email}, "full_name": {"Ext User"}, "avatar_url": {"https://example.com/a.png"}}
	if verified {
		form.Set("email_verified", "on")
	}
	resp, err = client.PostForm(page.String(), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = client.Get(srv.URL() + resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 302 {
		t.Fatalf("/callback: %d", resp.StatusCode)
	}
	u, _ := url.Parse(resp.Header.Get("Location"))
	return u
}

func TestExternalProviders(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips running real hook functions")
	}
	srv, _ := startSite(t, "hooks", Options{External: []string{"github", "google"}, SiteURL: "http://site.test"})
	admin, _ := srv.AdminToken(time.Hour)

	r := srv.do(t, "GET", srv.identityURL("/settings"), "")
	if !strings.Contains(string(r.Body), `"github":true`) || !strings.Contains(string(r.Body), `"gitlab":false`) {
		t.Fatalf("settings %s", r.Body)
	}
	if r := srv.do(t, "GET", srv.identityURL("/authorize?provider=gitlab"), ""); r.Status != 400 || !strings.Contains(string(r.Body), "Unsupported provider: Provider is not enabled") {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if r := srv.do(t, "GET", srv.identityURL("/authorize?provider=myspace"), ""); r.Status != 400 || !strings.Contains(string(r.Body), "Provider myspace could not be found") {
		t.Fatalf("%d %s", r.Status, r.Body)
	}

	t.Run("a new user with a verified email: validate, signup, tokens in the fragment", func(t *testing.T) {
		u := signInWith(t, srv, "github", "oauth@allowed.test", true, "")
		frag, _ := url.ParseQuery(u.Fragment)
		if u.Host != "site.test" || frag.Get("access_token") == "" || frag.Get("token_type") != "bearer" || frag.Get("expires_in") != "3600" {
			t.Fatalf("redirect %s", u)
		}
		if !strings.HasPrefix(u.Fragment, "access_token=") {
			t.Fatalf("fragment keys not sorted: %s", u.Fragment)
		}
		app, _ := claimsOf(t, frag.Get("access_token"))["app_metadata"].(map[string]any)
		if app["provider"] != "github" || app["roles"] == nil {
			t.Fatalf("app_metadata %v", app)
		}
		got := srv.events(t, "kind=hook&user=oauth@allowed.test")
		if len(got) != 2 || got[1].Event != "validate" || got[0].Event != "signup" {
			t.Fatalf("journal %+v", got)
		}
	})

	t.Run("the same user again: login", func(t *testing.T) {
		u := signInWith(t, srv, "github", "oauth@allowed.test", true, "")
		if !strings.Contains(u.Fragment, "access_token=") {
			t.Fatalf("redirect %s", u)
		}
		if got := srv.events(t, "kind=hook&function=identity-login&user=oauth@allowed.test"); len(got) != 1 {
			t.Fatalf("journal %+v", got)
		}
	})

	t.Run("a rejecting validate ends in the error fragment", func(t *testing.T) {
		u := signInWith(t, srv, "google", "nope@elsewhere.test", true, "")
		if u.Fragment != "error=server_error&error_description=Failed+to+handle+signup+webhook" {
			t.Fatalf("redirect %s", u)
		}
	})

	t.Run("an unverified email gets a confirmation mail and no tokens", func(t *testing.T) {
		u := signInWith(t, srv, "google", "unverified@allowed.test", false, "")
		if u.Fragment != "" || srv.mailToken(t, "unverified@allowed.test", identity.MailConfirmation) == "" {
			t.Fatalf("redirect %s", u)
		}
	})

	t.Run("an invite accepted through a provider", func(t *testing.T) {
		r := srv.do(t, "POST", srv.identityURL("/invite"), `{"email":"invited@allowed.test"}`, "Authorization: Bearer "+admin, "Content-Type: application/json")
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		tok := srv.mailToken(t, "invited@allowed.test", identity.MailInvite)
		u := signInWith(t, srv, "github", "someone-else@allowed.test", true, "&invite_token="+tok)
		if u.Fragment != "error=invalid_request&error_description=Invited+email+does+not+match+emails+from+external+provider" {
			t.Fatalf("redirect %s", u)
		}
		u = signInWith(t, srv, "github", "invited@allowed.test", true, "&invite_token="+tok)
		if !strings.Contains(u.Fragment, "access_token=") {
			t.Fatalf("redirect %s", u)
		}
	})
}

func TestProfile2024KeepsFunctionHooksOutOfExternalSignIns(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips running real hook functions")
	}
	srv, _ := startSite(t, "hooks", Options{External: []string{"github"}, GoTrueProfile: "2024"})
	u := signInWith(t, srv, "github", "anyone@elsewhere.test", true, "")
	if !strings.Contains(u.Fragment, "access_token=") {
		t.Fatalf("the rejecting validate ran under the 2024 profile: %s", u)
	}
	if got := srv.events(t, "user=anyone@elsewhere.test"); len(got) != 0 {
		t.Fatalf("journal %+v", got)
	}
	if r := srv.signup(t, "email@elsewhere.test"); r.Status != 422 {
		t.Fatalf("email signups must still reach the functions: %d %s", r.Status, r.Body)
	}
}
