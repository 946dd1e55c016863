package devserver

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/term"
)

// Custom mail templates read from the site on every mail, with GoTrue's variables and
// its fallback to the default template.
func TestCustomMailTemplates(t *testing.T) {
	dir := t.TempDir()
	pub := filepath.Join(dir, "public")
	os.MkdirAll(filepath.Join(pub, "mail"), 0o755)
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(pub, "mail", name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("confirm.html", `<p>Hi {{ .Data.full_name }} ({{ .Email }}), welcome to {{ .SiteURL }}: <a href="{{ .ConfirmationURL }}">confirm</a> or type {{ .Token }}</p>`)
	write("recover.html", `<p>Reset for {{ .Email }}: <a href="{{ .ConfirmationURL }}">reset</a></p>`)
	write("invite.html", `<p>Join {{ .SiteURL }}: <a href="{{ .ConfirmationURL }}">accept</a></p>`)
	write("change.html", `<p>{{ .Email }} becomes {{ .NewEmail }}: <a href="{{ .ConfirmationURL }}">yes</a></p>`)
	write("broken.html", `<p>{{ .Email </p>`)
	os.WriteFile(filepath.Join(dir, "netlify.toml"), []byte("[build]\npublish = \"public\"\n"), 0o644)
	srv := startServer(t, Options{
		SiteDir: dir, PublishDir: pub, JWTSecret: "templates-secret",
		MailTemplates: map[identity.MailKind]string{
			identity.MailConfirmation: "/mail/confirm.html", identity.MailRecovery: "/mail/recover.html",
			identity.MailInvite: "/mail/invite.html", identity.MailEmailChange: "/mail/change.html",
		},
		MailSubjects: map[identity.MailKind]string{identity.MailConfirmation: "Welcome {{ .Email }}"},
	})
	newest := func(to string, kind identity.MailKind) identity.Mail {
		t.Helper()
		var mails []identity.Mail
		srv.do(t, "GET", srv.URL()+"/.netlify/dev/api/mail?to="+to, "").json(t, &mails)
		for _, m := range mails {
			if m.Kind == kind {
				return m
			}
		}
		t.Fatalf("no %s mail to %s", kind, to)
		return identity.Mail{}
	}

	srv.do(t, "POST", srv.identityURL("/signup"), `{"email":"ann@example.com","password":"pw","data":{"full_name":"Ann"}}`, "Content-Type: application/json")
	m := newest("ann@example.com", identity.MailConfirmation)
	want := `<p>Hi Ann (ann@example.com), welcome to ` + srv.URL() + `: <a href="` + m.Link + `">confirm</a> or type ` + m.Token + `</p>`
	if m.HTML != want || m.Subject != "Welcome ann@example.com" || !strings.Contains(m.Text, "confirm: "+m.Link) {
		t.Fatalf("confirmation:\n%s\nwant\n%s\nsubject %q text %q", m.HTML, want, m.Subject, m.Text)
	}

	t.Run("an edit shows at the next mail", func(t *testing.T) {
		write("confirm.html", `<p>Edited for {{ .Email }}</p>`)
		srv.do(t, "POST", srv.identityURL("/signup"), `{"email":"bob@example.com","password":"pw"}`, "Content-Type: application/json")
		if m := newest("bob@example.com", identity.MailConfirmation); m.HTML != "<p>Edited for bob@example.com</p>" {
			t.Fatalf("%s", m.HTML)
		}
	})

	t.Run("recovery, invite and email change", func(t *testing.T) {
		tr := srv.signupConfirmLogin(t, "cat@example.com", "pw")
		srv.do(t, "POST", srv.identityURL("/recover"), `{"email":"cat@example.com"}`, "Content-Type: application/json")
		if m := newest("cat@example.com", identity.MailRecovery); !strings.HasPrefix(m.HTML, "<p>Reset for cat@example.com: <a href=\"") || m.Subject != "Reset Your Password" {
			t.Errorf("recovery %q %q", m.Subject, m.HTML)
		}
		admin, _ := srv.AdminToken(time.Hour)
		srv.do(t, "POST", srv.identityURL("/invite"), `{"email":"dan@example.com"}`, "Authorization: Bearer "+admin, "Content-Type: application/json")
		if m := newest("dan@example.com", identity.MailInvite); m.HTML != `<p>Join `+srv.URL()+`: <a href="`+m.Link+`">accept</a></p>` {
			t.Errorf("invite %q", m.HTML)
		}
		srv.do(t, "PUT", srv.identityURL("/user"), `{"email":"cat2@example.com"}`, "Authorization: Bearer "+tr.AccessToken, "Content-Type: application/json")
		if m := newest("cat2@example.com", identity.MailEmailChange); m.HTML != `<p>cat@example.com becomes cat2@example.com: <a href="`+m.Link+`">yes</a></p>` {
			t.Errorf("email change %q", m.HTML)
		}
	})

	t.Run("a template that cannot be read or parsed: GoTrue's default, and the log says why", func(t *testing.T) {
		os.WriteFile(filepath.Join(pub, "netlify.toml"), []byte("secret = 1\n"), 0o644)
		var log bytes.Buffer
		srv := startServer(t, Options{
			SiteDir: dir, PublishDir: pub, Log: term.NewLogger(&log),
			MailTemplates: map[identity.MailKind]string{
				identity.MailConfirmation: "/mail/missing.html", identity.MailRecovery: "/mail/broken.html",
				identity.MailInvite: "/netlify.toml",
			},
		})
		srv.signupConfirmLogin(t, "eve@example.com", "pw")
		srv.do(t, "POST", srv.identityURL("/recover"), `{"email":"eve@example.com"}`, "Content-Type: application/json")
		admin, _ := srv.AdminToken(time.Hour)
		srv.do(t, "POST", srv.identityURL("/invite"), `{"email":"fay@example.com"}`, "Authorization: Bearer "+admin, "Content-Type: application/json")
		for _, c := range []struct {
			to      string
			kind    identity.MailKind
			heading string
		}{
			{"eve@example.com", identity.MailConfirmation, "<h2>Confirm your signup</h2>"},
			{"eve@example.com", identity.MailRecovery, "<h2>Reset password</h2>"},
			{"fay@example.com", identity.MailInvite, "<h2>You have been invited</h2>"},
		} {
			var mails []identity.Mail
			srv.do(t, "GET", srv.URL()+"/.netlify/dev/api/mail?to="+c.to, "").json(t, &mails)
			found := false
			for _, m := range mails {
				found = found || (m.Kind == c.kind && strings.HasPrefix(m.HTML, c.heading))
			}
			if !found {
				t.Errorf("%s to %s: not GoTrue's default: %+v", c.kind, c.to, mails)
			}
		}
		for _, want := range []string{"/mail/missing.html  not used (GET /mail/missing.html answered 404)",
			"/mail/broken.html  not used (parse: ", "/netlify.toml  not used (GET /netlify.toml answered 404)"} {
			if !strings.Contains(log.String(), want) {
				t.Errorf("log lacks %q:\n%s", want, log.String())
			}
		}
	})
}
