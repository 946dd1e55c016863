import type { Config, Context } from "@netlify/functions";
import { getUser } from "@netlify/identity";

// A role-gated v2 function: getUser() reads the nf_jwt cookie (or a Bearer token).
export default async (req: Request, context: Context) => {
  const user = await getUser();
  if (!user) return Response.json({ error: "log in first" }, { status: 401 });
  if (!user.roles?.includes("member")) return Response.json({ error: "members only" }, { status: 403 });
  return Response.json({ message: `Welcome, member ${user.email}`, roles: user.roles, logins: user.userMetadata?.logins ?? 0 });
};

export const config: Config = { path: "/api/members" };
