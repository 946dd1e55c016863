package identity_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/identity/store"
)

// BenchmarkSignupVerifyLogin measures the whole email flow in process, at the default
// bcrypt cost: POST /signup, POST /verify with the mailed token, password login.
func BenchmarkSignupVerifyLogin(b *testing.B) {
	db, err := store.Open(context.Background(), store.Memory)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	api := identity.New(identity.Config{SiteURL: "http://site.test", JWTSecret: "bench"}, db)
	call := func(method, path, body, ctype string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
		}
		return w
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		email := fmt.Sprintf("bench%d@example.com", i)
		call("POST", "/signup", `{"email":"`+email+`","password":"pw"}`, "application/json")
		var token string
		err := db.View(context.Background(), func(tx identity.Tx) error {
			mails, err := tx.ListMail(email)
			if err == nil && len(mails) > 0 {
				token = mails[0].Token
			}
			return err
		})
		if err != nil || token == "" {
			b.Fatalf("no confirmation mail: %v", err)
		}
		call("POST", "/verify", `{"type":"signup","token":"`+token+`"}`, "application/json")
		w := call("POST", "/token", url.Values{"grant_type": {"password"}, "username": {email}, "password": {"pw"}}.Encode(), "application/x-www-form-urlencoded")
		var tr identity.TokenResponse
		if json.Unmarshal(w.Body.Bytes(), &tr) != nil || tr.AccessToken == "" {
			b.Fatalf("login: %s", w.Body)
		}
	}
}
