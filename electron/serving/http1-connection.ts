// One connection of the load client (http1-client.ts) and the parser of the answers it reads:
// status line and headers, then a Content-Length body, a chunked one (with trailers), or one that
// ends with the connection, parsed from the socket's Buffers as they come. A plain TCP
// connection reads into one buffer of its own, used again for every read (`reusedReads`): what
// the parser keeps of it (a split head, a body asked for) is copied out.

import type { Socket } from 'node:net';

/** How a request failed: no answer in time, or no (well-formed) answer at all. */
export type Http1ErrorKind = 'timeout' | 'connection';

export class Http1Error extends Error {
  constructor(readonly kind: Http1ErrorKind, message: string) {
    super(message);
    this.name = 'Http1Error';
  }
}

export interface Http1Response {
  status: number;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** Only when the request asked to keep it. */
  body?: Buffer;
  /** A chunked answer's trailer fields, when it had any. */
  trailers?: Record<string, string>;
}

/** A request's bytes (head and body), encoded once and sent as they are each time. */
export interface PreparedRequest {
  readonly method: string;
  readonly bytes: Buffer;
}

/** A request on its way: sent on a connection, or waiting for one. */
export interface Pending {
  request: PreparedRequest;
  keepBody: boolean;
  timeoutMs: number;
  resolve: (r: Http1Response) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
  conn: Connection | undefined;
  retried: boolean;
}

/** A header name or method (RFC 9110 token). */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEAD_END = Buffer.from('\r\n\r\n');
/** Longer heads (or chunk-size and trailer lines) are refused as malformed. */
const MAX_HEAD = 64 * 1024;

/** What a connection tells the pool it belongs to (Http1Pool). */
export interface ConnectionOwner {
  /** The connection finished an answer and can carry the next request. */
  release(c: Connection): void;
  /** A connection it ended stops counting at once (its 'close' comes later). */
  forget(c: Connection): void;
  /** The socket closed; `p` (if any) was in flight on it. */
  lost(c: Connection, counted: boolean, p: Pending | undefined, reason: string): void;
  done(p: Pending, r: Http1Response): void;
  fail(p: Pending, e: Http1Error): void;
}

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  UntilEof,
  Done,
}

/** One socket and the parser of the answer it is reading. */
export class Connection {
  pending: Pending | undefined;
  /** Answers completed on this connection. */
  served = 0;
  /** Whether any byte of the current answer has arrived. */
  received = false;
  private counted = true;
  private ended = false;
  private error: Error | undefined;
  // The answer being parsed.
  private state = State.Head;
  private head: Buffer | undefined;
  private status = 0;
  private headers: Record<string, string> = {};
  private trailers: Record<string, string> | undefined;
  private keepAlive = true;
  private remaining = 0;
  private line = '';
  private parts: Buffer[] = [];
  private partsLength = 0;

  constructor(
    private readonly pool: ConnectionOwner,
    readonly socket: Socket,
    /** The socket reads into one buffer again and again (its `onread` calls `onData`): no 'data' events. */
    private readonly reusedReads = false,
  ) {
    if (!reusedReads) socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('end', () => this.onEnd());
    socket.on('error', (e) => (this.error ??= e));
    socket.on('close', () => this.onClose());
  }

  get usable(): boolean {
    return this.counted && !this.ended;
  }

  start(p: Pending): void {
    this.pending = p;
    p.conn = this;
    this.received = false;
    this.state = State.Head;
    this.socket.ref();
    this.socket.write(p.request.bytes);
  }

  destroy(): void {
    if (this.counted) {
      this.counted = false;
      this.pool.forget(this);
    }
    this.socket.destroy();
  }

  onData(d: Buffer): void {
    if (!this.pending) return this.destroy(); // bytes nobody asked for
    this.received = true;
    let off = 0;
    try {
      while (off < d.length && this.state !== State.Done) off = this.parse(d, off);
    } catch (e) {
      return this.malformed((e as Error).message);
    }
    if (this.state === State.Done) this.complete(off < d.length);
  }

