import { getUser, handleAuthCallback, login, logout, onAuthChange, signup } from "@netlify/identity";

const $ = (id) => document.getElementById(id);

function show(user) {
  $("status").textContent = user
    ? `Logged in as ${user.email}; roles: ${(user.roles ?? []).join(", ") || "none"}`
    : "Not logged in.";
  $("logout").hidden = !user;
}

async function say(promise, what) {
  try {
    await promise;
  } catch (err) {
    $("status").textContent = `${what} failed: ${err.message}`;
  }
}

async function start() {
  // A confirmation, recovery or invite link lands here with a #token: finish it first.
  try {
    const result = await handleAuthCallback();
    if (result?.type === "confirmation") history.replaceState(null, "", location.pathname);
  } catch (err) {
    $("status").textContent = `That link did not work: ${err.message}`;
  }
  show(await getUser());
  onAuthChange((_event, user) => show(user));
}
start();

$("signup").addEventListener("submit", (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  say(
    signup(f.get("email"), f.get("password")).then(() => {
      $("status").textContent = `Check the dev serve log for ${f.get("email")}'s confirmation link.`;
    }),
    "Sign up",
  );
});

$("login").addEventListener("submit", (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  say(login(f.get("email"), f.get("password")), "Log in");
});

$("server-login").addEventListener("click", async () => {
  const f = new FormData($("login"));
  const res = await fetch("/api/session", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: f.get("email"), password: f.get("password") }),
  });
  if (!res.ok) {
    $("status").textContent = `Server login failed: ${(await res.json()).error}`;
    return;
  }
  location.reload(); // the page hydrates from the nf_jwt cookie the function set
});

$("logout").addEventListener("click", () => say(logout(), "Log out"));

$("call-members").addEventListener("click", async () => {
  const res = await fetch("/api/members");
  $("members-answer").textContent = `${res.status} ${JSON.stringify(await res.json(), null, 2)}`;
});
