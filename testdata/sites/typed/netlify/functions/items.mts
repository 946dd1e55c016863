import type { Config, Context } from "@netlify/functions";

// A v2 function at its own paths (config.path), with route params.
export default async (req: Request, context: Context) =>
  Response.json({ params: context.params, path: new URL(req.url).pathname, method: req.method });

export const config: Config = {
  path: ["/api/items/:id", "/api/files/*"],
  excludedPath: "/api/items/secret",
  method: ["GET", "POST"],
};
