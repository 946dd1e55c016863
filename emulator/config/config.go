// Package config reads a site's settings: netlify.toml's [dev] and [dev.identity]
// tables, over which command-line flags win, over which defaults win.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/BurntSushi/toml"
)

// FileName is the site's configuration file.
const FileName = "netlify.toml"

// Site is what dev reads from netlify.toml. Pointers are nil when a key is absent.
type Site struct {
	Path      string             `toml:"-"` // the file read; "" when the site has none
	Dev       Dev                `toml:"dev"`
	Build     Build              `toml:"build"`
	Functions Functions          `toml:"functions"`
	Context   map[string]Context `toml:"context"`
}

// Dev is netlify.toml's [dev] table, as far as dev uses it.
type Dev struct {
	Port *int `toml:"port"`
	// AllowedHosts are names besides this machine's that dev serve answers in a Host
	// header (camelCase, as the rest of netlify.toml's [dev] table).
	AllowedHosts []string `toml:"allowedHosts"`
	// Command starts the site's framework dev server, which listens on TargetPort.
	Command     *string           `toml:"command"`
	TargetPort  *int              `toml:"targetPort"`
	Functions   *string           `toml:"functions"`
	Publish     *string           `toml:"publish"`
	Environment map[string]string `toml:"environment"`
	Identity    Identity          `toml:"identity"`
}

// Build is [build]: the folders of a site and its build-time environment.
type Build struct {
	Functions   *string           `toml:"functions"`
	Publish     *string           `toml:"publish"`
	Environment map[string]string `toml:"environment"`
}

// Functions is [functions]. Netlify also allows per-function tables
// ([functions."name"]), which dev reads but does not use yet.
type Functions struct {
	Directory *string `toml:"directory"`
}

// Context is one [context.NAME] table.
type Context struct {
	Environment map[string]string `toml:"environment"`
}

// Identity is [dev.identity]: the identity service's settings.
type Identity struct {
	SiteURL       *string  `toml:"site_url"`
	JWTSecret     *string  `toml:"jwt_secret"`
	Autoconfirm   *bool    `toml:"autoconfirm"`
	DisableSignup *bool    `toml:"disable_signup"`
	DB            *string  `toml:"db"`
	BcryptCost    *int     `toml:"bcrypt_cost"`
	External      []string `toml:"external"`
	GoTrueProfile *string  `toml:"gotrue_profile"`
	DenyProfile   *string  `toml:"deny_profile"`
	// Templates and Subjects are GoTrue's mailer.templates and mailer.subjects, by
	// mail kind (confirmation, recovery, invite, email_change).
	Templates     map[string]string `toml:"templates"`
	Subjects      map[string]string `toml:"subjects"`
	WebhookURL    *string           `toml:"webhook_url"`
	WebhookSecret *string           `toml:"webhook_secret"`
	WebhookEvents []string          `toml:"webhook_events"`
	WidgetSetup   *bool             `toml:"widget_setup"`
}

// Load reads dir/netlify.toml. A site without one gets an empty Site; a file that does
// not parse is an error naming the file, line and key.
func Load(dir string) (*Site, error) {
	path := filepath.Join(dir, FileName)
	s := &Site{}
	md, err := toml.DecodeFile(path, s)
	if errors.Is(err, fs.ErrNotExist) {
		return &Site{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	s.Path = path
	// A db path in the file is relative to the site, not to where dev was started.
	if s.Dev.Identity.DB != nil && *s.Dev.Identity.DB == "" {
		s.Dev.Identity.DB = nil // db = "" says nothing: the default store
	}
	if s.Dev.Identity.DB != nil && *s.Dev.Identity.DB != ":memory:" && !filepath.IsAbs(*s.Dev.Identity.DB) {
		p := filepath.Join(dir, *s.Dev.Identity.DB)
		s.Dev.Identity.DB = &p
	}
	for _, key := range md.Undecoded() {
		if len(key) >= 2 && key[0] == "dev" && key[1] == "identity" {
			return nil, fmt.Errorf("%s: unknown key %q in [dev.identity]; known keys: site_url, jwt_secret, autoconfirm, disable_signup, db, bcrypt_cost, external, gotrue_profile, deny_profile, templates, subjects, webhook_url, webhook_secret, webhook_events, widget_setup", path, key.String())
		}
	}
	return s, nil
}
