// dev's own page at / finishes a confirmation link from a captured mail.
import { base, open, done } from "./lib.mjs";

const { browser, page, problems } = await open();
await page.goto(base + "/#confirmation_token=" + process.env.TOKEN);
await page.getByRole("heading", { name: "Signup confirmed" }).waitFor({ timeout: 15000 });
const status = await page.getByRole("status").textContent();
await done(browser, problems, { status, url: page.url() });
