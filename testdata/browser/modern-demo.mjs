// The modern demo (examples/modern-site) in Chromium, through Vite behind dev: the page's
// own @netlify/identity signs up (a denied address first), confirms from the captured
// mail with handleAuthCallback(), gets the member role from the typed userSignup handler,
// calls the role-gated /api/members, logs out, logs in with login() and out again (the
// nf_jwt cookie set and cleared), then logs in on the server (login() in a v2 function)
// and hydrates from the nf_jwt cookie it set.
import { base, open, done } from "./lib.mjs";

const email = process.env.EMAIL;
const { browser, page, problems } = await open({ failing: ["/.netlify/identity/signup", "/api/members"] });
const status = () => page.getByRole("status");
const result = {};

await page.goto(base + "/");
await status().getByText("Not logged in.").waitFor({ timeout: 20000 });

// userValidate denies this domain: the page's signup() fails.
await page.locator("#signup input[name=email]").fill("eve@blocked.example");
await page.locator("#signup input[name=password]").fill("pw-123456");
await page.locator("#signup button").click();
await status().getByText(/^Sign up failed/).waitFor({ timeout: 15000 });
result.denied = await status().textContent();

await page.locator("#signup input[name=email]").fill(email);
await page.locator("#signup button").click();
await status().getByText(/confirmation link/).waitFor({ timeout: 15000 });

// The confirmation link from the captured mail, opened as from a mail client.
const mails = await (await fetch(base + "/.netlify/dev/api/mail?to=" + encodeURIComponent(email))).json();
await page.goto("about:blank");
await page.goto(mails[0].link);
await status().getByText(`Logged in as ${email}; roles: member`).waitFor({ timeout: 15000 });
result.confirmed = await status().textContent();
result.hashLeft = new URL(page.url()).hash;

await page.locator("#call-members").click();
await page.locator("#members-answer").getByText(/^200 /).waitFor({ timeout: 15000 });
result.members = await page.locator("#members-answer").textContent();

await page.locator("#logout").click();
await status().getByText("Not logged in.").waitFor({ timeout: 15000 });
await page.locator("#call-members").click();
await page.locator("#members-answer").getByText(/^401 /).waitFor({ timeout: 15000 });

// login() in the page, then log out again.
await page.locator("#login input[name=email]").fill(email);
await page.locator("#login input[name=password]").fill("pw-123456");
await page.locator("#login button:not([type=button])").click();
await status().getByText(`Logged in as ${email}; roles: member`).waitFor({ timeout: 15000 });
result.loggedIn = await status().textContent();
result.cookieAfterLogin = (await page.context().cookies()).some((c) => c.name === "nf_jwt");
await page.locator("#logout").click();
await status().getByText("Not logged in.").waitFor({ timeout: 15000 });
result.cookieAfterLogout = (await page.context().cookies()).some((c) => c.name === "nf_jwt");

// Log in on the server; the reloaded page hydrates from the cookie login() set.
await page.locator("#login input[name=email]").fill(email);
await page.locator("#login input[name=password]").fill("pw-123456");
await page.locator("#server-login").click();
await page.waitForLoadState("load");
await status().getByText(`Logged in as ${email}; roles: member`).waitFor({ timeout: 15000 });
result.hydrated = await status().textContent();
const resp = await page.goto(base + "/members/");
result.gate = { status: resp.status(), title: await page.title() };

await done(browser, problems, result);
