// `onnx-workbench load` against a running server: both loop modes, the JSON report's fields,
// errors by kind, comparisons in the HTML report, and the refusal of other machines.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runLoad } from '../../electron/serving/load-test.js';
import { runCli } from '../../electron/cli/main.js';
import { startModelServer, type ModelServer } from '../../electron/serving/model-server.js';
import type { LoadReport } from '../../electron/serving/load-test.js';
import { convModel, writeModels } from './serving-models.js';

let server: ModelServer;
const dir = mkdtempSync(join(tmpdir(), 'load-test-'));

beforeAll(async () => {
  const paths = writeModels({ conv: convModel() });
  server = await startModelServer({ models: [{ name: 'conv', version: '1', path: paths.conv! }], maxBatch: 8, log: () => undefined });
}, 60_000);
afterAll(async () => server?.close());

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

it('runs a closed loop and an open loop, writes the JSON report, and compares runs in HTML', async () => {
  const closed = join(dir, 'closed.json');
  const r1 = await cli('load', server.url, '--model', 'conv', '--concurrency', '4', '--duration', '1', '--batch', '2', '--json', closed, '--label', 'closed');
  expect(r1.code).toBe(0);
  expect(r1.out).toMatch(/^server time per request, mean ms: read [0-9.]+, decode [0-9.]+, queue [0-9.]+, ipc [0-9.]+, run [0-9.]+, encode [0-9.]+; server total [0-9.]+; outside the server \(client, HTTP, network\) -?[0-9.]+$/m);
  const a = JSON.parse(readFileSync(closed, 'utf8')) as LoadReport;
  expect(a).toMatchObject({ mode: 'closed', concurrency: 4, errors: {}, label: 'closed' });
  expect(a.requests).toBeGreaterThan(4);
  expect(a.ok).toBe(a.requests);
  expect(a.throughput).toBeGreaterThan(0);
  expect(a.latency.p50Ms).toBeLessThanOrEqual(a.latency.p90Ms);
  expect(a.latency.p90Ms).toBeLessThanOrEqual(a.latency.p99Ms);
  expect(a.latency.p99Ms).toBeLessThanOrEqual(a.latency.maxMs);
  // The server counted what the client sent.
  expect(server.snapshot().models.conv!.requests['200']).toBe(a.ok);
  // Its Server-Timing headers give the time per stage; the run is the largest part of the server's total.
  expect(Object.keys(a.stages!)).toEqual(['read', 'decode', 'queue', 'ipc', 'run', 'encode', 'total']);
  expect(a.stages!.run!.meanMs).toBeGreaterThan(0);
  expect(a.stages!.total!.meanMs).toBeLessThanOrEqual(a.latency.meanMs);

  const html = join(dir, 'runs.html');
  const r2 = await cli('load', server.url, '--model', 'conv', '--rps', '20', '--duration', '1', '--json', '-', '--compare', closed, '--html', html);
  expect(r2.code).toBe(0);
  const b = JSON.parse(r2.out) as LoadReport;
  // 20 requests are due in one second at 20 per second, whatever the server does.
  expect(b).toMatchObject({ mode: 'open', rps: 20, requests: 20, ok: 20, errorRate: 0 });
  const page = readFileSync(html, 'utf8');
  expect(page).toContain('<td>closed</td>');
  expect(page).toContain('<td>this run</td>');
  expect(page).toMatch(/throughput vs first/);
}, 60_000);

it('counts failures by kind and exits 1 when nothing succeeded', async () => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 16, 16], data: [1] }] }));
  const r = await cli('load', server.url, '--model', 'conv', '--rps', '10', '--duration', '0.5', '--inputs', bad, '--json', '-');
  expect(r.code).toBe(1);
  const report = JSON.parse(r.out) as LoadReport;
  expect(report.errors).toEqual({ http_400: 5 });
  expect(report.errorRate).toBe(1);
}, 30_000);

it('refuses other machines unless told, and bad options', async () => {
  const remote = await cli('load', 'http://10.255.255.1:8000', '--model', 'conv', '--rps', '1', '--duration', '1');
  expect(remote.code).toBe(2);
  expect(remote.err).toMatch(/10\.255\.255\.1 is not this machine.*--allow-remote/);
  expect((await cli('load', server.url, '--model', 'conv', '--duration', '1')).err).toMatch(/one of --rps R .* or --concurrency C/);
  expect((await cli('load', server.url, '--model', 'nope', '--rps', '1', '--duration', '1')).err).toMatch(/404 no model named 'nope'/);
});

it('keeps its connections alive: a closed loop of C clients opens C connections whatever the requests', async () => {
  let connections = 0;
  let requests = 0;
  const plain = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  plain.on('connection', () => connections++);
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/v2/models/m/infer`;
    const report = await runLoad({ url, body: new Uint8Array(1000), headers: {}, concurrency: 3, durationS: 0.5, timeoutMs: 5000 });
    expect(report.ok).toBe(requests);
    expect(requests).toBeGreaterThan(30);
    expect(connections).toBe(3);
    // No Server-Timing header: no stages.
    expect(report.stages).toBeUndefined();
  } finally {
    plain.close();
  }
});
