// Direct connections: the server hands each connection to a runtime host, which answers the
// inferences on it itself and gives the connection back for anything else. Answers equal the
// server's own path and onnxruntime's; one kept-alive connection carries every kind of request;
// concurrent clients take turns on the host; a hung one is ended (504); and no
// connection is left half-open in the server when its client closes it.

import { once } from 'node:events';
import { readdirSync, readlinkSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forkLauncher } from '../../electron/runtime-host/host-channel.js';
import { HOST_FAULT_ENV, HOST_TEST_ENV } from '../../electron/runtime-host/host-protocol.js';
import { startModelServer, type ModelServer } from '../../electron/serving/model-server.js';
import { convModel, runDirect, seeded, writeModels } from './serving-models.js';

let paths: Record<string, string>;
beforeAll(() => {
  paths = writeModels({ conv: convModel(), wide: convModel(32, 64) });
});

const body = (seed: number, size = 16) => JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, size, size], data: Array.from(seeded(3 * size * size, seed)) }] });

interface Answer {
  status: number;
  text: string;
  /** The client's port: the same port, the same connection. */
  localPort: number;
  socket: Socket;
}

/** One request on `agent` (node:http, so that the connection it used can be seen). */
function send(server: ModelServer, agent: Agent, method: string, path: string, payload?: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, agent, headers: { ...headers, ...(payload !== undefined ? { 'content-length': String(Buffer.byteLength(payload)) } : {}) } }, (res) => {
      let text = '';
      // Read now: the socket goes back to the agent before 'end'.
      const socket = res.socket;
      const localPort = socket.localPort ?? -1;
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, localPort, socket }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function expectConvAnswer(a: { status: number; text: string }, path: string, seed: number, size = 16): Promise<void> {
  expect(a.status, a.text).toBe(200);
  const got = (JSON.parse(a.text) as { outputs: { data: number[] }[] }).outputs[0]!.data;
  const want = await runDirect(path, { x: new ort.Tensor('float32', seeded(3 * size * size, seed), [1, 3, size, size]) });
  expect(got).toEqual(Array.from(want.y!.data as Float32Array));
}

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** Writes `bytes` on a new connection and parses every answer that comes back until the server closes it. */
function exchange(server: ModelServer, bytes: string): Promise<RawAnswer[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      let all = Buffer.concat(chunks);
      const out: RawAnswer[] = [];
      while (all.length) {
        const end = all.indexOf('\r\n\r\n');
        const [line, ...fields] = all.subarray(0, end).toString('latin1').split('\r\n');
        const headers = Object.fromEntries(fields.map((f) => [f.slice(0, f.indexOf(':')).toLowerCase(), f.slice(f.indexOf(':') + 1).trim()]));
        const length = Number(headers['content-length'] ?? 0);
        out.push({ status: Number(line!.split(' ')[1]), headers, text: all.subarray(end + 4, end + 4 + length).toString() });
        all = all.subarray(end + 4 + length);
      }
      resolve(out);
    });
  });
}

const rawPost = (path: string, payload: string, headers = ''): string => `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sesame\r\n${headers}Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`;

/** Log lines of request events, parsed. */
const requestLines = (logs: string[]) => logs.map((l) => JSON.parse(l) as { event: string; path?: string; status?: number; direct?: boolean }).filter((l) => l.event === 'request');

/** The request lines logged after the first `seen` lines, once there are `n` (the server reads a host's journal within 50 ms). */
async function loggedSince(logs: string[], seen: number, n: number): Promise<ReturnType<typeof requestLines>> {
  await expect.poll(() => requestLines(logs.slice(seen)).length).toBe(n);
  return requestLines(logs.slice(seen));
}

