package devserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/identity-dev/dev/emulator/devapi"
	"github.com/identity-dev/dev/emulator/identity"
)

// The dev API's users routes, for the dashboard and dev users. Reads go to the store;
// every change is made by the identity API's own admin routes (PUT/DELETE/POST
// /admin/users, /invite, /recover), called in process with an admin token, so that it
// does exactly what the same GoTrue call does: hooks (usermodified, userdeleted),
// mail, the audit log.

// GET /.netlify/dev/api/users?q=&page=&per_page=: newest first; q is a substring of the
// email or the full name (GoTrue's filter), or a user's id.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, perPage := 1, 50
	for name, v := range map[string]*int{"page": &page, "per_page": &perPage} {
		if raw := q.Get(name); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil || n < 1 || (name == "per_page" && n > 1000) {
				writeJSON(w, http.StatusBadRequest, apiError{Code: 400, Msg: fmt.Sprintf("%s %q: give a number from 1 (per_page at most 1000)", name, raw)})
				return
			}
			*v = n
		}
	}
	search := strings.TrimSpace(q.Get("q"))
	out := devapi.UsersPage{Users: []*identity.User{}, Page: page, PerPage: perPage}
	err := s.store.View(r.Context(), func(tx identity.Tx) error {
		if search != "" && page == 1 {
			if u, err := tx.UserByID(search); err == nil {
				out.Users, out.Total = []*identity.User{u}, 1
				return nil
			}
		}
		users, total, err := tx.ListUsers(identity.UserQuery{Aud: s.api.Config().Aud, Filter: search, Page: identity.Page{Number: page, PerPage: perPage}})
		if users != nil {
			out.Users = users
		}
		out.Total = total
		return err
	})
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{Code: 500, Msg: "list users: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// GET /.netlify/dev/api/users/{id}
func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	s.adminCall(w, r, http.MethodGet, "/admin/users/"+url.PathEscape(r.PathValue("id")), nil)
}

// PATCH /.netlify/dev/api/users/{id}: {"roles":[…]} and/or {"app_metadata":{…},
// "user_metadata":{…}}, as GoTrue's PUT /admin/users/{id} takes them (maps merge, null
// removes a key); {"confirm":true} confirms.
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Roles        *[]string       `json:"roles"`
		AppMetaData  json.RawMessage `json:"app_metadata"`
		UserMetaData json.RawMessage `json:"user_metadata"`
		Confirm      bool            `json:"confirm"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Code: 400, Msg: "read the update: " + err.Error()})
		return
	}
	put := map[string]any{}
	if len(body.AppMetaData) > 0 {
		var app map[string]any
		if err := json.Unmarshal(body.AppMetaData, &app); err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{Code: 400, Msg: "app_metadata is not a JSON object"})
			return
		}
		put["app_metadata"] = app
	}
	if body.Roles != nil {
		app, _ := put["app_metadata"].(map[string]any)
		if app == nil {
			app = map[string]any{}
		}
		app["roles"] = *body.Roles
		put["app_metadata"] = app
	}
	if len(body.UserMetaData) > 0 {
		put["user_metadata"] = body.UserMetaData
	}
	if body.Confirm {
		put["confirm"] = true
	}
	s.adminCall(w, r, http.MethodPut, "/admin/users/"+url.PathEscape(r.PathValue("id")), put)
}

// DELETE /.netlify/dev/api/users/{id}
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) {
	s.adminCall(w, r, http.MethodDelete, "/admin/users/"+url.PathEscape(r.PathValue("id")), nil)
}

// POST /.netlify/dev/api/users: {"email","password","confirm","user_metadata","app_metadata"}
// as GoTrue's POST /admin/users.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	s.forwardJSON(w, r, "/admin/users")
}

// POST /.netlify/dev/api/users/invite: {"email"} as GoTrue's POST /invite.
func (s *Server) inviteUser(w http.ResponseWriter, r *http.Request) {
	s.forwardJSON(w, r, "/invite")
}

// POST /.netlify/dev/api/users/{id}/recover: a recovery mail, as GoTrue's POST /recover.
func (s *Server) recoverUser(w http.ResponseWriter, r *http.Request) {
	var u *identity.User
	err := s.store.View(r.Context(), func(tx identity.Tx) error {
		var err error
		u, err = tx.UserByID(r.PathValue("id"))
		return err
	})
	if err != nil {
		writeJSON(w, http.StatusNotFound, apiError{Code: 404, Msg: "User not found"})
		return
	}
	s.adminCall(w, r, http.MethodPost, "/recover", map[string]string{"email": u.Email})
}

func (s *Server) forwardJSON(w http.ResponseWriter, r *http.Request, path string) {
	var body map[string]any
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Code: 400, Msg: "read the request: " + err.Error()})
		return
	}
	s.adminCall(w, r, http.MethodPost, path, body)
}

// adminCall makes a call of the identity API in process, with a fresh admin token, and
// answers with its answer: GoTrue's status and body (its error shape is the dev API's).
func (s *Server) adminCall(w http.ResponseWriter, r *http.Request, method, path string, body any) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, apiError{Code: 500, Msg: err.Error()})
			return
		}
		rd = bytes.NewReader(b)
	}
	token, err := s.AdminToken(time.Minute)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{Code: 500, Msg: "mint an admin token: " + err.Error()})
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), method, path, rd)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Code: 400, Msg: err.Error()})
		return
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr, req.Host = r.RemoteAddr, r.Host
	s.api.ServeHTTP(w, req)
}
