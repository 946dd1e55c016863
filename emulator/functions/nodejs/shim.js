// dev's Node worker: loads one bundled Netlify function and serves invocations from dev,
// one at a time, the way Lambda's Node runtime and Netlify's v2 runtime call it.
//
//   node [--enable-source-maps ...] worker.cjs <bundle.cjs> <function name> <channel>
//
// A spare worker, which dev boots before it knows which function will need it, is started
// with "-" for both and loads nothing until a 'P' frame names them (see protocol.go).
//
// <channel> is "fds" (requests on fd 3, answers on fd 4; Unix) or "tcp:<port>:<token>"
// (one loopback connection carries both; Windows). stdin is empty; stdout and stderr are
// the function's own: dev forwards them line by line.
//
// Protocol. Every message is a frame: 4-byte big-endian payload length, 1 type byte, payload.
//   dev → worker  'I' invoke: JSON {id, deadline (unix ms, 0 = none), event, cc, v2}; v2 is the
//                 context's data plus origin (the client's) and identityContext (see runV2)
//                 'P' (a spare only, once, first) load: JSON {bundle, name}
//   worker → dev  'T' the token from argv (tcp only, the very first frame)
//                 'R' ready: "v1" or "v2"        'E' the bundle failed to load: error JSON
//                 'L' v1 result: JSON             'F' the invocation failed: error JSON
//                 'H' v2 head: JSON {status, headers: [[name, value], ...]}
//                 'B' v2 body bytes (raw, at most 1 MiB)   'Z' v2 body end   'X' v2 body failed: error JSON
// Error JSON is {type, message, stack: ["at f (/site/netlify/functions/x.ts:3:9)", ...]}, clipped
// to stay far below the 6291556 bytes dev reads of a frame; only an 'L' result may be larger, and
// dev then fails the invocation with Lambda's Function.ResponseSizeTooLarge.
// One invocation at a time: a request that arrives early waits for the one before to finish.
'use strict';

// ---- V8's defaults back ----------------------------------------------------------------

// legacyBinding is process.binding(name), without the deprecation warning it prints
// once per name: the warning would be the worker's, not the function's. undefined when
// this node has no such binding.
function legacyBinding(name) {
  const quiet = Object.getOwnPropertyDescriptor(process, 'noDeprecation');
  try {
    process.noDeprecation = true;
    return process.binding(name);
  } catch {
    return undefined;
  } finally {
    if (quiet) Object.defineProperty(process, 'noDeprecation', quiet);
    else delete process.noDeprecation;
  }
}

// dev starts node with Lambda's V8 options (--expose-gc, --max-old-space-size), which
// have done their work once V8 has started: the heap's limit is set and global.gc made.
// V8 rejects the code cache compiled into node while any flag differs from its default,
// so the worker sets them back before it loads a module (worker.go, v8DefaultsVar) and
// node's built-in modules, the worker's and the function's, load from that cache.
// process.binding('v8') is the way that loads nothing: require('node:v8') would compile
// node's streams first.
function restoreV8Defaults() {
  const flags = process.env.DEV_V8_DEFAULTS;
  if (flags === undefined) return;
  delete process.env.DEV_V8_DEFAULTS;
  const binding = legacyBinding('v8');
  if (typeof binding?.setFlagsFromString !== 'function') return; // a node without it only starts slower
  for (const flag of flags.split(' ')) binding.setFlagsFromString(flag);
}

restoreV8Defaults();

const fs = require('node:fs');
const net = require('node:net');

let [bundlePath, functionName, channel] = process.argv.slice(2);
const spare = bundlePath === '-';
const EMPTY = Buffer.alloc(0);
const MAX_CHUNK = 1 << 20;
const NO_DEADLINE_MS = 2147483647; // setTimeout's largest delay
const MAX_ERROR_TEXT = 64 << 10; // characters of an error's message, and of each stack line
const MAX_STACK_LINES = 200;

// ---- certificates trusted after the start ---------------------------------------------

