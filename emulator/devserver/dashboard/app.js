// dev's dashboard: talks to the dev API only (/.netlify/dev/api), live through its
// server-sent events. No framework, no build step, nothing from outside this server.
const API = "/.netlify/dev/api";
const $ = (id) => document.getElementById(id);
const views = ["users", "mail", "events", "functions"];

async function api(path, init = {}) {
  // The dev API takes only JSON (or JSON Lines) for what changes state.
  const method = init.method || "GET";
  const res = await fetch(API + path, {
    ...init,
    headers: method === "GET" ? init.headers : { "Content-Type": "application/json", ...init.headers },
  });
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (!res.ok) throw new Error((body && (body.msg || body.error_description || body.error)) || `${res.status} ${res.statusText}`);
  return { body, res };
}

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props);
  for (const c of children) e.append(c ?? "");
  return e;
}

const when = (t) => (t ? new Date(t).toLocaleString() : "");

// A row a keyboard can open too: the first cell holds a button.
function row(cells, open, selected) {
  const tr = el("tr");
  cells.forEach((c, i) => tr.append(el("td", {}, i === 0 ? el("button", { className: "row", type: "button", textContent: c, onclick: open }) : c)));
  tr.addEventListener("click", (e) => {
    if (e.target.tagName !== "BUTTON") open();
  });
  if (selected) tr.setAttribute("aria-selected", "true");
  return tr;
}

// ---- users ----------------------------------------------------------------------------
const users = { q: "", page: 1, perPage: 50, total: 0, open: null };

async function loadUsers() {
  const p = new URLSearchParams({ q: users.q, page: users.page, per_page: users.perPage });
  const { body } = await api(`/users?${p}`);
  users.total = body.total;
  $("count-users").textContent = users.q ? "" : `(${body.total})`;
  const rows = $("users-rows");
  rows.replaceChildren(
    ...body.users.map((u) =>
      row(
        [u.email, u.user_metadata?.full_name ?? "", (u.app_metadata?.roles ?? []).join(", "), u.confirmed_at ? "yes" : "no", when(u.created_at)],
        () => openUser(u.id),
        u.id === users.open,
      ),
    ),
  );
  const pages = Math.max(1, Math.ceil(body.total / users.perPage));
  $("users-page").textContent = `page ${users.page} of ${pages}, ${body.total} users`;
  $("users-prev").disabled = users.page <= 1;
  $("users-next").disabled = users.page >= pages;
}

async function openUser(id) {
  users.open = id;
  const { body: u } = await api(`/users/${encodeURIComponent(id)}`);
  const f = $("user-edit");
  $("user-title").textContent = u.email;
  f.roles.value = (u.app_metadata?.roles ?? []).join(", ");
  f.app_metadata.value = JSON.stringify(u.app_metadata ?? {}, null, 2);
  f.user_metadata.value = JSON.stringify(u.user_metadata ?? {}, null, 2);
  $("user-json").textContent = JSON.stringify(u, null, 2);
  $("user-confirm").disabled = !!u.confirmed_at;
  $("user-detail").hidden = false;
  loadUsers();
}

function say(id, text) {
  $(id).textContent = text;
}

async function userAction(fn, done) {
  try {
    await fn();
    say("users-msg", done);
  } catch (err) {
    say("users-msg", `Failed: ${err.message}`);
  }
  await loadUsers();
  if (users.open) await openUser(users.open).catch(() => ($("user-detail").hidden = true));
}

