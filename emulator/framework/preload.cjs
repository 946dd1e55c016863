// dev's preload for a framework's Node dev server (NODE_OPTIONS=--require): server-side
// rendering sees what a Netlify v2 function sees in production, per request:
// globalThis.Netlify.context (cookies that set and delete with production's attributes,
// url with the browser's origin, requestId, ip, site, geo) and globalThis.Netlify.env,
// and globalThis.netlifyIdentityContext ({url, token, user}), so that @netlify/identity's
// getUser(), login(), logout() and admin.* work in SSR code.
//
// dev adds one header to each request it proxies to the framework: base64 JSON
// {secret, identity, context}. A request without it, or with a secret other than this
// run's (a request sent to the framework's port directly), gets no context: the globals
// answer null, as outside a function in production. The header is removed before the
// framework sees the request.
'use strict';

const http = require('node:http');
const https = require('node:https');
const { AsyncLocalStorage } = require('node:async_hooks');
const { timingSafeEqual } = require('node:crypto');

const HEADER = 'x-nf-dev-context';
const SECRET = Buffer.from(process.env.NETLIFY_DEV_CONTEXT_SECRET || '');
const store = new AsyncLocalStorage();

// @include cookies.js

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

// What another piece of code assigned to the globals (Netlify's own Vite plugin sets
// them at start): answered outside a request dev gave a context.
let theirNetlify;
let theirIdentity;

// install (re)defines the two globals as getters over the request's store. It runs at
// start and again at each request, because frameworks' plugins may redefine them.
function install() {
  const netlify = Object.getOwnPropertyDescriptor(globalThis, 'Netlify');
  if (!netlify || netlify.get !== netlifyGetter) {
    if (netlify && 'value' in netlify) theirNetlify = netlify.value;
    Object.defineProperty(globalThis, 'Netlify', { get: netlifyGetter, set: netlifySetter, configurable: true, enumerable: false });
  }
  const identity = Object.getOwnPropertyDescriptor(globalThis, 'netlifyIdentityContext');
  if (!identity || identity.get !== identityGetter) {
    if (identity && 'value' in identity) theirIdentity = identity.value;
    Object.defineProperty(globalThis, 'netlifyIdentityContext', { get: identityGetter, set: identitySetter, configurable: true, enumerable: false });
  }
}

function netlifyGetter() {
  const s = store.getStore();
  if (s) return s.netlify;
  return theirNetlify === undefined ? { context: null, env: netlifyEnv } : theirNetlify;
}
function netlifySetter(v) {
  theirNetlify = v;
}
function identityGetter() {
  const s = store.getStore();
  if (s) return s.identity;
  return theirIdentity === undefined ? null : theirIdentity;
}
function identitySetter(v) {
  theirIdentity = v;
}

// readContext takes dev's header off the request; null when it is missing or forged.
function readContext(req) {
  const raw = req.headers[HEADER];
  if (raw === undefined) return null;
  delete req.headers[HEADER];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i].toLowerCase() === HEADER) {
      req.rawHeaders.splice(i, 2);
      i -= 2;
    }
  }
  let data;
  try {
    data = JSON.parse(Buffer.from(String(raw), 'base64').toString('utf8'));
  } catch {
    return null;
  }
  const given = Buffer.from(String((data && data.secret) || ''));
  if (SECRET.length === 0 || given.length !== SECRET.length || !timingSafeEqual(given, SECRET)) return null;
  return data;
}

// requestStore is what the globals answer during one request; cookies set through
// Netlify.context.cookies are added to the response's Set-Cookie before its head goes.
function requestStore(data, req, res) {
  const setCookies = [];
  const ctx = data.context || {};
  const url = new URL(req.url || '/', ctx.origin || 'http://localhost');
  const context = {
    account: {},
    deploy: { context: 'dev', id: '0', published: false },
    geo: {},
    ip: '',
    params: {},
    requestId: '',
    server: { region: 'local' },
    site: {},
    ...ctx,
    cookies: cookieStore(req.headers.cookie, setCookies),
    url,
    json: (input, init) => Response.json(input, init),
    log: (...args) => console.log(...args),
    next: () => {
      throw new Error('context.next() is not supported locally: it only exists in Netlify Edge Functions');
    },
    waitUntil: () => {},
  };
  delete context.origin;
  const writeHead = res.writeHead;
  res.writeHead = function (...args) {
    if (setCookies.length && !res.headersSent) {
      const had = res.getHeader('set-cookie');
      const list = had === undefined ? [] : [].concat(had).map(String);
      res.setHeader('set-cookie', list.concat(setCookies.splice(0)));
    }
    return writeHead.apply(this, args);
  };
  return { netlify: { context, env: netlifyEnv }, identity: data.identity || null };
}

function wrap(proto) {
  const emit = proto.emit;
  proto.emit = function (event, req, res) {
    if (event === 'request' && req && res) {
      const data = readContext(req);
      install();
      if (data) return store.run(requestStore(data, req, res), () => emit.apply(this, arguments));
    }
    return emit.apply(this, arguments);
  };
}

install();
wrap(http.Server.prototype);
if (https.Server.prototype.emit !== http.Server.prototype.emit) wrap(https.Server.prototype);
