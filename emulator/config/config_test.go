package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeSite makes a site folder holding the given files (name → contents).
func writeSite(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadTOML loads a site whose netlify.toml is body.
func loadTOML(t *testing.T, body string) (*Site, string) {
	t.Helper()
	dir := writeSite(t, map[string]string{FileName: body})
	s, err := Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s, dir
}

func ptr[T any](v T) *T { return &v }

func TestLoadWithoutFile(t *testing.T) {
	s, err := Load(t.TempDir())
	if err != nil {
		t.Fatalf("Load of a site without %s: %v", FileName, err)
	}
	if !reflect.DeepEqual(s, &Site{}) {
		t.Errorf("Load = %+v, want an empty Site", s)
	}
	if s.Path != "" {
		t.Errorf("Path = %q, want \"\" for a site without a file", s.Path)
	}
}

func TestLoadReadsEveryTable(t *testing.T) {
	s, dir := loadTOML(t, `
[build]
  command = "npm run build"
  functions = "build-fns"
  publish = "build-pub"
  [build.environment]
    B = "build"

[functions]
  directory = "fns-dir"
  node_bundler = "esbuild"

[functions."hello"]
  included_files = ["data/*.json"]

[context.dev.environment]
  C = "context-dev"

[context.production.environment]
  P = "production"

[dev]
  command = "npm start"
  port = 9999
  allowedHosts = ["box.local", "tunnel.example"]
  functions = "dev-fns"
  publish = "dev-pub"
  [dev.environment]
    D = "dev"
  [dev.identity]
    site_url = "https://site.example"
    jwt_secret = "s3cret"
    autoconfirm = true
    disable_signup = false
    db = "/var/lib/identity.db"
    bcrypt_cost = 10
    external = ["github", "google"]
    gotrue_profile = "2024"
    webhook_url = "http://127.0.0.1:9000/hook"
    webhook_secret = "whsec"
    webhook_events = ["signup", "login"]

[[redirects]]
  from = "/old"
  to = "/new"
`)
	want := &Site{
		Path: filepath.Join(dir, FileName),
		Dev: Dev{
			Port:         ptr(9999),
			Command:      ptr("npm start"),
			AllowedHosts: []string{"box.local", "tunnel.example"},
			Functions:    ptr("dev-fns"),
			Publish:      ptr("dev-pub"),
			Environment:  map[string]string{"D": "dev"},
			Identity: Identity{
				SiteURL:       ptr("https://site.example"),
				JWTSecret:     ptr("s3cret"),
				Autoconfirm:   ptr(true),
				DisableSignup: ptr(false),
				DB:            ptr("/var/lib/identity.db"),
				BcryptCost:    ptr(10),
				External:      []string{"github", "google"},
				GoTrueProfile: ptr("2024"),
				WebhookURL:    ptr("http://127.0.0.1:9000/hook"),
				WebhookSecret: ptr("whsec"),
				WebhookEvents: []string{"signup", "login"},
			},
		},
		Build: Build{
			Functions:   ptr("build-fns"),
			Publish:     ptr("build-pub"),
			Environment: map[string]string{"B": "build"},
		},
		Functions: Functions{Directory: ptr("fns-dir")},
		Context: map[string]Context{
			"dev":        {Environment: map[string]string{"C": "context-dev"}},
			"production": {Environment: map[string]string{"P": "production"}},
		},
	}
	if filepath.Separator != '/' {
		// An absolute path in the file is only absolute on a system that thinks so.
		want.Dev.Identity.DB = s.Dev.Identity.DB
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Load =\n%+v\nwant\n%+v", s, want)
	}
}

func TestLoadAbsentKeysAreNil(t *testing.T) {
	s, _ := loadTOML(t, "[dev]\nport = 8888\n")
	id := s.Dev.Identity
	if s.Dev.Functions != nil || s.Dev.Publish != nil || s.Build.Functions != nil || s.Build.Publish != nil || s.Functions.Directory != nil {
		t.Errorf("folders absent from the file are not nil: %+v", s)
	}
	if id.SiteURL != nil || id.JWTSecret != nil || id.Autoconfirm != nil || id.DisableSignup != nil || id.DB != nil ||
		id.BcryptCost != nil || id.External != nil || id.GoTrueProfile != nil || id.WebhookURL != nil ||
		id.WebhookSecret != nil || id.WebhookEvents != nil {
		t.Errorf("[dev.identity] keys absent from the file are not nil: %+v", id)
	}
	// A false that is written down is not an absent key.
	s, _ = loadTOML(t, "[dev.identity]\nautoconfirm = false\n")
	if s.Dev.Identity.Autoconfirm == nil || *s.Dev.Identity.Autoconfirm {
		t.Errorf("autoconfirm = false read as %v, want a pointer to false", s.Dev.Identity.Autoconfirm)
	}
}

func TestLoadDBRelativeToSite(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "elsewhere", "id.db")
	tests := []struct {
		name string
		db   string                   // the value written in the file
		want func(site string) string // the value Load gives
	}{
		{"relative", ".netlify/dev/identity.db", func(site string) string { return filepath.Join(site, ".netlify", "dev", "identity.db") }},
		{"bare name", "id.db", func(site string) string { return filepath.Join(site, "id.db") }},
		{"parent folder", "../shared/id.db", func(site string) string { return filepath.Join(filepath.Dir(site), "shared", "id.db") }},
		{"absolute", abs, func(string) string { return abs }},
		{"memory", ":memory:", func(string) string { return ":memory:" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A TOML literal string keeps a Windows path's backslashes as they are.
			s, site := loadTOML(t, "[dev.identity]\ndb = '"+tt.db+"'\n")
			if s.Dev.Identity.DB == nil {
				t.Fatal("db is nil")
			}
			if got, want := *s.Dev.Identity.DB, tt.want(site); got != want {
				t.Errorf("db %q in %s = %q, want %q", tt.db, site, got, want)
			}
		})
	}
}

