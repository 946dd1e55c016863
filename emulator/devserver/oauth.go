package devserver

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/identity-dev/dev/emulator/identity"
)

// The emulated OAuth providers' sign-in page: /authorize sends the browser here, the
// developer says who signs in, and the page goes on to /callback as the real provider
// would. Nothing leaves the machine.
var providerPage = template.Must(template.New("p").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in with {{.Title}} (emulated by dev)</title>
<style>
 body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1d2330}
 h1{font-size:1.3rem} label{display:block;margin:.6rem 0 .2rem} input[type=text],input[type=email],input[type=url]{width:100%;padding:.4rem;font:inherit;box-sizing:border-box}
 button{font:inherit;padding:.5rem 1rem;margin-top:1rem;cursor:pointer} .hint{color:#5b6270;font-size:.9rem}
 .pick{display:block;width:100%;text-align:left;margin:.3rem 0}
</style></head><body>
<h1>Sign in with {{.Title}}</h1>
<p class="hint">This is dev's stand-in for {{.Title}}: choose who signs in. The site then gets what
{{.Title}} would send to Netlify Identity.</p>
{{range .Known}}<form method="post"><input type="hidden" name="state" value="{{$.State}}">
<input type="hidden" name="email" value="{{.Email}}"><input type="hidden" name="full_name" value="{{.FullName}}">
<input type="hidden" name="avatar_url" value="{{.AvatarURL}}"><input type="hidden" name="email_verified" value="on">
<button class="pick">Continue as {{.Email}}{{if .FullName}} ({{.FullName}}){{end}}</button></form>{{end}}
<form method="post">
<input type="hidden" name="state" value="{{.State}}">
<label for="email">Email</label><input id="email" name="email" type="email" required placeholder="jane@example.com">
<label for="full_name">Full name</label><input id="full_name" name="full_name" type="text" placeholder="Jane Doe">
<label for="avatar_url">Avatar URL</label><input id="avatar_url" name="avatar_url" type="url" placeholder="https://…/avatar.png">
<label><input name="email_verified" type="checkbox" checked> {{.Title}} says the email is verified</label>
<button>Sign in</button>
</form></body></html>
`))

var providerTitles = map[string]string{"github": "GitHub", "gitlab": "GitLab", "bitbucket": "Bitbucket", "google": "Google", "facebook": "Facebook"}

// GET and POST /.netlify/dev/oauth/{provider}
func (s *Server) oauthProvider(w http.ResponseWriter, r *http.Request) {
	provider := r.PathValue("provider")
	title, ok := providerTitles[provider]
	if !ok {
		http.Error(w, "dev emulates github, gitlab, bitbucket, google and facebook; not "+provider, http.StatusNotFound)
		return
	}
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
			return
		}
		code := s.api.IssueCode(identity.ProviderIdentity{
			Email:         strings.TrimSpace(r.PostFormValue("email")),
			EmailVerified: r.PostFormValue("email_verified") == "on",
			FullName:      strings.TrimSpace(r.PostFormValue("full_name")),
			AvatarURL:     strings.TrimSpace(r.PostFormValue("avatar_url")),
		})
		q := url.Values{"code": {code}, "state": {r.PostFormValue("state")}}
		http.Redirect(w, r, IdentityPrefix+"/callback?"+q.Encode(), http.StatusFound)
		return
	}
	var known []identity.ProviderIdentity
	_ = s.store.View(r.Context(), func(tx identity.Tx) error {
		users, _, err := tx.ListUsers(identity.UserQuery{Page: identity.Page{Number: 1, PerPage: 20}})
		for _, u := range users {
			if u.AppMetaData["provider"] == provider {
				name, _ := u.FullName()
				avatar, _ := u.UserMetaData["avatar_url"].(string)
				known = append(known, identity.ProviderIdentity{Email: u.Email, FullName: name, AvatarURL: avatar})
			}
		}
		return err
	})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = providerPage.Execute(w, map[string]any{"Title": title, "State": r.URL.Query().Get("state"), "Known": known})
}
