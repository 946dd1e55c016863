package site

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A typo in --dir is refused, not served as an empty site.
func TestOpenRefusesAMissingFolder(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "exampels")); err == nil || !strings.Contains(err.Error(), "no such folder") {
		t.Fatalf("missing folder: %v", err)
	}
	file := filepath.Join(dir, "netlify.toml")
	os.WriteFile(file, nil, 0o644)
	if _, err := Open(file); err == nil || !strings.Contains(err.Error(), "is a file") {
		t.Fatalf("a file: %v", err)
	}
	s, err := Open(dir)
	if err != nil || s.Dir != dir {
		t.Fatalf("Open(%s) = %+v, %v", dir, s, err)
	}
}

// Settings: a flag wins over netlify.toml, which wins over the default.
func TestSettlePrecedence(t *testing.T) {
	dir := t.TempDir()
	toml := "[dev]\nport = 9999\nallowedHosts = [\"myapp.test\"]\n[dev.identity]\nautoconfirm = true\nbcrypt_cost = 6\nwebhook_events = [\"usermodified\"]\n"
	os.WriteFile(filepath.Join(dir, "netlify.toml"), []byte(toml), 0o644)
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	set := DefaultServeSettings()
	set.Port = 7000
	if err := s.Settle(&set, func(flag string) bool { return flag == "port" }); err != nil {
		t.Fatal(err)
	}
	if set.Port != 7000 || !set.Autoconfirm || set.BcryptCost != 6 || set.AllowHosts[0] != "myapp.test" ||
		set.WebhookEvents[0] != "usermodified" || set.DB != ":memory:" || set.Host != "127.0.0.1" {
		t.Fatalf("settled: %+v", set)
	}
	bad := DefaultServeSettings()
	bad.WebhookEvents = []string{"deleted"}
	if err := s.Settle(&bad, func(string) bool { return true }); err == nil || !strings.Contains(err.Error(), `"deleted"`) {
		t.Fatalf("a bad event: %v", err)
	}
}

func TestSettleDenyProfile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "netlify.toml"), []byte("[dev.identity]\ndeny_profile = \"gotrue\"\n"), 0o644)
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	set := DefaultServeSettings()
	if set.DenyProfile != "documented" {
		t.Fatalf("default deny profile %q", set.DenyProfile)
	}
	if err := s.Settle(&set, func(string) bool { return false }); err != nil || set.DenyProfile != "gotrue" {
		t.Fatalf("from netlify.toml: %v %q", err, set.DenyProfile)
	}
	bad := DefaultServeSettings()
	bad.DenyProfile = "422"
	if err := s.Settle(&bad, func(flag string) bool { return flag == "deny-profile" }); err == nil || !strings.Contains(err.Error(), `--deny-profile "422": use documented`) {
		t.Fatalf("a bad profile: %v", err)
	}
}

func TestSettleMailTemplates(t *testing.T) {
	for _, tc := range []struct{ toml, err string }{
		{"[dev.identity.templates]\nconfirmation = \"/mail/c.html\"\n[dev.identity.subjects]\nrecovery = \"Reset {{ .Email }}\"\n", ""},
		{"[dev.identity.templates]\nwelcome = \"/w.html\"\n", "[dev.identity.templates] welcome: not a mail GoTrue sends"},
		{"[dev.identity.templates]\ninvite = \"mail/i.html\"\n", `[dev.identity.templates] invite: "mail/i.html" is not a path on the site`},
		{"[dev.identity.subjects]\ninvite = \"Hi {{ .Email \"\n", "[dev.identity.subjects] invite: template: subject:1: unclosed action"},
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "netlify.toml"), []byte(tc.toml), 0o644)
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		set := DefaultServeSettings()
		err = s.Settle(&set, func(string) bool { return false })
		if tc.err == "" && (err != nil || set.MailTemplates["confirmation"] != "/mail/c.html" || set.MailSubjects["recovery"] != "Reset {{ .Email }}") {
			t.Errorf("%q: %v %+v", tc.toml, err, set)
		}
		if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: %v, want %q", tc.toml, err, tc.err)
		}
	}
}