// dev gives a worker of Node before 22 its NODE_EXTRA_CA_CERTS file under
// DEV_LATE_EXTRA_CA_CERTS instead, so that node does not build its whole root store while
// it starts (cacerts.go says why). The function sees NODE_EXTRA_CA_CERTS as node would
// have had it, and so do the processes it starts; the file's certificates are trusted
// wherever node uses its roots, which is one place: a secure context made without a ca
// gets them from addRootCerts (internal/tls/secure-context), and every TLS connection
// makes one (https, fetch, http2, tls itself, whichever way they were loaded). The
// file's certificates are added right after them. The context's class comes from
// process.binding('crypto'), which loads none of tls's 20 modules (2.9 ms against 5.6
// for require('node:tls') on the machine of docs/performance.md); on a node where it is
// not there, tls.createSecureContext is wrapped instead, to the same effect.
function trustLate() {
  const file = process.env.DEV_LATE_EXTRA_CA_CERTS;
  if (file === undefined) return;
  delete process.env.DEV_LATE_EXTRA_CA_CERTS;
  process.env.NODE_EXTRA_CA_CERTS = file;
  let pem;
  try {
    pem = fs.readFileSync(file, 'latin1');
  } catch (err) {
    fs.writeSync(2, `Warning: Ignoring extra certs from \`${file}\`, load failed: ${err.message}\n`);
    return;
  }
  const SecureContext = legacyBinding('crypto')?.SecureContext;
  const addRootCerts = SecureContext?.prototype?.addRootCerts;
  if (typeof addRootCerts === 'function' && typeof SecureContext.prototype.addCACert === 'function') {
    SecureContext.prototype.addRootCerts = function addRootCertsAndTheFile() {
      addRootCerts.call(this);
      this.addCACert(pem);
    };
    return;
  }
  const tls = require('node:tls');
  const create = tls.createSecureContext;
  tls.createSecureContext = function createSecureContext(options) {
    const secure = create(options);
    if (!(options && options.ca)) secure.context.addCACert(pem);
    return secure;
  };
}

trustLate();

// ---- answers ---------------------------------------------------------------------------

let socket = null; // the tcp channel, when used
const ANSWERS_FD = 4;

function frame(type, payload) {
  const n = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const buf = Buffer.allocUnsafe(5 + n);
  buf.writeUInt32BE(n, 0);
  buf[4] = type.charCodeAt(0);
  if (typeof payload === 'string') buf.write(payload, 5);
  else payload.copy(buf, 5);
  return buf;
}

// send writes one frame. It returns a promise only when the channel asks to wait (tcp backpressure).
function send(type, payload = EMPTY) {
  const buf = frame(type, payload);
  if (socket) {
    if (!socket.write(buf)) return new Promise((resolve) => socket.once('drain', resolve));
    return undefined;
  }
  // The answer pipe is blocking: a synchronous write is the cheapest and keeps the order.
  let off = 0;
  while (off < buf.length) off += fs.writeSync(ANSWERS_FD, buf, off);
  return undefined;
}

function sendJSON(type, value) {
  return send(type, JSON.stringify(value));
}

// ---- errors ----------------------------------------------------------------------------

function stackFrames(stack) {
  const lines = String(stack).split('\n');
  const frames = [];
  for (const line of lines) {
    if (!/^\s+at /.test(line)) continue;
    // Below the first frame of the worker itself is only its plumbing.
    if (line.includes(__filename)) break;
    frames.push(line.trim());
  }
  return frames;
}

function clip(text) {
  if (text.length <= MAX_ERROR_TEXT) return text;
  return `${text.slice(0, MAX_ERROR_TEXT)}… (${text.length - MAX_ERROR_TEXT} more characters)`;
}

function describe(err) {
  const d = describeUnclipped(err);
  return { type: clip(d.type), message: clip(d.message), stack: d.stack.slice(0, MAX_STACK_LINES).map(clip) };
}

function describeUnclipped(err) {
  if (err instanceof Error || (err && typeof err === 'object' && typeof err.message === 'string')) {
    let stack = [];
    try {
      stack = stackFrames(err.stack); // source-mapped by --enable-source-maps
    } catch {}
    return { type: String(err.name || 'Error'), message: String(err.message), stack };
  }
  // Lambda reports a thrown non-Error by its typeof.
  let message;
  try {
    message = String(err);
  } catch {
    message = Object.prototype.toString.call(err);
  }
  return { type: typeof err, message, stack: [] };
}

process.on('unhandledRejection', (reason) => {
  const d = describe(reason);
  const where = d.stack.length ? '\n    ' + d.stack.join('\n    ') : '';
  console.error(`Unhandled promise rejection (the function keeps running): ${d.type}: ${d.message}${where}`);
});

