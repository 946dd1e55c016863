package rules

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"
)

// auth is the nf_jwt a test request carries: the zero value is no valid token.
type auth struct {
	ok    bool
	roles []string
}

func as(roles ...string) auth { return auth{ok: true, roles: roles} }

// want is the part of a Result a case checks; source names the rule applied.
type want struct {
	kind     Kind
	status   int
	path     string
	query    string
	location string
	url      string
	source   string
}

type matchCase struct {
	name      string
	redirects string   // _redirects
	toml      string   // netlify.toml
	url       string   // the request's path and query
	files     []string // paths where a file exists
	auth      auth
	tweak     func(*Request)
	want      want
}

// setOf parses both sources in production's order, failing on any error.
func setOf(t *testing.T, redirects, toml string) *Set {
	t.Helper()
	rules, errs := ParseRedirects("_redirects", []byte(redirects))
	tomlRules, headers, tomlErrs := ParseTOML("netlify.toml", []byte(toml))
	if errs = append(errs, tomlErrs...); len(errs) > 0 {
		t.Fatalf("parse: %v", errs)
	}
	return &Set{Redirects: append(rules, tomlRules...), Headers: headers}
}

func requestOf(t *testing.T, rawURL string, files []string, a auth) Request {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return Request{
		Path:     u.Path,
		Query:    u.Query(),
		RawQuery: u.RawQuery,
		Roles:    func() ([]string, bool) { return a.roles, a.ok },
		Exists:   func(p string) bool { return slices.Contains(files, p) },
	}
}

func runMatchCases(t *testing.T, tests []matchCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := setOf(t, tt.redirects, tt.toml)
			req := requestOf(t, tt.url, tt.files, tt.auth)
			if tt.tweak != nil {
				tt.tweak(&req)
			}
			checkResult(t, set.Match(req), tt.want)
		})
	}
}

func checkResult(t *testing.T, res Result, w want) {
	t.Helper()
	source := ""
	if res.Rule != nil {
		source = res.Rule.Source
	}
	got := want{res.Kind, res.Status, res.Path, res.RawQuery, res.Location, res.URL, source}
	if got.kind != w.kind || got.status != w.status || got.path != w.path || got.query != w.query ||
		got.location != w.location || got.url != w.url || got.source != w.source {
		t.Errorf("Match =\n %+v\nwant\n %+v", got, w)
	}
}

func TestMatchRuleKinds(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "no rule", redirects: "/a /b", url: "/c", want: want{}},
		{name: "no status is a 301 with a relative Location", redirects: "/old /new", url: "/old",
			want: want{kind: Redirect, status: 301, path: "/new", location: "/new", source: "_redirects:1"}},
		{name: "302", redirects: "/old /new 302", url: "/old",
			want: want{kind: Redirect, status: 302, path: "/new", location: "/new", source: "_redirects:1"}},
		{name: "redirect to another site", redirects: "/gh https://github.com/netlify 301", url: "/gh?tab=repos",
			want: want{kind: Redirect, status: 301, path: "/netlify", query: "tab=repos", location: "https://github.com/netlify?tab=repos", source: "_redirects:1"}},
		{name: "redirect keeps the target's fragment", redirects: "/docs /manual#intro 301", url: "/docs",
			want: want{kind: Redirect, status: 301, path: "/manual", location: "/manual#intro", source: "_redirects:1"}},
		{name: "200 is a rewrite", redirects: "/app/* /index.html 200", url: "/app/settings",
			want: want{kind: Rewrite, status: 200, path: "/index.html", source: "_redirects:1"}},
		{name: "404 with a target is a rewrite with that status", redirects: "/en/* /en/404.html 404", url: "/en/missing",
			want: want{kind: Rewrite, status: 404, path: "/en/404.html", source: "_redirects:1"}},
		{name: "401 with a target", redirects: "/members/* /login.html 401", url: "/members/x",
			want: want{kind: Rewrite, status: 401, path: "/login.html", source: "_redirects:1"}},
		{name: "200 to a URL is a proxy", redirects: "/api/* https://api.example.com/v1/:splat 200", url: "/api/users/7?fields=name",
			want: want{kind: Proxy, status: 200, path: "/v1/users/7", query: "fields=name", url: "https://api.example.com/v1/users/7?fields=name", source: "_redirects:1"}},
		{name: "proxy to a bare origin", redirects: "/ext https://example.com 200", url: "/ext",
			want: want{kind: Proxy, status: 200, url: "https://example.com", source: "_redirects:1"}},
		{name: "forward rule without to", redirects: "/app/* 200!", url: "/app/a/b",
			want: want{kind: Rewrite, status: 200, path: "/app/a/b", source: "_redirects:1"}},
		{name: "rewrite to a function", redirects: "/api/* /.netlify/functions/echo/:splat 200", url: "/api/a/b?x=1",
			want: want{kind: Rewrite, status: 200, path: "/.netlify/functions/echo/a/b", query: "x=1", source: "_redirects:1"}},
		{name: "escaped in Location, decoded in Path", redirects: "/files/* /docs/:splat 301", url: "/files/a%20b",
			want: want{kind: Redirect, status: 301, path: "/docs/a b", location: "/docs/a%20b", source: "_redirects:1"}},
	})
}

