package devserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/identity-dev/dev/internal/npmtest"
)

// TestGotrueJSClient drives the real gotrue-js client (pinned in
// testdata/gotruejs/package.json) through signup, confirmation, login, updates,
// refresh, logout, recovery and the admin API against a running dev serve.
func TestGotrueJSClient(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips the Node client, which installs gotrue-js from npm")
	}
	node := requireNode(t)
	dir, err := filepath.Abs("../../testdata/gotruejs")
	if err != nil {
		t.Fatal(err)
	}
	npmtest.CI(t, dir)

	srv := startServer(t, Options{})
	admin, err := srv.AdminToken(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "flow.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"IDENTITY_URL="+srv.identityURL(""),
		"MAIL_URL="+srv.URL()+"/.netlify/dev/api/mail",
		"ADMIN_TOKEN="+admin,
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()

	steps := map[string]bool{}
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		var line struct {
			Step string `json:"step"`
			OK   bool   `json:"ok"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Errorf("flow printed a line that is not JSON: %s", sc.Text())
			continue
		}
		if !line.OK {
			t.Errorf("gotrue-js step %s failed: %s", line.Step, sc.Text())
		}
		steps[line.Step] = line.OK
	}
	if runErr != nil {
		t.Fatalf("node flow.mjs: %v\nstderr:\n%s", runErr, stderr.String())
	}
	for _, step := range []string{"signup", "confirm", "login", "update_metadata", "update_password", "refresh",
		"logout", "recover", "admin_create", "admin_list", "admin_get", "admin_update", "admin_delete", "done"} {
		if !steps[step] {
			t.Errorf("gotrue-js step %s did not pass (stdout:\n%s)", step, stdout.String())
		}
	}
}

// requireNode finds node 18 or newer; CI installs it, so its absence fails the test.
func requireNode(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH: install Node.js 18 or newer to run the client tests")
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		t.Fatalf("node --version: %v", err)
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	major, err := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	if err != nil || major < 18 {
		t.Fatalf("node %s is too old: the client tests need Node.js 18 or newer", v)
	}
	return node
}
