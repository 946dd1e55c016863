package functions

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/identity-dev/dev/emulator/tokens"
)

// FrameworkHeader carries, on each request dev proxies to a framework's dev server,
// what production gives a v2 function, for dev's preload there (emulator/framework).
const FrameworkHeader = "X-Nf-Dev-Context"

// FrameworkContext is the value of FrameworkHeader for a request: base64 JSON of the
// run's secret, the identity context (as a v2 function's netlifyIdentityContext) and
// the parts of Netlify.context that make sense locally.
func (c *ClientContexts) FrameworkContext(r *http.Request, secret, siteID string) (string, error) {
	ic, err := c.IdentityContext(r)
	if err != nil {
		return "", err
	}
	site := c.SiteURL
	data := map[string]any{
		"secret":   secret,
		"identity": ic,
		"context": map[string]any{
			"origin": clientOrigin(r), "ip": clientIP(r), "requestId": tokens.NewUUID(), "geo": localGeo,
			"account": map[string]string{"id": "local-account"},
			"site":    map[string]string{"id": siteID, "name": siteName(site), "url": site},
		},
	}
	b, err := json.Marshal(data)
	if err != nil {
		return "", fmt.Errorf("encode the framework context: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}