function setupUsers() {
  $("user-search").addEventListener("submit", (e) => {
    e.preventDefault();
    users.q = e.target.q.value.trim();
    users.page = 1;
    loadUsers();
  });
  $("users-prev").onclick = () => {
    users.page--;
    loadUsers();
  };
  $("users-next").onclick = () => {
    users.page++;
    loadUsers();
  };
  $("user-edit").addEventListener("submit", (e) => {
    e.preventDefault();
    const f = e.target;
    let app, meta;
    try {
      app = JSON.parse(f.app_metadata.value || "{}");
      meta = JSON.parse(f.user_metadata.value || "{}");
    } catch (err) {
      say("users-msg", `Not JSON: ${err.message}`);
      return;
    }
    app.roles = f.roles.value.split(",").map((r) => r.trim()).filter(Boolean);
    userAction(
      () => api(`/users/${encodeURIComponent(users.open)}`, { method: "PATCH", body: JSON.stringify({ app_metadata: app, user_metadata: meta }) }),
      "Saved.",
    );
  });
  $("user-confirm").onclick = () =>
    userAction(() => api(`/users/${encodeURIComponent(users.open)}`, { method: "PATCH", body: JSON.stringify({ confirm: true }) }), "Confirmed.");
  $("user-recover").onclick = () =>
    userAction(() => api(`/users/${encodeURIComponent(users.open)}/recover`, { method: "POST", body: "{}" }), "Recovery mail sent (see Mail).");
  $("user-delete").onclick = () => {
    if (!confirm(`Delete ${$("user-title").textContent}?`)) return;
    const id = users.open;
    users.open = null;
    $("user-detail").hidden = true;
    userAction(() => api(`/users/${encodeURIComponent(id)}`, { method: "DELETE" }), "Deleted.");
  };
  $("user-create").addEventListener("submit", (e) => {
    e.preventDefault();
    const f = e.target;
    userAction(
      () => api("/users", { method: "POST", body: JSON.stringify({ email: f.email.value, password: f.password.value || undefined, confirm: f.confirm.checked }) }),
      `Created ${f.email.value}.`,
    );
  });
  $("user-invite").addEventListener("submit", (e) => {
    e.preventDefault();
    const f = e.target;
    userAction(() => api("/users/invite", { method: "POST", body: JSON.stringify({ email: f.email.value }) }), `Invited ${f.email.value} (see Mail).`);
  });
  $("import").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    try {
      const { body } = await api("/users/import", { method: "POST", headers: { "Content-Type": "application/x-ndjson" }, body: file });
      say("users-msg", `Imported ${body.imported}, skipped ${body.skipped.length}` + body.skipped.map((s) => `; line ${s.line} ${s.email}: ${s.reason}`).join(""));
    } catch (err) {
      say("users-msg", `Import refused: ${err.message}`);
    }
    e.target.value = "";
    loadUsers();
  });
}

// ---- mail -----------------------------------------------------------------------------
let mailOpen = null;

async function loadMail() {
  const { body } = await api("/mail");
  $("count-mail").textContent = `(${body.length})`;
  $("mail-rows").replaceChildren(...body.map((m) => row([m.to, m.kind, m.subject, when(m.created_at)], () => openMail(m), m.id === mailOpen)));
}

function openMail(m) {
  mailOpen = m.id;
  $("mail-subject").textContent = `${m.subject} → ${m.to}`;
  $("mail-link").href = m.link;
  $("mail-link").textContent = m.link;
  // Links in the mail open outside the sandboxed frame, which runs no script.
  $("mail-html").srcdoc = `<base target="_blank">${m.html}`;
  $("mail-text").textContent = m.text;
  $("mail-detail").hidden = false;
  loadMail();
}

// ---- events ---------------------------------------------------------------------------
let eventOpen = null;

function describe(part) {
  if (!part) return "(none)";
  const lines = [];
  if (part.method) lines.push(`${part.method} ${part.url}`);
  if (part.status) lines.push(`${part.status}`);
  for (const [k, vs] of Object.entries(part.headers || {})) for (const v of vs) lines.push(`${k}: ${v}`);
  let body = part.body ? atob(part.body) : "";
  try {
    body = JSON.stringify(JSON.parse(body), null, 2);
  } catch {}
  return lines.join("\n") + "\n\n" + body;
}

async function loadEvents() {
  const { body, res } = await api("/events?limit=200");
  $("count-events").textContent = `(${body.length}${res.headers.get("Link") ? "+" : ""})`;
  $("events-rows").replaceChildren(
    ...body.map((e) =>
      row(
        [when(e.created_at), e.replay_of ? `${e.kind} (replay)` : e.kind, e.event ?? "", e.function ?? e.target ?? "", e.user_email ?? "",
          el("span", { className: e.outcome, textContent: `${e.outcome}${e.response ? " " + e.response.status : ""}` }), e.duration_ms.toFixed(1)],
        () => openEvent(e.id),
        e.id === eventOpen,
      ),
    ),
  );
}

