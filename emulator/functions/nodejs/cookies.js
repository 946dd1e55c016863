// Included where shim.js and dev's framework preload say "@include cookies.js" (Go code
// joins them; see nodejs.WithCookies). Plain functions, no module syntax.

// The cookie rules and Set-Cookie format of production's bootstrap (@netlify/node-cookies).
const COOKIE_NAME = /^(?=[\u0020-\u007E]*$)[^()@<>,;:\\"[\]?={}\s]+$/;

// parseCookies reads a Cookie header as production does: the last of a name wins.
function parseCookies(header) {
  const jar = new Map();
  if (header == null) return jar;
  for (const part of header.split(';')) {
    const [name, ...value] = part.split('=');
    jar.set(name.trim(), value.join('='));
  }
  return jar;
}

function checkCookie(name, value) {
  if (!COOKIE_NAME.test(name)) throw new TypeError(`Invalid cookie name: "${name}".`);
  if (value == null) return;
  for (const ch of String(value)) {
    if (ch < '!' || ch === '"' || ch === ',' || ch === ';' || ch === '\\' || ch === '\x7f') {
      throw new Error(`RFC2616 cookie '${name}' cannot contain character '${ch}'`);
    }
    if (ch > '\x80') {
      throw new Error(`RFC2616 cookie '${name}' can only have US-ASCII chars as value${ch.charCodeAt(0).toString(16)}`);
    }
  }
}

// serializeCookie writes a Set-Cookie value with production's attributes, in its order.
function serializeCookie(cookie) {
  const c = { ...cookie };
  if (!c.name) return '';
  checkCookie(c.name, c.value);
  const out = [`${c.name}=${c.value}`];
  if (c.name.startsWith('__Secure')) c.secure = true;
  if (c.name.startsWith('__Host')) {
    c.path = '/';
    c.secure = true;
    delete c.domain;
  }
  if (c.secure) out.push('Secure');
  if (c.httpOnly) out.push('HttpOnly');
  if (typeof c.maxAge === 'number' && Number.isInteger(c.maxAge)) {
    if (c.maxAge < 0) throw new Error('Max-Age must be an integer superior or equal to 0');
    out.push(`Max-Age=${c.maxAge}`);
  }
  if (c.domain) out.push(`Domain=${c.domain}`);
  if (c.sameSite) out.push(`SameSite=${c.sameSite}`);
  if (c.path) {
    if (/[^\x20-\x7e]|;/.test(c.path)) throw new Error(`${c.path}: Invalid cookie path`);
    out.push(`Path=${c.path}`);
  }
  if (c.expires) out.push(`Expires=${new Date(c.expires).toUTCString()}`);
  if (c.unparsed) out.push(c.unparsed.join('; '));
  return out.join('; ');
}

// cookieStore is context.cookies: get reads the request's Cookie header (cookieHeader); set and delete
// are written as Set-Cookie on the returned Response, after its own. A cookie is checked
// when it is set, so a bad one fails the function where it is set.
function cookieStore(cookieHeader, setCookies) {
  const jar = parseCookies(cookieHeader);
  const add = (cookie) => {
    const line = serializeCookie(cookie);
    if (line) setCookies.push(line);
  };
  return {
    get: (name) => jar.get(name),
    set: (nameOrCookie, value) => {
      if (typeof nameOrCookie === 'string') {
        if (typeof value !== 'string') throw new TypeError("You must provide the cookie value as a string to 'cookies.set'");
        add({ name: nameOrCookie, value });
      } else {
        add(nameOrCookie);
      }
    },
    delete: (nameOrOptions) => {
      const o = { path: '/', ...(typeof nameOrOptions === 'string' ? { name: nameOrOptions } : nameOrOptions) };
      add({ name: o.name, value: '', expires: new Date(0), domain: o.domain, path: o.path });
    },
  };
}
