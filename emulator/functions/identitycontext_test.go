package functions

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/tokens"
)

// TestV2IdentityContext: a v2 function's netlifyIdentityContext carries the identity URL,
// the clientContext's admin token, and the claims of a verified Bearer token or else of a
// verified nf_jwt cookie; the v1 clientContext keeps its user Bearer-only. The v2 context
// also carries the origin the client used.
func TestV2IdentityContext(t *testing.T) {
	var got atomic.Pointer[Invocation]
	rt := &fakeRuntime{handle: func(ctx context.Context, inv *Invocation) (*Response, error) {
		got.Store(inv)
		return ok(`"x"`)
	}}
	_, hs := newTestServer(t, rt, "who.js")
	signer := tokens.NewSigner("secret")
	claims := func(email string, exp time.Duration) tokens.Claims {
		return tokens.Claims{ExpiresAt: time.Now().Add(exp).Unix(), Subject: "u-" + email, Email: email,
			AppMetaData: map[string]any{"roles": []string{"member"}}, UserMetaData: map[string]any{"full_name": "Ann"}}
	}
	bearer, _ := signer.AccessToken(claims("bearer@example.com", time.Hour))
	cookie, _ := signer.AccessToken(claims("cookie@example.com", time.Hour))
	expired, _ := signer.AccessToken(claims("expired@example.com", -time.Minute))
	forged, _ := tokens.NewSigner("other").AccessToken(claims("forged@example.com", time.Hour))

	for _, tc := range []struct {
		name, auth, cookie string
		host               string
		wantV2, wantV1     string // the user's email in netlifyIdentityContext and in clientContext
	}{
		{name: "bearer", auth: bearer, wantV2: "bearer@example.com", wantV1: "bearer@example.com"},
		{name: "cookie", cookie: "nf_jwt=" + cookie, wantV2: "cookie@example.com"},
		{name: "escaped cookie", cookie: "nf_jwt=" + url.QueryEscape(cookie), wantV2: "cookie@example.com"},
		{name: "bearer wins", auth: bearer, cookie: "nf_jwt=" + cookie, wantV2: "bearer@example.com", wantV1: "bearer@example.com"},
		{name: "forged bearer, valid cookie", auth: forged, cookie: "nf_jwt=" + cookie, wantV2: "cookie@example.com"},
		{name: "second nf_jwt verifies", cookie: "nf_jwt=" + forged + "; nf_jwt=" + cookie, wantV2: "cookie@example.com"},
		{name: "forged cookie", cookie: "nf_jwt=" + forged},
		{name: "expired cookie", cookie: "other=1; nf_jwt=" + expired},
		{name: "none", host: "localhost:5173"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got.Store(nil)
			req, _ := http.NewRequest("GET", hs.URL+"/.netlify/functions/who", nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", "Bearer "+tc.auth)
			}
			if tc.cookie != "" {
				req.Header.Set("Cookie", tc.cookie)
			}
			if tc.host != "" {
				req.Host = tc.host
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			inv := got.Load()
			if inv == nil {
				t.Fatalf("the function was not invoked (%d)", resp.StatusCode)
			}
			var v2 struct {
				Origin          string
				IdentityContext *struct {
					URL, Token string
					User       map[string]any
				}
			}
			if err := json.Unmarshal(inv.V2Data(), &v2); err != nil {
				t.Fatalf("%s: %v", inv.V2Data(), err)
			}
			var cc struct {
				Identity struct{ URL, Token string }
				User     map[string]any
			}
			if err := json.Unmarshal(inv.ClientContext, &cc); err != nil {
				t.Fatal(err)
			}
			ic := v2.IdentityContext
			if ic == nil || ic.URL != "http://dev/.netlify/identity" || ic.Token == "" || ic.Token != cc.Identity.Token {
				t.Fatalf("identityContext %s, clientContext %s", inv.V2Data(), inv.ClientContext)
			}
			if email, _ := ic.User["email"].(string); email != tc.wantV2 {
				t.Errorf("identityContext.user = %v, want the user %q", ic.User, tc.wantV2)
			}
			if tc.wantV2 != "" && (ic.User["sub"] != "u-"+tc.wantV2 || ic.User["user_metadata"] == nil || ic.User["exp"] == nil) {
				t.Errorf("identityContext.user is not the token's claims: %v", ic.User)
			}
			if email, _ := cc.User["email"].(string); email != tc.wantV1 {
				t.Errorf("clientContext.user = %v, want the user %q (Bearer only)", cc.User, tc.wantV1)
			}
			wantOrigin := hs.URL
			if tc.host != "" {
				wantOrigin = "http://" + tc.host
			}
			if v2.Origin != wantOrigin {
				t.Errorf("origin %q, want %q", v2.Origin, wantOrigin)
			}
		})
	}
}
