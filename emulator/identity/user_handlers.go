package identity

import (
	"crypto/subtle"
	"errors"
	"net/http"

	"github.com/identity-dev/dev/emulator/tokens"
)

// UserUpdateParams is the body of PUT /user.
type UserUpdateParams struct {
	Email            string         `json:"email"`
	Password         string         `json:"password"`
	EmailChangeToken string         `json:"email_change_token"`
	Data             map[string]any `json:"data"`
	AppData          map[string]any `json:"app_metadata,omitempty"`
}

// GET /user
func (a *API) getUser(w http.ResponseWriter, r *http.Request) error {
	claims := claimsFrom(r)
	if aud := a.requestAud(r); aud != claims.Audience {
		return badRequest("Token audience doesn't match request audience")
	}
	user, err := a.currentUser(r)
	if err != nil {
		return err
	}
	noteEmail(r, user.Email)
	writeJSON(w, http.StatusOK, user)
	return nil
}

// PUT /user: metadata merge, password change, email change request and confirmation.
func (a *API) updateUser(w http.ResponseWriter, r *http.Request) error {
	params := &UserUpdateParams{}
	if err := decodeBody(r, params, "Could not read User Update params"); err != nil {
		return err
	}
	user, err := a.currentUser(r)
	if err != nil {
		return err
	}
	noteEmail(r, user.Email)
	if params.AppData != nil && !a.isAdmin(user, a.requestAud(r)) {
		return unauthorized("Updating app_metadata requires admin privileges")
	}

	if params.Password != "" {
		hash, err := a.hashPassword(params.Password)
		if err != nil {
			return internalError("Error during password storage").withInternal(err)
		}
		user.EncryptedPassword = hash
	}
	if params.Data != nil {
		user.UserMetaData = mergeMetaData(user.UserMetaData, params.Data)
	}
	if params.AppData != nil {
		user.AppMetaData = mergeMetaData(user.AppMetaData, params.AppData)
	}
	user.UpdatedAt = nowMicro(a.clock)

	var sent []*Mail
	err = a.store.Update(r.Context(), func(tx Tx) error {
		switch {
		case params.EmailChangeToken != "":
			if a.expired(user.EmailChangeSentAt, a.cfg.EmailChangeMaxAge) {
				return unprocessable("Email change token expired")
			}
			if subtle.ConstantTimeCompare([]byte(params.EmailChangeToken), []byte(user.EmailChangeToken)) != 1 {
				return unauthorized("Email Change Token didn't match token on file")
			}
			user.Email, user.EmailChange, user.EmailChangeToken = user.EmailChange, "", ""
		case params.Email != "" && params.Email != user.Email:
			if err := validateEmail(params.Email); err != nil {
				return err
			}
			switch other, err := tx.UserByEmail(params.Email, user.Aud); {
			case err == nil && other.ID != user.ID:
				return unprocessable("Email address already registered by another user")
			case err != nil && !errors.Is(err, ErrNotFound):
				return internalError("Database error checking email").withInternal(err)
			}
			if err := a.sendEmailChange(tx, user, params.Email, r.Referer(), &sent); err != nil {
				return err
			}
		}
		if err := a.updateExisting(tx, user); err != nil {
			return err
		}
		return a.audit(tx, user, AuditUserModified, nil)
	})
	if err != nil {
		return err
	}
	a.announceMail(sent)
	writeJSON(w, http.StatusOK, user)
	return nil
}

func (a *API) sendEmailChange(tx Tx, u *User, newEmail, referrer string, sent *[]*Mail) error {
	now := nowNano(a.clock)
	token := tokens.Secure()
	u.EmailChange = newEmail
	m, err := a.buildMail(MailEmailChange, u, newEmail, token, a.mailBase(referrer), now)
	if err != nil {
		return internalError("Error sending change email").withInternal(err)
	}
	u.EmailChangeToken = token
	u.EmailChangeSentAt = timePtr(now)
	return a.captureMail(tx, m, sent)
}

// POST /logout: every refresh token of the user is deleted; access tokens stay valid
// until they expire.
func (a *API) logout(w http.ResponseWriter, r *http.Request) error {
	a.clearCookie(w)
	user, err := a.tokenUser(r.Context(), claimsFrom(r))
	var he *HTTPError
	if errors.As(err, &he) {
		return he
	}
	if err != nil {
		return unauthorized("Invalid user").withInternal(err)
	}
	noteEmail(r, user.Email)
	err = a.store.Update(r.Context(), func(tx Tx) error {
		if err := a.audit(tx, user, AuditLogout, nil); err != nil {
			return err
		}
		if err := tx.DeleteRefreshTokens(user.ID); err != nil {
			return internalError("Error logging out user").withInternal(err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
