// Package hooks delivers identity events the way GoTrue does: the request production
// sends ({"event","instance_id","user"}, X-Netlify-Event, X-Webhook-Signature), the
// attempts and time limit, and what the answer means (pass, block, replace metadata).
package hooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"time"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/tokens"
)

// Production's defaults for webhook.retries and webhook.timeout_sec.
const (
	DefaultAttempts = 3
	DefaultTimeout  = 5 * time.Second
)

// Webhook is an outgoing webhook: while its URL is set it replaces the function hooks.
type Webhook struct {
	URL    string
	Secret string   // signs X-Webhook-Signature; none is sent without it
	Events []string // of validate, signup, login
}

// Dispatcher implements identity.Hooks.
type Dispatcher struct {
	InstanceID string
	Webhook    *Webhook
	Attempts   int           // DefaultAttempts when 0
	Timeout    time.Duration // DefaultTimeout when 0
	Client     *http.Client  // http.DefaultClient's transport when nil
	Clock      func() time.Time
}

var _ identity.Hooks = (*Dispatcher)(nil)

// Body is the exact hook request body, in GoTrue's key order.
type Body struct {
	Event      identity.Event `json:"event"`
	InstanceID string         `json:"instance_id"`
	User       *identity.User `json:"user"`
}

// WebhookResponse is what a hook may answer: maps that replace the user's.
type WebhookResponse struct {
	AppMetaData  map[string]any `json:"app_metadata,omitempty"`
	UserMetaData map[string]any `json:"user_metadata,omitempty"`
}

// Trigger sends event to the webhook when it subscribes to it.
func (d *Dispatcher) Trigger(ctx context.Context, event identity.Event, user *identity.User) (*identity.HookResult, error) {
	if d.Webhook == nil || d.Webhook.URL == "" || !d.subscribed(event) {
		return nil, nil
	}
	body, err := json.Marshal(Body{Event: event, InstanceID: d.InstanceID, User: user})
	if err != nil {
		return nil, fmt.Errorf("encode %s hook body: %w", event, err)
	}
	return d.deliver(ctx, event, d.Webhook.URL, d.Webhook.Secret, body)
}

func (d *Dispatcher) subscribed(event identity.Event) bool {
	for _, e := range d.Webhook.Events {
		if strings.TrimSpace(e) == string(event) {
			return true
		}
	}
	return false
}

// deliver makes up to Attempts attempts: 200, 202 and 204 pass; any other status and
// a timeout are tried again at once; a connection failure ends it.
func (d *Dispatcher) deliver(ctx context.Context, event identity.Event, url, secret string, body []byte) (*identity.HookResult, error) {
	attempts, timeout := d.Attempts, d.Timeout
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	for i := 0; i < attempts; i++ {
		payload, status, err := d.attempt(ctx, event, url, secret, body, timeout)
		switch {
		case err != nil && isTimeout(err):
			if i == attempts-1 {
				return nil, identity.HookError(http.StatusGatewayTimeout, fmt.Sprintf("Failed to perform webhook in time frame (%v seconds)", timeout.Seconds()), err)
			}
			continue
		case err != nil:
			return nil, err
		case status == http.StatusOK || status == http.StatusAccepted || status == http.StatusNoContent:
			return parseAnswer(payload)
		}
	}
	return nil, identity.HookError(http.StatusUnprocessableEntity, "Failed to handle signup webhook", nil)
}

type timeoutError struct{ error }

func isTimeout(err error) bool {
	var t timeoutError
	return errors.As(err, &t)
}

// attempt sends the request once, answering the body and status, or an error in
// GoTrue's shape (502 when no connection was made, 500 when it broke mid-way).
func (d *Dispatcher) attempt(ctx context.Context, event identity.Event, url, secret string, body []byte, timeout time.Duration) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	gotConn := false
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { gotConn = true }})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		return nil, 0, identity.HookError(http.StatusInternalServerError, "Failed to make request object", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Netlify-Event", "identity_"+string(event))
	if secret != "" {
		sig, err := tokens.SignWebhook(secret, d.InstanceID, body, d.now())
		if err != nil {
			return nil, 0, identity.HookError(http.StatusInternalServerError, "Failed build signing string", err)
		}
		req.Header.Set("X-Webhook-Signature", sig)
	}
	resp, err := d.client().Do(req)
	if err != nil {
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
			return nil, 0, timeoutError{err}
		}
		if gotConn {
			return nil, 0, identity.HookError(http.StatusInternalServerError, "Failed to trigger webhook to "+url, err)
		}
		return nil, 0, identity.HookError(http.StatusBadGateway, "Failed to connect to "+url, err)
	}
	defer resp.Body.Close()
	payload, err := io.ReadAll(resp.Body)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, 0, timeoutError{err}
		}
		return nil, 0, identity.HookError(http.StatusInternalServerError, "Failed to trigger webhook to "+url, err)
	}
	return payload, resp.StatusCode, nil
}

// parseAnswer reads a passing answer: empty means no change; otherwise it must be JSON.
func parseAnswer(payload []byte) (*identity.HookResult, error) {
	if len(payload) == 0 {
		return nil, nil
	}
	var rsp WebhookResponse
	if err := json.NewDecoder(strings.NewReader(string(payload))).Decode(&rsp); err != nil {
		// GoTrue's type lives in its api package; say what it says.
		msg := strings.ReplaceAll(err.Error(), "hooks.WebhookResponse", "api.WebhookResponse")
		return nil, identity.HookError(http.StatusInternalServerError, "Webhook returned malformed JSON: "+msg, err)
	}
	return &identity.HookResult{AppMetaData: rsp.AppMetaData, UserMetaData: rsp.UserMetaData}, nil
}

func (d *Dispatcher) client() *http.Client {
	if d.Client != nil {
		return d.Client
	}
	return http.DefaultClient
}

func (d *Dispatcher) now() time.Time {
	if d.Clock != nil {
		return d.Clock()
	}
	return time.Now()
}
