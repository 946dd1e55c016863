package site

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/identity-dev/dev/internal/browsertest"
)

// The dashboard in Chromium (testdata/browser/dashboard.mjs). With DEV_SCREENSHOTS=DIR
// it also writes a screenshot of each view there (docs/dashboard/ holds them).
func TestDashboardInTheBrowser(t *testing.T) {
	srv := serveForTest(t, copyDemo(t))
	env := []string{}
	if dir := os.Getenv("DEV_SCREENSHOTS"); dir != "" {
		abs, _ := filepath.Abs(dir)
		env = append(env, "SHOTS="+abs)
	}
	out := browsertest.Run(t, "dashboard.mjs", srv.URL(), env...)
	var res struct {
		Signups                              []int
		Found                                []string
		BobID, MailText, SiteStatus          string
		Request, Response, ReplayNew, Invoke string
		EventsGrew                           bool
		LiveSignup, Reloaded                 int
		UsersCount, AfterDelete              string
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if !reflect.DeepEqual(res.Signups, []int{200, 200}) || !reflect.DeepEqual(res.Found, []string{"dash-ann@example.com", "dash-bob@example.com"}) {
		t.Errorf("search: %+v", res)
	}
	// The role change, seen through GoTrue's admin API.
	admin, _ := srv.AdminToken(time.Minute)
	req, _ := http.NewRequest("GET", srv.URL()+"/.netlify/identity/admin/users/"+res.BobID, nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var bob struct {
		AppMetaData map[string]any `json:"app_metadata"`
	}
	json.NewDecoder(resp.Body).Decode(&bob)
	resp.Body.Close()
	if !reflect.DeepEqual(bob.AppMetaData["roles"], []any{"editor", "tester"}) || bob.AppMetaData["provider"] != "email" {
		t.Errorf("Bob after the edit: %v", bob.AppMetaData)
	}
	if !strings.Contains(res.MailText, "#confirmation_token=") || res.SiteStatus != "Logged in as dash-ann@example.com (roles: member)" {
		t.Errorf("mail and its link: %q, the site said %q", res.MailText, res.SiteStatus)
	}
	if !strings.Contains(res.Request, "X-Netlify-Event: identity_signup") || !strings.Contains(res.Request, `"email": "dash-ann@example.com"`) ||
		!strings.HasPrefix(res.Response, "200") || !strings.HasPrefix(res.ReplayNew, "200") || !res.EventsGrew {
		t.Errorf("the delivery and its replay: %+v", res)
	}
	if !strings.HasPrefix(res.Invoke, "pass in") && !strings.HasPrefix(res.Invoke, "block in") {
		t.Errorf("invoke: %q", res.Invoke)
	}
	if res.LiveSignup != 200 || res.Reloaded != 0 || res.UsersCount != "(3)" || res.AfterDelete != "(2)" {
		t.Errorf("live: %+v", res)
	}
}