func TestMatchOrder(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "first match wins, not the most specific", redirects: "/promo/* /all 301\n/promo/today /today 301", url: "/promo/today",
			want: want{kind: Redirect, status: 301, path: "/all", location: "/all", source: "_redirects:1"}},
		{name: "_redirects before netlify.toml", redirects: "/x /from-file 302",
			toml: "[[redirects]]\nfrom = \"/x\"\nto = \"/from-toml\"\nstatus = 302", url: "/x",
			want: want{kind: Redirect, status: 302, path: "/from-file", location: "/from-file", source: "_redirects:1"}},
		{name: "netlify.toml when _redirects has no match", redirects: "/y /from-file 302",
			toml: "[[redirects]]\nfrom = \"/x\"\nto = \"/from-toml\"\nstatus = 302", url: "/x",
			want: want{kind: Redirect, status: 302, path: "/from-toml", location: "/from-toml", source: "netlify.toml [[redirects]] #1"}},
		{name: "a catch-all in _redirects hides netlify.toml's rules", redirects: "/* /index.html 200",
			toml: "[[redirects]]\nfrom = \"/x\"\nto = \"/y\"", url: "/x",
			want: want{kind: Rewrite, status: 200, path: "/index.html", source: "_redirects:1"}},
	})
}

func TestMatchPaths(t *testing.T) {
	news := "/news/:year/:slug /articles/:year-:slug 301"
	runMatchCases(t, []matchCase{
		{name: "trailing slash on the request", redirects: "/old-page /new 301", url: "/old-page/",
			want: want{kind: Redirect, status: 301, path: "/new", location: "/new", source: "_redirects:1"}},
		{name: "trailing slash on the rule", redirects: "/old-page/ /new 301", url: "/old-page",
			want: want{kind: Redirect, status: 301, path: "/new", location: "/new", source: "_redirects:1"}},
		{name: "root", redirects: "/ /home 302", url: "/",
			want: want{kind: Redirect, status: 302, path: "/home", location: "/home", source: "_redirects:1"}},
		{name: "case-sensitive", redirects: "/Old-Page /new 301", url: "/old-page", want: want{}},
		{name: "placeholders", redirects: news, url: "/news/2024/hello",
			want: want{kind: Redirect, status: 301, path: "/articles/2024-hello", location: "/articles/2024-hello", source: "_redirects:1"}},
		{name: "placeholders with a trailing slash", redirects: news, url: "/news/2024/hello/",
			want: want{kind: Redirect, status: 301, path: "/articles/2024-hello", location: "/articles/2024-hello", source: "_redirects:1"}},
		{name: "placeholder is one segment: extra segment", redirects: news, url: "/news/2024/hello/extra", want: want{}},
		{name: "placeholder is one segment: missing segment", redirects: news, url: "/news/2024", want: want{}},
		{name: "placeholder does not match an empty segment", redirects: news, url: "/news//hello", want: want{}},
		{name: "unbound placeholder in to stays", redirects: "/a/:x /b/:y 301", url: "/a/1",
			want: want{kind: Redirect, status: 301, path: "/b/:y", location: "/b/:y", source: "_redirects:1"}},
		{name: "splat", redirects: "/blog/* /news/:splat 301", url: "/blog/2024/post",
			want: want{kind: Redirect, status: 301, path: "/news/2024/post", location: "/news/2024/post", source: "_redirects:1"}},
		{name: "splat matches the bare prefix", redirects: "/blog/* /news/:splat 301", url: "/blog",
			want: want{kind: Redirect, status: 301, path: "/news/", location: "/news/", source: "_redirects:1"}},
		{name: "splat matches the prefix with a slash", redirects: "/blog/* /news/:splat 301", url: "/blog/",
			want: want{kind: Redirect, status: 301, path: "/news/", location: "/news/", source: "_redirects:1"}},
		{name: "splat is not a string prefix", redirects: "/blog/* /news/:splat 301", url: "/blogs", want: want{}},
		{name: "splat after a placeholder", redirects: "/u/:name/* /users/:name/:splat 301", url: "/u/ann/photos/1",
			want: want{kind: Redirect, status: 301, path: "/users/ann/photos/1", location: "/users/ann/photos/1", source: "_redirects:1"}},
		{name: "catch-all at the root", redirects: "/* /index.html 200", url: "/",
			want: want{kind: Rewrite, status: 200, path: "/index.html", source: "_redirects:1"}},
		{name: "splat inside a segment", redirects: "/shop* /store:splat 301", url: "/shopping/cart",
			want: want{kind: Redirect, status: 301, path: "/storeping/cart", location: "/storeping/cart", source: "_redirects:1"}},
	})
}

