package identity

import "time"

// Config is one identity instance's settings. Zero durations take production's defaults.
type Config struct {
	SiteURL       string
	JWTSecret     string
	InstanceID    string
	Aud           string
	AdminRole     string // the top-level role that makes a user an admin; "admin"
	DefaultRole   string // the role new users get; "" on Netlify
	Autoconfirm   bool
	DisableSignup bool
	External      map[string]bool // provider name → enabled (github, gitlab, bitbucket, google, facebook)
	BcryptCost    int
	Version       string

	JWTExp               time.Duration // 1 h
	ConfirmationMaxAge   time.Duration // 24 h
	InviteMaxAge         time.Duration // 7 days
	RecoveryMaxAge       time.Duration // 24 h
	EmailChangeMaxAge    time.Duration // 24 h
	RefreshTokenLifetime time.Duration // 30 days
	MailMaxFrequency     time.Duration // 15 min between two mails of a kind to one user
	CookieDuration       time.Duration // 24 h

	// TemplatePaths are the site paths of custom mail templates (GoTrue's
	// mailer.templates), read through MailTemplates on every mail; Subjects replace
	// the default subjects (mailer.subjects). Both are keyed by mail kind.
	TemplatePaths map[MailKind]string
	Subjects      map[MailKind]string
	MailTemplates MailTemplateSource
}

// Providers are the external providers GoTrue knows, in /settings order.
var Providers = []string{"bitbucket", "github", "gitlab", "google", "facebook"}

// DefaultBcryptCost is low on purpose: a development server hashes on every signup and
// login, and production's cost 10 takes ~50 ms a hash on a laptop.
const DefaultBcryptCost = 4

func (c *Config) withDefaults() {
	if c.AdminRole == "" {
		c.AdminRole = "admin"
	}
	if c.BcryptCost == 0 {
		c.BcryptCost = DefaultBcryptCost
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.JWTExp, time.Hour)
	def(&c.ConfirmationMaxAge, 24*time.Hour)
	def(&c.InviteMaxAge, 7*24*time.Hour)
	def(&c.RecoveryMaxAge, 24*time.Hour)
	def(&c.EmailChangeMaxAge, 24*time.Hour)
	def(&c.RefreshTokenLifetime, 30*24*time.Hour)
	def(&c.MailMaxFrequency, 15*time.Minute)
	def(&c.CookieDuration, 24*time.Hour)
}
