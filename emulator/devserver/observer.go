package devserver

import (
	"fmt"
	"net/http"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/term"
)

// logObserver turns identity requests and captured mail into log lines.
type logObserver struct {
	log    *term.Logger
	server *Server
}

func (o *logObserver) Request(r identity.RequestRecord) {
	if r.Method == http.MethodOptions {
		return
	}
	subject := r.Method + " " + r.Path
	if r.Email != "" {
		subject += " " + r.Email
	}
	outcome, result := term.OK, fmt.Sprint(r.Status)
	switch {
	case r.Status >= 500:
		outcome = term.Fail
		result += " " + r.Message
		if r.Internal != nil {
			result += " (" + r.Internal.Error() + ")"
		}
	case r.Status >= 400:
		outcome = term.Warn
		result += " " + r.Message
	}
	o.log.Event(term.KindIdentity, subject, outcome, result, r.Duration)
	if o.server != nil && r.Method != http.MethodGet && r.Status < 400 {
		o.server.news.notify("users")
	}
	if s := o.server; s != nil && r.Path == "/verify" && r.Status == http.StatusOK && s.fns != nil &&
		s.fns.Has("identity-login") && s.opts.Webhook == nil && s.notes.once("verify-login") {
		o.log.Event(term.KindHook, "identity-login", term.Info,
			"did not run: /verify logs the user in, but production fires no login event there (only signup); identity-login runs at the next password login", 0)
	}
}

func (o *logObserver) MailCaptured(m *identity.Mail) {
	o.log.Event(term.KindMail, fmt.Sprintf("%s → %s", m.Kind, m.To), term.Info, m.Link, 0)
	if o.server != nil {
		o.server.news.notify("mail")
	}
}
