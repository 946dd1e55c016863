// flow.mjs drives the real gotrue-js client (the official Netlify Identity JS
// client, pinned in package.json) through a full account life cycle against a
// GoTrue-compatible server. It is run by a Go test:
//
//   cd testdata/gotruejs && npm ci
//   IDENTITY_URL=http://127.0.0.1:8888/.netlify/identity \
//   MAIL_URL=http://127.0.0.1:8888/.netlify/dev/api/mail \
//   ADMIN_TOKEN=<jwt the server accepts as admin> node flow.mjs
//
// Every step prints one JSON line to stdout: {"step":"…","ok":true,…}. The
// first failure prints {"step":"…","ok":false,"error":"…",…} to stdout, a
// human-readable message to stderr, and exits with status 1. The last line
// on success is {"step":"done","ok":true}.
//
// Optional: FLOW_TIMEOUT_MS (default 60000) bounds the whole run; MAIL_WAIT_MS
// (default 5000) bounds how long to poll MAIL_URL for a message.
//
// No browser stubs are needed: gotrue-js 1.0.1 only touches window and
// localStorage behind `typeof window !== 'undefined'`, and uses the global
// fetch that Node >= 18 provides. (It does console.warn to stderr when
// APIUrl is plain http; that is expected in tests.)

import assert from 'node:assert/strict';
import GoTrue, { User } from 'gotrue-js';

const env = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`flow.mjs: environment variable ${name} is required`);
    process.exit(2);
  }
  return v;
};

const IDENTITY_URL = env('IDENTITY_URL').replace(/\/+$/, '');
const MAIL_URL = env('MAIL_URL').replace(/\/+$/, '');
const ADMIN_TOKEN = env('ADMIN_TOKEN');
const FLOW_TIMEOUT_MS = Number(process.env.FLOW_TIMEOUT_MS || 60000);
const MAIL_WAIT_MS = Number(process.env.MAIL_WAIT_MS || 5000);

// gotrue-js starts a 30 s timer for every token refresh and never clears it,
// so the process must exit explicitly; this watchdog bounds a hung server.
let currentStep = 'init';
setTimeout(
  () => fail(currentStep, new Error(`timeout: flow did not finish within ${FLOW_TIMEOUT_MS} ms`)),
  FLOW_TIMEOUT_MS,
).unref();

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function fail(step, err) {
  const line = { step, ok: false, error: String(err?.message ?? err) };
  if (err?.name) line.name = err.name;
  if (err?.cause) line.cause = String(err.cause?.message ?? err.cause);
  if (err?.status !== undefined) line.status = err.status;
  if (err?.json !== undefined) line.json = err.json;
  if (err?.data !== undefined) line.data = err.data;
  if (err?.code === 'ERR_ASSERTION') {
    line.actual = err.actual;
    line.expected = err.expected;
  }
  emit(line);
  console.error(`gotrue-js flow FAILED at step "${step}": ${line.error}`);
  if (err?.stack) console.error(err.stack);
  process.exit(1);
}

async function step(name, fn) {
  currentStep = name;
  let details;
  try {
    details = (await fn()) || {};
  } catch (err) {
    fail(name, err);
  }
  emit({ step: name, ok: true, ...details });
}

// expectReject runs fn, which must reject; it returns the error.
async function expectReject(fn, what) {
  let res;
  try {
    res = await fn();
  } catch (err) {
    return err;
  }
  assert.fail(`${what} succeeded but should have failed (got ${JSON.stringify(res)?.slice(0, 300)})`);
}

