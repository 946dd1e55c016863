package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/identity-dev/dev/emulator/identity"
)

func TestMailShowsCapturedMail(t *testing.T) {
	srv := startServer(t, "", nil)

	_, _, err := runCmd(t, "mail", "--url", srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(srv.URL()+"/.netlify/identity/signup", "application/json", strings.NewReader(`{"email":"m@example.com","password":"pw"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	out, _, err := runCmd(t, "mail", "--url", srv.URL())
	if err != nil || !strings.Contains(out, "confirmation  m@example.com  "+srv.URL()+"/#confirmation_token=") {
		t.Fatalf("dev mail: %v\n%s", err, out)
	}
	out, _, err = runCmd(t, "mail", "--url", srv.URL(), "--to", "other@example.com", "--json")
	if err != nil || strings.TrimSpace(out) != "[]" {
		t.Fatalf("dev mail --to other --json: %v %q", err, out)
	}
	out, _, err = runCmd(t, "mail", "--url", srv.URL(), "--json")
	var mails []identity.Mail
	if err != nil || json.Unmarshal([]byte(out), &mails) != nil || len(mails) != 1 || len(mails[0].Token) != 22 {
		t.Fatalf("dev mail --json: %v %q", err, out)
	}
}

func TestMailSaysWhatToDoWithoutAServer(t *testing.T) {
	_, _, err := runCmd(t, "mail", "--url", "http://127.0.0.1:1")
	if err == nil || !strings.Contains(err.Error(), `start one with "dev serve"`) {
		t.Fatalf("error %v", err)
	}
}
