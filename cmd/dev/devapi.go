package main

import (
	"context"
	"encoding/json"

	"fmt"
	"github.com/identity-dev/dev/emulator/devserver"
	"io"
	"net/http"
	"strings"
	"time"
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

// devAPI calls a running dev serve's dev API and returns the body of a 2xx answer.
func devAPI(ctx context.Context, method, base, path string) ([]byte, error) {
	base = defaultServerURL(base)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	endpoint := strings.TrimRight(base, "/") + "/.netlify/dev/api" + path
	req, err := http.NewRequestWithContext(ctx, method, endpoint, nil)
	if err != nil {
		return nil, fmt.Errorf("--url %s: %w", base, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("no dev serve answered at %s (start one with \"dev serve\", or point --url at it): %w", base, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", endpoint, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s answered %s: %s", endpoint, resp.Status, strings.TrimSpace(string(body)))
	}
	return body, nil
}

func contextBackground() context.Context { return context.Background() }

// fetchData gets a dev API resource: with asJSON it prints the body as it came and
// reports done; otherwise it decodes the body into v for the caller to print.
func fetchData(ctx context.Context, out io.Writer, asJSON bool, method, base, path string, v any) (done bool, err error) {
	body, err := devAPI(ctx, method, base, path)
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