// ---- v1: Lambda-compatible handler(event, context, callback) -----------------------------

function lambdaContext(req, done) {
  const deadline = req.deadline || 0;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-2:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: req.id,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: logStreamName,
    clientContext: req.cc == null ? {} : req.cc,
    identity: undefined,
    getRemainingTimeInMillis: () => (deadline ? Math.max(0, deadline - Date.now()) : NO_DEADLINE_MS),
    done: (err, result) => done(err != null, err, result),
    succeed: (result) => done(false, null, result),
    fail: (err) => done(true, err),
  };
}

const logStreamName = `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${Math.random()
  .toString(16)
  .slice(2, 14)
  .padEnd(12, '0')}`;

function runV1(handler, req) {
  return new Promise((resolve) => {
    let settled = false;
    const done = (failed, err, result) => {
      if (settled) return;
      settled = true;
      if (failed) {
        sendJSON('F', describe(err));
      } else {
        let json;
        try {
          json = JSON.stringify(result === undefined ? null : result);
        } catch (e) {
          sendJSON('F', describe(e));
          resolve();
          return;
        }
        send('L', json === undefined ? 'null' : json);
      }
      resolve();
    };
    const callback = (err, result) => done(err != null, err, result);
    let ret;
    try {
      ret = handler(req.event, lambdaContext(req, done), callback);
    } catch (e) {
      done(true, e);
      return;
    }
    if (ret && typeof ret.then === 'function') {
      ret.then(
        (result) => done(false, null, result),
        (err) => done(true, err),
      );
    }
    // Otherwise the handler answers through callback or context.done/succeed/fail.
  });
}

// ---- v2: default(request, context) → Response -------------------------------------------
//
// As production's bootstrap (@netlify/serverless-functions-api): globalThis.Netlify
// {context, env} and globalThis.netlifyIdentityContext read a store entered for each
// invocation, so they are the invocation's and null outside one; Netlify.context is the
// very object the function gets as its context argument.

// The store is made for the first v2 invocation: a v1 worker never loads node's
// async_hooks (1 ms of a worker's start), and no invocation has begun before it.
let invocationStore = null;

function currentInvocation() {
  return invocationStore?.getStore();
}

const netlifyEnv = {
  delete: (key) => {
    delete process.env[key];
  },
  get: (key) => process.env[key],
  has: (key) => !!process.env[key],
  set: (key, value) => {
    process.env[key] = value;
  },
  toObject: () => Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== undefined)),
};

// installGlobals runs before the bundle loads: production sets them up before the
// function's module is imported, so code at its top level may use Netlify.env.
function installGlobals() {
  globalThis.Netlify = {
    get context() {
      return currentInvocation()?.context ?? null;
    },
    env: netlifyEnv,
  };
  Object.defineProperty(globalThis, 'netlifyIdentityContext', {
    get() {
      return currentInvocation()?.identityContext ?? null;
    },
    enumerable: false,
    configurable: true,
  });
}

// removeGlobals undoes installGlobals for a v1 function: production's bootstrap only wraps v2.
function removeGlobals() {
  delete globalThis.Netlify;
  delete globalThis.netlifyIdentityContext;
}

// toRequest builds the Request from the event; origin, when given, is the one the client
// used, which replaces rawUrl's (dev's own address).
function toRequest(event, origin) {
  const method = String(event.httpMethod || 'GET').toUpperCase();
  const headers = new Headers();
  const multi = event.multiValueHeaders;
  const single = event.headers;
  if (multi && typeof multi === 'object') {
    for (const name of Object.keys(multi)) {
      const values = [].concat(multi[name]).map(String);
      // Cookie values join with "; ", not the ", " Headers.append would use.
      if (name.toLowerCase() === 'cookie') headers.set(name, values.join('; '));
      else for (const v of values) headers.append(name, v);
    }
  } else if (single && typeof single === 'object') {
    for (const name of Object.keys(single)) headers.set(name, String(single[name]));
  }
  let url = event.rawUrl;
  if (!url) {
    const query = event.rawQuery ? '?' + event.rawQuery : '';
    url = `http://${headers.get('host') || 'localhost'}${event.path || '/'}${query}`;
  }
  if (origin) url = withOrigin(url, origin);
  const init = { method, headers };
  if (method !== 'GET' && method !== 'HEAD' && event.body != null) {
    init.body = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : String(event.body);
  }
  return new Request(url, init);
}

