// A Vite app rendered on the server (Vite's middleware mode and ssrLoadModule, as Vite's
// SSR guide sets one up), on the port PORT says.
import http from "node:http";
import { createServer as createVite } from "vite";

const vite = await createVite({ server: { middlewareMode: true, hmr: false }, appType: "custom", logLevel: "warn" });

const server = http.createServer((req, res) => {
  vite.middlewares(req, res, async () => {
    try {
      const { render } = await vite.ssrLoadModule("/src/entry-server.js");
      const { status, html } = await render(req.url);
      res.statusCode = status;
      res.setHeader("Content-Type", "text/html; charset=utf-8");
      res.end(html);
    } catch (err) {
      vite.ssrFixStacktrace(err);
      res.statusCode = 500;
      res.end(String(err.stack || err));
    }
  });
});
server.listen(Number(process.env.PORT), "127.0.0.1");
