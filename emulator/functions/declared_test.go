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
			Declared{Events: []string{"identity_usermodified"}, Background: true}},
		{"config of a plain v2 function", `export default async (req) => new Response("hi");
export const config: Config = { background: true, path: "/bg" };`, Declared{Background: true}},
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
