package devserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/identity-dev/dev/emulator/devapi"
	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/identity/store"
	"github.com/identity-dev/dev/emulator/invoke"
	"github.com/identity-dev/dev/emulator/journal"
	"github.com/identity-dev/dev/emulator/term"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(IdentityPrefix+"/", http.StripPrefix(IdentityPrefix, s.api))
	mux.HandleFunc("GET "+devapi.Prefix+"/mail", s.listMail)
	mux.HandleFunc("DELETE "+devapi.Prefix+"/mail", s.clearMail)
	mux.HandleFunc("POST "+devapi.Prefix+"/reset", s.reset)
	mux.HandleFunc("GET "+devapi.Prefix+"/functions", s.listFunctions)
	mux.HandleFunc("GET "+DashboardPath+"{file}", s.dashboard)
	mux.HandleFunc("GET "+DashboardPath+"{$}", s.dashboard)
	mux.Handle("GET /.netlify/dev", http.RedirectHandler(DashboardPath, http.StatusFound))
	mux.HandleFunc("GET "+devapi.Prefix+"/users", s.listUsers)
	mux.HandleFunc("POST "+devapi.Prefix+"/users", s.createUser)
	mux.HandleFunc("POST "+devapi.Prefix+"/users/invite", s.inviteUser)
	mux.HandleFunc("GET "+devapi.Prefix+"/users/{id}", s.getUser)
	mux.HandleFunc("PATCH "+devapi.Prefix+"/users/{id}", s.updateUser)
	mux.HandleFunc("DELETE "+devapi.Prefix+"/users/{id}", s.deleteUser)
	mux.HandleFunc("POST "+devapi.Prefix+"/users/{id}/recover", s.recoverUser)
	mux.HandleFunc("GET "+devapi.Prefix+"/stream", s.stream)
	mux.HandleFunc("GET "+devapi.Prefix+"/users/export", s.exportUsers)
	mux.HandleFunc("POST "+devapi.Prefix+"/users/import", s.importUsers)
	mux.HandleFunc("GET "+identity.ProviderPath+"{provider}", s.oauthProvider)
	mux.HandleFunc("POST "+identity.ProviderPath+"{provider}", s.oauthProvider)
	mux.HandleFunc("GET "+devapi.Prefix+"/events", s.listEvents)
	mux.HandleFunc("GET "+devapi.Prefix+"/events/summary", s.eventSummary)
	mux.HandleFunc("POST "+devapi.Prefix+"/invoke", s.invoke)
	mux.HandleFunc("GET "+devapi.Prefix+"/events/{id}", s.getEvent)
	mux.HandleFunc("POST "+devapi.Prefix+"/events/{id}/replay", s.replayEvent)
	if s.fns != nil {
		mux.Handle(functions.Prefix, s.fns)
	}
	if s.opts.Upstream != nil || s.opts.PublishDir != "" {
		s.site = s.newSiteHandler(s.api.Config().JWTSecret)
		mux.Handle("/", s.site)
	}
	mux.HandleFunc(devapi.Prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, apiError{Code: http.StatusNotFound, Msg: "No dev API at " + r.URL.Path + "; see the dev API in docs/configuration.md"})
	})
	return mux
}

// apiError is the dev API's error answer.
type apiError = devapi.Error

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

// GET /.netlify/dev/api/events[?kind=&function=&user=&limit=&before=]: the journal,
// newest first, a page at a time: at most limit entries (100 by default, 1000 at
// most) and about journal.MaxPage bytes. A Link header with rel="next" gives the
// next page; X-Journal-Dropped counts the entries dropped to keep the journal within
// its limits.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	s.journal.sync()
	q := r.URL.Query()
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxEventsPage {
			writeJSON(w, http.StatusBadRequest, apiError{Code: 400, Msg: fmt.Sprintf("limit %q: give a number from 1 to %d", v, maxEventsPage)})
			return
		}
		limit = n
	}
	if k := journal.Kind(q.Get("kind")); k != "" && k != journal.KindHook && k != journal.KindWebhook && k != journal.KindFunction {
		writeJSON(w, http.StatusBadRequest, apiError{Code: 400, Msg: fmt.Sprintf("kind %q: give hook, webhook or function", k)})
		return
	}
	entries, err := s.store.Entries(r.Context(), journal.Query{
		Kind: journal.Kind(q.Get("kind")), Function: q.Get("function"), User: q.Get("user"), Limit: limit, Before: q.Get("before"),
	})
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{Code: 500, Msg: "read journal: " + err.Error()})
		return
	}
	stats, err := s.store.JournalStats(r.Context())
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{Code: 500, Msg: "read journal: " + err.Error()})
		return
	}
	w.Header().Set("X-Journal-Dropped", strconv.FormatInt(stats.Dropped+s.journal.droppedWaiting(), 10))
	if n := len(entries); n > 0 {
		next := r.URL.Query()
		next.Set("before", entries[n-1].ID)
		if more, err := s.store.Entries(r.Context(), journal.Query{Kind: journal.Kind(q.Get("kind")), Function: q.Get("function"),
			User: q.Get("user"), Limit: 1, Before: entries[n-1].ID}); err == nil && len(more) > 0 {
			w.Header().Set("Link", fmt.Sprintf(`<%s?%s>; rel="next"`, r.URL.Path, next.Encode()))
		}
	}
	writeJSON(w, http.StatusOK, entries)
}

