package identity

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/identity-dev/dev/emulator/tokens"
	"github.com/identity-dev/dev/internal/procs"
)

// SignupParams is the body of POST /signup.
type SignupParams struct {
	Email    string         `json:"email"`
	Password string         `json:"password"`
	Data     map[string]any `json:"data"`
}

// POST /signup
func (a *API) signup(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.DisableSignup {
		return forbidden("Signups not allowed for this instance")
	}
	params := &SignupParams{}
	if err := decodeBody(r, params, "Could not read Signup params"); err != nil {
		return err
	}
	if params.Password == "" {
		return unprocessable("Signup requires a valid password")
	}
	if err := validateEmail(params.Email); err != nil {
		return err
	}
	noteEmail(r, params.Email)
	aud := a.requestAud(r)

	var user *User
	var sent []*Mail
	err := retryIfTaken(func() error {
		var err error
		user, sent, err = a.signupUser(r, params, aud)
		return err
	})
	if err != nil {
		return err
	}
	a.announceMail(sent)
	writeJSON(w, http.StatusOK, user)
	return nil
}

// signupUser creates the user of a signup, or signs up again the unconfirmed user
// who has the address. It returns ErrDuplicateEmail when another request stored a
// user with the address after the lookup.
func (a *API) signupUser(r *http.Request, params *SignupParams, aud string) (*User, []*Mail, error) {
	user, err := a.userByEmail(r.Context(), params.Email, aud)
	if err != nil {
		return nil, nil, err
	}
	if user != nil && user.IsConfirmed() {
		return nil, nil, badRequest("A user with this email address has already been registered")
	}
	isNew := user == nil
	if isNew {
		user, err = a.newUser(params.Email, params.Password, aud, params.Data)
		if err != nil {
			return nil, nil, err
		}
		res, err := a.hooks.Trigger(r.Context(), EventValidate, user)
		if err != nil {
			return nil, nil, err
		}
		applyHookResult(user, res)
	} else {
		user.UserMetaData = mergeMetaData(user.UserMetaData, params.Data)
		user.UpdatedAt = nowMicro(a.clock)
	}

	if a.cfg.Autoconfirm {
		res, err := a.hooks.Trigger(r.Context(), EventSignup, user)
		if err != nil {
			return nil, nil, err
		}
		applyHookResult(user, res)
		user.ConfirmedAt = timePtr(nowNano(a.clock))
		user.UpdatedAt = nowMicro(a.clock)
	}

	var sent []*Mail
	err = a.store.Update(r.Context(), func(tx Tx) error {
		return a.saveSignup(tx, user, isNew, a.cfg.Autoconfirm, r.Referer(), &sent)
	})
	if err != nil {
		return nil, nil, err
	}
	return user, sent, nil
}

// userByEmail is the user of aud with the address, or nil.
func (a *API) userByEmail(ctx context.Context, email, aud string) (*User, error) {
	var user *User
	err := a.store.View(ctx, func(tx Tx) error {
		var err error
		user, err = tx.UserByEmail(email, aud)
		return err
	})
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, internalError("Database error finding user").withInternal(err)
	}
	return user, nil
}

// retryIfTaken runs a signup step, and runs it once more when the store refused its
// new user because a concurrent request stored the address first (the store's unique
// index, not a lookup, says so). The second run finds that user and answers as GoTrue
// answers a second signup of the address.
func retryIfTaken(step func() error) error {
	err := step()
	if storeRefusedAsTaken(err) {
		err = step()
	}
	if storeRefusedAsTaken(err) {
		// Taken again: the user was deleted and stored anew between the two runs.
		return internalError("Database error saving new user").withInternal(err)
	}
	return err
}

// storeRefusedAsTaken reports the store's own refusal, not an answer already decided.
func storeRefusedAsTaken(err error) bool {
	var he *HTTPError
	return errors.Is(err, ErrDuplicateEmail) && !errors.As(err, &he)
}

// saveSignup stores a signed-up user, new or not yet confirmed, in tx: with the
// confirmation mail when it is not confirmed, with the audit entry when it is.
func (a *API) saveSignup(tx Tx, user *User, isNew, confirmed bool, referrer string, sent *[]*Mail) error {
	if !confirmed {
		if err := a.sendConfirmation(tx, user, referrer, sent); err != nil {
			return err
		}
	}
	if isNew {
		err := tx.CreateUser(user)
		if errors.Is(err, ErrDuplicateEmail) {
			return err // for retryIfTaken
		}
		if err != nil {
			return internalError("Database error saving new user").withInternal(err)
		}
	} else if err := a.updateExisting(tx, user); err != nil {
		return err
	}
	if confirmed {
		return a.audit(tx, user, AuditUserSignedUp, nil)
	}
	return nil
}

