package devapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// StateDir is where the dev serves of a site leave their state: one file per server,
// named by its process id, so that two servers of one site never overwrite each other.
func StateDir(siteDir string) string {
	return filepath.Join(siteDir, ".netlify", "dev", "servers")
}

// WriteState records a running server in its site; the returned func removes the
// record. The file is the owner's alone.
func WriteState(siteDir string, st State) (func(), error) {
	dir := StateDir(siteDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write the server's state in %s: %w", dir, err)
	}
	if st.PID == 0 {
		st.PID = os.Getpid()
	}
	if st.StartedAt.IsZero() {
		st.StartedAt = time.Now().UTC()
	}
	path := filepath.Join(dir, strconv.Itoa(st.PID)+".json")
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the server's state: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return func() { os.Remove(path) }, nil
}

// ReadStates lists the servers recorded for a site whose process still runs, newest
// first; records of processes that are gone are removed.
func ReadStates(siteDir string) ([]*State, error) {
	dir := StateDir(siteDir)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var out []*State
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		var st State
		if json.Unmarshal(b, &st) != nil || st.URL == "" || st.PID == 0 {
			continue
		}
		if !processRuns(st.PID) {
			os.Remove(path) // left by a dev that was killed
			continue
		}
		out = append(out, &st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].StartedAt.After(out[j].StartedAt) })
	return out, nil
}
