package functions

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/identity-dev/dev/emulator/tokens"
)

// DefaultAdminTokenTTL is the lifetime of clientContext.identity.token. Production's is
// undocumented; a capture shows a few minutes.
const DefaultAdminTokenTTL = 5 * time.Minute

// ClientContexts builds the clientContext production gives functions on a site with
// Identity: identity {url, token} always, user only for a valid bearer token; and a v2
// function's netlifyIdentityContext, with the same admin token.
type ClientContexts struct {
	Signer      *tokens.Signer
	IdentityURL string // this server's /.netlify/identity
	SiteURL     string
	AdminTTL    time.Duration
	Now         func() time.Time

	// The admin token and the contexts without a user are the same for every request
	// until the token is renewed, which happens when a minute of its life has passed.
	mu       sync.Mutex
	mintedAt time.Time
	admin    string
	anonJS   json.RawMessage
	anonGo   json.RawMessage
}

// adminRenewal is how long one admin token is handed out before a fresh one is minted,
// so every function receives a token with most of its lifetime left.
const adminRenewal = time.Minute

var bearer = regexp.MustCompile(`^(?:B|b)earer (\S+)$`)

type identityInfo struct {
	URL   string `json:"url"`
	Token string `json:"token"`
}

// netlifyCustom is the JSON inside custom.netlify, in production's key order.
type netlifyCustom struct {
	Identity identityInfo   `json:"identity"`
	User     map[string]any `json:"user,omitempty"`
	SiteURL  string         `json:"site_url"`
}

// jsClientContext is context.clientContext of a JS function.
type jsClientContext struct {
	Custom   map[string]string `json:"custom"`
	Identity identityInfo      `json:"identity"`
	User     map[string]any    `json:"user,omitempty"`
}

// lambdaClientContext is lambdacontext.ClientContext's JSON, for Go functions.
type lambdaClientContext struct {
	Client struct {
		InstallationID string `json:"installation_id"`
		AppTitle       string `json:"app_title"`
		AppVersionCode string `json:"app_version_code"`
		AppPackageName string `json:"app_package_name"`
	} `json:"Client"`
	Env    map[string]string `json:"env"`
	Custom map[string]string `json:"custom"`
}

// Build returns the clientContext for a request with this Authorization header, as a
// JS function sees it and as aws-lambda-go receives it; the user is in it only for a
// verified bearer token, as production's (never from the nf_jwt cookie).
func (c *ClientContexts) Build(authorization string) (js, lambda json.RawMessage, err error) {
	user := c.verifiedClaims(bearerToken(authorization))
	c.mu.Lock()
	defer c.mu.Unlock()
	admin, err := c.currentAdmin()
	if err != nil {
		return nil, nil, err
	}
	if user == nil && c.anonJS != nil {
		return c.anonJS, c.anonGo, nil
	}
	id := identityInfo{URL: c.IdentityURL, Token: admin}
	custom, err := json.Marshal(netlifyCustom{Identity: id, User: user, SiteURL: c.SiteURL})
	if err != nil {
		return nil, nil, fmt.Errorf("encode clientContext: %w", err)
	}
	encoded := base64.StdEncoding.EncodeToString(custom)
	js, err = json.Marshal(jsClientContext{Custom: map[string]string{"netlify": encoded}, Identity: id, User: user})
	if err != nil {
		return nil, nil, fmt.Errorf("encode clientContext: %w", err)
	}
	lc := lambdaClientContext{Env: map[string]string{}, Custom: map[string]string{"netlify": encoded}}
	lambda, err = json.Marshal(lc)
	if err != nil {
		return nil, nil, fmt.Errorf("encode clientContext: %w", err)
	}
	if user == nil {
		c.anonJS, c.anonGo = js, lambda
	}
	return js, lambda, nil
}

// IdentityContext is a v2 function's globalThis.netlifyIdentityContext, which production's
// bootstrap decodes from the x-nf-identity-info header its edge sends. What the edge puts
// there is not public; dev gives what @netlify/identity needs of it (docs/fidelity.md):
// the identity URL, the admin token of the clientContext (admin.* uses it), and the
// claims of the request's verified JWT, from Authorization: Bearer or else the nf_jwt
// cookie (getUser() on the server reads the user from them).
type IdentityContext struct {
	URL   string         `json:"url"`
	Token string         `json:"token"`
	User  map[string]any `json:"user,omitempty"`
}

// IdentityContext returns the identity context of a v2 function's request.
func (c *ClientContexts) IdentityContext(r *http.Request) (*IdentityContext, error) {
	user := c.verifiedClaims(bearerToken(r.Header.Get("Authorization")))
	if user == nil {
		user = c.cookieUser(r)
	}
	c.mu.Lock()
	admin, err := c.currentAdmin()
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return &IdentityContext{URL: c.IdentityURL, Token: admin, User: user}, nil
}

// currentAdmin is the admin token handed out now, minted afresh when the one handed
// out has lived adminRenewal. c.mu must be held.
func (c *ClientContexts) currentAdmin() (string, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	ttl := c.AdminTTL
	if ttl <= 0 {
		ttl = DefaultAdminTokenTTL
	}
	t := now()
	if c.admin != "" && t.Sub(c.mintedAt) < adminRenewal && !t.Before(c.mintedAt) {
		return c.admin, nil
	}
	admin, err := c.Signer.AdminToken(t.Add(ttl))
	if err != nil {
		return "", fmt.Errorf("mint the functions' admin token: %w", err)
	}
	c.admin, c.mintedAt, c.anonJS, c.anonGo = admin, t, nil, nil
	return admin, nil
}

// nfJWTCookie is the cookie @netlify/identity and the widget keep the access token in.
const nfJWTCookie = "nf_jwt"

// cookieUser is the claims of the first nf_jwt cookie that verifies. A page sets it
// with encodeURIComponent, which leaves a JWT as it is; an escaped one is unescaped.
func (c *ClientContexts) cookieUser(r *http.Request) map[string]any {
	for _, ck := range r.CookiesNamed(nfJWTCookie) {
		token := ck.Value
		if strings.Contains(token, "%") {
			if u, err := url.QueryUnescape(token); err == nil {
				token = u
			}
		}
		if claims := c.verifiedClaims(token); claims != nil {
			return claims
		}
	}
	return nil
}

// bearerToken is the token of an Authorization: Bearer header, or "".
func bearerToken(authorization string) string {
	m := bearer.FindStringSubmatch(strings.TrimSpace(authorization))
	if m == nil {
		return ""
	}
	return m[1]
}

// verifiedClaims is the claims of a token whose signature and expiry check out, as
// they are in the token (not only the fields tokens.Claims knows).
func (c *ClientContexts) verifiedClaims(token string) map[string]any {
	if token == "" {
		return nil
	}
	if _, err := c.Signer.Parse(token); err != nil {
		return nil
	}
	parts := strings.Split(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil
	}
	var claims map[string]any
	if json.Unmarshal(payload, &claims) != nil {
		return nil
	}
	return claims
}
