package devserver

import (
	"encoding/json"
	"net/http"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/identity"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(IdentityPrefix+"/", http.StripPrefix(IdentityPrefix, s.api))
	mux.HandleFunc("GET /.netlify/dev/api/mail", s.listMail)
	mux.HandleFunc("DELETE /.netlify/dev/api/mail", s.clearMail)
	mux.HandleFunc("POST /.netlify/dev/api/reset", s.reset)
	mux.HandleFunc("GET /.netlify/dev/api/functions", s.listFunctions)
	if s.fns != nil {
		mux.Handle(functions.Prefix, s.fns)
	}
	mux.HandleFunc("/.netlify/dev/api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, apiError{Code: http.StatusNotFound, Msg: "No dev API at " + r.URL.Path + "; see docs/dev-api.md"})
	})
	return mux
}

type apiError struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
}

// GET /.netlify/dev/api/mail[?to=EMAIL]: captured mail, newest first.
func (s *Server) listMail(w http.ResponseWriter, r *http.Request) {
	var mails []*identity.Mail
	err := s.store.View(r.Context(), func(tx identity.Tx) error {
		var err error
		mails, err = tx.ListMail(r.URL.Query().Get("to"))
		return err
	})
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{Code: 500, Msg: "read mail: " + err.Error()})
		return
	}
	if mails == nil {
		mails = []*identity.Mail{}
	}
	writeJSON(w, http.StatusOK, mails)
}

// GET /.netlify/dev/api/functions: the functions with runtime, state, last build and error.
func (s *Server) listFunctions(w http.ResponseWriter, _ *http.Request) {
	list := []functions.Status{}
	if s.fns != nil {
		list = append(list, s.fns.List()...)
	}
	writeJSON(w, http.StatusOK, list)
}

// DELETE /.netlify/dev/api/mail
func (s *Server) clearMail(w http.ResponseWriter, r *http.Request) {
	err := s.store.Update(r.Context(), func(tx identity.Tx) error { return tx.DeleteMail() })
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{Code: 500, Msg: "clear mail: " + err.Error()})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// POST /.netlify/dev/api/reset: users, tokens, mail and audit log are wiped; the
// instance secret and id stay, so minted admin tokens keep working.
func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Reset(r.Context()); err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{Code: 500, Msg: "reset: " + err.Error()})
		return
	}
	s.opts.Log.Event("dev", "reset", 0, "users, tokens and mail wiped", 0)
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