// maxEventsPage is the most entries one page of the journal listing holds.
const maxEventsPage = 1000

// POST /.netlify/dev/api/invoke: dev invoke through this server, so the invocation is
// journaled and --as names one of its users. The body is an invoke.Request.
func (s *Server) invoke(w http.ResponseWriter, r *http.Request) {
	if s.fns == nil {
		writeJSON(w, http.StatusNotFound, apiError{Code: 404, Msg: "this dev serve has no functions folder"})
		return
	}
	var req invoke.Request
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, functions.MaxEventBody)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Code: 400, Msg: "read the invocation: " + err.Error()})
		return
	}
	res, err := invoke.Run(r.Context(), s.invokeEnv(), req)
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, apiError{Code: 422, Msg: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) invokeEnv() invoke.Env {
	return invoke.Env{
		Mode: "server", Functions: s.fns, Hooks: s.hooks, InstanceID: s.api.Config().InstanceID,
		Token: func(ctx context.Context, email string) (string, error) {
			var u *identity.User
			err := s.store.View(ctx, func(tx identity.Tx) error {
				var err error
				u, err = tx.UserByEmail(email, s.api.Config().Aud)
				return err
			})
			if errors.Is(err, identity.ErrNotFound) {
				return "", fmt.Errorf("--as %s: no such user in this dev serve (dev mail and the identity API show who signed up)", email)
			}
			if err != nil {
				return "", err
			}
			return s.api.AccessToken(u)
		},
	}
}

// GET /.netlify/dev/api/events/summary?user=EMAIL|ID: a user's hook history, per event
// and target, oldest first.
func (s *Server) eventSummary(w http.ResponseWriter, r *http.Request) {
	user := r.URL.Query().Get("user")
	if user == "" {
		writeJSON(w, http.StatusBadRequest, apiError{Code: 400, Msg: "say whose history: ?user=EMAIL or ?user=ID"})
		return
	}
	s.journal.sync()
	entries, err := s.store.Entries(r.Context(), journal.Query{User: user, Limit: store.JournalLimit})
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{Code: 500, Msg: "read journal: " + err.Error()})
		return
	}
	out := []*devapi.HookHistory{}
	index := map[string]*devapi.HookHistory{}
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.Kind == journal.KindFunction {
			continue
		}
		target := e.Function
		if target == "" {
			target = e.Target
		}
		h := index[e.Event+" "+target]
		if h == nil {
			h = &devapi.HookHistory{Event: e.Event, Target: target, Outcomes: map[string]int{}}
			index[e.Event+" "+target] = h
			out = append(out, h)
		}
		h.Calls++
		h.Outcomes[e.Outcome]++
		h.Last, h.LastAt = e.Outcome, e.CreatedAt.Format(time.RFC3339)
	}
	writeJSON(w, http.StatusOK, out)
}

// GET /.netlify/dev/api/events/{id}: one entry with its full request and response.
func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) {
	if e, ok := s.entry(w, r); ok {
		writeJSON(w, http.StatusOK, e)
	}
}

// POST /.netlify/dev/api/events/{id}/replay[?function=NAME]: sends a journaled hook
// request again, re-signed; answers {"old","new"}.
func (s *Server) replayEvent(w http.ResponseWriter, r *http.Request) {
	old, ok := s.entry(w, r)
	if !ok {
		return
	}
	fresh, err := s.hooks.Replay(r.Context(), old, r.URL.Query().Get("function"))
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, apiError{Code: 422, Msg: "replay " + old.ID + ": " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, devapi.Replay{Old: old, New: fresh})
}

// entry loads the journal entry {id}, or answers 404 or 500.
func (s *Server) entry(w http.ResponseWriter, r *http.Request) (*journal.Entry, bool) {
	s.journal.sync()
	e, err := s.store.Entry(r.Context(), r.PathValue("id"))
	if errors.Is(err, identity.ErrNotFound) {
		writeJSON(w, http.StatusNotFound, apiError{Code: 404, Msg: "no journal entry " + r.PathValue("id") + "; dev events list shows them"})
		return nil, false
	}
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{Code: 500, Msg: "read journal: " + err.Error()})
		return nil, false
	}
	return e, true
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
	s.journal.sync()
	if err := s.store.Reset(r.Context()); err != nil {
		writeJSON(w, http.StatusInternalServerError, apiError{Code: 500, Msg: "reset: " + err.Error()})
		return
	}
	s.opts.Log.Event(term.KindServer, "reset", term.OK, "users, tokens and mail wiped", 0)
	s.news.notify("all")
	w.WriteHeader(http.StatusNoContent)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
