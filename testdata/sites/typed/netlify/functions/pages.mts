// Everything else, as a framework's server-rendering function is declared; files of the
// publish folder win (preferStatic).
export default async (req: Request) => new Response(`rendered ${new URL(req.url).pathname}`);

export const config = { path: "/*", excludedPath: ["/api/*"], preferStatic: true };