function withOrigin(url, origin) {
  try {
    const u = new URL(url);
    const o = new URL(origin);
    u.protocol = o.protocol;
    u.host = o.host;
    return u.href;
  } catch {
    return url;
  }
}

// context.cookies, as production's bootstrap has them (shared with dev's framework preload):
// @include cookies.js

function v2Context(id, data, request, setCookies, waits) {
  return {
    account: {},
    deploy: {},
    geo: {},
    ip: '',
    params: {},
    requestId: id,
    server: {},
    site: {},
    ...data,
    cookies: cookieStore(request.headers.get('cookie'), setCookies),
    url: new URL(request.url),
    json: (input, init) => Response.json(input, init),
    log: (...args) => console.log(...args),
    next: () => {
      throw new Error('context.next() is not supported locally: it only exists in Netlify Edge Functions');
    },
    waitUntil: (promise) => {
      waits.push(Promise.resolve(promise).catch((err) => logLater('waitUntil', err)));
    },
  };
}

function logLater(what, err) {
  const d = describe(err);
  console.error(`${what}: ${d.type}: ${d.message}${d.stack.length ? '\n    ' + d.stack.join('\n    ') : ''}`);
}

function isResponse(v) {
  if (v instanceof Response) return true;
  return !!v && typeof v === 'object' && typeof v.status === 'number' && !!v.headers && typeof v.headers.forEach === 'function';
}

function headerList(res, setCookies) {
  const list = [];
  const h = res.headers;
  const separateCookies = typeof h.getSetCookie === 'function';
  h.forEach((value, name) => {
    if (separateCookies && name === 'set-cookie') return;
    list.push([name, value]);
  });
  if (separateCookies) for (const c of h.getSetCookie()) list.push(['set-cookie', c]);
  for (const c of setCookies) list.push(['set-cookie', c]);
  return list;
}

async function sendBody(body) {
  if (body == null) return;
  for await (const chunk of body) {
    let buf;
    if (typeof chunk === 'string') buf = Buffer.from(chunk);
    else if (ArrayBuffer.isView(chunk)) buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else if (chunk instanceof ArrayBuffer) buf = Buffer.from(chunk);
    else throw new TypeError('the response body stream gave a chunk that is neither bytes nor a string');
    for (let off = 0; off < buf.length; off += MAX_CHUNK) {
      const wait = send('B', buf.subarray(off, off + MAX_CHUNK));
      if (wait) await wait;
    }
  }
}

async function runV2(handler, req) {
  const setCookies = [];
  const waits = [];
  const { origin, identityContext, ...data } = req.v2 && typeof req.v2 === 'object' ? req.v2 : {};
  let res;
  try {
    const request = toRequest(req.event || {}, origin);
    const context = v2Context(req.id, data, request, setCookies, waits);
    const store = { context, identityContext: identityContext ?? null };
    invocationStore ??= new (require('node:async_hooks').AsyncLocalStorage)();
    res = await invocationStore.run(store, () => handler(request, context));
    if (!isResponse(res)) {
      const got = res === null ? 'null' : typeof res === 'object' ? res.constructor?.name || 'object' : typeof res;
      throw new TypeError(`the function did not return a Response (it returned ${got})`);
    }
    sendJSON('H', { status: res.status, headers: headerList(res, setCookies) });
  } catch (err) {
    sendJSON('F', describe(err));
    await Promise.all(waits);
    return;
  }
  try {
    await sendBody(res.body);
    send('Z');
  } catch (err) {
    sendJSON('X', describe(err));
  }
  // waitUntil work finishes before the next invocation starts, as one instance serves one at a time.
  await Promise.all(waits);
}

// ---- typed identity event handlers: export default { userSignup(event) { ... } } ----------
//
// As production's bootstrap dispatches them: a request whose X-Netlify-Event names an event
// the default-export object handles calls that method with only the event ({user, deny});
// any other request goes to its fetch method. The handler runs inside the invocation's
// store, so Netlify.context and netlifyIdentityContext work there too.

const EVENT_METHODS = {
  identity_validate: 'userValidate',
  identity_signup: 'userSignup',
  identity_login: 'userLogin',
  identity_usermodified: 'userModified',
  identity_userdeleted: 'userDeleted',
};

