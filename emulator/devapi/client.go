package devapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Client calls a running dev serve's dev API.
type Client struct {
	BaseURL string // scheme and host, such as DefaultURL
	HTTP    *http.Client
}

// NewClient is a client of the server at base (DefaultURL when empty); a base
// without a scheme, such as 127.0.0.1:9999, means http.
func NewClient(base string) (*Client, error) {
	if base == "" {
		base = DefaultURL
	}
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("--url %q is not a dev serve address: give one like %s", base, DefaultURL)
	}
	return &Client{BaseURL: strings.TrimRight(u.Scheme+"://"+u.Host, "/"), HTTP: http.DefaultClient}, nil
}

// ErrUnreachable is returned when no dev serve answers at the client's URL.
var ErrUnreachable = errors.New("no dev serve answered")

// do sends one call: v, when set, is sent as JSON; out, when set, receives the answer.
// It gives up after 30 s unless ctx says otherwise.
func (c *Client) do(ctx context.Context, method, path string, v, out any) (http.Header, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	var body io.Reader
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	endpoint := c.BaseURL + Prefix + path
	req, err := http.NewRequestWithContext(ctx, method, endpoint, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, endpoint, err)
	}
	if method != http.MethodGet && method != http.MethodHead {
		// The dev API takes only JSON for what changes state, so that no other site's
		// form can post to it.
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w at %s (start one with \"dev serve\", or point --url at it): %v", ErrUnreachable, c.BaseURL, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", endpoint, err)
	}
	if resp.StatusCode/100 != 2 {
		var e Error
		if json.Unmarshal(answer, &e) == nil && e.Msg != "" {
			return nil, &e
		}
		return nil, fmt.Errorf("%s answered %s: %s", endpoint, resp.Status, strings.TrimSpace(string(answer)))
	}
	if out != nil {
		if raw, ok := out.(*json.RawMessage); ok {
			*raw = answer
		} else if err := json.Unmarshal(answer, out); err != nil {
			return nil, fmt.Errorf("%s did not answer as a dev serve does: %w", endpoint, err)
		}
	}
	return resp.Header, nil
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

// Answers reports whether a dev serve answers at the client's URL within a second.
func (c *Client) Answers(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err := c.do(ctx, http.MethodGet, "/functions", nil, nil)
	return err == nil
}

// Mail lists captured mail, newest first; to filters by recipient.
func (c *Client) Mail(ctx context.Context, to string) ([]*Mail, error) {
	path := "/mail"
	if to != "" {
		path += "?to=" + url.QueryEscape(to)
	}
	var out []*Mail
	_, err := c.do(ctx, http.MethodGet, path, nil, &out)
	return out, err
}

// ClearMail forgets captured mail.
func (c *Client) ClearMail(ctx context.Context) error {
	_, err := c.do(ctx, http.MethodDelete, "/mail", nil, nil)
	return err
}

// Reset wipes users, tokens, mail and the audit log.
func (c *Client) Reset(ctx context.Context) error {
	_, err := c.do(ctx, http.MethodPost, "/reset", struct{}{}, nil)
	return err
}

// Functions lists the functions with their state.
func (c *Client) Functions(ctx context.Context) ([]FunctionStatus, error) {
	var out []FunctionStatus
	_, err := c.do(ctx, http.MethodGet, "/functions", nil, &out)
	return out, err
}

// Events lists one page of the journal, newest first.
func (c *Client) Events(ctx context.Context, q EventsQuery) (*EventsPage, error) {
	v := url.Values{}
	for k, s := range map[string]string{"kind": q.Kind, "function": q.Function, "user": q.User, "before": q.Before} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	page := &EventsPage{}
	h, err := c.do(ctx, http.MethodGet, "/events?"+v.Encode(), nil, &page.Entries)
	if err != nil {
		return nil, err
	}
	page.Dropped, _ = strconv.ParseInt(h.Get("X-Journal-Dropped"), 10, 64)
	if m := nextBefore.FindStringSubmatch(h.Get("Link")); m != nil {
		page.Next, _ = url.QueryUnescape(m[1])
	}
	return page, nil
}

var nextBefore = regexp.MustCompile(`[?&]before=([^&>]*)[^>]*>;\s*rel="next"`)

// Event is one journal entry with its whole request and response.
func (c *Client) Event(ctx context.Context, id string) (*Entry, error) {
	var e Entry
	_, err := c.do(ctx, http.MethodGet, "/events/"+url.PathEscape(id), nil, &e)
	return &e, err
}

// Replay sends a journaled hook request again, re-signed (to function when set).
func (c *Client) Replay(ctx context.Context, id, function string) (*Replay, error) {
	path := "/events/" + url.PathEscape(id) + "/replay"
	if function != "" {
		path += "?function=" + url.QueryEscape(function)
	}
	var r Replay
	_, err := c.do(ctx, http.MethodPost, path, struct{}{}, &r)
	return &r, err
}

// Summary is a user's hook history, per event and target.
func (c *Client) Summary(ctx context.Context, user string) ([]*HookHistory, error) {
	var out []*HookHistory
	_, err := c.do(ctx, http.MethodGet, "/events/summary?user="+url.QueryEscape(user), nil, &out)
	return out, err
}

// Invoke runs one function through the server, as dev invoke does.
func (c *Client) Invoke(ctx context.Context, req InvokeRequest) (*InvokeResult, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var res InvokeResult
	_, err := c.do(ctx, http.MethodPost, "/invoke", req, &res)
	return &res, err
}

// Raw gets a route's answer as it came, for --json output.
func (c *Client) Raw(ctx context.Context, path string) ([]byte, error) {
	var raw json.RawMessage
	_, err := c.do(ctx, http.MethodGet, path, nil, &raw)
	return raw, err
}