  private onEnd(): void {
    this.ended = true;
    if (this.pending && this.state === State.UntilEof) {
      this.state = State.Done;
      this.keepAlive = false;
      this.complete(false);
    } else if (!this.pending) this.destroy();
    // Otherwise the answer is cut short: 'close' fails or retries the request.
  }

  private onClose(): void {
    const p = this.pending;
    this.pending = undefined;
    const counted = this.counted;
    this.counted = false;
    const why = this.error ? this.error.message : this.received ? 'the server closed the connection before the answer ended' : 'the server closed the connection without answering';
    this.pool.lost(this, counted, p, why);
  }

  private malformed(why: string): void {
    const p = this.pending!;
    this.pending = undefined;
    this.destroy();
    this.pool.fail(p, new Http1Error('connection', `malformed answer: ${why}`));
  }

  private complete(extraBytes: boolean): void {
    const p = this.pending!;
    this.pending = undefined;
    p.conn = undefined;
    const r: Http1Response = { status: this.status, headers: this.headers };
    if (p.keepBody) r.body = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsLength);
    if (this.trailers) r.trailers = this.trailers;
    this.served++;
    const reuse = this.keepAlive && !extraBytes && !this.ended;
    this.head = undefined;
    this.headers = {};
    this.trailers = undefined;
    this.parts = [];
    this.partsLength = 0;
    // Freed before the caller hears of it, so that its next request finds this connection idle.
    if (reuse) this.pool.release(this);
    else this.destroy();
    this.pool.done(p, r);
  }

  /** Up to `remaining` body bytes (a Content-Length body or a chunk's data), then `next`. */
  private readBytes(d: Buffer, off: number, next: State): number {
    const n = Math.min(this.remaining, d.length - off);
    this.take(d, off, n);
    if ((this.remaining -= n) === 0) this.state = next;
    return off + n;
  }

  /** Parses from `d` at `off`; returns the offset reached. */
  private parse(d: Buffer, off: number): number {
    switch (this.state) {
      case State.Head:
        return this.readHead(d, off);
      case State.Length:
        return this.readBytes(d, off, State.Done);
      case State.ChunkSize: {
        const [line, next] = this.readLine(d, off);
        if (line === undefined) return next;
        const semi = line.indexOf(';');
        const hex = (semi >= 0 ? line.slice(0, semi) : line).trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new Error(`chunk size ${JSON.stringify(hex.slice(0, 20))}`);
        this.remaining = parseInt(hex, 16);
        this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
        return next;
      }
      case State.ChunkData:
        return this.readBytes(d, off, State.ChunkEnd);
      case State.ChunkEnd: {
        const [line, next] = this.readLine(d, off);
        if (line === undefined) return next;
        if (line !== '') throw new Error('chunk data longer than its size');
        this.state = State.ChunkSize;
        return next;
      }
      case State.Trailers: {
        const [line, next] = this.readLine(d, off);
        if (line === undefined) return next;
        if (line === '') this.state = State.Done;
        else addField((this.trailers ??= {}), line);
        return next;
      }
      case State.UntilEof:
        this.take(d, off, d.length - off);
        return d.length;
      default:
        return d.length;
    }
  }

  private take(d: Buffer, off: number, n: number): void {
    if (n === 0 || !this.pending!.keepBody) return;
    const bytes = off === 0 && n === d.length ? d : d.subarray(off, off + n);
    this.parts.push(this.reusedReads ? Buffer.from(bytes) : bytes);
    this.partsLength += n;
  }

  /** A CRLF-ended line (short: chunk sizes, trailers), or undefined with everything taken when it has not all come. */
  private readLine(d: Buffer, off: number): [string | undefined, number] {
    const lf = d.indexOf(10, off);
    const end = lf < 0 ? d.length : lf;
    if (this.line.length + end - off > MAX_HEAD) throw new Error('line too long');
    const text = this.line + d.toString('latin1', off, end);
    if (lf < 0) {
      this.line = text;
      return [undefined, d.length];
    }
    this.line = '';
    return [text.endsWith('\r') ? text.slice(0, -1) : text, lf + 1];
  }

  private readHead(d: Buffer, off: number): number {
    let buf = d;
    let from = off;
    let searchFrom = off;
    if (this.head) {
      // A head split across reads (rare): joined with what came before, the search resumes
      // where the terminator could start.
      searchFrom = Math.max(0, this.head.length - 3);
      buf = Buffer.concat([this.head, d.subarray(off)]);
      from = 0;
    }
    const end = buf.indexOf(HEAD_END, searchFrom);
    const have = end < 0 ? buf.length - from : end - from;
    // A status line that cannot be HTTP's fails at once rather than when the head would be complete.
    const prefix = Math.min(have, 7);
    if (buf.toString('latin1', from, from + prefix) !== 'HTTP/1.'.slice(0, prefix)) throw new Error(`not HTTP/1.x: ${JSON.stringify(buf.toString('latin1', from, from + Math.min(have, 20)))}`);
    if (end < 0) {
      if (have > MAX_HEAD) throw new Error('head too long');
      this.head = buf !== d ? buf : this.reusedReads ? Buffer.from(d.subarray(from)) : d.subarray(from);
      return d.length;
    }
    const consumed = this.head ? end + 4 - this.head.length + off : end + 4;
    this.head = undefined;
    this.onHead(buf.toString('latin1', from, end));
    return consumed;
  }

  private onHead(text: string): void {
    const lines = text.split('\r\n');
    const statusLine = lines[0]!;
    const status = Number(statusLine.slice(9, 12));
    if (!/^HTTP\/1\.[01] \d{3}( |$)/.test(statusLine)) throw new Error(`status line ${JSON.stringify(statusLine.slice(0, 40))}`);
    const headers: Record<string, string> = {};
    for (let i = 1; i < lines.length; i++) addField(headers, lines[i]!);
    if (status >= 100 && status < 200) {
      if (status === 101) throw new Error('101 Switching Protocols to an HTTP/1.1 request');
      return; // 100 Continue and other interim answers: the real one follows
    }
    this.status = status;
    this.headers = headers;
    const connection = headers.connection?.toLowerCase();
    this.keepAlive = statusLine[7] === '1' ? !connection?.includes('close') : !!connection?.includes('keep-alive');
    const te = headers['transfer-encoding'];
    const cl = headers['content-length'];
    if (this.pending!.request.method === 'HEAD' || status === 204 || status === 304) this.state = State.Done;
    else if (te !== undefined) {
      if (/(^|,)\s*chunked\s*$/i.test(te)) this.state = State.ChunkSize;
      else {
        this.state = State.UntilEof;
        this.keepAlive = false;
      }
    } else if (cl !== undefined) {
      const values = new Set(cl.split(',').map((v) => v.trim()));
      const [value] = values;
      if (values.size !== 1 || !/^\d{1,15}$/.test(value!)) throw new Error(`content-length ${JSON.stringify(cl.slice(0, 40))}`);
      this.remaining = Number(value);
      this.state = this.remaining === 0 ? State.Done : State.Length;
    } else {
      this.state = State.UntilEof;
      this.keepAlive = false;
    }
  }
}

function addField(into: Record<string, string>, line: string): void {
  const colon = line.indexOf(':');
  if (colon <= 0) throw new Error(`header line ${JSON.stringify(line.slice(0, 40))}`);
  const name = line.slice(0, colon).toLowerCase();
  if (!TOKEN.test(name)) throw new Error(`header name ${JSON.stringify(name.slice(0, 40))}`);
  if (name === '__proto__') return;
  const value = line.slice(colon + 1).trim();
  const before = into[name];
  into[name] = before === undefined ? value : `${before}, ${value}`;
}
