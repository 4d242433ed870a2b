// The runtime host's side of direct connections, in this process: its requests take turns at
// its session (direct-turns.ts: first come first served, one at a time, after any run the server
// sent); DirectHost sends a request to the server's queue only past the number allowed to wait
// (the server's queue size); and it tells the server by messages once its journal cannot be written.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { describeModel, runningInfers } from '../../electron/runtime-host/host-infer.js';
import type { SessionSettings } from '../../electron/runtime-host/host-protocol.js';
import { DirectHost } from '../../electron/serving/direct-host.js';
import type { DirectFromHost, DirectModel } from '../../electron/serving/direct-messages.js';
import { RunTurns } from '../../electron/serving/direct-turns.js';
import { isBatchable } from '../../electron/serving/served-model.js';
import { convModel, runDirect, seeded, writeModels } from './serving-models.js';

/** A host's state as RunTurns sees it: runs started from outside (the server's), and when they end. */
function fakeHost() {
  let running = 0;
  const waiters: (() => void)[] = [];
  return {
    busy: () => running > 0,
    free: () => (running === 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
    async run<T>(work: () => Promise<T>): Promise<T> {
      running++;
      try {
        return await work();
      } finally {
        running--;
        if (!running) for (const w of waiters.splice(0)) w();
      }
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('RunTurns', () => {
  it('runs waiting requests one at a time, first come first served', async () => {
    const host = fakeHost();
    const turns = new RunTurns(host.busy, host.free);
    const order: number[] = [];
    let concurrent = 0;
    let most = 0;
    const request = (i: number) =>
      turns.take(() =>
        host.run(async () => {
          concurrent++;
          most = Math.max(most, concurrent);
          order.push(i);
          await tick();
          concurrent--;
        }),
      );
    const all = [0, 1, 2, 3, 4].map(request);
    expect(turns.waitingCount).toBe(4);
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(1);
    expect(turns.waitingCount).toBe(0);
  });

  it('waits for a run the server sent before taking the host', async () => {
    const host = fakeHost();
    const turns = new RunTurns(host.busy, host.free);
    const events: string[] = [];
    const outside = host.run(async () => {
      events.push('server run starts');
      await tick();
      events.push('server run ends');
    });
    const direct = turns.take(() => host.run(async () => void events.push('direct run')));
    await Promise.all([outside, direct]);
    expect(events).toEqual(['server run starts', 'server run ends', 'direct run']);
  });

  it('passes the turn on when a request fails', async () => {
    const host = fakeHost();
    const turns = new RunTurns(host.busy, host.free);
    const first = turns.take(() => host.run(() => tick().then(() => Promise.reject(new Error('run failed')))));
    const second = turns.take(() => host.run(async () => 'ran'));
    await expect(first).rejects.toThrow('run failed');
    await expect(second).resolves.toBe('ran');
  });
});

describe('DirectHost in this process', () => {
  const SESSION: SessionSettings = { provider: 'cpu', deviceId: 0, optimization: 'all', freeDimensionOverrides: {} };
  let model: DirectModel;
  let listener: Server | undefined;

  beforeAll(async () => {
    const path = writeModels({ wide: convModel(32, 64) }).wide!;
    const info = await describeModel(path, SESSION);
    model = { name: 'wide', version: '1', path, session: SESSION, ...info, batchable: isBatchable(info), state: {}, direct: true };
  });
  afterAll(() => listener?.close());

  const payload = (seed: number) => JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 64, 64], data: Array.from(seeded(3 * 64 * 64, seed)) }] });
  const requestBytes = (seed: number) => `POST /v2/models/wide/infer HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(payload(seed))}\r\n\r\n${payload(seed)}`;

  /**
   * Sends one request on each of `seeds.length` connections, and hands the connections to a
   * DirectHost only once every request is written: the host reads them all at once, so all but
   * the first find it busy. Resolves with each connection's answer (its raw text), or 'given back'
   * when the host returned the connection (no server takes it here, so it closes), and what the
   * host posted to its server.
   */
  async function sendTogether(maxWaiting: number, seeds: number[], journal?: string): Promise<{ answers: string[]; posted: DirectFromHost[] }> {
    const posted: DirectFromHost[] = [];
    const host = new DirectHost((m) => posted.push(m), () => undefined);
    host.receive({ type: 'direct-setup', config: { models: [model], maxBodyBytes: 1 << 20, bodyTimeoutMs: 10_000, headersTimeoutMs: 10_000, timeoutMs: 30_000, maxWaiting }, ...(journal ? { journal } : {}) }, undefined);
    const accepted: Socket[] = [];
    listener?.close();
    const server = (listener = createServer({ pauseOnConnect: true }, (socket) => accepted.push(socket)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const clients: Socket[] = [];
    const answers = seeds.map(
      () =>
        new Promise<string>((answered) => {
          const socket = connect(port, '127.0.0.1');
          clients.push(socket);
          let text = '';
          socket.on('data', (d: Buffer) => {
            text += d.toString('latin1');
            const head = text.indexOf('\r\n\r\n');
            const length = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? -1);
            if (head >= 0 && length >= 0 && text.length >= head + 4 + length) answered(text);
          });
          socket.on('close', () => answered('given back'));
        }),
    );
    await Promise.all(clients.map((c, i) => new Promise((r) => c.write(requestBytes(seeds[i]!), r))));
    await expect.poll(() => accepted.length).toBe(seeds.length);
    accepted.forEach((socket, i) => host.receive({ type: 'direct-connection', conn: i + 1 }, socket));
    const texts = await Promise.all(answers);
    for (const c of clients) c.destroy();
    return { answers: texts, posted };
  }

  /** The output onnxruntime gives for the seed's input, in a session of this test's own. */
  const expected = async (seed: number) => Array.from((await runDirect(model.path, { x: new ort.Tensor('float32', seeded(3 * 64 * 64, seed), [1, 3, 64, 64]) })).y!.data as Float32Array);
  const stage = (text: string, name: string) => Number(new RegExp(`${name};dur=([0-9.]+)`).exec(text)?.[1]);

  it('answers requests that find the host busy once it is free, each with its own outputs, their wait counted as queue time', async () => {
    const seeds = [1, 2, 3, 4];
    const { answers, posted } = await sendTogether(256, seeds);
    expect(posted.filter((m) => m.type === 'direct-handback')).toEqual([]);
    for (const [i, text] of answers.entries()) {
      expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
      const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { outputs: { data: number[] }[] };
      expect(body.outputs[0]!.data).toEqual(await expected(seeds[i]!));
    }
    // The request read first ran at once; the next waited at least that whole run.
    const byWait = [...answers].sort((a, b) => stage(a, 'queue') - stage(b, 'queue'));
    expect(stage(byWait[1]!, 'queue')).toBeGreaterThanOrEqual(stage(byWait[0]!, 'run') * 0.9);
    expect(runningInfers()).toBe(0);
    // The server hears which wait (queued) and when each starts to run: one ran at once, three waited.
    const notes = new Map<string, string[]>();
    for (const m of posted) {
      if (m.type !== 'direct-start' && m.type !== 'direct-run' && m.type !== 'direct-done') continue;
      const label = m.type === 'direct-start' && m.waiting ? 'start (waiting)' : m.type.slice(7);
      notes.set(m.requestId, [...(notes.get(m.requestId) ?? []), label]);
    }
    expect([...notes.values()].map((n) => n.join(' → ')).sort()).toEqual(['start (waiting) → run → done', 'start (waiting) → run → done', 'start (waiting) → run → done', 'start → done']);
  });

  it('gives the requests past those allowed to wait back to the server, with their bytes untouched', async () => {
    const seeds = [11, 12, 13, 14, 15];
    const { answers, posted } = await sendTogether(1, seeds);
    const handbacks = posted.filter((m): m is Extract<DirectFromHost, { type: 'direct-handback' }> => m.type === 'direct-handback');
    // One ran, one waited, the other three went back.
    expect(answers.filter((t) => t.startsWith('HTTP/1.1 200 OK'))).toHaveLength(2);
    expect(answers.filter((t) => t === 'given back')).toHaveLength(3);
    const sent = seeds.map(requestBytes);
    expect(handbacks.map((h) => sent.indexOf(Buffer.from(h.bytes).toString('latin1'))).every((i) => i >= 0)).toBe(true);
    expect(handbacks).toHaveLength(3);
  });

  it('notes requests in its journal, and by messages from the first note the journal cannot take (a full disk)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'direct-host-'));
    const journaled = await sendTogether(256, [21, 22], join(dir, 'journal.jsonl'));
    expect(journaled.answers.every((t) => t.startsWith('HTTP/1.1 200 OK'))).toBe(true);
    expect(journaled.posted.filter((m) => m.type === 'direct-start' || m.type === 'direct-run' || m.type === 'direct-done')).toEqual([]);
    const notes = readFileSync(join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type);
    // Sent together: the second waited for its turn.
    expect(notes.sort()).toEqual(['direct-done', 'direct-done', 'direct-run', 'direct-start', 'direct-start']);
    rmSync(dir, { recursive: true });

    // /dev/full opens, and every write to it fails (ENOSPC).
    const full = await sendTogether(256, [23, 24], '/dev/full');
    expect(full.answers.every((t) => t.startsWith('HTTP/1.1 200 OK'))).toBe(true);
    const byRequest = new Map<string, string[]>();
    for (const m of full.posted) if (m.type === 'direct-start' || m.type === 'direct-run' || m.type === 'direct-done') byRequest.set(m.requestId, [...(byRequest.get(m.requestId) ?? []), m.type]);
    expect([...byRequest.values()]).toEqual([
      ['direct-start', 'direct-done'],
      ['direct-start', 'direct-run', 'direct-done'],
    ]);
  });
});
