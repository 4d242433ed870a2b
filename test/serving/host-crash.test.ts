// A runtime host killed mid-request: that request gets 503, the one queued behind it and the
// next ones succeed on a new host, and the restart shows in /metrics.

import { readdirSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { forkLauncher, type HostLauncher } from '../../electron/runtime-host/host-channel.js';
import { HOST_FAULT_ENV, HOST_TEST_ENV } from '../../electron/runtime-host/host-protocol.js';
import { startModelServer } from '../../electron/serving/model-server.js';
import { convModel, seeded, writeModels } from './serving-models.js';

/** The runtime hosts this process started (children running host-main.js); `env` picks those with that variable. */
function hostPids(env?: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid || !readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('host-main.js')) continue;
      if (env === undefined || readFileSync(`/proc/${d}/environ`, 'utf8').split('\0').includes(env)) pids.push(Number(d));
    } catch {
      // A process that ended while being read.
    }
  }
  return pids;
}

/** The first host hangs in its first inference (as a stuck native call would); later ones are plain. */
function hangingFirst(): HostLauncher {
  let launched = 0;
  return () => (launched++ === 0 ? forkLauncher({ env: { ...process.env, [HOST_TEST_ENV]: '1', [HOST_FAULT_ENV]: 'hang' } })() : forkLauncher()());
}

// Direct (the default): the request hangs in the host that answers its connection, and the next
// one waits on a second connection handed to that same host; without: it waits in the server's queue.
it.each([true, false])('fails only the request in flight with 503 when its host is killed; the waiting and next ones succeed (direct %s)', async (direct) => {
  const paths = writeModels({ conv: convModel() });
  const launcher = hangingFirst();
  const server = await startModelServer({ models: [{ name: 'conv', version: '1', path: paths.conv! }], launcher: () => launcher, log: () => undefined, direct });
  try {
    const body = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 16, 16], data: Array.from(seeded(768, 5)) }] });
    const infer = () => fetch(`${server.url}/v2/models/conv/infer`, { method: 'POST', body });
    const before = hostPids();
    expect(before).toHaveLength(1);
    const inFlight = infer();
    // Wait until the host is inside the request, then send one behind it.
    while (server.snapshot().running < 1) await new Promise((r) => setTimeout(r, 20));
    const queued = infer();
    if (direct) await new Promise((r) => setTimeout(r, 300));
    else while (server.snapshot().queueDepth < 1) await new Promise((r) => setTimeout(r, 20));
    process.kill(before[0]!, 'SIGKILL');

    const failed = await inFlight;
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as { error: string }).error).toMatch(/runtime host crashed \(SIGKILL\)|was killed/);
    expect((await queued).status).toBe(200);
    expect((await infer()).status).toBe(200);
    const after = hostPids();
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before[0]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^onnx_workbench_runtime_host_restarts_total 1$/m);
    expect(metrics).toMatch(/^onnx_workbench_requests_total\{model="conv",status="503"\} 1$/m);
    expect(metrics).toMatch(/^onnx_workbench_requests_total\{model="conv",status="200"\} 2$/m);
  } finally {
    await server.close();
  }
}, 60_000);

it('runs on several host instances: a hung one holds only its own request, and its death fails only that one', async () => {
  const paths = writeModels({ conv: convModel() });
  const first = hangingFirst();
  const server = await startModelServer({ models: [{ name: 'conv', version: '1', path: paths.conv! }], instances: 2, launcher: (i) => (i === 0 ? first : undefined), log: () => undefined });
  try {
    const body = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 16, 16], data: Array.from(seeded(768, 5)) }] });
    const infer = () => fetch(`${server.url}/v2/models/conv/infer`, { method: 'POST', body });
    expect(hostPids()).toHaveLength(2);
    const hung = infer();
    while (server.snapshot().running < 1) await new Promise((r) => setTimeout(r, 20));
    // The other instance answers while the first is stuck.
    for (let i = 0; i < 3; i++) expect((await infer()).status).toBe(200);
    const [stuck] = hostPids(`${HOST_FAULT_ENV}=hang`);
    process.kill(stuck!, 'SIGKILL');
    expect((await hung).status).toBe(503);
    expect((await infer()).status).toBe(200);
    expect(server.snapshot().hostRestarts).toBe(1);
  } finally {
    await server.close();
  }
}, 60_000);
