package functions

import (
	"reflect"
	"testing"
)

func TestDeclaredIn(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want Declared
	}{
		{"object literal with methods", `
import type { UserSignupEvent } from "@netlify/functions";
export default {
  async userSignup(event: UserSignupEvent) { return { user: { ...event.user, roles: ["member"] } } },
  userLogin: async (event) => { if (event.user.email.endsWith("@blocked.test")) return event.deny() },
}`, Declared{Events: []string{"identity_login", "identity_signup"}}},
		{"binding to an object, satisfies, shorthand", `
const userValidate = (e) => undefined;
const handlers = { userValidate, userDeleted() {}, fetch(req) { return new Response("x") } } satisfies Handlers;
export default handlers;`, Declared{Events: []string{"identity_userdeleted", "identity_validate"}}},
		{"named config wins over the object's", `
export default { userSignup() {}, config: { background: false } };
export const config = { background: true };`, Declared{Events: []string{"identity_signup"}, Background: true}},
		{"config key in the default object", `export default { userModified() {}, config: { path: "/x", background: true } }`,
			Declared{Events: []string{"identity_usermodified"}, Background: true, Path: []string{"/x"}}},
		{"config of a plain v2 function", `export default async (req) => new Response("hi");
export const config: Config = { background: true, path: "/bg" };`, Declared{Background: true, Path: []string{"/bg"}}},
		{"a default function is no subscriber", `export default async function userSignup(req) { return new Response("") }`, Declared{}},
		{"keys in comments, strings, templates and regexes do not count", `
// export default { userLogin() {} }
/* export default { userLogin() {} } */
const s = "export default { userLogin() {} }";
const t = ` + "`${ { userLogin: 1 } } export default { userLogin() {} }`" + `;
const r = /export default { userLogin() {} }/g;
export default { "userSignup": async function (e) {}, nested: { userLogin() {} }, [computed]: 1, ...spread }`,
			Declared{Events: []string{"identity_signup"}}},
		{"unknown keys only", `export default { fetch() {}, name: "x" }`, Declared{}},
		{"unterminated source", `export default { userSignup() { "`, Declared{Events: []string{"identity_signup"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := declaredIn([]byte(tc.src))
			if len(got.Events) == 0 {
				got.Events = nil
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("declaredIn = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func FuzzDeclaredIn(f *testing.F) {
	f.Add([]byte("export default { userSignup() {} }"))
	f.Add([]byte("export const config = { background: true }; export default x; const x = {userLogin}"))
	f.Add([]byte("`${`${'`'}`}` / /[/]/ /* // */ '\\"))
	f.Fuzz(func(t *testing.T, src []byte) {
		d := declaredIn(src) // must not panic or hang
		for _, e := range d.Events {
			if MethodOf(e) == "" {
				t.Fatalf("event %q has no method", e)
			}
		}
	})
}

func TestDeclaredConfigPath(t *testing.T) {
	d := declaredIn([]byte(`export default async () => new Response("");
export const config: Config = { path: ["/api/:id", "/x/*"], excludedPath: "/api/secret", method: ["get", "POST"], preferStatic: true, name: "n" + x };`))
	want := Declared{Path: []string{"/api/:id", "/x/*"}, ExcludedPath: []string{"/api/secret"}, Method: []string{"GET", "POST"}, PreferStatic: true}
	if !reflect.DeepEqual(d, want) {
		t.Fatalf("declared %+v, want %+v", d, want)
	}
}

func TestPathPatterns(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		params        map[string]string // nil: no match
	}{
		{"/api/items", "/api/items", map[string]string{}},
		{"/api/items", "/api/items/", nil},
		{"/api/items/:id", "/api/items/7", map[string]string{"id": "7"}},
		{"/api/items/:id", "/api/items/7/8", nil},
		{"/api/items/:id?", "/api/items", map[string]string{}},
		{"/api/:kind/:id", "/api/a/b", map[string]string{"kind": "a", "id": "b"}},
		{"/blog/*", "/blog/", map[string]string{}},
		{"/blog/*", "/blog/2026/hello", map[string]string{"0": "2026/hello"}},
		{"/blog/*", "/blog", nil},
		{"/*", "/", map[string]string{}},
		{"/a.b", "/aXb", nil},
	} {
		p, ok := compilePath(tc.pattern)
		if !ok {
			t.Fatalf("%s does not compile", tc.pattern)
		}
		got, matched := p.match(tc.path)
		if matched != (tc.params != nil) || (matched && !reflect.DeepEqual(got, tc.params)) {
			t.Errorf("%s on %s: %v %v, want %v", tc.pattern, tc.path, got, matched, tc.params)
		}
	}
	for _, bad := range []string{"api", "/a/(\\d+)", "/a/{b}?", "/a/:"} {
		if _, ok := compilePath(bad); ok {
			t.Errorf("%s compiled", bad)
		}
	}
}
