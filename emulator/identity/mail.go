package identity

import (
	"cmp"
	"fmt"
	"html"
	"html/template"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/identity-dev/dev/emulator/tokens"
)

// The mails GoTrue sends with its default templates and subjects; nothing is sent,
// each is captured in the store with its token and link.
var mailTemplates = map[MailKind]struct {
	subject  string
	fragment string
	html     *template.Template
}{
	MailConfirmation: {"Confirm Your Signup", "confirmation_token", template.Must(template.New("c").Parse(
		"<h2>Confirm your signup</h2>\n\n<p>Follow this link to confirm your user:</p>\n" +
			"<p><a href=\"{{.ConfirmationURL}}\">Confirm your email address</a></p>\n<p>This link is valid for 24 hours.</p>\n"))},
	MailRecovery: {"Reset Your Password", "recovery_token", template.Must(template.New("r").Parse(
		"<h2>Reset password</h2>\n\n<p>Follow this link to reset the password for your user:</p>\n" +
			"<p><a href=\"{{.ConfirmationURL}}\">Reset password</a></p>\n<p>This link is valid for 24 hours.</p>\n"))},
	MailInvite: {"You have been invited", "invite_token", template.Must(template.New("i").Parse(
		"<h2>You have been invited</h2>\n\n<p>You have been invited to create a user on {{.SiteURL}}. " +
			"Follow this link to accept the invite:</p>\n<p><a href=\"{{.ConfirmationURL}}\">Accept the invite</a></p>\n" +
			"<p>This link is valid for 7 days.</p>\n"))},
	MailEmailChange: {"Confirm Email Change", "email_change_token", template.Must(template.New("e").Parse(
		"<h2>Confirm email address change</h2>\n\n<p>Follow this link to confirm the update of your email " +
			"address from {{.Email}} to {{.NewEmail}}:</p>\n<p><a href=\"{{.ConfirmationURL}}\">Change email address</a></p>\n" +
			"<p>This link is valid for 24 hours.</p>\n"))},
}

// buildMail renders one mail. base is the site URL, or the referrer when it is on the
// site's host; the link is base + "/#<kind>_token=<token>", as GoTrue builds it. The
// body is the site's template for the kind when one is set and can be read and parsed,
// else GoTrue's default; the subject is a template too.
func (a *API) buildMail(kind MailKind, u *User, to, token, base string, at time.Time) (*Mail, error) {
	t := mailTemplates[kind]
	link := mailLink(base, t.fragment, token)
	// GoTrue's template data, as its mailer gives it for each kind.
	data := map[string]any{"SiteURL": a.cfg.SiteURL, "ConfirmationURL": link, "Email": u.Email, "Token": token, "Data": u.UserMetaData}
	if kind == MailEmailChange {
		data["NewEmail"] = u.EmailChange
	}
	subject, err := renderSubject(cmp.Or(a.cfg.Subjects[kind], t.subject), data)
	if err != nil {
		return nil, fmt.Errorf("render the %s mail's subject: %w", kind, err)
	}
	body, err := a.renderBody(kind, t.html, data)
	if err != nil {
		return nil, fmt.Errorf("render %s mail: %w", kind, err)
	}
	return &Mail{
		ID: tokens.NewUUID(), To: to, Kind: kind, Subject: subject, Token: token, Link: link,
		HTML: body, Text: htmlToText(body), CreatedAt: at,
	}, nil
}

func mailLink(base, fragment, token string) string {
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" {
		return strings.TrimRight(base, "/") + "/#" + fragment + "=" + token
	}
	if u.Path == "" {
		u.Path = "/"
	}
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	return u.String() + "#" + fragment + "=" + token
}

// mailBase is the referrer when it is on the site's host (GoTrue sends people back
// to the page they came from), else the site URL.
func (a *API) mailBase(referrer string) string {
	if referrer == "" || !sameHost(referrer, a.cfg.SiteURL) {
		return a.cfg.SiteURL
	}
	return referrer
}

var (
	tagRegexp   = regexp.MustCompile(`<a href="([^"]*)">([^<]*)</a>`)
	anyTag      = regexp.MustCompile(`<[^>]+>`)
	blankLines3 = regexp.MustCompile(`\n{3,}`)
)

// htmlToText is the plain-text rendering of a captured mail, links written out.
func htmlToText(s string) string {
	s = tagRegexp.ReplaceAllString(s, "$2: $1")
	s = anyTag.ReplaceAllString(s, "")
	s = blankLines3.ReplaceAllString(s, "\n\n")
	return strings.TrimSpace(html.UnescapeString(s)) + "\n"
}

// captureMail stores a mail inside tx and tells the observer once the tx commits.
func (a *API) captureMail(tx Tx, m *Mail, sent *[]*Mail) error {
	if err := tx.CreateMail(m); err != nil {
		return fmt.Errorf("capture %s mail: %w", m.Kind, err)
	}
	*sent = append(*sent, m)
	return nil
}

func (a *API) announceMail(sent []*Mail) {
	if a.observer == nil {
		return
	}
	for _, m := range sent {
		a.observer.MailCaptured(m)
	}
}
