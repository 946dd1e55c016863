package devserver

import (
	"encoding/json"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/tokens"
	"github.com/identity-dev/dev/internal/npmtest"
)

// TestModernIdentityInV2Functions runs @netlify/identity's server functions unchanged in
// v2 functions (testdata/modern/site, the npm packages pinned in testdata/modern) against
// dev's identity API: getUser() by Bearer and by the nf_jwt cookie, login() and logout()
// with production's cookies, verifyRequestOrigin() with the browser's origin, and the
// admin API with the operator token.
func TestModernIdentityInV2Functions(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips the v2 functions, which bundle @netlify/identity from npm")
	}
	requireNode(t)
	srv, _ := startSiteIn(t, modernSite(t), Options{})
	const email, password = "modern@example.com", "correct horse"
	tr := srv.signupConfirmLogin(t, email, password)
	var me struct{ ID, Email string }
	srv.do(t, "GET", srv.identityURL("/user"), "", "Authorization: Bearer "+tr.AccessToken).json(t, &me)
	origin := "Origin: " + srv.URL()
	credentials := `{"email":"` + email + `","password":"` + password + `"}`

	t.Run("getUser: Bearer, nf_jwt cookie, else null", func(t *testing.T) {
		forged, _ := tokens.NewSigner("not the instance secret").AccessToken(tokens.Claims{
			ExpiresAt: time.Now().Add(time.Hour).Unix(), Subject: me.ID, Email: email})
		for _, tc := range []struct {
			name   string
			header string
			want   bool
		}{
			{"bearer", "Authorization: Bearer " + tr.AccessToken, true},
			{"nf_jwt cookie", "Cookie: other=1; nf_jwt=" + tr.AccessToken, true},
			{"neither", "X-None: 1", false},
			{"forged nf_jwt cookie", "Cookie: nf_jwt=" + forged, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := srv.fn(t, "GET", "whoami", "", tc.header)
				var got struct{ User map[string]any }
				r.json(t, &got)
				if r.Status != 200 {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
				if !tc.want {
					if got.User != nil {
						t.Fatalf("getUser() = %s, want null", r.Body)
					}
					return
				}
				if got.User["id"] != me.ID || got.User["email"] != email {
					t.Fatalf("getUser() = %s, want %s", r.Body, me.ID)
				}
				// As in production: GET /user with the operator token fails, so the user
				// comes from the verified claims, which have no createdAt.
				if _, ok := got.User["createdAt"]; ok {
					t.Errorf("getUser() did not come from the claims: %s", r.Body)
				}
			})
		}
	})

	t.Run("login sets nf_jwt and nf_refresh as production", func(t *testing.T) {
		r := srv.fn(t, "POST", "login", credentials, "Content-Type: application/json", origin)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		var got struct{ User struct{ ID, Email string } }
		if r.json(t, &got); got.User.ID != me.ID {
			t.Fatalf("login() = %s", r.Body)
		}
		jwt, refresh := authCookies(t, r.Header.Values("Set-Cookie"))
		if u := srv.do(t, "GET", srv.identityURL("/user"), "", "Authorization: Bearer "+jwt); u.Status != 200 {
			t.Errorf("the nf_jwt cookie is not an access token: %d %s", u.Status, u.Body)
		}
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}.Encode()
		if u := srv.do(t, "POST", srv.identityURL("/token"), form, "Content-Type: application/x-www-form-urlencoded"); u.Status != 200 {
			t.Errorf("the nf_refresh cookie is not a refresh token: %d %s", u.Status, u.Body)
		}
	})

	t.Run("verifyRequestOrigin compares with the origin the browser used", func(t *testing.T) {
		host := "localhost" + srv.URL()[strings.LastIndex(srv.URL(), ":"):]
		r := srv.fn(t, "POST", "login", credentials, "Content-Type: application/json", "Host: "+host, "Origin: http://"+host)
		if r.Status != 200 {
			t.Errorf("from http://%s: %d %s", host, r.Status, r.Body)
		}
		r = srv.fn(t, "POST", "login", credentials, "Content-Type: application/json", "Origin: http://elsewhere.example")
		if r.Status != 403 || len(r.Header.Values("Set-Cookie")) != 0 {
			t.Errorf("from another origin: %d %s %q", r.Status, r.Body, r.Header.Values("Set-Cookie"))
		}
	})

	t.Run("admin.listUsers with the operator token", func(t *testing.T) {
		r := srv.fn(t, "GET", "users", "")
		var got struct{ Users []struct{ ID, Email string } }
		if r.json(t, &got); r.Status != 200 || len(got.Users) != 1 || got.Users[0].ID != me.ID || got.Users[0].Email != email {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})

	t.Run("admin.updateUser for the caller of the nf_jwt cookie", func(t *testing.T) {
		r := srv.fn(t, "POST", "users", `{"roles":["editor"]}`, "Content-Type: application/json", "Cookie: nf_jwt="+tr.AccessToken)
		var got struct {
			User struct {
				ID    string
				Roles []string
			}
		}
		if r.json(t, &got); r.Status != 200 || got.User.ID != me.ID || !slices.Equal(got.User.Roles, []string{"editor"}) {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		admin, err := srv.AdminToken(time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		var stored struct {
			AppMetadata map[string]any `json:"app_metadata"`
		}
		srv.do(t, "GET", srv.identityURL("/admin/users/"+me.ID), "", "Authorization: Bearer "+admin).json(t, &stored)
		if roles, _ := json.Marshal(stored.AppMetadata["roles"]); string(roles) != `["editor"]` || stored.AppMetadata["provider"] != "email" {
			t.Fatalf("stored app_metadata %v", stored.AppMetadata)
		}
	})

	t.Run("logout ends the session and deletes both cookies", func(t *testing.T) {
		login := url.Values{"grant_type": {"password"}, "username": {email}, "password": {password}}.Encode()
		var session identity.TokenResponse
		srv.do(t, "POST", srv.identityURL("/token"), login, "Content-Type: application/x-www-form-urlencoded").json(t, &session)
		refresh := session.RefreshToken
		r := srv.fn(t, "POST", "logout", "", origin, "Cookie: nf_jwt="+session.AccessToken+"; nf_refresh="+refresh)
		if r.Status != 204 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		want := []string{
			"nf_jwt=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
			"nf_refresh=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
		}
		if got := r.Header.Values("Set-Cookie"); !slices.Equal(got, want) {
			t.Errorf("Set-Cookie = %q, want %q", got, want)
		}
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}.Encode()
		if u := srv.do(t, "POST", srv.identityURL("/token"), form, "Content-Type: application/x-www-form-urlencoded"); u.Status == 200 {
			t.Errorf("the refresh token outlived logout(): POST /logout did not get the nf_jwt cookie")
		}
	})
}

// authCookieRe is the Set-Cookie production's bootstrap writes for @netlify/identity's
// cookies.set({name, value, httpOnly: false, secure: true, path: '/', sameSite: 'Lax'}).
var authCookieRe = regexp.MustCompile(`^(nf_jwt|nf_refresh)=([^;]+); Secure; SameSite=Lax; Path=/$`)

// authCookies checks that login() set exactly nf_jwt and nf_refresh, in that order and
// with production's attributes, and returns their values.
func authCookies(t *testing.T, setCookies []string) (jwt, refresh string) {
	t.Helper()
	var names []string
	for _, c := range setCookies {
		m := authCookieRe.FindStringSubmatch(c)
		if m == nil {
			t.Fatalf("Set-Cookie %q is not production's for nf_jwt and nf_refresh", c)
		}
		names = append(names, m[1])
		if m[1] == "nf_jwt" {
			jwt = m[2]
		} else {
			refresh = m[2]
		}
	}
	if !slices.Equal(names, []string{"nf_jwt", "nf_refresh"}) {
		t.Fatalf("Set-Cookie %q, want nf_jwt then nf_refresh", setCookies)
	}
	return jwt, refresh
}

// modernSite copies testdata/modern/site and the packages installed next to it into a
// temporary folder (so builds do not write into the repository) and returns the site.
func modernSite(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "testdata", "modern"))
	if err != nil {
		t.Fatal(err)
	}
	npmtest.CI(t, dir)
	dst := t.TempDir()
	for _, sub := range []string{"site", "node_modules"} {
		if err := copyTree(filepath.Join(dir, sub), filepath.Join(dst, sub)); err != nil {
			t.Fatalf("copy %s: %v", sub, err)
		}
	}
	return filepath.Join(dst, "site")
}

// copyTree copies the files under src to dst, leaving out build output (.netlify).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if d.Name() == ".netlify" {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}
