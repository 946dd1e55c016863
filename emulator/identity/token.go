package identity

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/identity-dev/dev/emulator/tokens"
)

// TokenResponse is the answer of /token and /verify.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

// POST /token: form-encoded password and refresh_token grants.
func (a *API) token(w http.ResponseWriter, r *http.Request) error {
	if err := a.parseForm(r); err != nil {
		return err
	}
	switch r.FormValue("grant_type") {
	case "password":
		return a.passwordGrant(w, r)
	case "refresh_token":
		return a.refreshGrant(w, r)
	}
	return oauthError("unsupported_grant_type", "")
}

// parseForm reads the body bounded, then lets net/http parse it as a form. GoTrue reads
// with r.FormValue, which ignores a body it cannot parse (too large, not a form): the
// grant is then missing and the answer is unsupported_grant_type.
func (a *API) parseForm(r *http.Request) error {
	if r.Body != nil {
		r.Body = http.MaxBytesReader(nil, r.Body, MaxBodyBytes)
	}
	_ = r.ParseForm()
	return nil
}

func (a *API) passwordGrant(w http.ResponseWriter, r *http.Request) error {
	email, password := r.FormValue("username"), r.FormValue("password")
	noteEmail(r, email)
	aud := a.requestAud(r)
	var user *User
	err := a.store.View(r.Context(), func(tx Tx) error {
		var err error
		user, err = tx.UserByEmail(email, aud)
		return err
	})
	invalid := oauthError("invalid_grant", "No user found with that email, or password invalid.")
	switch {
	case errors.Is(err, ErrNotFound):
		a.checkPassword(nil, password)
		return invalid
	case err != nil:
		return internalError("Database error querying schema").withInternal(err)
	case !user.IsConfirmed():
		return oauthError("invalid_grant", "Email not confirmed")
	case !a.checkPassword(user, password):
		return invalid
	}

	res, err := a.hooks.Trigger(r.Context(), EventLogin, user)
	if err != nil {
		return err
	}
	changed := res != nil && (res.AppMetaData != nil || res.UserMetaData != nil)
	applyHookResult(user, res)

	var resp *TokenResponse
	err = a.store.Update(r.Context(), func(tx Tx) error {
		if changed {
			if err := a.updateExisting(tx, user); err != nil {
				return err
			}
		}
		if err := a.audit(tx, user, AuditLogin, nil); err != nil {
			return err
		}
		resp, err = a.issueTokens(tx, user)
		return err
	})
	if err != nil {
		return err
	}
	a.setCookie(w, r, resp.AccessToken)
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (a *API) refreshGrant(w http.ResponseWriter, r *http.Request) error {
	value := r.FormValue("refresh_token")
	if value == "" {
		return oauthError("invalid_request", "refresh_token required")
	}
	invalid := oauthError("invalid_grant", "Invalid Refresh Token")
	var resp *TokenResponse
	var clear bool
	err := a.store.Update(r.Context(), func(tx Tx) error {
		rt, err := tx.RefreshToken(value)
		if errors.Is(err, ErrNotFound) {
			return invalid
		}
		if err != nil {
			return internalError("Database error granting user").withInternal(err)
		}
		if rt.Revoked {
			clear = true
			return invalid
		}
		if a.clock().After(rt.CreatedAt.Add(a.cfg.RefreshTokenLifetime)) {
			return oauthError("invalid_grant", "Refresh token expired")
		}
		user, err := tx.UserByID(rt.UserID)
		if errors.Is(err, ErrNotFound) {
			return invalid
		}
		if err != nil {
			return internalError("Database error granting user").withInternal(err)
		}
		if err := tx.RevokeRefreshToken(rt.ID); err != nil {
			return internalError("Database error granting user").withInternal(err)
		}
		if err := a.audit(tx, user, AuditTokenRefreshed, nil); err != nil {
			return err
		}
		if err := a.audit(tx, user, AuditTokenRevoked, nil); err != nil {
			return err
		}
		resp, err = a.issueTokens(tx, user)
		return err
	})
	if clear {
		a.clearCookie(w)
	}
	if err != nil {
		return err
	}
	a.setCookie(w, r, resp.AccessToken)
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// signIn saves an existing user, logs action and issues tokens, in one transaction;
// check, when set, runs first (to re-check what the operation relied on).
func (a *API) signIn(ctx context.Context, user *User, action AuditAction, check func(Tx) error) (*TokenResponse, error) {
	var resp *TokenResponse
	err := a.store.Update(ctx, func(tx Tx) error {
		if check != nil {
			if err := check(tx); err != nil {
				return err
			}
		}
		if err := a.updateExisting(tx, user); err != nil {
			return err
		}
		if err := a.audit(tx, user, action, nil); err != nil {
			return err
		}
		var err error
		resp, err = a.issueTokens(tx, user)
		return err
	})
	return resp, err
}

// issueTokens stores a new refresh token and mints the access token for user.
func (a *API) issueTokens(tx Tx, u *User) (*TokenResponse, error) {
	rt := &RefreshToken{Token: tokens.Secure(), UserID: u.ID, CreatedAt: a.clock().UTC()}
	if err := tx.CreateRefreshToken(rt); err != nil {
		return nil, internalError("Database error granting user").withInternal(err)
	}
	access, err := a.AccessToken(u)
	if err != nil {
		return nil, internalError("error generating jwt token").withInternal(err)
	}
	return &TokenResponse{
		AccessToken: access, TokenType: "bearer",
		ExpiresIn: int(a.cfg.JWTExp / time.Second), RefreshToken: rt.Token,
	}, nil
}

// AccessToken mints the access token GoTrue would give u now.
func (a *API) AccessToken(u *User) (string, error) {
	return a.signer.AccessToken(tokens.Claims{
		Audience:     u.Aud,
		ExpiresAt:    a.clock().Add(a.cfg.JWTExp).Unix(),
		Subject:      u.ID,
		Email:        u.Email,
		AppMetaData:  u.AppMetaData,
		UserMetaData: u.UserMetaData,
	})
}
