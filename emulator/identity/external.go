package identity

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v4"

	"github.com/identity-dev/dev/emulator/tokens"
)

// ProviderIdentity is who an emulated OAuth provider says signed in.
type ProviderIdentity struct {
	Email         string
	EmailVerified bool
	FullName      string
	AvatarURL     string
}

// ProviderPath is where /authorize sends the browser: the emulated provider's sign-in
// page, which dev serves (not part of GoTrue).
const ProviderPath = "/.netlify/dev/oauth/"

// externalState is the OAuth state GoTrue signs: it comes back to /callback.
type externalState struct {
	SiteURL     string `json:"site_url"`
	ID          string `json:"id"`
	Provider    string `json:"provider"`
	InviteToken string `json:"invite_token,omitempty"`
	Referrer    string `json:"referrer,omitempty"`
	ExpiresAt   int64  `json:"exp"`
}

// Valid is checked by callback itself, against the API's clock.
func (s *externalState) Valid() error { return nil }

// codes are the one-time codes the provider page hands to /callback.
type codes struct {
	mu sync.Mutex
	m  map[string]codeEntry
}

type codeEntry struct {
	id      ProviderIdentity
	expires time.Time
}

// IssueCode is what the emulated provider does when the developer signs in: a
// one-time code for that identity, valid for a minute.
func (a *API) IssueCode(id ProviderIdentity) string {
	a.codes.mu.Lock()
	defer a.codes.mu.Unlock()
	if a.codes.m == nil {
		a.codes.m = map[string]codeEntry{}
	}
	code := tokens.Secure()
	a.codes.m[code] = codeEntry{id: id, expires: a.clock().Add(time.Minute)}
	return code
}

func (a *API) redeemCode(code string) (ProviderIdentity, bool) {
	a.codes.mu.Lock()
	defer a.codes.mu.Unlock()
	e, ok := a.codes.m[code]
	delete(a.codes.m, code)
	if !ok || a.clock().After(e.expires) {
		return ProviderIdentity{}, false
	}
	return e.id, true
}

func knownProvider(name string) bool {
	for _, p := range Providers {
		if p == name {
			return true
		}
	}
	return false
}

// GET /authorize?provider=X[&invite_token=T]
func (a *API) authorize(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	provider := q.Get("provider")
	if !knownProvider(provider) {
		return badRequest("Unsupported provider: Provider %s could not be found", provider)
	}
	if !a.cfg.External[provider] {
		return badRequest("Unsupported provider: Provider is not enabled")
	}
	st := externalState{SiteURL: a.cfg.SiteURL, ID: a.cfg.InstanceID, Provider: provider, ExpiresAt: a.clock().Add(5 * time.Minute).Unix()}
	if invite := q.Get("invite_token"); invite != "" {
		if _, err := a.userByToken(r, invite, Tx.UserByConfirmationToken); err != nil {
			return err
		}
		st.InviteToken = invite
	}
	if ref := r.Referer(); ref != "" && sameHost(ref, a.cfg.SiteURL) {
		st.Referrer = ref
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, &st).SignedString([]byte(a.cfg.JWTSecret))
	if err != nil {
		return internalError("Error creating state").withInternal(err)
	}
	http.Redirect(w, r, ProviderPath+provider+"?state="+url.QueryEscape(signed), http.StatusFound)
	return nil
}

// GET /callback?code=C&state=S: the end of an external sign-in. Success and failure
// both redirect: tokens or the error in the URL fragment.
func (a *API) callback(w http.ResponseWriter, r *http.Request) error {
	st := &externalState{}
	p := jwt.NewParser(jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Name}))
	if _, err := p.ParseWithClaims(r.URL.Query().Get("state"), st, func(*jwt.Token) (any, error) { return []byte(a.cfg.JWTSecret), nil }); err != nil {
		return badRequest("OAuth state is invalid: %v", err)
	}
	if a.clock().Unix() > st.ExpiresAt {
		return badRequest("OAuth state is invalid: the sign-in took more than 5 minutes; start again")
	}
	target := a.cfg.SiteURL
	if st.Referrer != "" {
		target = st.Referrer
	}
	resp, err := a.externalSignIn(r, st)
	if err != nil {
		redirectWithFragment(w, r, target, externalErrorFragment(err))
		return nil
	}
	if resp == nil { // confirmation mail sent: no tokens yet
		http.Redirect(w, r, target, http.StatusFound)
		return nil
	}
	v := url.Values{"access_token": {resp.AccessToken}, "expires_in": {fmt.Sprint(resp.ExpiresIn)},
		"refresh_token": {resp.RefreshToken}, "token_type": {resp.TokenType}}
	redirectWithFragment(w, r, target, v.Encode())
	return nil
}

func (a *API) externalSignIn(r *http.Request, st *externalState) (*TokenResponse, error) {
	id, ok := a.redeemCode(r.URL.Query().Get("code"))
	if !ok {
		return nil, badRequest("OAuth code is invalid or was used already")
	}
	if err := validateEmail(id.Email); err != nil {
		return nil, err
	}
	noteEmail(r, id.Email)
	ctx := WithExternal(r.Context(), st.Provider)
	meta := map[string]any{}
	if id.FullName != "" {
		meta["full_name"] = id.FullName
	}
	if id.AvatarURL != "" {
		meta["avatar_url"] = id.AvatarURL
	}
	aud := a.requestAud(r)
	if st.InviteToken != "" {
		return a.acceptInviteExternally(r, ctx, st, id, meta)
	}

	var resp *TokenResponse
	err := retryIfTaken(func() error {
		var err error
		resp, err = a.externalAccount(ctx, st, id, meta, aud)
		return err
	})
	return resp, err
}

