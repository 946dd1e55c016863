package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// devAPI calls a running dev serve's dev API and returns the body of a 2xx answer.
func devAPI(ctx context.Context, method, base, path string) ([]byte, error) {
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
