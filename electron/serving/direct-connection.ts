// One client connection a runtime host answers on (direct-host.ts routes its requests). It reads
// and frames requests (request-framing.ts) one at a time, in order; writes answers; applies the
// deadlines node:http would (headers, body, keep-alive idle); and gives the connection back to the
// server with every byte it read and did not answer, so that pipelined requests behind one the
// host does not answer reach the server too.

import type { Socket } from 'node:net';
import { frameRequest, type FramedRequest, type FramingLimits, type RequestHead } from './request-framing.js';
import { writeAll } from './raw-response.js';

export interface ConnectionLimits extends FramingLimits {
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** An idle kept-alive connection is closed after this long (node:http's default is 5 s). */
  keepAliveMs: number;
}

export interface ConnectionHandler {
  /**
   * A whole request, `arrived` when its first byte did. 'give-back': the server answers it (and
   * whatever follows); otherwise it is answered here, and the next request waits for the promise.
   */
  request(conn: DirectConnection, req: FramedRequest, arrived: number): 'give-back' | Promise<void> | void;
  /** A request's body stopped arriving: answer it (the connection closes after). */
  bodyTimedOut(conn: DirectConnection, head: RequestHead, arrived: number): void;
  /** The connection goes back to the server with these bytes, to be read before the socket's next. */
  givenBack(conn: DirectConnection, bytes: Buffer): void;
  /** The client or this host ended the connection. */
  closed(conn: DirectConnection): void;
}

const HEADERS_TIMEOUT = 'HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n';

export class DirectConnection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes needed before framing again (a partial body's whole request), 0 when unknown. */
  private need = 0;
  private busy = false;
  private arrived = 0;
  private timer: NodeJS.Timeout | undefined;
  /** What the armed timer is the deadline of: 'head', 'body' or 'idle'. */
  private deadlineStage: string | undefined;
  private gone = false;
  /** The last answer is written: nothing more is read or answered. */
  private ending = false;

  constructor(
    readonly socket: Socket,
    readonly id: number,
    private readonly limits: ConnectionLimits,
    private readonly handler: ConnectionHandler,
  ) {
    socket.on('data', (d: Buffer) => this.received(d));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(this.timer);
      if (!this.gone) {
        this.gone = true;
        handler.closed(this);
      }
    });
    this.idle();
  }

  /** Writes an answer; `keepAlive` false closes the connection after it (what the client sent after it is dropped). */
  write(parts: Buffer[], keepAlive: boolean): void {
    if (this.gone || this.ending) return;
    writeAll(this.socket, parts);
    if (!keepAlive) this.close();
  }

  private received(d: Buffer): void {
    if (!this.buffered) this.arrived = performance.now();
    this.chunks.push(d);
    this.buffered += d.length;
    // A client that sends ahead of its answers is read no further than one request's worth.
    if (this.busy && this.buffered > this.limits.maxBodyBytes + this.limits.maxHeadBytes) this.socket.pause();
    this.pump();
  }

  private whole(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private keep(rest: Buffer): void {
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    this.need = 0;
    this.arrived = performance.now();
  }

  /** Frames and answers buffered requests until one is incomplete, in progress, or given back. */
  private pump(): void {
    while (!this.busy && !this.gone && !this.ending) {
      // A client that does not read its answers gets no more until it does.
      if (this.socket.writableNeedDrain) return this.waitFor(new Promise((d) => this.socket.once('drain', d)));
      if (this.buffered < this.need || !this.buffered) return this.buffered ? undefined : this.idle();
      const f = frameRequest(this.whole(), this.limits);
      if (f.kind === 'partial') {
        if (f.stage === 'body') this.need = f.need;
        this.deadline(f.stage === 'head' ? () => this.headersTimedOut() : () => this.handler.bodyTimedOut(this, f.head, this.arrived), f.stage === 'head' ? this.limits.headersTimeoutMs : this.limits.bodyTimeoutMs, f.stage);
        return;
      }
      this.clearDeadline();
      if (f.kind === 'foreign') return this.giveBack(this.whole());
      const arrived = this.arrived;
      const all = this.whole();
      this.keep(f.rest);
      const r = this.handler.request(this, f.request, arrived);
      // The request and what follows it go back: it starts the buffer.
      if (r === 'give-back') return this.giveBack(all);
      if (r) this.waitFor(r);
    }
  }

  /** The next request waits for this answer. */
  private waitFor(answered: Promise<unknown>): void {
    this.busy = true;
    void answered.finally(() => {
      this.busy = false;
      if (this.socket.isPaused()) this.socket.resume();
      this.pump();
    });
  }

  /** Arms `fire` after `ms`, unless it is armed for this stage already (the deadline runs from the stage's first byte). */
  private deadline(fire: () => void, ms: number, stage: string): void {
    if (this.timer && this.deadlineStage === stage) return;
    clearTimeout(this.timer);
    this.deadlineStage = stage;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      fire();
      this.close();
    }, ms);
  }

  private clearDeadline(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.deadlineStage = undefined;
  }

  /** No request is pending: a kept-alive connection idle for long is closed, as node:http does. */
  private idle(): void {
    this.deadline(() => undefined, this.limits.keepAliveMs, 'idle');
  }

  private headersTimedOut(): void {
    this.socket.write(HEADERS_TIMEOUT);
  }

  private close(): void {
    this.ending = true;
    this.clearDeadline();
    this.socket.end();
    this.socket.destroySoon();
  }

  private giveBack(bytes: Buffer): void {
    this.clearDeadline();
    this.gone = true;
    this.socket.removeAllListeners('data');
    this.socket.pause();
    // What the stream read but did not yet emit goes back too.
    const more: Buffer[] = [bytes];
    for (let d: Buffer | null; (d = this.socket.read() as Buffer | null) !== null; ) more.push(d);
    this.handler.givenBack(this, more.length > 1 ? Buffer.concat(more) : bytes);
    // Closes this process's copy only: the server's keeps the connection open.
    this.socket.destroy();
  }
}
