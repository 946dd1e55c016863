package devserver

import (
	"fmt"
	"net/http"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/term"
)

// logObserver turns identity requests and captured mail into log lines.
type logObserver struct {
	log *term.Logger
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
}

func (o *logObserver) MailCaptured(m *identity.Mail) {
	o.log.Event(term.KindMail, fmt.Sprintf("%s → %s", m.Kind, m.To), term.Info, m.Link, 0)
}
