package devapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/identity-dev/dev/emulator/identity"
)

// ImportResult is what a users import did.
type ImportResult = identity.ImportResult

// ExportUsers writes every user of the server to w, one JSON line each (GET
// /users/export); it returns how many. It has no time limit of its own: a large store
// takes as long as it takes.
func (c *Client) ExportUsers(ctx context.Context, w io.Writer) (int, error) {
	endpoint := c.BaseURL + Prefix + "/users/export"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", endpoint, err)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return 0, fmt.Errorf("%w at %s (start one with \"dev serve\", or point --url at it): %v", ErrUnreachable, c.BaseURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, answerError(endpoint, resp)
	}
	lc := &lineCounter{w: w}
	if _, err := io.Copy(lc, resp.Body); err != nil {
		return lc.lines, fmt.Errorf("read %s (the export is incomplete): %w", endpoint, err)
	}
	return lc.lines, nil
}

// ImportUsers sends an export's lines to the server (POST /users/import).
func (c *Client) ImportUsers(ctx context.Context, r io.Reader) (*ImportResult, error) {
	endpoint := c.BaseURL + Prefix + "/users/import"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, r)
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", endpoint, err)
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w at %s (start one with \"dev serve\", or point --url at it): %v", ErrUnreachable, c.BaseURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, answerError(endpoint, resp)
	}
	var res ImportResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return nil, fmt.Errorf("%s did not answer as a dev serve does: %w", endpoint, err)
	}
	return &res, nil
}

// answerError is the error of a dev API answer that is not a success.
func answerError(endpoint string, resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var e Error
	if json.Unmarshal(b, &e) == nil && e.Msg != "" {
		return &e
	}
	return fmt.Errorf("%s answered %s: %s", endpoint, resp.Status, strings.TrimSpace(string(b)))
}

type lineCounter struct {
	w     io.Writer
	lines int
}

func (l *lineCounter) Write(p []byte) (int, error) {
	for _, b := range p {
		if b == '\n' {
			l.lines++
		}
	}
	return l.w.Write(p)
}
