package identity

import (
	"errors"
	"net/http"
	"strings"
)

// VerifyParams is the body of POST /verify.
type VerifyParams struct {
	Type     string `json:"type"`
	Token    string `json:"token"`
	Password string `json:"password"`
}

// POST /verify: confirms a signup or an invite, or signs in with a recovery token.
func (a *API) verify(w http.ResponseWriter, r *http.Request) error {
	params := &VerifyParams{}
	if err := decodeBody(r, params, "Could not read verification params"); err != nil {
		return err
	}
	if strings.TrimSpace(params.Token) == "" {
		return unprocessable("Verify requires a token")
	}
	var resp *TokenResponse
	var err error
	switch params.Type {
	case "signup":
		resp, err = a.verifySignup(r, params)
	case "recovery":
		resp, err = a.verifyRecovery(r, params)
	default:
		return unprocessable("Verify requires a verification type")
	}
	if err != nil {
		return err
	}
	a.setCookie(w, r, resp.AccessToken)
	writeJSON(w, http.StatusOK, resp)
	return nil
}

func (a *API) verifySignup(r *http.Request, params *VerifyParams) (*TokenResponse, error) {
	user, err := a.userByToken(r, params.Token, Tx.UserByConfirmationToken)
	if err != nil {
		return nil, err
	}
	noteEmail(r, user.Email)
	if user.InvitedAt != nil {
		if a.expired(user.InvitedAt, a.cfg.InviteMaxAge) {
			return nil, unprocessable("Confirmation token expired")
		}
	} else if a.expired(user.ConfirmationSentAt, a.cfg.ConfirmationMaxAge) {
		return nil, unprocessable("Confirmation token expired")
	}
	if user.EncryptedPassword == "" && user.InvitedAt != nil {
		if params.Password == "" {
			return nil, unprocessable("Invited users must specify a password")
		}
		hash, err := a.hashPassword(params.Password)
		if err != nil {
			return nil, internalError("Error encrypting password").withInternal(err)
		}
		user.EncryptedPassword = hash
		// GoTrue saves the password before the hook, which stamps updated_at.
		user.UpdatedAt = nowMicro(a.clock)
	}
	token := user.ConfirmationToken

	res, err := a.hooks.Trigger(r.Context(), EventSignup, user)
	if err != nil {
		return nil, err
	}
	applyHookResult(user, res)
	user.ConfirmedAt = timePtr(nowNano(a.clock))
	user.ConfirmationToken = ""

	return a.signIn(r.Context(), user, AuditUserSignedUp, func(tx Tx) error {
		return a.stillHolds(tx, user.ID, token, Tx.UserByConfirmationToken)
	})
}

func (a *API) verifyRecovery(r *http.Request, params *VerifyParams) (*TokenResponse, error) {
	user, err := a.userByToken(r, params.Token, Tx.UserByRecoveryToken)
	if err != nil {
		return nil, err
	}
	noteEmail(r, user.Email)
	if a.expired(user.RecoverySentAt, a.cfg.RecoveryMaxAge) {
		return nil, unprocessable("Recovery token expired")
	}
	token := user.RecoveryToken
	user.RecoveryToken = ""
	user.UpdatedAt = nowMicro(a.clock) // clearing the token is saved before any hook
	confirming := !user.IsConfirmed()
	if confirming {
		// Recovery doubles as confirmation; GoTrue wraps every failure here as a 500.
		res, err := a.hooks.Trigger(r.Context(), EventSignup, user)
		if err != nil {
			return nil, internalError("Database error updating user").withInternal(err)
		}
		applyHookResult(user, res)
		user.ConfirmedAt = timePtr(nowNano(a.clock))
		user.ConfirmationToken = ""
	}
	var resp *TokenResponse
	err = a.store.Update(r.Context(), func(tx Tx) error {
		if err := a.stillHolds(tx, user.ID, token, Tx.UserByRecoveryToken); err != nil {
			return err
		}
		if err := tx.UpdateUser(user); err != nil {
			return internalError("Database error updating user").withInternal(err)
		}
		if confirming {
			if err := a.audit(tx, user, AuditUserSignedUp, nil); err != nil {
				return err
			}
		}
		resp, err = a.issueTokens(tx, user)
		return err
	})
	return resp, err
}

type tokenLookup func(Tx, string) (*User, error)

func (a *API) userByToken(r *http.Request, token string, lookup tokenLookup) (*User, error) {
	var user *User
	err := a.store.View(r.Context(), func(tx Tx) error {
		var err error
		user, err = lookup(tx, token)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return nil, notFound("User not found")
	}
	if err != nil {
		return nil, internalError("Database error finding user").withInternal(err)
	}
	return user, nil
}

// stillHolds re-checks, inside the write, that the token still belongs to the user:
// two concurrent verifications of one token must not both succeed.
func (a *API) stillHolds(tx Tx, userID, token string, lookup tokenLookup) error {
	u, err := lookup(tx, token)
	if errors.Is(err, ErrNotFound) || (err == nil && u.ID != userID) {
		return notFound("User not found")
	}
	if err != nil {
		return internalError("Database error finding user").withInternal(err)
	}
	return nil
}
