package devserver

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// State is what a running dev serve leaves in its site, so that dev invoke finds it.
type State struct {
	URL       string        `json:"url"`
	PID       int           `json:"pid"`
	StartedAt time.Time     `json:"started_at"`
	Debug     []DebugTarget `json:"debug,omitempty"`
}

// StatePath is the state file of a site.
func StatePath(siteDir string) string {
	return filepath.Join(siteDir, ".netlify", "dev", "state.json")
}

// WriteState records this process as the site's dev serve; the returned func removes
// the record (only if it is still this process's).
func WriteState(siteDir, url string, debug ...DebugTarget) (func(), error) {
	path := StatePath(siteDir)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	st := State{URL: url, PID: os.Getpid(), StartedAt: time.Now().UTC(), Debug: debug}
	b, _ := json.MarshalIndent(st, "", "  ")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return func() {
		if cur, err := ReadState(siteDir); err == nil && cur.PID == st.PID {
			os.Remove(path)
		}
	}, nil
}

// ReadState reads a site's state file; fs.ErrNotExist when no dev serve left one.
func ReadState(siteDir string) (*State, error) {
	b, err := os.ReadFile(StatePath(siteDir))
	if err != nil {
		return nil, err
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("read %s: %w", StatePath(siteDir), err)
	}
	if st.URL == "" {
		return nil, fs.ErrNotExist
	}
	return &st, nil
}
