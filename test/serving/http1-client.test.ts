// load's HTTP/1.1 client against real servers on 127.0.0.1: node:http servers for what a server
// normally sends, raw TCP servers for what it may send when things go wrong (answers cut short,
// garbage, interim answers, connections closed at awkward moments), and https with a certificate
// made for the test.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1Error, Http1Pool, type Http1Response } from '../../electron/serving/http1-client.js';
import { runLoad } from '../../electron/serving/load-test.js';

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A listening server's base URL; it (and the pools made by `pool`) go at the end of the test. */
async function listen(server: Server | NetServer, scheme = 'http'): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => {
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close();
  });
  return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function pool(url: string, options: ConstructorParameters<typeof Http1Pool>[1] = {}): Http1Pool {
  const p = new Http1Pool(url, options);
  cleanup.push(() => p.close());
  return p;
}

/** A node:http server; `connections` counts the TCP connections it accepted. */
async function httpServer(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void) {
  const stats = { connections: 0, requests: 0 };
  const server = createServer((req, res) => {
    stats.requests++;
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => handler(req, res, Buffer.concat(parts)));
  });
  server.on('connection', () => stats.connections++);
  return { url: await listen(server), server, stats };
}

/** A raw TCP server: `onRequest` gets each complete request head (and the socket), however the bytes came. */
async function rawServer(onRequest: (socket: Socket, head: string, nth: number) => void) {
  const stats = { connections: 0, requests: 0 };
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    stats.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let text = '';
    socket.on('data', (d) => {
      text += d.toString('latin1');
      // The requests here carry no body (GET) or a short one whose length is in its head.
      for (;;) {
        const end = text.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = text.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (text.length < end + 4 + length) return;
        text = text.slice(end + 4 + length);
        onRequest(socket, head, ++stats.requests);
      }
    });
  });
  cleanup.push(() => sockets.forEach((s) => s.destroy()));
  return { url: await listen(server), stats };
}

/** Writes `bytes` a few at a time, each piece its own TCP segment (no Nagle), so the client reads them split. */
async function dribble(socket: Socket, bytes: string, piece = 3): Promise<void> {
  socket.setNoDelay(true);
  for (let i = 0; i < bytes.length; i += piece) {
    socket.write(bytes.slice(i, i + piece), 'latin1');
    await sleep(1);
  }
}

async function failure(p: Promise<Http1Response>): Promise<Http1Error> {
  const e = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(e).toBeInstanceOf(Http1Error);
  return e as Http1Error;
}

const pattern = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + (i >> 8)) & 0xff));

