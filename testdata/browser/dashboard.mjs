// The dashboard at /.netlify/dev/ in Chromium, on the demo site, as a developer uses it:
// find two users by search, change a role, follow a confirmation link from the Mail view,
// open the identity-signup delivery and replay it, invoke a function, and see a new
// signup appear without a reload. SHOTS, when set, is a folder for a screenshot of each view.
import { readFile } from "node:fs/promises";
import { base, open, done } from "./lib.mjs";

const shots = process.env.SHOTS;
const widgetURL = "https://identity.netlify.com/v1/netlify-identity-widget.js";
const widget = await readFile(new URL("./node_modules/netlify-identity-widget/build/netlify-identity-widget.js", import.meta.url));
const { browser, page, problems } = await open({ allow: [widgetURL] });
await page.context().route(widgetURL, (route) => route.fulfill({ status: 200, contentType: "application/javascript", body: widget }));
await page.setViewportSize({ width: 1280, height: 900 });
const result = {};
const signup = (email) =>
  fetch(base + "/.netlify/identity/signup", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password: "pw-123456", data: { full_name: email.split("@")[0] } }),
  }).then((r) => r.status);

result.signups = [await signup("dash-ann@example.com"), await signup("dash-bob@example.com")];

// A click on a link of the navigation switches views in a task of its own (hashchange),
// so each view's rows are looked up within that view: a row of the view being left is
// still there, and would be found, then wait hidden.

// Users: search finds both; change Bob's roles.
await page.goto(base + "/.netlify/dev/#users");
await page.getByLabel("Search").fill("dash-");
await page.getByRole("button", { name: "Search" }).click();
await page.locator("#users-rows tr").nth(1).waitFor();
result.found = (await page.locator("#users-rows tr td:first-child").allTextContents()).sort();
await page.locator("#users-rows").getByRole("button", { name: "dash-bob@example.com" }).click();
await page.getByLabel("Roles (comma separated)").fill("editor, tester");
await page.getByRole("button", { name: "Save" }).click();
await page.locator("#users-msg").getByText("Saved.").waitFor();
result.bobID = JSON.parse(await page.locator("#user-json").textContent()).id;
if (shots) await page.screenshot({ path: `${shots}/users.png` });

// Mail: Ann's confirmation; its link, followed, confirms her on the site.
await page.getByRole("link", { name: /^Mail/ }).click();
await page.locator("#mail-rows").getByRole("button", { name: "dash-ann@example.com" }).click();
await page.locator("#mail-detail").waitFor();
result.mailText = await page.locator("#mail-text").textContent();
if (shots) await page.screenshot({ path: `${shots}/mail.png` });
const [site] = await Promise.all([page.context().waitForEvent("page"), page.locator("#mail-link").click()]);
await site.getByText("roles: member").waitFor({ timeout: 15000 });
result.siteStatus = await site.getByRole("status").textContent();
await site.close();

// Events: the identity-signup delivery that confirmation made; replay it.
await page.getByRole("link", { name: /^Events/ }).click();
const delivery = page.locator("#events-rows tr", { hasText: "identity-signup" }).filter({ hasText: "dash-ann@example.com" }).first();
await delivery.waitFor();
const before = await page.locator("#events-rows tr").count();
await delivery.locator("button").click();
await page.locator("#event-detail").waitFor();
result.request = await page.locator("#event-request").textContent();
result.response = await page.locator("#event-response").textContent();
await page.getByRole("button", { name: "Replay" }).click();
await page.locator("#replay-result").waitFor();
result.replayNew = await page.locator("#replay-new").textContent();
await page.waitForFunction((n) => document.querySelectorAll("#events-rows tr").length > n, before);
result.eventsGrew = true;
if (shots) await page.screenshot({ path: `${shots}/events.png` });

// Functions: invoke identity-validate from the form.
await page.getByRole("link", { name: /^Functions/ }).click();
await page.locator("#functions-rows tr").first().waitFor();
await page.locator("#invoke select[name=function]").selectOption("identity-validate");
await page.getByRole("button", { name: "Invoke" }).click();
await page.locator("#invoke-result").getByText(/^(pass|block) in/).waitFor();
result.invoke = await page.locator("#invoke-result").textContent();
if (shots) await page.screenshot({ path: `${shots}/functions.png` });

// Live: a signup made elsewhere appears in Users without a reload.
await page.getByRole("link", { name: /^Users/ }).click();
await page.getByLabel("Search").fill("");
await page.getByRole("button", { name: "Search" }).click();
const navigations = [];
page.on("framenavigated", (f) => f === page.mainFrame() && navigations.push(f.url()));
result.liveSignup = await signup("dash-carol@example.com");
await page.locator("#users-rows").getByRole("button", { name: "dash-carol@example.com" }).waitFor({ timeout: 10000 });
result.reloaded = navigations.filter((u) => !u.includes("#")).length;
result.usersCount = await page.locator("#count-users").textContent();

// Delete Carol again, confirming the dialog.
page.once("dialog", (d) => d.accept());
await page.locator("#users-rows").getByRole("button", { name: "dash-carol@example.com" }).click();
await page.getByRole("button", { name: "Delete" }).click();
await page.locator("#users-msg").getByText("Deleted.").waitFor();
await page.locator("#count-users").getByText("(2)").waitFor();
result.afterDelete = await page.locator("#count-users").textContent();

await done(browser, problems, result);
