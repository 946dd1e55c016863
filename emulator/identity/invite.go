package identity

import (
	"errors"
	"net/http"

	"github.com/identity-dev/dev/emulator/tokens"
)

// InviteParams is the body of POST /invite.
type InviteParams struct {
	Email string         `json:"email"`
	Data  map[string]any `json:"data"`
}

// POST /invite (admin): creates the user, fires validate, mails an invite link.
func (a *API) invite(w http.ResponseWriter, r *http.Request) error {
	params := &InviteParams{}
	if err := decodeBody(r, params, "Could not read Invite params"); err != nil {
		return err
	}
	if err := validateEmail(params.Email); err != nil {
		return err
	}
	noteEmail(r, params.Email)
	aud := a.requestAud(r)
	if err := a.emailFree(r, params.Email, aud); err != nil {
		return err
	}
	user, err := a.newUser(params.Email, "", aud, params.Data)
	if err != nil {
		return err
	}
	res, err := a.hooks.Trigger(r.Context(), EventValidate, user)
	if err != nil {
		return err
	}
	applyHookResult(user, res)

	var sent []*Mail
	err = a.store.Update(r.Context(), func(tx Tx) error {
		now := nowNano(a.clock)
		token := tokens.Secure()
		m, err := a.buildMail(MailInvite, user, user.Email, token, a.mailBase(r.Referer()), now)
		if err != nil {
			return internalError("Error inviting user").withInternal(err)
		}
		user.ConfirmationToken = token
		user.InvitedAt = timePtr(now)
		if err := tx.CreateUser(user); err != nil {
			if errors.Is(err, ErrDuplicateEmail) {
				return unprocessable("Email address already registered by another user")
			}
			return internalError("Database error saving new user").withInternal(err)
		}
		if err := a.audit(tx, adminFrom(r), AuditUserInvited, userTraits(user)); err != nil {
			return err
		}
		return a.captureMail(tx, m, &sent)
	})
	if err != nil {
		return err
	}
	a.announceMail(sent)
	writeJSON(w, http.StatusOK, user)
	return nil
}

// emailFree answers 422 when another user of aud has the email.
func (a *API) emailFree(r *http.Request, email, aud string) error {
	err := a.store.View(r.Context(), func(tx Tx) error {
		_, err := tx.UserByEmail(email, aud)
		return err
	})
	switch {
	case err == nil:
		return unprocessable("Email address already registered by another user")
	case errors.Is(err, ErrNotFound):
		return nil
	default:
		return internalError("Database error checking email").withInternal(err)
	}
}
