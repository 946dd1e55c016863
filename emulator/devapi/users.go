package devapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/identity-dev/dev/emulator/identity"
)

// User is a user as GoTrue's admin API shows it.
type User = identity.User

// UsersPage is GET /users' answer.
type UsersPage struct {
	Users   []*User `json:"users"`
	Total   int     `json:"total"`
	Page    int     `json:"page"`
	PerPage int     `json:"per_page"`
}

// UserUpdate is PATCH /users/{id}: what is set changes (maps merge as GoTrue's admin
// update merges them; a null value removes a key).
type UserUpdate struct {
	Roles        *[]string      `json:"roles,omitempty"`
	AppMetaData  map[string]any `json:"app_metadata,omitempty"`
	UserMetaData map[string]any `json:"user_metadata,omitempty"`
	Confirm      bool           `json:"confirm,omitempty"`
}

// NewUser is POST /users.
type NewUser struct {
	Email        string         `json:"email"`
	Password     string         `json:"password,omitempty"`
	Confirm      bool           `json:"confirm,omitempty"`
	UserMetaData map[string]any `json:"user_metadata,omitempty"`
}

// Users lists users, newest first; q is a substring of the email or name, or an id.
func (c *Client) Users(ctx context.Context, q string, page, perPage int) (*UsersPage, error) {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if page > 0 {
		v.Set("page", strconv.Itoa(page))
	}
	if perPage > 0 {
		v.Set("per_page", strconv.Itoa(perPage))
	}
	var out UsersPage
	_, err := c.do(ctx, http.MethodGet, "/users?"+v.Encode(), nil, &out)
	return &out, err
}

// User is one user.
func (c *Client) User(ctx context.Context, id string) (*User, error) {
	var out User
	_, err := c.do(ctx, http.MethodGet, "/users/"+url.PathEscape(id), nil, &out)
	return &out, err
}

// UpdateUser changes a user through GoTrue's admin update.
func (c *Client) UpdateUser(ctx context.Context, id string, u UserUpdate) (*User, error) {
	var out User
	_, err := c.do(ctx, http.MethodPatch, "/users/"+url.PathEscape(id), u, &out)
	return &out, err
}

// DeleteUser deletes a user.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	_, err := c.do(ctx, http.MethodDelete, "/users/"+url.PathEscape(id), struct{}{}, nil)
	return err
}

// CreateUser creates a user through GoTrue's admin create.
func (c *Client) CreateUser(ctx context.Context, u NewUser) (*User, error) {
	var out User
	_, err := c.do(ctx, http.MethodPost, "/users", u, &out)
	return &out, err
}

// InviteUser sends an invite mail.
func (c *Client) InviteUser(ctx context.Context, email string) (*User, error) {
	var out User
	_, err := c.do(ctx, http.MethodPost, "/users/invite", map[string]string{"email": email}, &out)
	return &out, err
}

// RecoverUser sends a user a recovery mail.
func (c *Client) RecoverUser(ctx context.Context, id string) error {
	_, err := c.do(ctx, http.MethodPost, "/users/"+url.PathEscape(id)+"/recover", struct{}{}, nil)
	return err
}