function decodeJWT(token) {
  assert.equal(typeof token, 'string', 'access token must be a string');
  const parts = token.split('.');
  assert.equal(parts.length, 3, `access token is not a JWT: ${token.slice(0, 40)}…`);
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// latestMail polls the dev mail API for the newest message of `kind` to `to`.
async function latestMail(to, kind) {
  const deadline = Date.now() + MAIL_WAIT_MS;
  let last = [];
  for (;;) {
    const res = await fetch(`${MAIL_URL}?to=${encodeURIComponent(to)}`);
    assert.equal(res.status, 200, `GET ${MAIL_URL}?to=… returned ${res.status}`);
    last = await res.json();
    assert.ok(Array.isArray(last), `mail API must return a JSON array, got ${JSON.stringify(last).slice(0, 200)}`);
    // newest first: the first matching message is the latest.
    const msg = last.find((m) => m.kind === kind);
    if (msg) {
      assert.equal(
        String(msg.to).toLowerCase().includes(to.toLowerCase()),
        true,
        `mail "to" is ${JSON.stringify(msg.to)}, want ${to}`,
      );
      assert.ok(msg.token, `${kind} mail has no token: ${JSON.stringify(msg).slice(0, 300)}`);
      return msg;
    }
    if (Date.now() > deadline) {
      assert.fail(
        `no "${kind}" mail for ${to} within ${MAIL_WAIT_MS} ms; mailbox has kinds ${JSON.stringify(last.map((m) => m.kind))}`,
      );
    }
    await sleep(100);
  }
}

const auth = new GoTrue({ APIUrl: IDENTITY_URL, setCookie: false });

const stamp = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
const email = `js-${stamp}@example.com`;
const password1 = `First-pass-${stamp}`;
const password2 = `Second-pass-${stamp}`;
const password3 = `Third-pass-${stamp}`;
const fullName = 'Gotrue Js';
const loginFailure = 'No user found with that email, or password invalid.';

let user; // the most recently logged-in gotrue-js User

// 1. signup
await step('signup', async () => {
  const res = await auth.signup(email, password1, { full_name: fullName });
  assert.equal(res.email, email, 'signup response email');
  assert.ok(res.id, 'signup response has no id');
  assert.ok(!res.confirmed_at, `new user must be unconfirmed, confirmed_at=${res.confirmed_at}`);
  assert.equal(res.access_token, undefined, 'signup of an unconfirmed user must not return tokens');
  return { email, id: res.id, confirmation_sent_at: res.confirmation_sent_at ?? null };
});

// 2. confirm with the token from the confirmation mail
await step('confirm', async () => {
  const mail = await latestMail(email, 'confirmation');
  user = await auth.confirm(mail.token, true);
  assert.ok(user instanceof User, 'confirm must resolve to a User');
  assert.equal(user.email, email, 'confirmed user email');
  assert.ok(user.token?.access_token, 'confirmed user has no access_token');
  assert.ok(user.token?.refresh_token, 'confirmed user has no refresh_token');
  assert.ok(user.confirmed_at, 'confirmed user has no confirmed_at');
  assert.equal(user.user_metadata?.full_name, fullName, 'user_metadata.full_name after confirm');
  return { mail_id: mail.id, subject: mail.subject, link: mail.link, confirmed_at: user.confirmed_at };
});

// 3. login + getUserData
await step('login', async () => {
  user = await auth.login(email, password1, true);
  assert.ok(user instanceof User, 'login must resolve to a User');
  assert.ok(user.token?.access_token, 'login: no access_token');
  const data = await user.getUserData();
  assert.equal(data.email, email, 'getUserData email');
  assert.equal(data.app_metadata?.provider, 'email', 'app_metadata.provider');
  assert.equal(data.user_metadata?.full_name, fullName, 'user_metadata.full_name');
  return { id: data.id, provider: data.app_metadata.provider, expires_at: user.token.expires_at };
});

// 4. update metadata and password
await step('update_metadata', async () => {
  const updated = await user.update({ data: { color: 'blue' } });
  assert.equal(updated.user_metadata?.color, 'blue', 'user_metadata.color after update');
  assert.equal(updated.user_metadata?.full_name, fullName, 'update must merge user_metadata, full_name lost');
  return { user_metadata: updated.user_metadata };
});

await step('update_password', async () => {
  await user.update({ password: password2 });
  user = await auth.login(email, password2);
  assert.equal(user.email, email, 'login with new password');
  const err = await expectReject(() => auth.login(email, password1), 'login with the old password');
  // gotrue-js sets message to json.msg if present, else `${json.error}: ${json.error_description}`.
  assert.ok(
    String(err.message).includes(loginFailure),
    `old-password login error message ${JSON.stringify(err.message)} does not contain ${JSON.stringify(loginFailure)}`,
  );
  return { old_password_error: err.message, status: err.status };
});

// 5. forced refresh
await step('refresh', async () => {
  const before = { ...user.token };
  // GoTrue's access tokens carry no iat/jti, so two tokens minted in the same
  // second for the same session can be byte-identical; wait for a new second.
  await sleep(1100);
  const access = await user.jwt(true);
  assert.equal(typeof access, 'string', 'jwt(true) must resolve to a string');
  assert.notEqual(access, before.access_token, 'jwt(true) returned the old access token');
  assert.notEqual(user.token.refresh_token, before.refresh_token, 'refresh token was not rotated');
  const claims = decodeJWT(access);
  assert.equal(claims.sub, user.id, 'claims.sub');
  assert.equal(claims.email, email, 'claims.email');
  assert.equal(typeof claims.exp, 'number', 'claims.exp');
  assert.ok(claims.exp * 1000 > Date.now(), `claims.exp ${claims.exp} is not in the future`);
  return { sub: claims.sub, exp: claims.exp, aud: claims.aud ?? null, role: claims.role ?? null };
});

// 6. logout revokes the refresh token
await step('logout', async () => {
  const refreshToken = user.token.refresh_token;
  // gotrue-js's logout() swallows any server error (it clears the session
  // either way), so the refresh below is what proves the logout worked.
  await user.logout();
  assert.equal(user.token, null, 'logout must clear the local token');
  // The exact call gotrue-js makes when refreshing: POST /token,
  // form body grant_type=refresh_token&refresh_token=…
  const err = await expectReject(() => user._refreshToken(refreshToken), 'refresh after logout');
  assert.ok(
    err.status >= 400 && err.status < 500,
    `refresh after logout: want a 4xx error, got ${err.status} ${err.message}`,
  );
  return { refresh_after_logout_status: err.status, error: err.json ?? err.message };
});

// 7. password recovery
await step('recover', async () => {
  await auth.requestPasswordRecovery(email);
  const mail = await latestMail(email, 'recovery');
  user = await auth.recover(mail.token, true);
  assert.ok(user instanceof User, 'recover must resolve to a User');
  assert.equal(user.email, email, 'recovered user email');
  assert.ok(user.token?.access_token, 'recovered user has no access_token');
  await user.update({ password: password3 });
  const again = await auth.login(email, password3);
  assert.equal(again.email, email, 'login with the recovery-set password');
  const err = await expectReject(() => auth.login(email, password2), 'login with the pre-recovery password');
  assert.ok(String(err.message).includes(loginFailure), `unexpected error ${JSON.stringify(err.message)}`);
  user = again;
  return { mail_id: mail.id, subject: mail.subject, link: mail.link };
});

// 8. admin API. gotrue-js's Admin (user.admin) sends `Authorization: Bearer
// <user.jwt()>`, so build a User around ADMIN_TOKEN. The User constructor
// derives token.expires_at from the JWT's exp claim; if that is missing or
// within gotrue-js's 60 s margin, jwt() would try to refresh with our dummy
// refresh token, so pin expires_at an hour ahead.
const adminUser = new User(
  auth.api,
  { access_token: ADMIN_TOKEN, refresh_token: 'unused-admin-refresh-token', token_type: 'bearer', expires_in: 3600 },
  '',
);
if (!(adminUser.token.expires_at - 60_000 > Date.now())) {
  adminUser.token.expires_at = Date.now() + 3600_000;
}
const admin = adminUser.admin;
const madeEmail = `admin-made-${stamp}@example.com`;
let made;

await step('admin_create', async () => {
  made = await admin.createUser(madeEmail, `Admin-made-${stamp}`, {
    user_metadata: { full_name: 'Made' },
    confirm: true,
  });
  assert.ok(made.id, 'created user has no id');
  assert.equal(made.email, madeEmail, 'created user email');
  assert.equal(made.user_metadata?.full_name, 'Made', 'created user_metadata.full_name');
  assert.ok(made.confirmed_at, 'confirm:true must confirm the created user');
  return { id: made.id, email: made.email, confirmed_at: made.confirmed_at };
});

await step('admin_list', async () => {
  const res = await admin.listUsers('');
  // GoTrue answers {"aud":…, "users":[…]}; gotrue-js's types claim an array.
  const users = Array.isArray(res) ? res : res?.users;
  assert.ok(Array.isArray(users), `listUsers: want {users:[…]} or […], got ${JSON.stringify(res).slice(0, 200)}`);
  const found = users.find((u) => u.id === made.id);
  assert.ok(found, `listUsers does not contain ${made.id} (${users.length} users)`);
  assert.equal(found.email, madeEmail, 'listed email');
  return { shape: Array.isArray(res) ? 'array' : 'object.users', count: users.length };
});

await step('admin_get', async () => {
  const got = await admin.getUser({ id: made.id });
  assert.equal(got.id, made.id, 'getUser id');
  assert.equal(got.email, madeEmail, 'getUser email');
  return { id: got.id };
});

await step('admin_update', async () => {
  const upd = await admin.updateUser({ id: made.id }, { app_metadata: { roles: ['editor'] } });
  assert.deepEqual(upd.app_metadata?.roles, ['editor'], 'updateUser app_metadata.roles');
  const got = await admin.getUser({ id: made.id });
  assert.deepEqual(got.app_metadata?.roles, ['editor'], 'roles after re-reading the user');
  return { app_metadata: got.app_metadata };
});

await step('admin_delete', async () => {
  await admin.deleteUser({ id: made.id });
  const err = await expectReject(() => admin.getUser({ id: made.id }), 'getUser after delete');
  assert.equal(err.status, 404, `getUser after delete: want status 404, got ${err.status} (${err.message})`);
  return { get_after_delete_status: err.status, error: err.message };
});

emit({ step: 'done', ok: true });
// Exit now: gotrue-js leaves 30 s refresh-timeout timers pending.
process.exit(0);