func TestLoadDBRelativeToSiteNotWorkingDir(t *testing.T) {
	site := writeSite(t, map[string]string{FileName: "[dev.identity]\ndb = \"data/id.db\"\n"})
	t.Chdir(t.TempDir())
	s, err := Load(site)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := *s.Dev.Identity.DB, filepath.Join(site, "data", "id.db"); got != want {
		t.Errorf("db = %q, want %q (relative to the site, not to the working directory)", got, want)
	}
}

// identityKeys are the toml names of Identity's fields, in order.
func identityKeys() []string {
	var keys []string
	typ := reflect.TypeFor[Identity]()
	for i := range typ.NumField() {
		keys = append(keys, typ.Field(i).Tag.Get("toml"))
	}
	return keys
}

func TestLoadRefusesUnknownIdentityKey(t *testing.T) {
	tests := []struct {
		name    string
		toml    string
		wantKey string
	}{
		{"misspelt key", "[dev.identity]\njwt_secrett = \"x\"\n", `"dev.identity.jwt_secrett"`},
		{"camelCase key", "[dev.identity]\nsiteUrl = \"https://x\"\n", `"dev.identity.siteUrl"`},
		{"inline table", "[dev]\nidentity = { autoconfirm = true, smtp_host = \"mail\" }\n", `"dev.identity.smtp_host"`},
		{"sub-table", "[dev.identity.smtp]\nhost = \"mail\"\n", `"dev.identity.smtp`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeSite(t, map[string]string{FileName: tt.toml})
			s, err := Load(dir)
			if err == nil {
				t.Fatalf("Load = %+v, want an error for an unknown [dev.identity] key", s)
			}
			msg := err.Error()
			for _, want := range []string{filepath.Join(dir, FileName), tt.wantKey, "[dev.identity]"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not name %s", msg, want)
				}
			}
			_, known, ok := strings.Cut(msg, "known keys: ")
			if !ok {
				t.Fatalf("error %q does not list the known keys", msg)
			}
			if got, want := strings.Split(known, ", "), identityKeys(); !reflect.DeepEqual(got, want) {
				t.Errorf("known keys listed = %q, want Identity's keys %q", got, want)
			}
		})
	}
}

func TestLoadAllowsUnknownKeysOutsideIdentity(t *testing.T) {
	// netlify.toml has many tables dev does not read; only [dev.identity] is dev's own.
	_, err := Load(writeSite(t, map[string]string{FileName: `
[build]
  command = "make"
  base = "site"
[build.processing]
  skip_processing = true
[dev]
  command = "npm start"
  targetPort = 3000
  framework = "#custom"
[functions]
  external_node_modules = ["sharp"]
[functions."resize"]
  included_files = ["fonts/*"]
[context.deploy-preview]
  command = "make preview"
[[headers]]
  for = "/*"
  [headers.values]
    X-Frame-Options = "DENY"
[[plugins]]
  package = "@netlify/plugin-lighthouse"
`}))
	if err != nil {
		t.Errorf("Load refused keys outside [dev.identity]: %v", err)
	}
}

func TestLoadRefusesBrokenFile(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want []string // besides the file's path
	}{
		{"missing value", "[dev]\nport = 1\nfunctions =\n", []string{"line 3", "dev.functions"}},
		{"unterminated string", "[build]\n\npublish = \"dist\n", []string{"line 3"}},
		{"duplicate key", "[dev]\nport = 1\nport = 2\n", []string{"line 3", "port"}},
		{"wrong type", "[dev]\n\nport = \"eighty\"\n", []string{"line 3", "dev.port"}},
		{"wrong type in identity", "[dev.identity]\nautoconfirm = \"yes\"\n", []string{"line 2", "dev.identity.autoconfirm"}},
		{"string where a list is", "[dev.identity]\n\n\nexternal = \"github\"\n", []string{"line 4", "dev.identity.external"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeSite(t, map[string]string{FileName: tt.toml})
			s, err := Load(dir)
			if err == nil {
				t.Fatalf("Load = %+v, want an error", s)
			}
			if s != nil {
				t.Errorf("Load returned a Site (%+v) with its error", s)
			}
			for _, want := range append([]string{filepath.Join(dir, FileName)}, tt.want...) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %q", err, want)
				}
			}
		})
	}
}

func TestLoadUnreadableFile(t *testing.T) {
	// A netlify.toml that is a folder is not a missing file: it is an error.
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, FileName), 0o755); err != nil {
		t.Fatal(err)
	}
	if s, err := Load(dir); err == nil {
		t.Errorf("Load = %+v, want an error for a netlify.toml that is a folder", s)
	} else if !strings.Contains(err.Error(), filepath.Join(dir, FileName)) {
		t.Errorf("error %q does not name the file", err)
	}
}

func TestLoadEmptyDBIsTheDefault(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte("[dev.identity]\ndb = \"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(dir)
	if err != nil || s.Dev.Identity.DB != nil {
		t.Fatalf("db = \"\": %v %v", s.Dev.Identity.DB, err)
	}
}
