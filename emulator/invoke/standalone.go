package invoke

import (
	"context"
	"fmt"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/hooks"
	"github.com/identity-dev/dev/emulator/term"
	"github.com/identity-dev/dev/emulator/tokens"
	"github.com/identity-dev/dev/mockdata"
)

// Standalone is the setting of an invocation with no dev serve: the one function built
// and run in its runtime, with the site's environment, a fresh instance secret and id.
type Standalone struct {
	SiteDir      string
	FunctionsDir string
	Function     string
	Env          []string
	Runtimes     map[functions.Kind]functions.Runtime
	Timeout      time.Duration
	Log          *term.Logger
	Seed         int64  // makes the instance id repeatable
	Secret       string // the instance JWT secret; random when empty
}

// Open builds the function and returns its Env; close stops its instance.
func (s Standalone) Open(ctx context.Context) (Env, func(), error) {
	secret := s.Secret
	if secret == "" {
		secret = tokens.NewSecret()
	}
	instance := mockdata.InstanceID(s.Seed)
	signer := tokens.NewSigner(secret)
	fns := functions.NewServer(functions.Options{
		SiteDir: s.SiteDir, FunctionsDir: s.FunctionsDir, Runtimes: s.Runtimes, Env: s.Env, Timeout: s.Timeout,
		Only: s.only(), Log: s.Log, SiteID: instance,
		Contexts: &functions.ClientContexts{Signer: signer, IdentityURL: "http://127.0.0.1:8888/.netlify/identity", SiteURL: "http://127.0.0.1:8888"},
		BaseURL:  func() string { return "http://127.0.0.1:8888" },
	})
	if err := fns.Load(ctx); err != nil {
		return Env{}, nil, err
	}
	env := Env{
		Mode: "standalone", Functions: fns, InstanceID: instance,
		Hooks: &hooks.Dispatcher{InstanceID: instance, Secret: secret, Functions: fns},
		Token: func(_ context.Context, email string) (string, error) {
			u := mockdata.User("login", mockdata.Options{Email: email, Seed: s.Seed})
			tok, err := signer.AccessToken(tokens.Claims{
				ExpiresAt: time.Now().Add(time.Hour).Unix(), Subject: u.ID, Email: u.Email,
				AppMetaData: u.AppMetaData, UserMetaData: u.UserMetaData,
			})
			if err != nil {
				return "", fmt.Errorf("mint a token for %s: %w", email, err)
			}
			return tok, nil
		},
	}
	return env, fns.Close, nil
}

// only is the one function to build: none for a typed handler's method (userSignup),
// which runs every function that receives its event.
func (s Standalone) only() string {
	if _, ok := ruleOfMethod(s.Function); ok {
		return ""
	}
	return s.Function
}
