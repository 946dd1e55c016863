package functions

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
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
// Identity: identity {url, token} always, user only for a valid bearer token.
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
// verified token.
func (c *ClientContexts) Build(authorization string) (js, lambda json.RawMessage, err error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	ttl := c.AdminTTL
	if ttl <= 0 {
		ttl = DefaultAdminTokenTTL
	}
	user := c.verifiedUser(authorization)
	c.mu.Lock()
	defer c.mu.Unlock()
	t := now()
	if c.admin == "" || t.Sub(c.mintedAt) >= adminRenewal || t.Before(c.mintedAt) {
		admin, err := c.Signer.AdminToken(t.Add(ttl))
		if err != nil {
			return nil, nil, fmt.Errorf("mint the functions' admin token: %w", err)
		}
		c.admin, c.mintedAt, c.anonJS, c.anonGo = admin, t, nil, nil
	}
	if user == nil && c.anonJS != nil {
		return c.anonJS, c.anonGo, nil
	}
	id := identityInfo{URL: c.IdentityURL, Token: c.admin}
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

// verifiedUser is the claims of a bearer token whose signature and expiry check out.
func (c *ClientContexts) verifiedUser(authorization string) map[string]any {
	m := bearer.FindStringSubmatch(strings.TrimSpace(authorization))
	if m == nil {
		return nil
	}
	if _, err := c.Signer.Parse(m[1]); err != nil {
		return nil
	}
	parts := strings.Split(m[1], ".")
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