func TestMatchQuery(t *testing.T) {
	store := "/store id=:id /blog/:id 301"
	runMatchCases(t, []matchCase{
		{name: "binding, the request's query passes on", redirects: store, url: "/store?id=5",
			want: want{kind: Redirect, status: 301, path: "/blog/5", query: "id=5", location: "/blog/5?id=5", source: "_redirects:1"}},
		{name: "named key missing", redirects: store, url: "/store", want: want{}},
		{name: "other key only", redirects: store, url: "/store?ID=5", want: want{}},
		{name: "extra keys allowed and passed on as sent", redirects: store, url: "/store?ref=mail&id=5",
			want: want{kind: Redirect, status: 301, path: "/blog/5", query: "ref=mail&id=5", location: "/blog/5?ref=mail&id=5", source: "_redirects:1"}},
		{name: "empty value binds", redirects: store, url: "/store?id=",
			want: want{kind: Redirect, status: 301, path: "/blog/", query: "id=", location: "/blog/?id=", source: "_redirects:1"}},
		{name: "literal must equal", redirects: "/s lang=fr /fr 301", url: "/s?lang=de", want: want{}},
		{name: "literal equal", redirects: "/s lang=fr /fr 301", url: "/s?lang=fr",
			want: want{kind: Redirect, status: 301, path: "/fr", query: "lang=fr", location: "/fr?lang=fr", source: "_redirects:1"}},
		{name: "every key required, any order", redirects: "/s a=:a b=:b /t/:a/:b 301", url: "/s?b=2&a=1",
			want: want{kind: Redirect, status: 301, path: "/t/1/2", query: "b=2&a=1", location: "/t/1/2?b=2&a=1", source: "_redirects:1"}},
		{name: "one key of two is not enough", redirects: "/s a=:a b=:b /t/:a/:b 301", url: "/s?a=1", want: want{}},
		{name: "a later rule without the condition", redirects: store + "\n/store /shop 301", url: "/store",
			want: want{kind: Redirect, status: 301, path: "/shop", location: "/shop", source: "_redirects:2"}},
		{name: "to with a query replaces the request's", redirects: "/search q=:q /find?term=:q 301", url: "/search?q=go%20lang&page=2",
			want: want{kind: Redirect, status: 301, path: "/find", query: "term=go+lang", location: "/find?term=go+lang", source: "_redirects:1"}},
		{name: "to with a query on a rewrite", redirects: "/list /items.html?sort=name 200", url: "/list?sort=date",
			want: want{kind: Rewrite, status: 200, path: "/items.html", query: "sort=name", source: "_redirects:1"}},
		{name: "to with a query on a function target replaces the request's", redirects: "/api/echo /.netlify/functions/echo?fixed=1 200", url: "/api/echo?a=1",
			want: want{kind: Rewrite, status: 200, path: "/.netlify/functions/echo", query: "fixed=1", source: "_redirects:1"}},
		{name: "to with an empty query passes the request's on", redirects: "/a /b? 301", url: "/a?x=1",
			want: want{kind: Redirect, status: 301, path: "/b", query: "x=1", location: "/b?x=1", source: "_redirects:1"}},
		{name: "the request's query passes on to a rewrite", redirects: "/app/* /index.html 200", url: "/app/x?tab=2",
			want: want{kind: Rewrite, status: 200, path: "/index.html", query: "tab=2", source: "_redirects:1"}},
		{name: "Query encoded when RawQuery is empty", redirects: "/a /b 301", url: "/a",
			tweak: func(r *Request) { r.Query = url.Values{"k": {"v w"}} },
			want:  want{kind: Redirect, status: 301, path: "/b", query: "k=v+w", location: "/b?k=v+w", source: "_redirects:1"}},
		{name: "netlify.toml query table", toml: "[[redirects]]\nfrom = \"/store\"\nto = \"/blog/:id\"\nquery = {id = \":id\"}", url: "/store?id=9",
			want: want{kind: Redirect, status: 301, path: "/blog/9", query: "id=9", location: "/blog/9?id=9", source: "netlify.toml [[redirects]] #1"}},
	})
}

