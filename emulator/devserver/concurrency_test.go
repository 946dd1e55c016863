package devserver

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sync"
	"testing"

	"github.com/identity-dev/dev/emulator/identity"
)

// Fifty clients sign up, log in and refresh at once: nothing is lost, nobody is
// created twice, and every token works.
func TestFiftyClientsAtOnce(t *testing.T) {
	srv := startServer(t, Options{Autoconfirm: true})
	const clients = 50
	var wg sync.WaitGroup
	errs := make(chan error, clients*2)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			email := fmt.Sprintf("user%02d@example.com", i)
			r := srv.do(t, "POST", srv.identityURL("/signup"), `{"email":"`+email+`","password":"pw"}`, "Content-Type: application/json")
			if r.Status != 200 {
				errs <- fmt.Errorf("signup %s: %d %s", email, r.Status, r.Body)
				return
			}
			form := url.Values{"grant_type": {"password"}, "username": {email}, "password": {"pw"}}
			r = srv.do(t, "POST", srv.identityURL("/token"), form.Encode(), "Content-Type: application/x-www-form-urlencoded")
			var tr identity.TokenResponse
			if r.Status != 200 || json.Unmarshal(r.Body, &tr) != nil {
				errs <- fmt.Errorf("login %s: %d %s", email, r.Status, r.Body)
				return
			}
			for j := 0; j < 3; j++ {
				form = url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken}}
				r = srv.do(t, "POST", srv.identityURL("/token"), form.Encode(), "Content-Type: application/x-www-form-urlencoded")
				if r.Status != 200 || json.Unmarshal(r.Body, &tr) != nil {
					errs <- fmt.Errorf("refresh %d of %s: %d %s", j, email, r.Status, r.Body)
					return
				}
			}
			r = srv.do(t, "GET", srv.identityURL("/user"), "", "Authorization: Bearer "+tr.AccessToken)
			if r.Status != 200 {
				errs <- fmt.Errorf("GET /user as %s: %d %s", email, r.Status, r.Body)
			}
		}(i)
	}
	// Meanwhile, the same new email from every client: exactly one user may result.
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := srv.do(t, "POST", srv.identityURL("/signup"), `{"email":"same@example.com","password":"pw"}`, "Content-Type: application/json")
			if r.Status != 200 && r.Status != 400 && r.Status != 500 {
				errs <- fmt.Errorf("signup same@example.com: %d %s", r.Status, r.Body)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	admin, _ := srv.AdminToken(60_000_000_000)
	r := srv.do(t, "GET", srv.identityURL("/admin/users?per_page=500"), "", "Authorization: Bearer "+admin)
	var list struct {
		Users []identity.User `json:"users"`
	}
	r.json(t, &list)
	if len(list.Users) != clients+1 {
		t.Fatalf("%d users after %d distinct signups and one contended email", len(list.Users), clients)
	}
	seen := map[string]bool{}
	for _, u := range list.Users {
		if seen[u.Email] {
			t.Fatalf("user %s created twice", u.Email)
		}
		seen[u.Email] = true
	}
}