describe('answers', () => {
  it('sends method, path, headers and body as given and reads a content-length answer', async () => {
    const seen: { method?: string; url?: string; auth?: string; type?: string; host?: string; body?: Buffer } = {};
    const s = await httpServer((req, res, body) => {
      Object.assign(seen, { method: req.method, url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], host: req.headers.host, body });
      res.writeHead(201, { 'Content-Type': 'application/json', 'Server-Timing': 'run;dur=1.5' });
      res.end(JSON.stringify({ got: body.length }));
    });
    const body = pattern(5000);
    const r = await pool(s.url).post('/v2/models/m/infer?x=1', { authorization: 'Bearer t', 'content-type': 'application/octet-stream' }, body, { timeoutMs: 5000 });
    expect(seen).toEqual({ method: 'POST', url: '/v2/models/m/infer?x=1', auth: 'Bearer t', type: 'application/octet-stream', host: new URL(s.url).host, body });
    expect(r.status).toBe(201);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['server-timing']).toBe('run;dur=1.5');
    expect(JSON.parse(r.body!.toString())).toEqual({ got: 5000 });
  });

  it('reads a chunked answer of 1 MiB written in many pieces, with its trailer, and reuses the connection after it', async () => {
    const big = pattern(1 << 20);
    const s = await httpServer((_req, res) => {
      res.writeHead(200, { Trailer: 'Server-Timing' });
      void (async () => {
        for (let i = 0; i < big.length; i += 7001) {
          res.write(big.subarray(i, i + 7001));
          if (i % 70010 === 0) await sleep(1);
        }
        res.addTrailers({ 'Server-Timing': 'total;dur=2' });
        res.end();
      })();
    });
    const p = pool(s.url);
    const r = await p.post('/', {}, new Uint8Array(0), { timeoutMs: 10_000 });
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.body!.equals(big)).toBe(true);
    expect(r.trailers).toEqual({ 'server-timing': 'total;dur=2' });
    // Not keeping the body reads the same answer and leaves the connection ready for the next.
    const dropped = await p.post('/', {}, new Uint8Array(0), { timeoutMs: 10_000, keepBody: false });
    expect(dropped.status).toBe(200);
    expect(dropped.body).toBeUndefined();
    expect(s.stats.connections).toBe(1);
  });

  it('parses heads, chunk sizes, extensions and trailers split at any byte', async () => {
    const answer =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Two: a\r\nx-two: b\r\n\r\n' +
      '5;name=value\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nServer-Timing: run;dur=3\r\n\r\n';
    // Pieces of 1, 2 and 5 bytes: every boundary falls somewhere inside a line or a CRLF.
    const s = await rawServer((socket, _head, nth) => void dribble(socket, answer, [1, 2, 5][nth - 1]));
    const p = pool(s.url);
    for (let i = 0; i < 3; i++) {
      const r = await p.send(p.prepare('GET', '/', {}), { timeoutMs: 10_000 });
      expect(r).toEqual({ status: 200, headers: { 'transfer-encoding': 'chunked', 'x-two': 'a, b' }, body: Buffer.from('hello 0123456789'), trailers: { 'server-timing': 'run;dur=3' } });
    }
    expect(s.stats).toEqual({ connections: 1, requests: 3 });
  });

  it('skips 100 Continue, reads no body for HEAD, 204 and 304, and a body until EOF when no length is given', async () => {
    const s = await rawServer((socket, head) => {
      const path = head.split(' ')[1];
      if (path === '/continue') socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      else if (path === '/head') socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
      else if (path === '/204') socket.write('HTTP/1.1 204 No Content\r\n\r\n');
      else if (path === '/304') socket.write('HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n');
      else if (path === '/eof') socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end');
    });
    const p = pool(s.url);
    const get = (path: string, method = 'GET') => p.send(p.prepare(method, path, {}), { timeoutMs: 5000 });
    expect(await get('/continue')).toMatchObject({ status: 200, body: Buffer.from('ok') });
    expect(await get('/head', 'HEAD')).toMatchObject({ status: 200, headers: { 'content-length': '1000' }, body: Buffer.alloc(0) });
    expect(await get('/204')).toMatchObject({ status: 204, body: Buffer.alloc(0) });
    expect(await get('/304')).toMatchObject({ status: 304, body: Buffer.alloc(0) });
    // All of these on the one connection: none of them read past its answer.
    expect(s.stats.connections).toBe(1);
    expect(await get('/eof')).toMatchObject({ status: 200, body: Buffer.from('until the end') });
    // The answer ended with the connection: the next request opens another.
    expect(await get('/continue')).toMatchObject({ status: 200 });
    expect(s.stats.connections).toBe(2);
  });
});

