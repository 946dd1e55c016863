import type { Config } from "@netlify/functions";
import { login, logout } from "@netlify/identity";

// Server-side login and logout: login() sets the nf_jwt cookie, which the browser's
// @netlify/identity then hydrates from.
export default async (req: Request) => {
  if (req.method === "DELETE") {
    await logout();
    return new Response(null, { status: 204 });
  }
  const { email, password } = await req.json();
  try {
    const user = await login(email, password);
    return Response.json({ email: user.email, roles: user.roles });
  } catch (err) {
    return Response.json({ error: (err as Error).message }, { status: 401 });
  }
};

export const config: Config = { path: "/api/session", method: ["POST", "DELETE"] };
