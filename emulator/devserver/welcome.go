package devserver

import (
	"html/template"
	"net/http"
)

// welcomePage answers / when the publish folder has no index.html. A mail's link points
// to the site's root with the token in the fragment (#confirmation_token=…), which a
// site's identity widget reads; with no page there, this page finishes what the link
// asks through the identity API, as the widget would, and says which folder is served.
var welcomePage = template.Must(template.New("w").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>dev serve</title><link rel="icon" href="data:,">
<style>
 body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1d2330;background:#fff}
 @media (prefers-color-scheme: dark){body{color:#e6e8ec;background:#15171c} code{background:#262a33}}
 h1{font-size:1.3rem} code{background:#eef0f3;padding:0 .25rem;border-radius:3px}
 label{display:block;margin:.6rem 0 .2rem} input{width:100%;padding:.4rem;font:inherit;box-sizing:border-box}
 button{font:inherit;padding:.5rem 1rem;margin-top:1rem;cursor:pointer} .ok{color:#1a7f37} .fail{color:#b42318}
</style></head><body>
<main>
<h1 id="title">dev serve</h1>
<p id="status" role="status"></p>
<form id="password" hidden>
 <label for="pw">New password</label><input id="pw" type="password" autocomplete="new-password" required minlength="1">
 <button id="save">Save the password</button>
</form>
<p>This page is dev's own: the site's publish folder <code>{{.Folder}}</code> has no <code>index.html</code>.
Add one (with the identity widget or <code>@netlify/identity</code>) to handle these links yourself, as your site will in production.</p>
</main>
<script>
(() => {
  const identity = "/.netlify/identity";
  const params = new URLSearchParams(location.hash.slice(1));
  const title = document.getElementById("title"), status = document.getElementById("status");
  const form = document.getElementById("password"), pw = document.getElementById("pw");
  const say = (text, cls) => { status.textContent = text; status.className = cls || ""; };
  const post = async (path, body, token) => {
    const headers = {"Content-Type": "application/json"};
    if (token) headers.Authorization = "Bearer " + token;
    const r = await fetch(identity + path, {method: path === "/user" ? "PUT" : "POST", headers, body: JSON.stringify(body)});
    const data = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(data.msg || data.error_description || r.status + " " + r.statusText);
    return data;
  };
  const askPassword = (then) => { form.hidden = false; pw.focus(); form.onsubmit = async (e) => { e.preventDefault(); try { await then(pw.value); form.hidden = true; } catch (err) { say(err.message, "fail"); } }; };
  const token = (name) => params.get(name);
  if (token("confirmation_token")) {
    title.textContent = "Confirming your signup…";
    post("/verify", {type: "signup", token: token("confirmation_token")})
      .then((t) => { title.textContent = "Signup confirmed"; say("Your address is confirmed: you can log in now.", "ok"); history.replaceState(null, "", "/"); })
      .catch((err) => { title.textContent = "Not confirmed"; say(err.message, "fail"); });
  } else if (token("invite_token")) {
    title.textContent = "Accept your invitation";
    say("Choose a password to finish signing up.");
    askPassword(async (password) => { await post("/verify", {type: "signup", token: token("invite_token"), password}); title.textContent = "Invitation accepted"; say("You are signed up: you can log in now.", "ok"); history.replaceState(null, "", "/"); });
  } else if (token("recovery_token")) {
    title.textContent = "Recovering your account…";
    post("/verify", {type: "recovery", token: token("recovery_token")})
      .then((t) => { title.textContent = "Choose a new password"; say("The recovery link worked; set a new password."); history.replaceState(null, "", "/");
        askPassword(async (password) => { await post("/user", {password}, t.access_token); title.textContent = "Password changed"; say("Your new password is set.", "ok"); }); })
      .catch((err) => { title.textContent = "Not recovered"; say(err.message, "fail"); });
  } else if (token("email_change_token")) {
    title.textContent = "Confirm your new address";
    say("An email change is confirmed by the logged-in user (PUT /user with email_change_token): open this link on your site, whose identity widget finishes it.");
  } else {
    say("dev serve is running: the identity API is at " + identity + ".");
  }
})();
</script>
</body></html>
`))

func (s *staticSite) welcome(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = welcomePage.Execute(w, struct{ Folder string }{s.dir})
}