describe('connections', () => {
  it('keeps one connection alive over 50 sequential requests', async () => {
    const s = await httpServer((_req, res, body) => res.end(`${body.length}`));
    const p = pool(s.url);
    for (let i = 0; i < 50; i++) {
      const r = await p.post('/', {}, new Uint8Array(i), { timeoutMs: 5000 });
      expect(r.body!.toString()).toBe(`${i}`);
    }
    expect(s.stats).toEqual({ connections: 1, requests: 50 });
  });

  it('opens a new connection after each `Connection: close` answer, and all succeed', async () => {
    const s = await httpServer((_req, res) => {
      res.setHeader('Connection', 'close');
      res.end('bye');
    });
    const p = pool(s.url);
    for (let i = 0; i < 10; i++) expect(await p.post('/', {}, new Uint8Array(10), { timeoutMs: 5000 })).toMatchObject({ status: 200, headers: { connection: 'close' }, body: Buffer.from('bye') });
    expect(s.stats).toEqual({ connections: 10, requests: 10 });
  });

  it('opens at most maxConnections, and as many as needed without a bound', async () => {
    const s = await httpServer((_req, res) => setTimeout(() => res.end('x'), 20));
    const bounded = pool(s.url, { maxConnections: 2 });
    const rs = await Promise.all(Array.from({ length: 8 }, () => bounded.post('/', {}, new Uint8Array(1), { timeoutMs: 5000 })));
    expect(rs.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(s.stats.connections).toBe(2);
    const open = pool(s.url);
    await Promise.all(Array.from({ length: 5 }, () => open.post('/', {}, new Uint8Array(1), { timeoutMs: 5000 })));
    expect(s.stats.connections).toBe(7);
  });

  it('sends the next request on a new connection when the server closed the idle one', async () => {
    // As a server's idle timeout does (node's own waits a second longer than it says).
    const s = await httpServer((req, res) => res.end('ok', () => setTimeout(() => req.socket.end(), 30)));
    const p = pool(s.url);
    expect((await p.post('/', {}, new Uint8Array(1), { timeoutMs: 5000 })).status).toBe(200);
    await sleep(300);
    expect((await p.post('/', {}, new Uint8Array(1), { timeoutMs: 5000 })).status).toBe(200);
    expect(s.stats.connections).toBe(2);
  });

  it('retries once on a fresh connection when a reused one closes before any answer, never when it was fresh', async () => {
    // Answers the first request of each connection; closes the connection on the second
    // without a byte, as a server does whose idle timeout fires just as a request arrives.
    let perConnection = new WeakMap<Socket, number>();
    const s = await rawServer((socket) => {
      const n = (perConnection.get(socket) ?? 0) + 1;
      perConnection.set(socket, n);
      if (n === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      else socket.destroy();
    });
    const p = pool(s.url);
    const post = () => p.post('/', {}, new Uint8Array(3), { timeoutMs: 5000 });
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(200);
    expect(s.stats).toEqual({ connections: 2, requests: 3 });

    // A fresh connection closed without an answer is an error, sent once.
    perConnection = new WeakMap();
    const refusing = await rawServer((socket) => socket.destroy());
    const e = await failure(pool(refusing.url).post('/', {}, new Uint8Array(3), { timeoutMs: 5000 }));
    expect(e.kind).toBe('connection');
    expect(refusing.stats.requests).toBe(1);
  });

  it('counts a server that never answers as a timeout, ends that connection, and goes on', async () => {
    let closed = 0;
    const s = await rawServer((socket, _head, nth) => {
      socket.on('close', () => closed++);
      if (nth > 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    });
    const p = pool(s.url);
    const t0 = performance.now();
    const e = await failure(p.post('/', {}, new Uint8Array(3), { timeoutMs: 200 }));
    expect(e.kind).toBe('timeout');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    expect((await p.post('/', {}, new Uint8Array(3), { timeoutMs: 5000 })).status).toBe(200);
    expect(closed).toBe(1);
    expect(s.stats.connections).toBe(2);
  });

  it('counts a timeout for a request still waiting for a connection', async () => {
    const s = await rawServer(() => undefined);
    const p = pool(s.url, { maxConnections: 1 });
    const [a, b] = [p.post('/', {}, new Uint8Array(1), { timeoutMs: 300 }), p.post('/', {}, new Uint8Array(1), { timeoutMs: 100 })];
    expect((await failure(b)).kind).toBe('timeout');
    expect((await failure(a)).kind).toBe('timeout');
    expect(s.stats.requests).toBe(1);
  });

  it('reports an answer cut short as a connection error, not retried', async () => {
    const s = await rawServer((socket, _head, nth) => {
      if (nth === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      else {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789');
        setTimeout(() => socket.destroy(), 20);
      }
    });
    const p = pool(s.url);
    expect((await p.post('/', {}, new Uint8Array(1), { timeoutMs: 5000 })).status).toBe(200);
    const e = await failure(p.post('/', {}, new Uint8Array(1), { timeoutMs: 5000 }));
    expect(e.kind).toBe('connection');
    expect(e.message).toMatch(/before the answer ended/);
    // Part of an answer had come: sending again could run the request twice.
    expect(s.stats).toEqual({ connections: 1, requests: 2 });
  });

  it('reports a refused connection as a connection error', async () => {
    const server = createNetServer();
    const url = await listen(server);
    server.close();
    await sleep(50);
    const e = await failure(pool(url).post('/', {}, new Uint8Array(1), { timeoutMs: 5000 }));
    expect(e.kind).toBe('connection');
    expect(e.message).toMatch(/ECONNREFUSED/);
  });

  it('fails requests in flight when closed', async () => {
    const s = await rawServer(() => undefined);
    const p = pool(s.url);
    const inFlight = p.post('/', {}, new Uint8Array(1), { timeoutMs: 5000 });
    await sleep(50);
    p.close();
    expect((await failure(inFlight)).kind).toBe('connection');
    expect((await failure(p.post('/', {}, new Uint8Array(1), { timeoutMs: 5000 }))).message).toMatch(/closed/);
  });
});

describe('malformed answers are connection errors, found without waiting for the connection to end', () => {
  const cases: [string, string, RegExp][] = [
    ['garbage bytes', '\x00\x17garbage that is no HTTP at all', /not HTTP/],
    ['a bad status line', 'HTTP/1.1 2x0 OK\r\n\r\n', /status line/],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', /header line/],
    ['conflicting content lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello', /content-length/],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /chunk size/],
    ['a chunk longer than its size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n', /longer than its size/],
  ];
  for (const [what, bytes, message] of cases) {
    it(what, async () => {
      // The server keeps the connection open: the client must see the fault in the bytes.
      const s = await rawServer((socket) => socket.write(bytes, 'latin1'));
      const e = await failure(pool(s.url).post('/', {}, new Uint8Array(1), { timeoutMs: 5000 }));
      expect(e.kind).toBe('connection');
      expect(e.message).toMatch(message);
    });
  }

  it('a head that never ends', async () => {
    const s = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\n');
      socket.write(`x-long: ${'a'.repeat(70 * 1024)}`);
    });
    const e = await failure(pool(s.url).post('/', {}, new Uint8Array(1), { timeoutMs: 5000 }));
    expect(e).toMatchObject({ kind: 'connection', message: expect.stringMatching(/head too long/) });
  });
});

describe('requests the client refuses to encode', () => {
  it('refuses header injection and bad names before anything is sent', () => {
    const p = new Http1Pool('http://127.0.0.1:1');
    expect(() => p.prepare('POST', '/', { 'x-a': 'v\r\nx-injected: 1' })).toThrow(/invalid header "x-a"/);
    expect(() => p.prepare('POST', '/', { 'bad name': 'v' })).toThrow(/invalid header/);
    expect(() => p.prepare('POST', '/a b', {})).toThrow(/invalid request path/);
    expect(() => new Http1Pool('ftp://127.0.0.1/')).toThrow(/only http: and https:/);
    expect(() => new Http1Pool('http://user:secret@127.0.0.1/')).toThrow(/credentials in the URL are not sent/);
  });
});

const openssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('https', () => {
  it.skipIf(!openssl)('checks the server certificate: refused when not trusted, answered with its CA given (skipped without openssl to make one)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'http1-tls-'));
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    let connections = 0;
    const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
      req.resume();
      req.on('end', () => res.end(`${req.headers.host}`));
    });
    server.on('secureConnection', () => connections++);
    const url = await listen(server, 'https');

    const untrusted = await failure(pool(url).post('/', {}, new Uint8Array(4), { timeoutMs: 5000 }));
    expect(untrusted.kind).toBe('connection');
    expect(untrusted.message).toMatch(/self[- ]signed/i);

    const p = pool(url, { ca: readFileSync(cert) });
    for (let i = 0; i < 5; i++) expect(await p.post('/', {}, new Uint8Array(4), { timeoutMs: 5000 })).toMatchObject({ status: 200, body: Buffer.from(new URL(url).host) });
    expect(connections).toBe(1);
  });
});