// updateExisting saves a user that must still exist: a user deleted meanwhile is 404.
func (a *API) updateExisting(tx Tx, u *User) error {
	err := tx.UpdateUser(u)
	switch {
	case errors.Is(err, ErrNotFound):
		return notFound("User not found")
	case errors.Is(err, ErrDuplicateEmail):
		return unprocessable("Email address already registered by another user")
	case err != nil:
		return internalError("Database error updating user").withInternal(err)
	}
	return nil
}

// newUser builds an email user as GoTrue creates one: provider "email", the default role.
func (a *API) newUser(email, password, aud string, data map[string]any) (*User, error) {
	hash := ""
	if password != "" {
		done := widenFor(a.cfg.BcryptCost)
		b, err := bcrypt.GenerateFromPassword([]byte(password), a.cfg.BcryptCost)
		done()
		if err != nil {
			return nil, internalError("Error hashing password").withInternal(err)
		}
		hash = string(b)
	}
	now := nowMicro(a.clock)
	return &User{
		ID: tokens.NewUUID(), Aud: aud, Role: a.cfg.DefaultRole, Email: email,
		EncryptedPassword: hash,
		AppMetaData:       map[string]any{"provider": "email"},
		UserMetaData:      cloneMap(data),
		CreatedAt:         now, UpdatedAt: now,
	}, nil
}

// sendConfirmation mails a new confirmation link unless one went out within the
// mail frequency limit, in which case GoTrue silently sends nothing.
func (a *API) sendConfirmation(tx Tx, u *User, referrer string, sent *[]*Mail) error {
	now := nowNano(a.clock)
	if u.ConfirmationSentAt != nil && !u.ConfirmationSentAt.Add(a.cfg.MailMaxFrequency).Before(now) {
		return nil
	}
	token := tokens.Secure()
	m, err := a.buildMail(MailConfirmation, u, u.Email, token, a.mailBase(referrer), now)
	if err != nil {
		return internalError("Error sending confirmation mail").withInternal(err)
	}
	u.ConfirmationToken = token
	u.ConfirmationSentAt = timePtr(now)
	return a.captureMail(tx, m, sent)
}

func validateEmail(email string) error {
	if email == "" {
		return unprocessable("An email address is required")
	}
	if _, err := mail.ParseAddress(email); err != nil {
		return unprocessable("Unable to validate email address: %v", err)
	}
	return nil
}

func (a *API) checkPassword(u *User, password string) bool {
	if u == nil || u.EncryptedPassword == "" {
		// Compare anyway, so a missing user takes as long as a wrong password.
		done := widenFor(a.cfg.BcryptCost)
		_ = bcrypt.CompareHashAndPassword(a.dummyHash(), []byte(password))
		done()
		return false
	}
	if a.verified.has(u.EncryptedPassword, password) {
		return true
	}
	cost, _ := bcrypt.Cost([]byte(u.EncryptedPassword))
	done := widenFor(cost)
	err := bcrypt.CompareHashAndPassword([]byte(u.EncryptedPassword), []byte(password))
	done()
	if err != nil {
		return false
	}
	a.verified.add(u.EncryptedPassword, password)
	return true
}

func (a *API) dummyHash() []byte {
	a.dummyOnce.Do(func() {
		defer widenFor(a.cfg.BcryptCost)()
		a.dummy, _ = bcrypt.GenerateFromPassword([]byte("dummy password for timing"), a.cfg.BcryptCost)
	})
	return a.dummy
}

func (a *API) hashPassword(password string) (string, error) {
	defer widenFor(a.cfg.BcryptCost)()
	b, err := bcrypt.GenerateFromPassword([]byte(password), a.cfg.BcryptCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(b), nil
}

// slowHashCost is the bcrypt cost from which a hash takes long enough (about 15 ms here,
// 50 ms at production's 10) that dev serve, which runs its Go code on one thread
// (internal/procs), would hold other requests back for it: such a hash runs widened, so
// that the rest goes on on another CPU. Widening costs about 40 µs, too much for the
// default cost's 1 ms hash.
const slowHashCost = 8

// widenFor widens for a hash of cost, when it is slow; call what it returns after.
func widenFor(cost int) (done func()) {
	if cost < slowHashCost {
		return func() {}
	}
	return procs.Wide()
}

// expired reports whether a token sent at sentAt is older than maxAge.
func (a *API) expired(sentAt *time.Time, maxAge time.Duration) bool {
	return sentAt != nil && a.clock().After(sentAt.Add(maxAge))
}
