import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileModel } from '../../electron/profile/profile-model.js';
import { chooseProvider } from '../../electron/profile/profile-options.js';
import { forkLauncher } from '../../electron/runtime-host/host-channel.js';
import { HOST_FAULT_ENV, HOST_TEST_ENV, type MeasureJob } from '../../electron/runtime-host/host-protocol.js';
import { HostFailure, RuntimeHost, type Progress } from '../../electron/runtime-host/runtime-host.js';
import { WorkbenchError } from '../../shared/errors.js';
import { ElemType } from '../../shared/onnx/element-types.js';
import { convNet, ensureHostBuilt, quickOptions, writeTemp } from '../profile/fixtures.js';

// The runtime host dies instead of the caller: a native crash (abort), a hang past the timeout,
// a fault in the middle of a job. Each fails the one request with a line naming the step and the
// model, and the next request gets a fresh host.

const testEnv = (extra: Record<string, string> = {}) => forkLauncher({ env: { ...process.env, [HOST_TEST_ENV]: '1', ...extra } });
const dir = mkdtempSync(join(tmpdir(), 'owb-host-'));
let modelPath = '';

beforeAll(() => {
  ensureHostBuilt();
  modelPath = writeTemp(dir, 'convnet.onnx', convNet());
});

function job(runs: number): MeasureJob {
  return {
    models: [{ path: modelPath, label: 'convnet.onnx' }],
    session: { provider: 'cpu', deviceId: 0, optimization: 'disabled', intraOpThreads: 1, freeDimensionOverrides: {} },
    inputs: { given: [], generate: [{ name: 'x', elemType: ElemType.FLOAT, shape: [1, 8, 16, 16], fill: 'random', range: { low: -1, high: 1 } }], seed: 0 },
    warmup: 0,
    runs,
    workDir: mkdtempSync(join(dir, 'work-')),
    fetchOutputs: false,
  };
}

async function failure(p: Promise<unknown>): Promise<HostFailure> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(HostFailure);
  return e as HostFailure;
}

describe('runtime host faults', () => {
  const host = new RuntimeHost({ launcher: testEnv(), idleTimeoutMs: 20_000 });
  afterAll(() => host.close());

  it('a native crash fails the request with the step, and the next request starts a new host', async () => {
    const e = await failure(host.request({ kind: 'test-abort' }));
    expect(e.code).toBe('HOST_CRASHED');
    expect(e.message).toMatch(/^runtime host crashed \(SIGABRT\) while aborting on request/);
    expect(e.message).not.toMatch(/\n/);
    const before = host.started;
    expect(await host.probe('cpu', 0)).toEqual({ available: true });
    expect(host.started).toBe(before + 1);
  });

  it('a hang is ended at the timeout, naming the step; the service goes on', async () => {
    const e = await failure(host.request({ kind: 'test-sleep', ms: 60_000 }, { idleTimeoutMs: 800 }));
    expect(e.code).toBe('HOST_TIMEOUT');
    expect(e.message).toMatch(/did not answer for 0\.8 s while sleeping on request; it was ended/);
    const r = await host.measure(job(1));
    expect(r.models[0]!.plainMs).toHaveLength(1);
  });

  it('reports progress as runs done / total, and a cancelled job stops with the host still usable', async () => {
    const seen: Progress[] = [];
    const r = await host.measure(job(3), { onProgress: (p) => seen.push(p) });
    expect(seen.map((p) => `${p.done}/${p.total}`)).toEqual(['1/3', '2/3', '3/3']);
    expect(seen[0]!.model).toBe('convnet.onnx');
    expect(r.models[0]!.profiledMs).toHaveLength(3);

    const abort = new AbortController();
    const pending = host.measure(job(10_000), { onProgress: (p) => p.done === 2 && abort.abort(), signal: abort.signal });
    const e = await failure(pending);
    expect(e.code).toBe('CANCELLED');
    expect(e.message).toMatch(/cancelled while measuring convnet\.onnx/);
    expect(await host.probe('cpu', 0)).toEqual({ available: true });
  });

  it('a model onnxruntime rejects is the input\'s fault (WorkbenchError), and the host stays up', async () => {
    const bad = writeTemp(dir, 'bad.onnx', new Uint8Array([8, 7, 0x12, 3, 0x61, 0x62, 0x63]));
    const started = host.started;
    const e = await host.measure({ ...job(1), models: [{ path: bad, label: 'bad.onnx' }] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(WorkbenchError);
    expect((e as WorkbenchError).code).toBe('RUNTIME_REJECTED');
    expect((e as Error).message).toMatch(/^bad\.onnx: onnxruntime cannot load it: /);
    expect(host.started).toBe(started);
  });

  it('refuses the test-only requests unless the host was started for tests', async () => {
    const plain = new RuntimeHost({ launcher: forkLauncher({ env: { ...process.env, [HOST_TEST_ENV]: '' } }) });
    try {
      await expect(plain.request({ kind: 'test-abort' })).rejects.toThrow(/for tests only/);
    } finally {
      plain.close();
    }
  });
});

describe('faults in the middle of a profile', () => {
  it('a crash while a profile job runs names the model and the step', async () => {
    const host = new RuntimeHost({ launcher: testEnv({ [HOST_FAULT_ENV]: 'abort' }) });
    try {
      const e = await failure(profileModel(modelPath, quickOptions({ dims: { batch: 1 } }), host));
      expect(e.message).toMatch(/^runtime host crashed \(SIGABRT\) while warming up \(convnet\.onnx\)/);
    } finally {
      host.close();
    }
  });

  it('running out of memory kills the host, not the caller', async () => {
    // A small V8 heap makes the host die of OOM quickly (native OOM ends it the same way).
    const host = new RuntimeHost({ launcher: forkLauncher({ env: { ...process.env, [HOST_TEST_ENV]: '1', [HOST_FAULT_ENV]: 'oom' }, execArgv: ['--max-old-space-size=64'] }) });
    try {
      const e = await failure(profileModel(modelPath, quickOptions({ dims: { batch: 1 } }), host));
      expect(e.code).toBe('HOST_CRASHED');
      expect(e.message).toMatch(/while warming up \(convnet\.onnx\).*heap/i);
      expect(e.message).not.toMatch(/\n/);
    } finally {
      host.close();
    }
  });
});

describe('execution providers', () => {
  const host = new RuntimeHost();
  afterAll(() => host.close());

  it('detects that CUDA and TensorRT are missing here, and falls back to CPU only when allowed', async () => {
    for (const provider of ['cuda', 'tensorrt'] as const) {
      const probe = await host.probe(provider, 0);
      // Never faked: this machine has no GPU provider libraries. Where one works, this says so.
      if (probe.available) continue;
      expect(probe.reason).toMatch(new RegExp(`${provider} provider cannot start|has no ${provider} provider`));
      await expect(chooseProvider(host, quickOptions({ provider }))).rejects.toThrow(new RegExp(`^--ep ${provider}: .*--allow-fallback`));
      const notes: string[] = [];
      const info = await chooseProvider(host, quickOptions({ provider, allowFallback: true, onNote: (l) => notes.push(l) }));
      expect(info).toMatchObject({ requested: provider, used: 'cpu', fallback: true });
      expect(info.reason).toBe(probe.reason);
      expect(notes[0]).toMatch(/running on CPU \(--allow-fallback\)/);
    }
  });
});