// externalAccount signs the provider's identity in: the user with its address, or a
// new one. It returns ErrDuplicateEmail when another request stored a user with the
// address after the lookup.
func (a *API) externalAccount(ctx context.Context, st *externalState, id ProviderIdentity, meta map[string]any, aud string) (*TokenResponse, error) {
	user, err := a.userByEmail(ctx, id.Email, aud)
	if err != nil {
		return nil, err
	}
	// GoTrue looks up only an address the provider verified (or any, with autoconfirm);
	// for any other it creates an account. Its users table lets that be a second
	// account with the address; dev's holds one user per address, so such a sign-in
	// is answered as /signup answers a second signup.
	confirm := id.EmailVerified || a.cfg.Autoconfirm
	signup := user == nil || !confirm
	if signup && a.cfg.DisableSignup {
		return nil, forbidden("Signups not allowed for this instance")
	}
	isNew := user == nil
	switch {
	case isNew:
		user, err = a.newUser(id.Email, "", aud, meta)
		if err != nil {
			return nil, err
		}
		user.AppMetaData["provider"] = st.Provider
		res, err := a.hooks.Trigger(ctx, EventValidate, user)
		if err != nil {
			return nil, err
		}
		applyHookResult(user, res)
	case signup && user.IsConfirmed():
		return nil, badRequest("A user with this email address has already been registered")
	case signup:
		user.UserMetaData = mergeMetaData(user.UserMetaData, meta)
		user.UpdatedAt = nowMicro(a.clock)
	case user.IsConfirmed():
		res, err := a.hooks.Trigger(ctx, EventLogin, user)
		if err != nil {
			return nil, err
		}
		applyHookResult(user, res)
		return a.signIn(ctx, user, AuditLogin, nil)
	}

	if confirm {
		res, err := a.hooks.Trigger(ctx, EventSignup, user)
		if err != nil {
			return nil, err
		}
		applyHookResult(user, res)
		user.ConfirmedAt = timePtr(nowNano(a.clock))
	}
	var sent []*Mail
	var resp *TokenResponse
	err = a.store.Update(ctx, func(tx Tx) error {
		if err := a.saveSignup(tx, user, isNew, confirm, st.Referrer, &sent); err != nil || !confirm {
			return err
		}
		var err error
		resp, err = a.issueTokens(tx, user)
		return err
	})
	a.announceMail(sent)
	return resp, err
}

func (a *API) acceptInviteExternally(r *http.Request, ctx context.Context, st *externalState, id ProviderIdentity, meta map[string]any) (*TokenResponse, error) {
	user, err := a.userByToken(r, st.InviteToken, Tx.UserByConfirmationToken)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(user.Email, id.Email) {
		return nil, badRequest("Invited email does not match emails from external provider")
	}
	user.AppMetaData["provider"] = st.Provider
	user.UserMetaData = mergeMetaData(user.UserMetaData, meta)
	res, err := a.hooks.Trigger(ctx, EventSignup, user)
	if err != nil {
		return nil, err
	}
	applyHookResult(user, res)
	user.ConfirmedAt = timePtr(nowNano(a.clock))
	token := user.ConfirmationToken
	user.ConfirmationToken = ""
	return a.signIn(ctx, user, AuditInviteAccepted, func(tx Tx) error {
		return a.stillHolds(tx, user.ID, token, Tx.UserByConfirmationToken)
	})
}

// externalErrorFragment is GoTrue's error redirect: HTTP statuses mapped to OAuth codes.
func externalErrorFragment(err error) string {
	code, msg := "server_error", "Internal server error"
	var he *HTTPError
	if errors.As(err, &he) {
		msg = he.Message
		switch he.Code {
		case http.StatusBadRequest:
			code = "invalid_request"
		case http.StatusUnauthorized:
			code = "unauthorized_client"
		case http.StatusForbidden:
			code = "access_denied"
		case http.StatusServiceUnavailable:
			code = "temporarily_unavailable"
		}
	}
	return url.Values{"error": {code}, "error_description": {msg}}.Encode()
}

func redirectWithFragment(w http.ResponseWriter, r *http.Request, target, fragment string) {
	if i := strings.Index(target, "#"); i >= 0 {
		target = target[:i]
	}
	http.Redirect(w, r, target+"#"+fragment, http.StatusFound)
}

// sameHost reports whether two URLs name the same host (and port).
func sameHost(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Host == ub.Host
}

type externalKey struct{}

// WithExternal marks ctx as an external (OAuth) sign-in with provider.
func WithExternal(ctx context.Context, provider string) context.Context {
	return context.WithValue(ctx, externalKey{}, provider)
}

// ExternalProvider is the provider of an external sign-in in progress, or "".
func ExternalProvider(ctx context.Context) string {
	p, _ := ctx.Value(externalKey{}).(string)
	return p
}
