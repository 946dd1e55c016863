// The demo site through the identity widget, as a person uses it: sign up (no site URL
// prompt), confirm from the captured mail, the member role arrives with identity-signup,
// the members' page opens, logging out closes it. The widget comes from npm, served in
// place of identity.netlify.com's copy, so no request leaves dev serve.
import { readFile } from "node:fs/promises";
import { base, open, done } from "./lib.mjs";

const widget = await readFile(new URL("./node_modules/netlify-identity-widget/build/netlify-identity-widget.js", import.meta.url));
const email = process.env.EMAIL;
const { browser, page, problems } = await open({
  allow: ["https://identity.netlify.com/v1/netlify-identity-widget.js"], failing: ["/members/"] });
await page.route("https://identity.netlify.com/v1/netlify-identity-widget.js",
  (route) => route.fulfill({ status: 200, contentType: "application/javascript", body: widget }));

const frame = () => page.frameLocator("#netlify-identity-widget");
const result = {};

// Before: the members' area answers the 401 page.
let resp = await page.goto(base + "/members/");
result.before = { status: resp.status(), title: await page.title() };

// Sign up through the widget: no prompt for the site's URL.
await page.goto(base + "/");
await page.locator("[data-netlify-identity-button] a, [data-netlify-identity-button] button").first().click();
await frame().getByRole("button", { name: /sign up/i }).first().click();
await frame().locator("input[name=name]").fill("Ann Member");
await frame().locator("input[name=email]").fill(email);
await frame().locator("input[name=password]").fill("pw-123456");
await frame().locator("button[type=submit]").click();
await frame().getByText(/confirmation/i).first().waitFor({ timeout: 15000 });
result.prompted = await frame().getByText(/site.?s url/i).count();

// Confirm from the captured mail: the link opens the site afresh, as from a mail client.
const mails = await (await fetch(base + "/.netlify/dev/api/mail?to=" + encodeURIComponent(email))).json();
await page.goto("about:blank");
await page.goto(mails[0].link);
await page.getByText("roles: member").waitFor({ timeout: 15000 }).catch(async (e) => {
  console.error("status:", await page.getByRole("status").textContent(), "link:", mails[0].link, "problems:", problems.join(" | "));
  throw e;
});
result.status = await page.getByRole("status").textContent();
result.cookie = (await page.context().cookies()).some((c) => c.name === "nf_jwt");

// The members' page opens.
resp = await page.goto(base + "/members/");
result.member = { status: resp.status(), title: await page.title() };

// Logging out closes it.
await page.goto(base + "/");
await page.getByText("roles: member").waitFor({ timeout: 15000 });
await page.evaluate(() => window.netlifyIdentity.logout());
await page.getByText("Not logged in.").waitFor({ timeout: 15000 });
resp = await page.goto(base + "/members/");
result.after = { status: resp.status(), title: await page.title() };

await done(browser, problems, result);
