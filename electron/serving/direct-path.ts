// Direct connections, the server's side (direct-host.ts is the host's). Each new client
// connection is handed to a runtime host, which answers the inferences on it itself. The server
// keeps its own copy of each socket it hands over and reads in each host's journal
// (direct-journal.ts) of each request the host takes and finishes, so that it still counts and
// logs every request, ends a host whose request runs past the timeout (504), answers 503 for the
// requests in flight when a host dies, and takes back the connections a host returns (with the
// bytes it did not answer).

import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostChannel } from '../runtime-host/host-channel.js';
import type { FromHost } from '../runtime-host/host-protocol.js';
import { howItEnded, type RuntimeHost } from '../runtime-host/runtime-host.js';
import { JOURNAL_POLL_MS, JournalReader } from './direct-journal.js';
import type { DirectConfig } from './direct-messages.js';
import type { JsonLog } from './json-log.js';
import type { ServerMetrics } from './metrics.js';
import { rawError, writeAll } from './raw-response.js';
import { recordRequest } from './request-record.js';
import { ServingError } from './serving-error.js';

interface InFlight {
  model: string;
  path: string;
  started: number;
  timer: NodeJS.Timeout;
  timedOut: boolean;
  /** Waiting for its turn at the host (queued), not yet running. */
  waiting: boolean;
}

interface Held {
  socket: Socket;
  host: RuntimeHost;
  channel: HostChannel;
  inFlight: Map<string, InFlight>;
  /** The connection ended with requests still in the host: kept until they finish (they count, and time out). */
  closed: boolean;
}

export interface DirectPathOptions {
  hosts: readonly RuntimeHost[];
  config: DirectConfig;
  /** Answers a connection in the server (given back, or not handed over). */
  adopt(socket: Socket): void;
  metrics: ServerMetrics;
  log: JsonLog;
}

/** Where the hosts' journals go; undefined when no temporary folder can be made (the hosts then send messages). */
function journalDir(): string | undefined {
  try {
    return mkdtempSync(join(tmpdir(), 'onnx-workbench-journal-'));
  } catch {
    return undefined;
  }
}