function isEventObject(value) {
  if (!value || typeof value !== 'object') return false;
  if (typeof value.fetch === 'function') return true;
  return Object.values(EVENT_METHODS).some((m) => typeof value[m] === 'function');
}

function objectHandler(obj) {
  return (request, context) => {
    const event = request.headers.get('x-netlify-event');
    const method = event && Object.hasOwn(EVENT_METHODS, event) ? EVENT_METHODS[event] : '';
    if (method && typeof obj[method] === 'function') return runEvent(obj, method, event, request);
    if (typeof obj.fetch === 'function') return obj.fetch(request, context);
    const handled = Object.values(EVENT_METHODS).filter((m) => typeof obj[m] === 'function');
    throw new Error(
      `${functionName} handles only identity events (${handled.join(', ')}) and this request is not one ` +
        `(X-Netlify-Event: ${event || 'none'}); add a fetch(request, context) method to answer other requests`,
    );
  };
}

// The fields of production's camelCase user that are strings when present and set.
const OPTIONAL_TIMES = [
  ['confirmedAt', 'confirmed_at'],
  ['createdAt', 'created_at'],
  ['updatedAt', 'updated_at'],
  ['invitedAt', 'invited_at'],
  ['confirmationSentAt', 'confirmation_sent_at'],
  ['recoverySentAt', 'recovery_sent_at'],
  ['emailChangeSentAt', 'email_change_sent_at'],
  ['lastSignInAt', 'last_sign_in_at'],
];