func TestMatchShadowing(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "unforced rewrite yields to the file", redirects: "/about /other.html 200", url: "/about", files: []string{"/about"}, want: want{}},
		{name: "unforced 301 yields to the file", redirects: "/old.html /new.html 301", url: "/old.html", files: []string{"/old.html"}, want: want{}},
		{name: "unforced 404 yields to the file", redirects: "/draft.html /404.html 404", url: "/draft.html", files: []string{"/draft.html"}, want: want{}},
		{name: "unforced splat rule yields to the file (SPA)", redirects: "/docs/* /docs/index.html 200", url: "/docs/page.html", files: []string{"/docs/page.html"}, want: want{}},
		{name: "unforced splat rule applies without a file", redirects: "/docs/* /docs/index.html 200", url: "/docs/missing", files: []string{"/docs/page.html"},
			want: want{kind: Rewrite, status: 200, path: "/docs/index.html", source: "_redirects:1"}},
		{name: "forced rewrite applies over the file", redirects: "/about /other.html 200!", url: "/about", files: []string{"/about"},
			want: want{kind: Rewrite, status: 200, path: "/other.html", source: "_redirects:1"}},
		{name: "forced redirect applies over the file", redirects: "/old.html /new.html 301!", url: "/old.html", files: []string{"/old.html"},
			want: want{kind: Redirect, status: 301, path: "/new.html", location: "/new.html", source: "_redirects:1"}},
		{name: "404! hides an existing file", redirects: "/secret.html /404.html 404!", url: "/secret.html", files: []string{"/secret.html"},
			want: want{kind: Rewrite, status: 404, path: "/404.html", source: "_redirects:1"}},
		{name: "a shadowed rule is skipped, a later forced one applies", redirects: "/a /b 301\n/a /c 302!", url: "/a", files: []string{"/a"},
			want: want{kind: Redirect, status: 302, path: "/c", location: "/c", source: "_redirects:2"}},
		{name: "Exists asked with the path as sent", redirects: "/dir/ /elsewhere 301", url: "/dir/", files: []string{"/dir/"}, want: want{}},
		{name: "nil Exists means no file", redirects: "/about /other.html 200", url: "/about", tweak: func(r *Request) { r.Exists = nil },
			want: want{kind: Rewrite, status: 200, path: "/other.html", source: "_redirects:1"}},
	})
}

