package devserver

import (
	"path/filepath"
	"testing"
)

// With --db, users, tokens, mail, the secret and the instance id survive a restart:
// an access token issued before still works after.
func TestDatabaseFileSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev.db")
	first := startServer(t, Options{DB: path})
	tr := first.signupConfirmLogin(t, "stay@example.com", "pw")
	id := first.API().Config().InstanceID
	first.Close()

	second := startServer(t, Options{DB: path})
	if got := second.API().Config().InstanceID; got != id {
		t.Fatalf("instance id changed across restart: %s → %s", id, got)
	}
	r := second.do(t, "GET", second.identityURL("/user"), "", "Authorization: Bearer "+tr.AccessToken)
	if r.Status != 200 {
		t.Fatalf("token from before the restart: %d %s", r.Status, r.Body)
	}
	if tok := second.mailToken(t, "stay@example.com", "confirmation"); tok == "" {
		t.Fatal("mail lost across restart")
	}
}