describe('direct connections', () => {
  const logs: string[] = [];
  let server: ModelServer;
  let viaServer: ModelServer;
  beforeAll(async () => {
    const models = [
      { name: 'conv', version: '1', path: paths.conv! },
      { name: 'wide', version: '1', path: paths.wide! },
    ];
    server = await startModelServer({ models, log: (l) => logs.push(l), token: 'sesame', host: '127.0.0.1' });
    viaServer = await startModelServer({ models, direct: false, log: () => undefined });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await viaServer?.close();
  });
  const auth = { authorization: 'Bearer sesame' };

  it('answers inferences in the host: the same outputs as the server path and as onnxruntime, logged as direct', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const seen = logs.length;
    const direct = await send(server, agent, 'POST', '/v2/models/conv/infer', body(21), auth);
    const queued = await send(viaServer, agent, 'POST', '/v2/models/conv/infer', body(21));
    agent.destroy();
    await expectConvAnswer(direct, paths.conv!, 21);
    const outputs = (a: Answer) => (JSON.parse(a.text) as { outputs: unknown }).outputs;
    expect(outputs(direct)).toEqual(outputs(queued));
    expect((await loggedSince(logs, seen, 1))[0]).toMatchObject({ path: '/v2/models/conv/infer', status: 200, direct: true });
  });

  it('carries inferences, metadata, health, refusals and a wrong token on one kept-alive connection, each answered as the server would', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const seen = logs.length;
    const answers = [
      await send(server, agent, 'POST', '/v2/models/conv/infer', body(1), auth),
      await send(server, agent, 'GET', '/v2/models/conv', undefined, auth),
      await send(server, agent, 'POST', '/v2/models/conv/infer', body(2), auth),
      await send(server, agent, 'GET', '/v2/health/ready'),
      await send(server, agent, 'POST', '/v2/models/conv/infer', '{"inputs": [', auth),
      await send(server, agent, 'POST', '/v2/models/conv/infer', body(3)),
      await send(server, agent, 'POST', '/v2/models/conv/infer', body(4), auth),
    ];
    agent.destroy();
    expect(new Set(answers.map((a) => a.localPort)).size).toBe(1);
    await expectConvAnswer(answers[0]!, paths.conv!, 1);
    expect(JSON.parse(answers[1]!.text)).toMatchObject({ name: 'conv', versions: ['1'], inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3, 16, 16] }] });
    await expectConvAnswer(answers[2]!, paths.conv!, 2);
    expect(JSON.parse(answers[3]!.text)).toEqual({ ready: true });
    expect(answers[4]!.status).toBe(400);
    expect(answers[4]!.text).toMatch(/not valid JSON/);
    expect(answers[5]!.status).toBe(401);
    await expectConvAnswer(answers[6]!, paths.conv!, 4);
    // Metadata and health keep the connection on the host; the request without the token goes
    // back to the server, and the connection with it.
    expect((await loggedSince(logs, seen, 7)).map((l) => [l.status, l.direct ?? false])).toEqual([
      [200, true],
      [200, true],
      [200, true],
      [200, true],
      [400, true],
      [401, false],
      [200, false],
    ]);
  });

  it('answers concurrent requests on one host, each in turn on its own connection: every answer equals its own run, and every one is counted as direct', async () => {
    const before = server.snapshot().models.wide?.requests['200'] ?? 0;
    const seen = logs.length;
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => {
        const agent = new Agent({ keepAlive: false });
        return send(server, agent, 'POST', '/v2/models/wide/infer', body(100 + i, 64), auth);
      }),
    );
    for (const [i, a] of answers.entries()) await expectConvAnswer(a, paths.wide!, 100 + i, 64);
    expect(server.snapshot().models.wide!.requests['200']! - before).toBe(8);
    const lines = await loggedSince(logs, seen, 8);
    expect(lines).toHaveLength(8);
    // Those that find the host busy wait for their turn there (direct-host.test.ts gives the rest to the server).
    expect(lines.every((l) => l.direct)).toBe(true);
    // None is left counted as queued, running or in flight.
    expect(server.snapshot()).toMatchObject({ queueDepth: 0, running: 0, inFlight: 0 });
  });

  it('answers requests pipelined behind one that goes back to the server, in order, none lost', async () => {
    const seen = logs.length;
    const answers = await exchange(server, [rawPost('/v2/models/conv/infer', body(31)), 'GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sesame\r\n\r\n', rawPost('/v2/models/conv/infer', body(32)), 'GET /v2/health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'].join(''));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    await expectConvAnswer(answers[0]!, paths.conv!, 31);
    expect(answers[1]!.text).toMatch(/^# HELP /m);
    await expectConvAnswer(answers[2]!, paths.conv!, 32);
    expect(JSON.parse(answers[3]!.text)).toEqual({ live: true });
    // The first in the host; /metrics takes the connection (and what follows) to the server,
    // which logs each as it finishes (the health check before the inference ahead of it).
    const lines = (await loggedSince(logs, seen, 4)).map((l) => `${l.path} ${l.direct ?? false}`);
    expect(lines[0]).toBe('/v2/models/conv/infer true');
    expect(lines.slice(1).sort()).toEqual(['/metrics false', '/v2/health/live false', '/v2/models/conv/infer false']);
  });

  it('leaves chunked bodies and Expect: 100-continue to the server, which answers them', async () => {
    const seen = logs.length;
    const b = body(33);
    const chunked = `POST /v2/models/conv/infer HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sesame\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${Buffer.byteLength(b).toString(16)}\r\n${b}\r\n0\r\n\r\n`;
    const [a] = await exchange(server, chunked);
    await expectConvAnswer(a!, paths.conv!, 33);
    const [cont, final] = await exchange(server, rawPost('/v2/models/conv/infer', body(34), 'Expect: 100-continue\r\nConnection: close\r\n'));
    expect(cont!.status).toBe(100);
    await expectConvAnswer(final!, paths.conv!, 34);
    expect((await loggedSince(logs, seen, 2)).map((l) => [l.status, l.direct ?? false])).toEqual([
      [200, false],
      [200, false],
    ]);
  });

  it('closes a direct connection after the answer when the client asks (Connection: close)', async () => {
    const seen = logs.length;
    const answers = await exchange(server, rawPost('/v2/models/conv/infer', body(35), 'Connection: close\r\n') + rawPost('/v2/models/conv/infer', body(36)));
    expect(answers).toHaveLength(1);
    expect(answers[0]!.headers.connection).toBe('close');
    await expectConvAnswer(answers[0]!, paths.conv!, 35);
    expect((await loggedSince(logs, seen, 1)).map((l) => l.direct)).toEqual([true]);
  });

  it('closes a direct connection left idle for 5 s after its answer, as node:http does, and the server its copy', async () => {
    const before = await settledSockets();
    const socket = connect(server.port, '127.0.0.1');
    await once(socket, 'connect');
    let answered = 0;
    socket.on('data', () => (answered ||= performance.now()));
    socket.write(rawPost('/v2/models/conv/infer', body(37)));
    await once(socket, 'close');
    const idle = performance.now() - answered;
    expect(answered).toBeGreaterThan(0);
    expect(idle).toBeGreaterThan(4500);
    expect(idle).toBeLessThan(8000);
    await expect.poll(() => openSockets(), { timeout: 5000 }).toBe(before);
  }, 20_000);

  it('closes its own copy of a connection when the client closes it (no socket left open in the server)', async () => {
    const before = await settledSockets();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const a = await send(server, agent, 'POST', '/v2/models/conv/infer', body(5), auth);
    expect(a.status).toBe(200);
    // The client's socket and the server's copy of the connection.
    expect(openSockets()).toBe(before + 2);
    const closed = once(a.socket, 'close');
    agent.destroy();
    await closed;
    const until = Date.now() + 5000;
    while (openSockets() > before && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(openSockets()).toBe(before);
  });
});

