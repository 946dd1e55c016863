package identity

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
)

// MailTemplateSource reads custom mail templates from the site, as GoTrue's mailer
// fetches them from the site's URL.
type MailTemplateSource interface {
	// Fetch reads the template at a site path; an error makes the mail use GoTrue's
	// default template.
	Fetch(path string) ([]byte, error)
	// Fallback hears that a custom template was not used, and why.
	Fallback(kind MailKind, path string, err error)
}

// MailKinds are the mails GoTrue sends, by the names its mailer settings use.
var MailKinds = []MailKind{MailConfirmation, MailRecovery, MailInvite, MailEmailChange}

// CheckSubject reports a subject that is not a template GoTrue can render.
func CheckSubject(subject string) error {
	_, err := template.New("subject").Parse(subject)
	return err
}

// CheckTemplatePath reports a template path GoTrue would not read from the site.
func CheckTemplatePath(path string) error {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		return fmt.Errorf("%q is not a path on the site: give one starting with /, such as /mail/confirm.html", path)
	}
	return nil
}

// renderSubject renders a subject as GoTrue does: an HTML template.
func renderSubject(subject string, data map[string]any) (string, error) {
	t, err := template.New("subject").Parse(subject)
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

// renderBody renders a mail's body with the site's template for the kind when it can
// be read, parsed and rendered, else with GoTrue's default (the source hears why).
func (a *API) renderBody(kind MailKind, def *template.Template, data map[string]any) (string, error) {
	if path := a.cfg.TemplatePaths[kind]; path != "" && a.cfg.MailTemplates != nil {
		body, err := a.customBody(path, data)
		if err == nil {
			return body, nil
		}
		a.cfg.MailTemplates.Fallback(kind, path, err)
	}
	var b bytes.Buffer
	if err := def.Execute(&b, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (a *API) customBody(path string, data map[string]any) (string, error) {
	src, err := a.cfg.MailTemplates.Fetch(path)
	if err != nil {
		return "", err
	}
	t, err := template.New(path).Parse(string(src))
	if err != nil {
		return "", fmt.Errorf("parse: %w", err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render: %w", err)
	}
	return b.String(), nil
}
