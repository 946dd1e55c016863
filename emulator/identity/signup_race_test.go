package identity_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/identity/store"
)

// failures collects the causes behind 5xx answers, so a failing test says what broke.
type failures struct {
	mu     sync.Mutex
	causes []string
}

func (f *failures) Request(r identity.RequestRecord) {
	if r.Status < 500 {
		return
	}
	f.mu.Lock()
	f.causes = append(f.causes, fmt.Sprintf("%d %s %s: %s: %v", r.Status, r.Method, r.Path, r.Message, r.Internal))
	f.mu.Unlock()
}

func (f *failures) MailCaptured(*identity.Mail) {}

func (f *failures) check(t *testing.T) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.causes) > 0 {
		t.Errorf("%d answers were 5xx:\n%s", len(f.causes), strings.Join(f.causes, "\n"))
	}
}

// gatheringHooks holds each validate call until n have arrived, so that every signup
// has looked the address up before any stores it: the widest race there is, as when
// identity-validate is a function that takes a while. The second is only a way out
// should fewer arrive; nothing is measured against it.
type gatheringHooks struct {
	mu      sync.Mutex
	n       int
	arrived int
	all     chan struct{}
}

func (h *gatheringHooks) expect(n int) {
	h.mu.Lock()
	h.n, h.arrived, h.all = n, 0, make(chan struct{})
	h.mu.Unlock()
}

func (h *gatheringHooks) Trigger(_ context.Context, event identity.Event, _ *identity.User) (*identity.HookResult, error) {
	if event != identity.EventValidate {
		return nil, nil
	}
	h.mu.Lock()
	h.arrived++
	all := h.all
	if h.arrived == h.n {
		close(all)
	}
	h.mu.Unlock()
	select {
	case <-all:
	case <-time.After(time.Second):
	}
	return nil, nil
}

// raceEnv is an API over a memory or file store, answering over real HTTP.
type raceEnv struct {
	api   *identity.API
	db    *store.SQLite
	url   string
	hooks *gatheringHooks
	seen  *failures
}