describe("runLoad's errors by kind through this client", () => {
  // Open loop: the number of requests is the rate times the duration, whatever the server does.
  it('counts unanswered requests as timeouts and refused ones as connection errors', async () => {
    const silent = await rawServer(() => undefined);
    const slow = await runLoad({ url: `${silent.url}/v2/models/m/infer`, body: new Uint8Array(8), headers: {}, rps: 10, durationS: 0.3, timeoutMs: 100 });
    expect(slow).toMatchObject({ requests: 3, ok: 0, errors: { timeout: 3 }, errorRate: 1 });

    const server = createNetServer();
    const url = await listen(server);
    server.close();
    await sleep(50);
    const refused = await runLoad({ url: `${url}/v2/models/m/infer`, body: new Uint8Array(8), headers: {}, rps: 20, durationS: 0.5, timeoutMs: 1000 });
    expect(refused).toMatchObject({ requests: 10, ok: 0, errors: { connection: 10 } });

    const s = await httpServer((_req, res) => {
      res.writeHead(503);
      res.end('busy');
    });
    const busy = await runLoad({ url: `${s.url}/v2/models/m/infer`, body: new Uint8Array(8), headers: {}, rps: 20, durationS: 0.25, timeoutMs: 1000 });
    expect(busy).toMatchObject({ requests: 5, errors: { http_503: 5 } });
  });
});