func TestMatchCountryLanguageHost(t *testing.T) {
	anz := "/ /anz 302 Country=au,nz"
	fr := "/ /fr/ 302 Language=fr"
	hostRule := "https://old.example.com/* https://new.example.com/:splat 301!"
	runMatchCases(t, []matchCase{
		{name: "Country never matches an unknown country", redirects: anz, url: "/", want: want{}},
		{name: "Country matches the pretended country, any case", redirects: anz, url: "/", tweak: func(r *Request) { r.Country = "NZ" },
			want: want{kind: Redirect, status: 302, path: "/anz", location: "/anz", source: "_redirects:1"}},
		{name: "Country elsewhere", redirects: anz, url: "/", tweak: func(r *Request) { r.Country = "US" }, want: want{}},
		{name: "Language by primary tag", redirects: fr, url: "/", tweak: func(r *Request) { r.Language = "fr-CA,fr;q=0.9,en;q=0.5" },
			want: want{kind: Redirect, status: 302, path: "/fr/", location: "/fr/", source: "_redirects:1"}},
		{name: "Language in second place", redirects: fr, url: "/", tweak: func(r *Request) { r.Language = "en-US, FR;q=0.4" },
			want: want{kind: Redirect, status: 302, path: "/fr/", location: "/fr/", source: "_redirects:1"}},
		{name: "Language with zero weight", redirects: fr, url: "/", tweak: func(r *Request) { r.Language = "en, fr;q=0" }, want: want{}},
		{name: "Language other", redirects: fr, url: "/", tweak: func(r *Request) { r.Language = "en-GB" }, want: want{}},
		{name: "Language not a prefix of another language", redirects: fr, url: "/", tweak: func(r *Request) { r.Language = "fro" }, want: want{}},
		{name: "no Accept-Language", redirects: fr, url: "/", want: want{}},
		{name: "host rule on its host", redirects: hostRule, url: "/a/b", tweak: func(r *Request) { r.Host = "OLD.example.com:443" },
			want: want{kind: Redirect, status: 301, path: "/a/b", location: "https://new.example.com/a/b", source: "_redirects:1"}},
		{name: "host rule on localhost", redirects: hostRule, url: "/a/b", tweak: func(r *Request) { r.Host = "localhost:8888" }, want: want{}},
	})
}

func TestMatchRoleGates(t *testing.T) {
	gate := "/admin/* 200! Role=admin\n"
	login := "/admin/* /login 401!\n"
	notFound := want{kind: NotFound, status: 404, source: "_redirects:1"}
	runMatchCases(t, []matchCase{
		{name: "role present", redirects: gate, url: "/admin/users", auth: as("admin"),
			want: want{kind: Rewrite, status: 200, path: "/admin/users", source: "_redirects:1"}},
		{name: "no token, no later rule: 404", redirects: gate, url: "/admin/users", want: notFound},
		{name: "no token: 404 even where the file exists", redirects: gate, url: "/admin/index.html", files: []string{"/admin/index.html"}, want: notFound},
		{name: "wrong role: 404 even where the file exists", redirects: gate, url: "/admin/index.html", files: []string{"/admin/index.html"}, auth: as("editor"), want: notFound},
		{name: "token without roles", redirects: gate, url: "/admin/x", auth: as(), want: notFound},
		{name: "role names are case-sensitive", redirects: gate, url: "/admin/x", auth: as("Admin"), want: notFound},
		{name: "no token, later 401! rule", redirects: gate + login, url: "/admin/users",
			want: want{kind: Rewrite, status: 401, path: "/login", source: "_redirects:2"}},
		{name: "no token, later 401! rule over an existing file", redirects: gate + login, url: "/admin/index.html", files: []string{"/admin/index.html"},
			want: want{kind: Rewrite, status: 401, path: "/login", source: "_redirects:2"}},
		{name: "role present skips the 401 rule", redirects: gate + login, url: "/admin/users", auth: as("admin"),
			want: want{kind: Rewrite, status: 200, path: "/admin/users", source: "_redirects:1"}},
		{name: "any of the listed roles", redirects: "/admin/* 200! Role=editor,admin", url: "/admin/x", auth: as("viewer", "admin"),
			want: want{kind: Rewrite, status: 200, path: "/admin/x", source: "_redirects:1"}},
		{name: "Role=* with any valid token", redirects: "/members/* 200! Role=*", url: "/members/x", auth: as(),
			want: want{kind: Rewrite, status: 200, path: "/members/x", source: "_redirects:1"}},
		{name: "Role=* without a token", redirects: "/members/* 200! Role=*", url: "/members/x", want: want{kind: NotFound, status: 404, source: "_redirects:1"}},
		{name: "gate only on its paths", redirects: gate, url: "/public/x", files: []string{"/public/x"}, want: want{}},
		{name: "gate whose query condition fails is not a failed gate", redirects: "/admin/* preview=:p /admin/:splat 200! Role=admin", url: "/admin/x", want: want{}},
		{name: "later gate opens", redirects: gate + "/admin/* 200! Role=editor", url: "/admin/x", auth: as("editor"),
			want: want{kind: Rewrite, status: 200, path: "/admin/x", source: "_redirects:2"}},
		{name: "two failed gates: 404 names the first", redirects: gate + "/admin/* 200! Role=editor", url: "/admin/x", auth: as("viewer"), want: notFound},
		{name: "after a failed gate a later unforced rule applies over the file", redirects: gate + "/admin/* /login 302", url: "/admin/index.html", files: []string{"/admin/index.html"},
			want: want{kind: Redirect, status: 302, path: "/login", location: "/login", source: "_redirects:2"}},
		{name: "unforced gate that opens yields to the file", redirects: "/admin/* /app.html 200 Role=admin", url: "/admin/index.html", files: []string{"/admin/index.html"}, auth: as("admin"), want: want{}},
		{name: "unforced gate that fails: 404 over the file", redirects: "/admin/* /app.html 200 Role=admin", url: "/admin/index.html", files: []string{"/admin/index.html"}, want: notFound},
		{name: "gate in _redirects, login rule in netlify.toml", redirects: gate,
			toml: "[[redirects]]\nfrom = \"/admin/*\"\nto = \"/login\"\nstatus = 302\nforce = true", url: "/admin/x",
			want: want{kind: Redirect, status: 302, path: "/login", location: "/login", source: "netlify.toml [[redirects]] #1"}},
		{name: "gate in netlify.toml", toml: "[[redirects]]\nfrom = \"/admin/*\"\nstatus = 200\nforce = true\nconditions = {Role = [\"admin\"]}", url: "/admin/x",
			want: want{kind: NotFound, status: 404, source: "netlify.toml [[redirects]] #1"}},
		{name: "nil Roles is no token", redirects: gate, url: "/admin/x", auth: as("admin"), tweak: func(r *Request) { r.Roles = nil }, want: notFound},
	})
}