/** Open sockets once earlier tests' connections have finished closing (no change for 200 ms). */
async function settledSockets(): Promise<number> {
  for (let last = -1; ; ) {
    const now = openSockets();
    if (now === last) return now;
    last = now;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Sockets this process has open (the server under test runs in it). */
function openSockets(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
    } catch {
      return false;
    }
  }).length;
}

it('ends a host whose direct request runs past the timeout (504); the next request gets a new host', async () => {
  let launched = 0;
  const hangingFirst = () => (launched++ === 0 ? forkLauncher({ env: { ...process.env, [HOST_TEST_ENV]: '1', [HOST_FAULT_ENV]: 'hang' } })() : forkLauncher()());
  const server = await startModelServer({ models: [{ name: 'conv', version: '1', path: paths.conv! }], launcher: () => hangingFirst, timeoutMs: 1000, bodyTimeoutMs: 500, log: () => undefined });
  try {
    const agent = new Agent({ keepAlive: true });
    const hung = await send(server, agent, 'POST', '/v2/models/conv/infer', body(7));
    expect(hung.status).toBe(504);
    expect(hung.text).toMatch(/no answer within 1\.5 s; the runtime host was ended/);
    await expectConvAnswer(await send(server, agent, 'POST', '/v2/models/conv/infer', body(8)), paths.conv!, 8);
    agent.destroy();
    expect(server.snapshot().hostRestarts).toBe(1);
  } finally {
    await server.close();
  }
}, 60_000);

it('counts and logs direct requests by messages when no journal can be written (no temporary folder)', async () => {
  const logs: string[] = [];
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = '/nonexistent/tmp';
  let server: ModelServer;
  try {
    server = await startModelServer({ models: [{ name: 'conv', version: '1', path: paths.conv! }], log: (l) => logs.push(l) });
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  try {
    const agent = new Agent({ keepAlive: true });
    await expectConvAnswer(await send(server, agent, 'POST', '/v2/models/conv/infer', body(9)), paths.conv!, 9);
    agent.destroy();
    expect((await loggedSince(logs, 0, 1))[0]).toMatchObject({ status: 200, direct: true });
    expect(server.snapshot().models.conv!.requests['200']).toBe(1);
  } finally {
    await server.close();
  }
}, 60_000);