function nonEmpty(v) {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function isMap(v) {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

// camelUser is the event's user from GoTrue's: aud is dropped, the well-known metadata
// fields are lifted to the top.
function camelUser(u) {
  const app = isMap(u.app_metadata) ? u.app_metadata : {};
  const meta = isMap(u.user_metadata) ? u.user_metadata : {};
  const user = { id: u.id, email: u.email };
  for (const [camel, snake] of OPTIONAL_TIMES) user[camel] = nonEmpty(u[snake]);
  user.role = nonEmpty(u.role);
  user.provider = nonEmpty(app.provider);
  user.name = nonEmpty(meta.full_name) ?? nonEmpty(meta.name);
  user.pictureUrl = nonEmpty(meta.avatar_url);
  user.roles = Array.isArray(app.roles) && app.roles.every((r) => typeof r === 'string') ? [...app.roles] : undefined;
  user.pendingEmail = nonEmpty(u.new_email);
  user.userMetadata = { ...meta };
  user.appMetadata = { ...app };
  return user;
}

// snakeUser is a returned user in GoTrue's shape: the top-level roles, provider, name and
// pictureUrl win over the same fields in the maps.
function snakeUser(u) {
  const app = { ...(isMap(u.appMetadata) ? u.appMetadata : {}) };
  const meta = { ...(isMap(u.userMetadata) ? u.userMetadata : {}) };
  if (u.provider !== undefined) app.provider = u.provider;
  if (u.roles !== undefined) app.roles = u.roles;
  if (u.name !== undefined) meta.full_name = u.name;
  if (u.pictureUrl !== undefined) meta.avatar_url = u.pictureUrl;
  const out = { id: u.id, email: u.email };
  for (const [camel, snake] of OPTIONAL_TIMES) if (u[camel] !== undefined) out[snake] = u[camel];
  if (u.role !== undefined) out.role = u.role;
  if (u.pendingEmail !== undefined) out.new_email = u.pendingEmail;
  out.app_metadata = app;
  out.user_metadata = meta;
  return out;
}

function eventPayloadProblem(payload) {
  if (!isMap(payload)) return 'the body is not a JSON object';
  if (!isMap(payload.user)) return 'user is missing';
  for (const field of ['id', 'email', 'created_at']) {
    if (typeof payload.user[field] !== 'string') return `user.${field} is not a string`;
  }
  return '';
}

async function runEvent(obj, method, event, request) {
  let payload;
  try {
    payload = JSON.parse(await request.text());
  } catch {
    return Response.json({ error: 'Failed to parse event payload as JSON' }, { status: 400 });
  }
  const problem = eventPayloadProblem(payload);
  if (problem) return Response.json({ error: `Invalid event payload for "${event}": ${problem}` }, { status: 400 });
  let denied = false;
  const arg = { user: camelUser(payload.user) };
  if (method !== 'userDeleted') {
    arg.deny = () => {
      denied = true;
      return undefined;
    };
  }
  const result = await obj[method](arg);
  if (method === 'userDeleted') return new Response(null, { status: 200 });
  if (denied) return new Response(null, { status: 401 });
  if (isMap(result) && isMap(result.user)) return Response.json(snakeUser(result.user));
  return new Response(null, { status: 200 });
}

// ---- requests --------------------------------------------------------------------------

let run = null; // (req) => Promise, once the bundle is loaded
const queue = [];
let draining = false;

async function drain() {
  draining = true;
  while (queue.length) {
    const payload = queue.shift();
    let req;
    try {
      req = JSON.parse(payload);
    } catch (err) {
      sendJSON('F', describe(err));
      continue;
    }
    try {
      if (!run) throw new Error('the function did not load');
      await run(req);
    } catch (err) {
      // A failure of the worker itself (e.g. a closed channel): still answer.
      sendJSON('F', describe(err));
    }
  }
  draining = false;
}

let loadAsked = false;

function onFrame(type, payload) {
  if (type === 0x50 /* 'P' */ && spare && !loadAsked) {
    loadAsked = true;
    let which;
    try {
      which = JSON.parse(payload.toString('utf8'));
    } catch (err) {
      sendJSON('E', describe(err));
      return;
    }
    bundlePath = which.bundle;
    functionName = which.name;
    // As a worker started for this function would have them.
    process.argv[2] = bundlePath;
    process.argv[3] = functionName;
    load();
    return;
  }
  if (type !== 0x49 /* 'I' */) return;
  queue.push(payload.toString('utf8'));
  if (!draining) drain();
}

function readFrames(stream) {
  // Chunks wait in a list until a whole frame is there and are joined once: joining
  // at every chunk would copy a large event over and over.
  let chunks = [];
  let have = 0;
  let need = 5; // bytes before the next step: a frame's header, then the whole frame
  stream.on('data', (chunk) => {
    chunks.push(chunk);
    have += chunk.length;
    while (have >= need) {
      if (need === 5) {
        const head = chunks[0].length >= 5 ? chunks[0] : Buffer.concat(chunks, have);
        if (head !== chunks[0]) chunks = [head];
        need = 5 + head.readUInt32BE(0);
        continue;
      }
      const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, have);
      const type = buf[4];
      const payload = buf.subarray(5, need);
      const rest = buf.subarray(need);
      chunks = rest.length ? [rest] : [];
      have = rest.length;
      need = 5;
      onFrame(type, payload);
    }
  });
  // dev closed the channel: the instance is being stopped.
  stream.on('end', () => process.exit(0));
  stream.on('error', () => process.exit(0));
}

function load() {
  let mod;
  installGlobals();
  try {
    mod = require(bundlePath);
  } catch (err) {
    sendJSON('E', describe(err));
    return;
  }
  if (mod && typeof mod.handler === 'function') {
    const handler = mod.handler;
    removeGlobals();
    run = (req) => runV1(handler, req);
    send('R', 'v1');
  } else if (mod && typeof mod.default === 'function') {
    const handler = mod.default;
    run = (req) => runV2(handler, req);
    send('R', 'v2');
  } else if (mod && isEventObject(mod.default)) {
    const handler = objectHandler(mod.default);
    run = (req) => runV2(handler, req);
    send('R', 'v2');
  } else {
    sendJSON('E', {
      type: 'Error',
      message:
        `${functionName} exports no function to call: export "handler" (a Lambda-compatible function) ` +
        'or a default function taking a Request (Netlify Functions v2), ' +
        'or a default object with identity event handlers (userSignup, userLogin, ...) or fetch',
      stack: [],
    });
  }
}

function connect() {
  if (channel === 'fds') {
    readFrames(new net.Socket({ fd: 3, readable: true, writable: false }));
    if (!spare) load();
    return;
  }
  const m = /^tcp:(\d+):(.+)$/.exec(channel || '');
  if (!m) {
    console.error(`dev worker: unknown channel ${JSON.stringify(channel)}`);
    process.exit(70);
  }
  socket = net.connect({ host: '127.0.0.1', port: Number(m[1]), noDelay: true }, () => {
    send('T', m[2]);
    if (!spare) load();
  });
  readFrames(socket);
}

connect();
