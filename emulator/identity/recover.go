package identity

import (
	"errors"
	"net/http"

	"github.com/identity-dev/dev/emulator/tokens"
)

// RecoverParams is the body of POST /recover.
type RecoverParams struct {
	Email string `json:"email"`
}

// POST /recover: mails a recovery link. An unknown email gets the same 200 {} so the
// answer does not reveal who has an account; a second request within the mail
// frequency limit gets 429.
func (a *API) recover(w http.ResponseWriter, r *http.Request) error {
	params := &RecoverParams{}
	if err := decodeBody(r, params, "Could not read verification params"); err != nil {
		return err
	}
	if params.Email == "" {
		return unprocessable("Password recovery requires an email")
	}
	noteEmail(r, params.Email)
	aud := a.requestAud(r)
	var sent []*Mail
	err := a.store.Update(r.Context(), func(tx Tx) error {
		user, err := tx.UserByEmail(params.Email, aud)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return internalError("Database error finding user").withInternal(err)
		}
		now := nowNano(a.clock)
		if user.RecoverySentAt != nil && !user.RecoverySentAt.Add(a.cfg.MailMaxFrequency).Before(now) {
			return httpError(http.StatusTooManyRequests, "Rate limit exceeded, try again later")
		}
		if err := a.audit(tx, user, AuditUserRecoveryRequested, nil); err != nil {
			return err
		}
		token := tokens.Secure()
		m, err := a.buildMail(MailRecovery, user, user.Email, token, a.mailBase(r.Referer()), now)
		if err != nil {
			return internalError("Error recovering user").withInternal(err)
		}
		user.RecoveryToken = token
		user.RecoverySentAt = timePtr(now)
		if err := a.captureMail(tx, m, &sent); err != nil {
			return err
		}
		return a.updateExisting(tx, user)
	})
	if err != nil {
		return err
	}
	a.announceMail(sent)
	writeJSON(w, http.StatusOK, map[string]any{})
	return nil
}