export class DirectPath {
  private readonly held = new Map<number, Held>();
  /** Each live host, and its journal. */
  private readonly journals = new Map<HostChannel, JournalReader | undefined>();
  private readonly dir = journalDir();
  private readonly poll: NodeJS.Timeout;
  private nextJournal = 1;
  private nextConn = 1;
  private nextHost = 0;
  private draining = false;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly o: DirectPathOptions) {
    for (const host of o.hosts) {
      this.attach(host.current());
      host.onStart = (ch) => this.attach(ch);
    }
    // Notes are of held connections only: none held, nothing to read.
    this.poll = setInterval(() => this.held.size && this.sync(), JOURNAL_POLL_MS).unref();
    o.metrics.beforeRead = () => this.sync();
  }

  /** Takes in what the hosts' journals say since the last read. */
  sync(): void {
    for (const ch of this.journals.keys()) this.readJournal(ch);
  }

  private readJournal(ch: HostChannel): void {
    for (const note of this.journals.get(ch)?.read() ?? []) this.message(note);
  }

  /** Requests in hosts now (taken, not yet answered). */
  get inFlight(): number {
    let n = 0;
    for (const h of this.held.values()) n += h.inFlight.size;
    return n;
  }

  /** Of those, the ones waiting for their turn at their host. */
  get waiting(): number {
    let n = 0;
    for (const h of this.held.values()) for (const f of h.inFlight.values()) n += f.waiting ? 1 : 0;
    return n;
  }

  /** A new connection: to the host instance with the fewest requests in flight, or to the server when it cannot take sockets. */
  accept(socket: Socket): void {
    this.sync();
    const host = this.leastBusy();
    const channel = host.current();
    if (this.draining || !channel.sendSocket) {
      this.o.adopt(socket);
      return;
    }
    const conn = this.nextConn++;
    this.held.set(conn, { socket, host, channel, inFlight: new Map(), closed: false });
    socket.on('error', () => undefined);
    channel.sendSocket({ type: 'direct-connection', conn }, socket);
  }

  // A hung host keeps its requests in flight until it is ended: new connections go to the host
  // with the fewest in flight, and among equals to the one whose oldest began last.
  private leastBusy(): RuntimeHost {
    const load = new Map<RuntimeHost, { count: number; oldest: number }>(this.o.hosts.map((h) => [h, { count: 0, oldest: Infinity }]));
    for (const h of this.held.values()) {
      const l = load.get(h.host)!;
      l.count += h.inFlight.size;
      for (const f of h.inFlight.values()) l.oldest = Math.min(l.oldest, f.started);
    }
    const n = this.o.hosts.length;
    let best = this.o.hosts[this.nextHost % n]!;
    for (let k = 1; k < n; k++) {
      const host = this.o.hosts[(this.nextHost + k) % n]!;
      const a = load.get(host)!;
      const b = load.get(best)!;
      if (a.count < b.count || (a.count === b.count && a.oldest > b.oldest)) best = host;
    }
    this.nextHost++;
    return best;
  }

  /** Hands over no more connections; requests not yet begun come back. Resolves when none is in flight. */
  drain(): Promise<void> {
    this.draining = true;
    for (const ch of this.journals.keys()) ch.send({ type: 'direct-drain' });
    this.sync();
    return this.inFlight === 0 ? Promise.resolve() : new Promise((r) => this.drainWaiters.push(r));
  }

  /** Closes the connections still held (the hosts are ended by their owner). */
  close(): void {
    this.sync();
    clearInterval(this.poll);
    for (const h of this.held.values()) {
      for (const f of h.inFlight.values()) clearTimeout(f.timer);
      h.socket.destroy();
    }
    this.held.clear();
    for (const j of this.journals.values()) j?.close();
    this.journals.clear();
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
  }

  private attach(ch: HostChannel): void {
    const journal = this.dir === undefined ? undefined : join(this.dir, `host-${this.nextJournal++}.jsonl`);
    this.journals.set(ch, journal === undefined ? undefined : new JournalReader(journal));
    ch.send({ type: 'direct-setup', config: this.o.config, ...(journal !== undefined ? { journal } : {}) });
    if (this.draining) ch.send({ type: 'direct-drain' });
    ch.onMessage((m) => {
      // What the journal holds happened before this message was sent.
      this.readJournal(ch);
      this.message(m);
    });
    ch.onExit((code, signal) => {
      this.readJournal(ch);
      this.journals.get(ch)?.close();
      this.journals.delete(ch);
      this.ended(ch, howItEnded(code, signal));
    });
  }

  private message(m: FromHost): void {
    if (!('conn' in m)) return;
    const h = this.held.get(m.conn);
    if (!h) return;
    switch (m.type) {
      case 'direct-start': {
        // Read up to JOURNAL_POLL_MS after it began: its clock runs from when it did.
        const age = Math.max(0, Date.now() - m.at);
        h.inFlight.set(m.requestId, { model: m.model, path: m.path, started: performance.now() - age, timedOut: false, waiting: m.waiting === true, timer: setTimeout(() => this.timedOut(h, m.requestId), Math.max(0, this.o.config.timeoutMs - age)) });
        return;
      }
      case 'direct-run': {
        const f = h.inFlight.get(m.requestId);
        if (f) f.waiting = false;
        return;
      }
      case 'direct-done':
        this.settle(h, m.requestId);
        if (h.closed && !h.inFlight.size) this.held.delete(m.conn);
        recordRequest(this.o.metrics, this.o.log, { ...m, direct: true });
        if (m.stages) {
          this.o.metrics.stages(m.model, m.stages);
          this.o.metrics.queued(m.model, (m.stages.queue ?? 0) / 1000);
          this.o.metrics.batch(m.model, 1);
        }
        this.checkDrained();
        return;
      case 'direct-handback':
        this.held.delete(m.conn);
        h.socket.unshift(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength));
        this.o.adopt(h.socket);
        return;
      case 'direct-closed':
        h.socket.destroy();
        if (h.inFlight.size) h.closed = true;
        else this.held.delete(m.conn);
        return;
    }
  }

  private settle(h: Held, requestId: string): void {
    clearTimeout(h.inFlight.get(requestId)?.timer);
    h.inFlight.delete(requestId);
  }

  private timedOut(h: Held, requestId: string): void {
    const f = h.inFlight.get(requestId);
    if (!f) return;
    f.timedOut = true;
    // A run stuck in native code answers nothing: its host is ended, and `ended` answers 504.
    h.host.kill(h.channel);
  }

  /** The host died: its requests in flight get 503 (504 if it was ended for one), its idle connections stay open in the server. */
  private ended(ch: HostChannel, how: string): void {
    for (const [conn, h] of [...this.held]) {
      if (h.channel !== ch) continue;
      this.held.delete(conn);
      if (!h.inFlight.size && !h.closed) {
        this.o.adopt(h.socket);
        continue;
      }
      for (const [requestId, f] of h.inFlight) {
        clearTimeout(f.timer);
        const err = f.timedOut
          ? new ServingError(504, `no answer within ${this.o.config.timeoutMs / 1000} s; the runtime host was ended (the next request starts a new one)`)
          : new ServingError(503, `runtime host ${how} while answering for model '${f.model}'; the next request starts a new host`, { 'retry-after': '1' });
        if (!h.closed) writeAll(h.socket, rawError(err, requestId, true));
        recordRequest(this.o.metrics, this.o.log, { requestId, method: 'POST', path: f.path, status: err.status, ms: performance.now() - f.started, model: f.model, message: err.message, direct: true });
      }
      h.socket.end();
    }
    this.checkDrained();
  }

  private checkDrained(): void {
    if (this.draining && this.inFlight === 0) for (const w of this.drainWaiters.splice(0)) w();
  }
}
