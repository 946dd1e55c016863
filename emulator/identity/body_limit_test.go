package identity_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/identity/store"
)

// validateRecorder keeps the size of user_metadata.blob in each validate delivery.
type validateRecorder struct {
	mu    sync.Mutex
	blobs []int
}

func (h *validateRecorder) Trigger(_ context.Context, event identity.Event, u *identity.User) (*identity.HookResult, error) {
	if event == identity.EventValidate {
		blob, _ := u.UserMetaData["blob"].(string)
		h.mu.Lock()
		h.blobs = append(h.blobs, len(blob))
		h.mu.Unlock()
	}
	return nil, nil
}

// take returns the sizes recorded so far and forgets them.
func (h *validateRecorder) take() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	blobs := h.blobs
	h.blobs = nil
	return blobs
}

// GoTrue decodes a signup body as it comes, with no bound of its own, so a signup
// whose data holds 2 MiB is stored and delivered to validate. Dev reads bodies up to
// MaxBodyBytes, GoTrue's /token bound (net/http's 10 MiB form limit); one byte more
// is refused in GoTrue's words for an unreadable body.
func TestLargeSignupIsStoredAndDelivered(t *testing.T) {
	db, err := store.Open(context.Background(), store.Memory)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	hooks := &validateRecorder{}
	api := identity.New(identity.Config{JWTSecret: "test-secret", SiteURL: "http://site.test"}, db, identity.WithHooks(hooks))
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)

	signupOfSize := func(email string, size int) string {
		head := `{"email":"` + email + `","password":"pw","data":{"blob":"`
		tail := `"}}`
		return head + strings.Repeat("b", size-len(head)-len(tail)) + tail
	}
	cases := []struct {
		name, email string
		body        string
		status      int
		want        string
	}{
		{"2 MiB of data", "big@example.com", `{"email":"big@example.com","password":"pw","data":{"blob":"` + strings.Repeat("b", 2<<20) + `"}}`, 200, ""},
		{"body of exactly MaxBodyBytes", "edge@example.com", signupOfSize("edge@example.com", identity.MaxBodyBytes), 200, ""},
		{"one byte over", "over@example.com", signupOfSize("over@example.com", identity.MaxBodyBytes+1), 400,
			`{"code":400,"msg":"Could not read Signup params: http: request body too large"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hooks.take()
			resp, err := http.Post(srv.URL+"/signup", "application/json", strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status || (c.want != "" && strings.TrimSpace(string(b)) != c.want) {
				t.Fatalf("got %d %.200s, want %d %s", resp.StatusCode, b, c.status, c.want)
			}
			var stored *identity.User
			err = db.View(context.Background(), func(tx identity.Tx) error {
				stored, err = tx.UserByEmail(c.email, "")
				return err
			})
			validated := hooks.take()
			if c.status != 200 {
				if err == nil || len(validated) != 0 {
					t.Fatalf("a refused signup left a user (%v) or reached validate (%v)", err, validated)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			blob, _ := stored.UserMetaData["blob"].(string)
			sent := len(c.body) - len(`{"email":"`+c.email+`","password":"pw","data":{"blob":"`) - len(`"}}`)
			if len(blob) != sent {
				t.Errorf("stored blob is %d bytes, want %d", len(blob), sent)
			}
			if len(validated) != 1 || validated[0] != sent {
				t.Errorf("validate saw blobs of %v bytes, want one of %d", validated, sent)
			}
		})
	}
	if identity.MaxBodyBytes != 10<<20 {
		t.Errorf("MaxBodyBytes = %d: production reads JSON bodies without a bound and /token forms up to 10 MiB; dev must not refuse less", identity.MaxBodyBytes)
	}
}