func newRaceEnv(t *testing.T, where string, gather bool, cfg identity.Config) *raceEnv {
	t.Helper()
	path := store.Memory
	if where == "file" {
		path = filepath.Join(t.TempDir(), "dev.db")
	}
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg.JWTSecret, cfg.SiteURL = "test-secret", "http://site.test"
	e := &raceEnv{db: db, seen: &failures{}}
	opts := []identity.Option{identity.WithObserver(e.seen)}
	if gather {
		e.hooks = &gatheringHooks{}
		opts = append(opts, identity.WithHooks(e.hooks))
	}
	e.api = identity.New(cfg, db, opts...)
	srv := httptest.NewServer(e.api)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

type answer struct {
	status int
	body   string
}

// atOnce sends n copies of one request, released together.
func (e *raceEnv) atOnce(t *testing.T, n int, method, path, body string, header ...string) []answer {
	t.Helper()
	if e.hooks != nil {
		e.hooks.expect(n)
	}
	answers := make([]answer, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
			if err != nil {
				answers[i] = answer{body: err.Error()}
				return
			}
			req.Header.Set("Content-Type", "application/json")
			for _, h := range header {
				k, v, _ := strings.Cut(h, ": ")
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				answers[i] = answer{body: err.Error()}
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			answers[i] = answer{resp.StatusCode, strings.TrimSpace(string(b))}
		}()
	}
	close(start)
	wg.Wait()
	return answers
}

// theUser is the one user stored with email, and the mail sent to it.
func (e *raceEnv) theUser(t *testing.T, email string) (*identity.User, []*identity.Mail) {
	t.Helper()
	var user *identity.User
	var mails []*identity.Mail
	err := e.db.View(context.Background(), func(tx identity.Tx) error {
		users, total, err := tx.ListUsers(identity.UserQuery{Filter: email})
		if err != nil {
			return err
		}
		if total != 1 {
			return fmt.Errorf("%d users with %s, want 1", total, email)
		}
		user = users[0]
		mails, err = tx.ListMail(email)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return user, mails
}

const alreadyRegistered = `{"code":400,"msg":"A user with this email address has already been registered"}`

// Fifty signups of one email at once create one user. Every other answer is what
// GoTrue answers a second signup of that address (transcript §2, "POST /signup again
// for the unconfirmed user" and "POST /signup duplicate (user now confirmed)"): 200
// with the same unconfirmed user, or 400 once it is confirmed. None is a 500.
func TestConcurrentSignupsOfOneEmailCreateOneUser(t *testing.T) {
	const parallel, rounds = 50, 3
	for _, where := range []string{"memory", "file"} {
		for _, gather := range []bool{false, true} {
			for _, autoconfirm := range []bool{false, true} {
				name := fmt.Sprintf("%s/gather=%v/autoconfirm=%v", where, gather, autoconfirm)
				t.Run(name, func(t *testing.T) {
					e := newRaceEnv(t, where, gather, identity.Config{Autoconfirm: autoconfirm})
					for round := range rounds {
						email := fmt.Sprintf("race%d@example.com", round)
						body := `{"email":"` + email + `","password":"pw","data":{"full_name":"Racer"}}`
						answers := e.atOnce(t, parallel, "POST", "/signup", body)
						checkSignupRace(t, e, email, autoconfirm, answers)
					}
					e.seen.check(t)
				})
			}
		}
	}
}

func checkSignupRace(t *testing.T, e *raceEnv, email string, autoconfirm bool, answers []answer) {
	t.Helper()
	stored, mails := e.theUser(t, email)
	ok, refused := 0, 0
	for _, a := range answers {
		if autoconfirm && a.status == http.StatusBadRequest && a.body == alreadyRegistered {
			refused++
			continue
		}
		var u identity.User
		if a.status != http.StatusOK || json.Unmarshal([]byte(a.body), &u) != nil {
			t.Errorf("answer %d %s is not one GoTrue gives a signup", a.status, a.body)
			continue
		}
		if u.ID != stored.ID || u.Email != email || u.UserMetaData["full_name"] != "Racer" {
			t.Errorf("a 200 answered user %s %s %v; the stored user is %s", u.ID, u.Email, u.UserMetaData, stored.ID)
		}
		ok++
	}
	if autoconfirm && (ok != 1 || refused != len(answers)-1) {
		t.Errorf("autoconfirm: %d answers 200 and %d answers 400, want 1 and %d", ok, refused, len(answers)-1)
	}
	if !autoconfirm && ok != len(answers) {
		t.Errorf("%d of %d answers are the unconfirmed user", ok, len(answers))
	}
	if autoconfirm != stored.IsConfirmed() {
		t.Errorf("stored user confirmed = %v, want %v", stored.IsConfirmed(), autoconfirm)
	}
	// One confirmation mail: the signups after the first fall within the mail frequency.
	if want := map[bool]int{false: 1, true: 0}[autoconfirm]; len(mails) != want {
		t.Errorf("%d mails to %s, want %d", len(mails), email, want)
	}
}

// Concurrent invites, and concurrent admin creates, of one address create one user;
// every other answer is GoTrue's 422 for an address already registered.
func TestConcurrentInvitesAndAdminCreatesOfOneEmail(t *testing.T) {
	const taken = `{"code":422,"msg":"Email address already registered by another user"}`
	for _, where := range []string{"memory", "file"} {
		for _, path := range []string{"/invite", "/admin/users"} {
			t.Run(where+path, func(t *testing.T) {
				e := newRaceEnv(t, where, path == "/invite", identity.Config{})
				admin, err := e.api.Signer().AdminToken(time.Now().Add(time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				email := "invited@example.com"
				answers := e.atOnce(t, 50, "POST", path, `{"email":"`+email+`","password":"pw"}`, "Authorization: Bearer "+admin)
				stored, _ := e.theUser(t, email)
				ok := 0
				for _, a := range answers {
					switch {
					case a.status == http.StatusOK && strings.Contains(a.body, `"id":"`+stored.ID+`"`):
						ok++
					case a.status != http.StatusUnprocessableEntity || a.body != taken:
						t.Errorf("answer %d %s", a.status, a.body)
					}
				}
				if ok != 1 {
					t.Errorf("%d answers 200, want 1", ok)
				}
				e.seen.check(t)
			})
		}
	}
}

// An external sign-in whose address the provider did not verify is a signup in
// GoTrue, which stores a second account for an address already taken. Dev keeps one
// user per address and answers such a sign-in as /signup answers a second signup:
// the unconfirmed user gets its confirmation again (within the mail frequency, no
// new mail) and no tokens; a confirmed user's address is refused with GoTrue's 400.
func TestExternalSignInOfTakenUnverifiedAddress(t *testing.T) {
	e := newRaceEnv(t, "memory", false, identity.Config{External: map[string]bool{"github": true}})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	signIn := func(email string) *url.URL {
		t.Helper()
		resp, err := client.Get(e.url + "/authorize?provider=github")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		code := e.api.IssueCode(identity.ProviderIdentity{Email: email, FullName: "Octo"})
		resp, err = client.Get(e.url + "/callback?code=" + url.QueryEscape(code) + "&state=" + url.QueryEscape(loc.Query().Get("state")))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("callback answered %d", resp.StatusCode)
		}
		to, err := url.Parse(resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		return to
	}

	post := func(path, body string) answer {
		t.Helper()
		resp, err := http.Post(e.url+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return answer{resp.StatusCode, strings.TrimSpace(string(b))}
	}
	if a := post("/signup", `{"email":"octo@example.com","password":"pw"}`); a.status != http.StatusOK {
		t.Fatalf("signup: %d %s", a.status, a.body)
	}
	if to := signIn("octo@example.com"); to.Fragment != "" {
		t.Errorf("sign-in of an unconfirmed address redirected to %s, want no fragment (a confirmation mail, no tokens)", to)
	}
	user, mails := e.theUser(t, "octo@example.com")
	if user.IsConfirmed() || user.UserMetaData["full_name"] != "Octo" || len(mails) != 1 {
		t.Errorf("after the sign-in: confirmed %v, metadata %v, %d mails", user.IsConfirmed(), user.UserMetaData, len(mails))
	}

	tok := mails[0].Token
	if a := post("/verify", `{"type":"signup","token":"`+tok+`"}`); a.status != http.StatusOK {
		t.Fatalf("verify: %d %s", a.status, a.body)
	}
	to := signIn("octo@example.com")
	want := url.Values{"error": {"invalid_request"}, "error_description": {"A user with this email address has already been registered"}}.Encode()
	if to.Fragment != want {
		t.Errorf("sign-in of a confirmed address: fragment %q, want %q", to.Fragment, want)
	}
	e.theUser(t, "octo@example.com")
	e.seen.check(t)
}
