package identity

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"time"

	"github.com/google/uuid"

	"github.com/identity-dev/dev/emulator/tokens"
)

var bearerRegexp = regexp.MustCompile(`^(?:B|b)earer (\S+$)`)

const nilUUID = "00000000-0000-0000-0000-000000000000"

// systemUser is who the functions' admin token (sub "0") acts as: a super-admin that
// is not stored.
func systemUser() *User {
	return &User{ID: nilUUID, AppMetaData: map[string]any{}, UserMetaData: map[string]any{}}
}

func bearerToken(r *http.Request) (string, error) {
	m := bearerRegexp.FindStringSubmatch(r.Header.Get("Authorization"))
	if len(m) != 2 {
		return "", unauthorized("This endpoint requires a Bearer token")
	}
	return m[1], nil
}

// requireUser guards the routes of a signed-in user. Any failure also clears the
// nf_jwt cookie, as GoTrue does.
func (a *API) requireUser(next handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		bearer, err := bearerToken(r)
		if err != nil {
			a.clearCookie(w)
			return err
		}
		claims, err := a.signer.Parse(bearer)
		if err != nil {
			a.clearCookie(w)
			return unauthorized("Invalid token: %v", err)
		}
		ctx := context.WithValue(r.Context(), ctxClaims, claims)
		return next(w, r.WithContext(ctx))
	}
}

// requireAdmin guards the admin routes: the bearer is the functions' admin token
// (sub "0") or the token of a user whose top-level role is the admin role.
func (a *API) requireAdmin(next handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		bearer, err := bearerToken(r)
		if err != nil {
			return err
		}
		claims, err := a.signer.Parse(bearer)
		if err != nil {
			a.clearCookie(w)
			return unauthorized("Invalid token: %v", err)
		}
		ctx := context.WithValue(r.Context(), ctxClaims, claims)
		r = r.WithContext(ctx)

		admin, err := a.userFromClaims(r.Context(), claims)
		if err != nil {
			return unauthorized("Invalid admin user").withInternal(err)
		}
		body, err := readBody(r)
		if err != nil {
			return internalError("Error getting body").withInternal(err)
		}
		params := &adminUserParams{}
		if len(body) > 0 {
			if err := decodeJSON(body, params); err != nil {
				return badRequest("Could not decode admin user params: %v", err)
			}
		}
		aud := a.requestAud(r)
		if params.Aud != "" {
			aud = params.Aud
		}
		if !a.isAdmin(admin, aud) {
			return unauthorized("User not allowed")
		}
		ctx = context.WithValue(r.Context(), ctxAdmin, admin)
		return next(w, r.WithContext(ctx))
	}
}

func (a *API) isAdmin(u *User, aud string) bool {
	if u.ID == nilUUID {
		return true
	}
	return u.Aud == aud && u.Role == a.cfg.AdminRole
}

// tokenUser loads the user a user token names, as GoTrue's user routes do: sub must
// be a user's UUID.
func (a *API) tokenUser(ctx context.Context, c *tokens.Claims) (*User, error) {
	if c.Subject == tokens.SystemUserID {
		return nil, badRequest("Could not read User ID claim")
	}
	return a.userFromClaims(ctx, c)
}

// userFromClaims loads the user a token names; sub "0" is the system user.
func (a *API) userFromClaims(ctx context.Context, c *tokens.Claims) (*User, error) {
	if c.Subject == tokens.SystemUserID || c.Subject == nilUUID {
		return systemUser(), nil
	}
	id, err := uuid.Parse(c.Subject)
	if err != nil {
		return nil, badRequest("Could not read User ID claim")
	}
	var u *User
	err = a.store.View(ctx, func(tx Tx) error {
		var err error
		u, err = tx.UserByID(id.String())
		return err
	})
	return u, err
}

// currentUser loads the signed-in user: 404 "User not found" once deleted. The
// functions' admin token (sub "0") names no user here: GoTrue's /user parses sub as a
// UUID and answers 400 "Could not read User ID claim", which @netlify/identity's
// getUser() relies on to fall back to the request's own claims.
func (a *API) currentUser(r *http.Request) (*User, error) {
	u, err := a.tokenUser(r.Context(), claimsFrom(r))
	if errors.Is(err, ErrNotFound) {
		return nil, notFound("User not found")
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

func claimsFrom(r *http.Request) *tokens.Claims {
	c, _ := r.Context().Value(ctxClaims).(*tokens.Claims)
	return c
}

func adminFrom(r *http.Request) *User {
	u, _ := r.Context().Value(ctxAdmin).(*User)
	return u
}

// requestAud is the audience of a request: X-JWT-AUD, else the token's, else the instance's.
func (a *API) requestAud(r *http.Request) string {
	if aud := r.Header.Get("X-JWT-AUD"); aud != "" {
		return aud
	}
	if c := claimsFrom(r); c != nil && c.Audience != "" {
		return c.Audience
	}
	return a.cfg.Aud
}

// setCookie sets nf_jwt when the client asked with X-Use-Cookie; "session" makes it a
// session cookie.
func (a *API) setCookie(w http.ResponseWriter, r *http.Request, token string) {
	use := r.Header.Get("X-Use-Cookie")
	if use == "" || a.cfg.CookieDuration <= 0 {
		return
	}
	c := &http.Cookie{Name: "nf_jwt", Value: token, Path: "/", Secure: true, HttpOnly: true}
	if use != "session" {
		c.MaxAge = int(a.cfg.CookieDuration.Seconds())
		c.Expires = a.clock().Add(a.cfg.CookieDuration)
	}
	http.SetCookie(w, c)
}

func (a *API) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: "nf_jwt", Path: "/", Secure: true, HttpOnly: true,
		MaxAge: -1, Expires: a.clock().Add(-10 * time.Hour),
	})
}
