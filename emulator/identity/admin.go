package identity

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"
)

// adminUserParams is the body of the admin user routes.
type adminUserParams struct {
	Aud          string         `json:"aud"`
	Role         string         `json:"role"`
	Email        string         `json:"email"`
	Password     string         `json:"password"`
	Confirm      bool           `json:"confirm"`
	UserMetaData map[string]any `json:"user_metadata"`
	AppMetaData  map[string]any `json:"app_metadata"`
}

func (a *API) adminParams(r *http.Request) (*adminUserParams, error) {
	params := &adminUserParams{}
	if body, err := readBody(r); err == nil && len(body) == 0 {
		return params, nil
	}
	if err := decodeBody(r, params, "Could not decode admin user params"); err != nil {
		return nil, err
	}
	return params, nil
}

// GET /admin/users
func (a *API) adminListUsers(w http.ResponseWriter, r *http.Request) error {
	aud := a.requestAud(r)
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	asc, err := sortParams(r)
	if err != nil {
		return err
	}
	q := UserQuery{Aud: aud, Filter: r.URL.Query().Get("filter"), Ascending: asc, Page: page}
	var users []*User
	var total int
	err = a.store.View(r.Context(), func(tx Tx) error {
		users, total, err = tx.ListUsers(q)
		return err
	})
	if err != nil {
		return internalError("Database error finding users").withInternal(err)
	}
	if users == nil {
		users = []*User{}
	}
	addPaginationHeaders(w, r, page, total)
	writeJSON(w, http.StatusOK, map[string]any{"aud": aud, "users": users})
	return nil
}

// POST /admin/users: creates a user; app_metadata in the request is ignored and no
// hook fires, as in GoTrue.
func (a *API) adminCreateUser(w http.ResponseWriter, r *http.Request) error {
	params, err := a.adminParams(r)
	if err != nil {
		return err
	}
	aud := a.requestAud(r)
	if params.Aud != "" {
		aud = params.Aud
	}
	if err := validateEmail(params.Email); err != nil {
		return err
	}
	noteEmail(r, params.Email)
	if err := a.emailFree(r, params.Email, aud); err != nil {
		return err
	}
	user, err := a.newUser(params.Email, params.Password, aud, params.UserMetaData)
	if err != nil {
		return err
	}
	if params.Role != "" {
		user.Role = params.Role
	}
	if params.Confirm {
		user.ConfirmedAt = timePtr(nowNano(a.clock))
	}
	err = a.store.Update(r.Context(), func(tx Tx) error {
		if err := tx.CreateUser(user); err != nil {
			if errors.Is(err, ErrDuplicateEmail) {
				return unprocessable("Email address already registered by another user")
			}
			return internalError("Database error creating new user").withInternal(err)
		}
		return a.audit(tx, adminFrom(r), AuditUserSignedUp, userTraits(user))
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, user)
	return nil
}

type userHandler func(w http.ResponseWriter, r *http.Request, u *User) error

// withUserID loads the user of /admin/users/{id}.
func (a *API) withUserID(id string, next userHandler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		parsed, err := uuid.Parse(id)
		if err != nil {
			return badRequest("user_id must be an UUID")
		}
		var user *User
		err = a.store.View(r.Context(), func(tx Tx) error {
			user, err = tx.UserByID(parsed.String())
			return err
		})
		if errors.Is(err, ErrNotFound) {
			return notFound("User not found")
		}
		if err != nil {
			return internalError("Database error loading user").withInternal(err)
		}
		noteEmail(r, user.Email)
		return next(w, r, user)
	}
}

// GET /admin/users/{id}
func (a *API) adminGetUser(w http.ResponseWriter, _ *http.Request, u *User) error {
	writeJSON(w, http.StatusOK, u)
	return nil
}

// PUT /admin/users/{id}: metadata merged, email set without confirmation; then
// usermodified fires without blocking.
func (a *API) adminUpdateUser(w http.ResponseWriter, r *http.Request, user *User) error {
	params, err := a.adminParams(r)
	if err != nil {
		return err
	}
	if role := strings.TrimSpace(params.Role); role != "" {
		user.Role = role
	}
	if params.Confirm {
		user.ConfirmedAt = timePtr(nowNano(a.clock))
	}
	if params.Password != "" {
		hash, err := a.hashPassword(params.Password)
		if err != nil {
			return internalError("Error updating user").withInternal(err)
		}
		user.EncryptedPassword = hash
	}
	if params.Email != "" {
		user.Email = params.Email
	}
	if params.AppMetaData != nil {
		user.AppMetaData = mergeMetaData(user.AppMetaData, params.AppMetaData)
	}
	if params.UserMetaData != nil {
		user.UserMetaData = mergeMetaData(user.UserMetaData, params.UserMetaData)
	}
	user.UpdatedAt = nowMicro(a.clock)
	err = a.store.Update(r.Context(), func(tx Tx) error {
		if err := tx.UpdateUser(user); err != nil {
			if errors.Is(err, ErrDuplicateEmail) {
				return unprocessable("Email address already registered by another user")
			}
			return internalError("Error updating user").withInternal(err)
		}
		return a.audit(tx, adminFrom(r), AuditUserModified, userTraits(user))
	})
	if err != nil {
		return err
	}
	a.afterUserModified(r.Context(), user)
	writeJSON(w, http.StatusOK, user)
	return nil
}

// afterUserModified fires usermodified: failures are only logged, but a 2xx JSON
// answer still replaces and persists the maps, as in GoTrue.
func (a *API) afterUserModified(ctx context.Context, user *User) {
	res, err := a.hooks.Trigger(ctx, EventUserModified, user)
	if err != nil || res == nil || (res.AppMetaData == nil && res.UserMetaData == nil) {
		return
	}
	applyHookResult(user, res)
	_ = a.store.Update(ctx, func(tx Tx) error { return tx.UpdateUser(user) })
}

// DELETE /admin/users/{id}: 200 {}; then userdeleted fires, its answer ignored.
func (a *API) adminDeleteUser(w http.ResponseWriter, r *http.Request, user *User) error {
	err := a.store.Update(r.Context(), func(tx Tx) error {
		if err := tx.DeleteUser(user.ID); err != nil {
			if errors.Is(err, ErrNotFound) {
				return notFound("User not found")
			}
			return internalError("Database error deleting user").withInternal(err)
		}
		return a.audit(tx, adminFrom(r), AuditUserDeleted, userTraits(user))
	})
	if err != nil {
		return err
	}
	_, _ = a.hooks.Trigger(r.Context(), EventUserDeleted, user)
	writeJSON(w, http.StatusOK, map[string]any{})
	return nil
}