async function openEvent(id) {
  eventOpen = id;
  const { body: e } = await api(`/events/${encodeURIComponent(id)}`);
  $("event-title").textContent = `${e.kind} ${e.event ?? ""} ${e.function ?? e.target ?? ""} ${e.user_email ?? ""}`;
  $("event-request").textContent = describe(e.request);
  $("event-response").textContent = e.error ? e.error : describe(e.response);
  $("event-replay").hidden = e.kind === "function";
  $("replay-result").hidden = true;
  $("event-detail").hidden = false;
  loadEvents();
}

function setupEvents() {
  $("event-replay").onclick = async () => {
    try {
      const { body } = await api(`/events/${encodeURIComponent(eventOpen)}/replay`, { method: "POST", body: "{}" });
      $("replay-old").textContent = describe(body.old.response);
      $("replay-new").textContent = body.new.error ? body.new.error : describe(body.new.response);
      $("replay-result").hidden = false;
    } catch (err) {
      $("replay-new").textContent = `Replay failed: ${err.message}`;
      $("replay-result").hidden = false;
    }
    loadEvents();
  };
}

// ---- functions ------------------------------------------------------------------------
async function loadFunctions() {
  const { body } = await api("/functions");
  $("count-functions").textContent = `(${body.length})`;
  $("functions-rows").replaceChildren(
    ...body.map((f) => {
      const tr = el("tr");
      const state = f.state === "ready" ? (f.instances ? `warm (${f.instances})` : "built") : f.state;
      for (const c of [f.name, f.runtime, state, (f.events ?? []).join(", ")]) tr.append(el("td", {}, c));
      tr.append(el("td", {}, f.last_error ? el("pre", { textContent: f.last_error }) : ""));
      return tr;
    }),
  );
  const sel = document.querySelector("#invoke select[name=function]");
  const keep = sel.value;
  sel.replaceChildren(...body.filter((f) => f.state !== "conflict").map((f) => el("option", { value: f.name, textContent: f.name })));
  if (keep) sel.value = keep;
}

function setupFunctions() {
  $("invoke").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    const req = {
      function: f.function.value,
      method: f.method.value,
      path: f.path.value || undefined,
      headers: f.headers.value.split("\n").map((l) => l.trim()).filter(Boolean),
      body: f.body.value || undefined,
      as: f.as.value || undefined,
    };
    $("invoke-result").textContent = "…";
    try {
      const { body } = await api("/invoke", { method: "POST", body: JSON.stringify(req) });
      $("invoke-result").textContent = `${body.verdict} in ${body.duration_ms.toFixed(1)} ms\n\n` + describe(body.response);
    } catch (err) {
      $("invoke-result").textContent = `Failed: ${err.message}`;
    }
  });
}

// ---- navigation and live updates --------------------------------------------------------
const loaders = { users: loadUsers, mail: loadMail, events: loadEvents, functions: loadFunctions };

function show() {
  const view = views.includes(location.hash.slice(1)) ? location.hash.slice(1) : "users";
  for (const v of views) {
    $(v).hidden = v !== view;
    document.querySelector(`nav a[href="#${v}"]`).toggleAttribute("aria-current", v === view);
    if (v === view) document.querySelector(`nav a[href="#${v}"]`).setAttribute("aria-current", "page");
  }
  loaders[view]().catch((err) => say("live", err.message));
}

function refreshAll() {
  for (const load of Object.values(loaders)) load().catch(() => {});
}

function live() {
  const es = new EventSource(API + "/stream");
  es.onopen = () => say("live", "live");
  es.onerror = () => say("live", "reconnecting…");
  es.addEventListener("users", () => loadUsers().catch(() => {}));
  es.addEventListener("mail", () => loadMail().catch(() => {}));
  es.addEventListener("events", () => loadEvents().catch(() => {}));
  es.addEventListener("all", refreshAll);
}

setupUsers();
setupEvents();
setupFunctions();
window.addEventListener("hashchange", show);
show();
refreshAll();
live();
