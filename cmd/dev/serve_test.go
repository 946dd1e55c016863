package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/identity-dev/dev/emulator/site"
)

func TestVersion(t *testing.T) {
	out, _, err := runCmd(t, "version")
	if err != nil || !strings.HasPrefix(out, "dev ") || !strings.Contains(out, runtime.Version()) || !strings.Contains(out, runtime.GOOS+"/"+runtime.GOARCH) {
		t.Fatalf("dev version: %q %v", out, err)
	}
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-04T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	if got := readVersion(info, true).String(); !strings.HasPrefix(got, "dev v1.4.0 (commit 0123456789ab (with uncommitted changes), 2026-12-04T10:00:00Z) go1.26.8 ") {
		t.Fatalf("from build info: %q", got)
	}
	version, commit = "v2.0.0", "feedbee"
	defer func() { version, commit = "", "" }()
	if got := readVersion(info, true); got.Version != "v2.0.0" || got.Commit != "feedbee" {
		t.Fatalf("goreleaser's -X values must win: %+v", got)
	}
}

// serveOptionsFor parses dev serve's command line for a site, without serving.
func serveOptionsFor(t *testing.T, dir string, args ...string) (*site.ServeSettings, error) {
	t.Helper()
	var got *site.ServeSettings
	cmd := newCmdServe(newFactory(streams{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}), func(_ context.Context, o *ServeOptions) error {
		got = &o.Settings
		return nil
	})
	cmd.SetArgs(append([]string{"--dir", dir}, args...))
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.ExecuteContext(context.Background())
	return got, err
}

func TestServeTakesNetlifyTomlUnderFlags(t *testing.T) {
	dir := t.TempDir()
	toml := `
[dev]
  port = 9999

[dev.identity]
  autoconfirm = true
  disable_signup = true
  site_url = "http://localhost:3000"
  db = "users.db"
  bcrypt_cost = 6
  external = ["github", "google"]
`
	if err := os.WriteFile(filepath.Join(dir, "netlify.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	o, err := serveOptionsFor(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if o.Port != 9999 || !o.Autoconfirm || !o.DisableSignup || o.SiteURL != "http://localhost:3000" ||
		o.DB != filepath.Join(dir, "users.db") || o.BcryptCost != 6 || strings.Join(o.External, ",") != "github,google" {
		t.Fatalf("options from netlify.toml: %+v", o)
	}
	o, err = serveOptionsFor(t, dir, "--port", "7000", "--autoconfirm=false", "--db", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	if o.Port != 7000 || o.Autoconfirm || o.DB != ":memory:" || !o.DisableSignup {
		t.Fatalf("flags must win over netlify.toml: %+v", o)
	}
}

func TestServeDefaultsWithoutNetlifyToml(t *testing.T) {
	o, err := serveOptionsFor(t, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if o.Port != 8888 || o.Host != "127.0.0.1" || o.DB != ":memory:" || o.Autoconfirm || o.BcryptCost != 4 {
		t.Fatalf("defaults: %+v", o)
	}
}

func TestServeRefusesBadSettings(t *testing.T) {
	for name, tc := range map[string]struct {
		toml string
		args []string
		want string
	}{
		"broken toml":    {"[dev\nport = 1", nil, "netlify.toml"},
		"unknown key":    {"[dev.identity]\nauto_confirm = true", nil, `unknown key "dev.identity.auto_confirm"`},
		"bcrypt cost":    {"", []string{"--bcrypt-cost", "2"}, "--bcrypt-cost 2 is out of range"},
		"unknown oauth":  {"", []string{"--external", "myspace"}, `--external "myspace" is not a provider`},
		"wrong type":     {"[dev.identity]\nautoconfirm = \"yes\"", nil, "netlify.toml"},
		"positional arg": {"", []string{"extra"}, "unknown command"},
		"webhook event":  {"", []string{"--webhook-events", "signup,deleted"}, `--webhook-events "deleted"`},
		"host with port": {"", []string{"--allow-host", "myapp.test:8888"}, `--allow-host "myapp.test:8888"`},
		"host as URL":    {"[dev]\nallowedHosts = [\"http://myapp.test\"]", nil, `--allow-host "http://myapp.test"`},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.toml != "" {
				if err := os.WriteFile(filepath.Join(dir, "netlify.toml"), []byte(tc.toml), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := serveOptionsFor(t, dir, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// GoTrue delivers every identity event to the outgoing webhook, usermodified and
// userdeleted included; the Host allow-list comes from netlify.toml under the flag.
func TestServeTakesEveryWebhookEventAndAllowedHosts(t *testing.T) {
	dir := t.TempDir()
	toml := "[dev]\nallowedHosts = [\"myapp.test\", \".tunnel.example\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "netlify.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	o, err := serveOptionsFor(t, dir, "--webhook-events", "validate,signup,login,usermodified,userdeleted")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(o.WebhookEvents, ",") != "validate,signup,login,usermodified,userdeleted" || strings.Join(o.AllowHosts, ",") != "myapp.test,.tunnel.example" {
		t.Fatalf("options: %+v", o)
	}
	o, err = serveOptionsFor(t, dir, "--allow-host", "other.test")
	if err != nil || strings.Join(o.AllowHosts, ",") != "other.test" {
		t.Fatalf("the flag must win over netlify.toml: %+v %v", o, err)
	}
}
