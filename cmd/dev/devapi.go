package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/identity-dev/dev/emulator/devserver"
)

// defaultServerURL is where dev mail and dev events look when --url is not given: the
// dev serve of the site in the current folder, else the default port.
func defaultServerURL(flag string) string {
	if flag != "" {
		return flag
	}
	if st, err := devserver.ReadState("."); err == nil {
		return st.URL
	}
	return "http://127.0.0.1:8888"
}

// devAPI calls a running dev serve's dev API, sending body (JSON) when there is one,
// and returns the body of a 2xx answer. It gives up after 30 s unless ctx says otherwise.
func devAPI(ctx context.Context, method, base, path string, body []byte) ([]byte, error) {
	base = defaultServerURL(base)
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	endpoint := strings.TrimRight(base, "/") + "/.netlify/dev/api" + path
	req, err := http.NewRequestWithContext(ctx, method, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("--url %s: %w", base, err)
	}
	if body != nil || (method != http.MethodGet && method != http.MethodHead) {
		// The dev API takes only JSON for what changes state, so no other site's form
		// can post to it.
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("no dev serve answered at %s (start one with \"dev serve\", or point --url at it): %w", base, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", endpoint, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct{ Msg string }
		if json.Unmarshal(answer, &e) == nil && e.Msg != "" {
			return nil, errors.New(e.Msg)
		}
		return nil, fmt.Errorf("%s answered %s: %s", endpoint, resp.Status, strings.TrimSpace(string(answer)))
	}
	return answer, nil
}

// fetchData gets a dev API resource: with asJSON it prints the body as it came and
// reports done; otherwise it decodes the body into v for the caller to print.
func fetchData(ctx context.Context, out io.Writer, asJSON bool, method, base, path string, v any) (done bool, err error) {
	body, err := devAPI(ctx, method, base, path, nil)
	if err != nil {
		return false, err
	}
	if asJSON {
		_, err := out.Write(body)
		return true, err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return false, fmt.Errorf("%s did not answer as a dev serve does (%s): %w", defaultServerURL(base), path, err)
	}
	return false, nil
}
