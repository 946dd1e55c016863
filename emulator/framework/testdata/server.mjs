// A framework dev server for the tests, with Node's built-ins only: a page, a 404, a
// body echo, and a websocket that echoes one text frame (as HMR would talk).
// Env: PORT, HOST (default 127.0.0.1); PID_FILE, when set, gets this process's pid and
// that of a grandchild it starts.
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { spawn } from 'node:child_process';

const port = Number(process.env.PORT);
const host = process.env.HOST || '127.0.0.1';

const server = http.createServer((req, res) => {
  const seen = {
    'x-framework': '1',
    'x-seen-url': req.url,
    'x-seen-host': req.headers.host || '',
    'x-seen-forwarded-host': req.headers['x-forwarded-host'] || '',
    'x-seen-forwarded-proto': req.headers['x-forwarded-proto'] || '',
  };
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    if (req.url.startsWith('/missing')) {
      res.writeHead(404, { ...seen, 'content-type': 'text/plain' });
      return res.end('framework 404');
    }
    if (req.url.startsWith('/echo')) {
      res.writeHead(200, { ...seen, 'content-type': 'text/plain' });
      return res.end('echo: ' + body);
    }
    res.writeHead(200, { ...seen, 'content-type': 'text/html' });
    res.end('<h1>framework page</h1>');
  });
});

server.on('upgrade', (req, socket) => {
  const accept = crypto.createHash('sha1')
    .update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Accept: ' + accept + '\r\n\r\n');
  let buf = Buffer.alloc(0);
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    if (buf.length < 6) return;
    const len = buf[1] & 0x7f; // short frames only, masked as a client sends them
    if (buf.length < 6 + len) return;
    const mask = buf.subarray(2, 6);
    const payload = Buffer.from(buf.subarray(6, 6 + len).map((b, i) => b ^ mask[i % 4]));
    socket.write(Buffer.concat([Buffer.from([0x81, payload.length]), payload]));
    buf = buf.subarray(6 + len);
  });
});

if (process.env.PID_FILE) {
  const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  fs.writeFileSync(process.env.PID_FILE, `${process.pid} ${grandchild.pid}\n`);
}

server.listen(port, host, () => {
  console.log(`listening on ${host}:${port}`);
  console.log('\x1b[32mready\x1b[39m \x1b]0;title\x07');
  console.error('a warning on stderr');
});