func TestMatchReadsRolesLazilyOnce(t *testing.T) {
	set := setOf(t, "/open /elsewhere 301\n/admin/* 200! Role=admin\n/admin/* 200! Role=editor\n", "")
	calls := 0
	roles := func() ([]string, bool) { calls++; return []string{"viewer"}, true }

	set.Match(Request{Path: "/open", Roles: roles})
	if calls != 0 {
		t.Errorf("Roles called %d times for a path no Role rule matches, want 0", calls)
	}
	if res := set.Match(Request{Path: "/admin/x", Roles: roles}); res.Kind != NotFound {
		t.Errorf("Match = %v, want NotFound", res.Kind)
	}
	if calls != 1 {
		t.Errorf("Roles called %d times for two Role rules, want 1", calls)
	}
}

func TestMatchNilSet(t *testing.T) {
	if res := (*Set)(nil).Match(Request{Path: "/"}); res.Kind != NoMatch || res.Rule != nil {
		t.Errorf("nil Set: %+v", res)
	}
}

func TestRequestFrom(t *testing.T) {
	const secret = "instance-secret"
	r := httptest.NewRequest("GET", "http://site.example/admin/a%20b?x=1&y=2", nil)
	r.Header.Set("Accept-Language", "fr-FR")
	r.AddCookie(&http.Cookie{Name: CookieName, Value: mint(t, secret, claimsFor(time.Hour, "admin"))})
	req := RequestFrom(r, secret)
	if req.Path != "/admin/a b" || req.RawQuery != "x=1&y=2" || req.Query.Get("y") != "2" || req.Host != "site.example" || req.Language != "fr-FR" {
		t.Errorf("RequestFrom = %+v", req)
	}
	if roles, ok := req.Roles(); !ok || !slices.Equal(roles, []string{"admin"}) {
		t.Errorf("Roles() = %v, %v; want [admin], true", roles, ok)
	}
	bare := RequestFrom(httptest.NewRequest("GET", "/admin/", nil), secret)
	if roles, ok := bare.Roles(); ok || roles != nil {
		t.Errorf("Roles() without a cookie = %v, %v; want no token", roles, ok)
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{NoMatch: "NoMatch", Rewrite: "Rewrite", Redirect: "Redirect", NotFound: "NotFound", Proxy: "Proxy", Kind(9): "Kind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}
