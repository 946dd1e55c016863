// Server-side rendering with @netlify/identity, as an SSR route of any framework would
// call it: getUser() for the visitor, admin.listUsers() with the operator token, and
// login()/logout() setting and clearing the nf_jwt cookie.
import { admin, getUser, login, logout } from "@netlify/identity";

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

export async function render(url) {
  const u = new URL(url, "http://x");
  if (u.pathname === "/login") {
    const user = await login(u.searchParams.get("email"), u.searchParams.get("password"));
    return { status: 200, html: `<p id="login">${esc(user.email)}</p>` };
  }
  if (u.pathname === "/logout") {
    await logout();
    return { status: 200, html: `<p id="logout">bye</p>` };
  }
  const user = await getUser();
  let users = "";
  if (user) {
    const list = await admin.listUsers();
    users = list.map((x) => esc(x.email)).sort().join(",");
  }
  const origin = globalThis.Netlify?.context?.url?.origin ?? "none";
  return {
    status: 200,
    html: `<main><p id="user">${user ? esc(user.email) : "nobody"}</p><p id="roles">${esc((user?.roles ?? []).join(","))}</p>` +
      `<p id="users">${users}</p><p id="origin">${esc(origin)}</p></main>`,
  };
}
