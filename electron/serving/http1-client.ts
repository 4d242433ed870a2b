// A small keep-alive HTTP/1.1 client for one origin, for `load`: what it measures is the server's
// latency, so the client's own work per request must stay small. node:http's client (a
// ClientRequest, header objects, an IncomingMessage and stream events per request) added
// 0.2-0.35 ms to every latency on a 2-core machine; here a request is one write of bytes encoded
// once, and the answer is parsed from the socket's Buffers as they come, its body kept only when
// asked. No pipelining: a connection carries one request at a time.

import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Connection, Http1Error, TOKEN, type ConnectionOwner, type Http1Response, type Pending, type PreparedRequest } from './http1-connection.js';

export { Http1Error, type Http1ErrorKind, type Http1Response, type PreparedRequest } from './http1-connection.js';

export interface Http1PoolOptions {
  /** Connections open at once; requests beyond wait for one to be free. Unbounded by default. */
  maxConnections?: number;
  /** https: certificate authorities to trust instead of the default ones (a test's self-signed certificate). */
  ca?: string | Buffer;
}

export interface SendOptions {
  /** Unanswered after this long (waiting for a connection included): the connection is ended, error kind 'timeout'. */
  timeoutMs: number;
  /** Keep the body (default): otherwise it is read and dropped, never copied. */
  keepBody?: boolean;
}

const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** A plain connection's read buffer (node's own reads are of up to 64 KiB). */
const READ_BUFFER_BYTES = 64 * 1024;

export class Http1Pool implements ConnectionOwner {
  private readonly host: string;
  private readonly port: number;
  private readonly tls: boolean;
  private readonly hostHeader: string;
  private readonly max: number;
  private readonly ca: string | Buffer | undefined;
  private readonly idle: Connection[] = [];
  private readonly waiting: Pending[] = [];
  private readonly all = new Set<Connection>();
  /** Connections counted against maxConnections (destroyed ones leave at once, not at 'close'). */
  private open = 0;
  private closed = false;

  constructor(url: string | URL, options: Http1PoolOptions = {}) {
    const u = typeof url === 'string' ? new URL(url) : url;
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`${u.href}: only http: and https: URLs`);
    if (u.username || u.password) throw new TypeError(`${u.origin}: credentials in the URL are not sent; give an authorization header`);
    this.tls = u.protocol === 'https:';
    this.host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    this.port = Number(u.port || (this.tls ? 443 : 80));
    this.hostHeader = u.host;
    this.max = options.maxConnections ?? Infinity;
    this.ca = options.ca;
  }

  /** Encodes a request once: `host` and `content-length` are set here (the caller's are ignored). */
  prepare(method: string, path: string, headers: Record<string, string>, body?: Uint8Array): PreparedRequest {
    if (!TOKEN.test(method)) throw new TypeError(`invalid HTTP method ${JSON.stringify(method)}`);
    if (!path.startsWith('/') || BAD_VALUE.test(path) || path.includes(' ')) throw new TypeError(`invalid request path ${JSON.stringify(path)}`);
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\n`;
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      if (lower === 'host' || lower === 'content-length') continue;
      if (!TOKEN.test(name) || BAD_VALUE.test(value)) throw new TypeError(`invalid header ${JSON.stringify(name)}`);
      head += `${name}: ${value}\r\n`;
    }
    if (body || method === 'POST' || method === 'PUT') head += `content-length: ${body?.byteLength ?? 0}\r\n`;
    head += '\r\n';
    const bytes = Buffer.from(head, 'latin1');
    return { method, bytes: body?.byteLength ? Buffer.concat([bytes, body]) : bytes };
  }

  send(request: PreparedRequest, options: SendOptions): Promise<Http1Response> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Http1Error('connection', 'the client was closed'));
      const p: Pending = { request, keepBody: options.keepBody ?? true, timeoutMs: options.timeoutMs, resolve, reject, timer: undefined, conn: undefined, retried: false };
      p.timer = setTimeout(() => this.timedOut(p), options.timeoutMs);
      this.dispatch(p);
    });
  }

  post(path: string, headers: Record<string, string>, body: Uint8Array, options: SendOptions): Promise<Http1Response> {
    return this.send(this.prepare('POST', path, headers, body), options);
  }

  /** Ends every connection; requests in flight or waiting fail with kind 'connection'. */
  close(): void {
    this.closed = true;
    for (const p of this.waiting.splice(0)) this.fail(p, new Http1Error('connection', 'the client was closed'));
    for (const c of [...this.all]) c.destroy();
  }

  private dispatch(p: Pending): void {
    let c: Connection | undefined;
    while ((c = this.idle.pop())) {
      if (c.usable) return c.start(p);
    }
    if (this.open < this.max) this.connect().start(p);
    else this.waiting.push(p);
  }

  private connect(): Connection {
    let c: Connection | undefined = undefined;
    const socket = this.tls
      ? tlsConnect({ host: this.host, port: this.port, ALPNProtocols: ['http/1.1'], ...(isIP(this.host) ? {} : { servername: this.host }), ...(this.ca ? { ca: this.ca } : {}) })
      : this.plainConnect((bytes) => c!.onData(bytes));
    socket.setNoDelay(true);
    c = new Connection(this, socket, !this.tls);
    this.all.add(c);
    this.open++;
    return c;
  }

  /**
   * A plain TCP connection that reads into one buffer of its own, again and again: a Buffer per
   * read was garbage whose external memory made the client spend about 0.6 ms an answer
   * collecting it at 512 KiB answers.
   */
  private plainConnect(onData: (bytes: Buffer) => void): Socket {
    const reads = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    return netConnect({ host: this.host, port: this.port, onread: { buffer: reads, callback: (n) => (onData(reads.subarray(0, n)), true) } });
  }

  private timedOut(p: Pending): void {
    p.timer = undefined;
    if (p.conn) {
      // The connection may be half-way through an answer: it cannot carry another request.
      p.conn.pending = undefined;
      p.conn.destroy();
    } else {
      const i = this.waiting.indexOf(p);
      if (i >= 0) this.waiting.splice(i, 1);
    }
    p.reject(new Http1Error('timeout', `no answer within ${p.timeoutMs} ms`));
  }

  release(c: Connection): void {
    const next = this.waiting.shift();
    if (next) return c.start(next);
    if (this.closed) return c.destroy();
    c.socket.unref();
    this.idle.push(c);
  }

  forget(c: Connection): void {
    this.open--;
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    this.pump();
  }

  lost(c: Connection, counted: boolean, p: Pending | undefined, reason: string): void {
    this.all.delete(c);
    // A kept-alive connection the server closed just as the request went out (its idle
    // timeout): nothing of an answer came, so the request is sent once more, on a new connection
    // that takes this one's place.
    if (p && c.served > 0 && !c.received && !p.retried && !this.closed) {
      p.retried = true;
      if (counted) this.open--;
      this.connect().start(p);
      return;
    }
    if (counted) this.forget(c);
    if (p) this.fail(p, new Http1Error('connection', reason));
  }

  private pump(): void {
    while (this.waiting.length && this.open < this.max && !this.closed) this.connect().start(this.waiting.shift()!);
  }

  done(p: Pending, r: Http1Response): void {
    clearTimeout(p.timer);
    p.resolve(r);
  }

  fail(p: Pending, e: Http1Error): void {
    clearTimeout(p.timer);
    p.reject(e);
  }
}

