// Shared by the browser tests: Debian's chromium, started as the machine allows, and a
// page that records console errors and every request that leaves dev serve.
import { chromium } from "playwright-core";

export const base = process.env.BASE_URL;

// allow names URLs a test serves itself (page.route) although they are not dev's;
// failing names pages a test expects to answer an error status (a gated page's 401).
export async function open({ allow = [], failing = [] } = {}) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  const origin = new URL(base).origin;
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const at = (m.location() || {}).url || "";
    if (m.text().startsWith("Failed to load resource") && failing.some((f) => at.startsWith(base + f))) return;
    problems.push("console: " + m.text() + (at ? " (" + at + ")" : ""));
  });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith("data:") && !u.startsWith("about:") && !allow.includes(u)) problems.push("left the server: " + u);
  });
  return { browser, page, problems };
}

// done prints the result for the Go test and fails on any problem seen.
export async function done(browser, problems, result) {
  await browser.close();
  if (problems.length) {
    console.error(problems.join("\n"));
    process.exit(1);
  }
  console.log(JSON.stringify(result));
}
