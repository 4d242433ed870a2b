import { execFileSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkbenchService } from '../../electron/service/workbench-service.js';
import { methods } from '../../shared/protocol/methods.js';
import { convModel } from '../serving/serving-models.js';
import { writeConvBnRelu } from './conv-bn-model.js';
import { useOpenedModel } from './opened-model.js';

// Serving open models from the service (serve-model's server in-process, runtime hosts from
// dist/): a builder-made model served as opened and after an edit, a load test as a job, the
// dashboard's figures, and servers stopped by stopServing, closeModel and dispose.

const x = Array.from({ length: 3 * 8 * 8 }, (_, i) => Math.sin(i) * 0.5);

async function infer(url: string, name: string): Promise<number[]> {
  const r = await fetch(`${url}/v2/models/${name}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 8, 8], data: x }] }),
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as { outputs: { data: number[] }[] }).outputs[0]!.data;
}

const refused = (url: string) =>
  fetch(`${url}/v2/health/live`, { signal: AbortSignal.timeout(5000) }).then(
    () => false,
    () => true,
  );

/** Runtime hosts this test process started (children running host-main.js). */
const hostChildren = () =>
  execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes('host-main.js')).length;

describe('serving an open model from the service', () => {
  const m = useOpenedModel('service-serving-', async (dir) => {
    await writeConvBnRelu(join(dir, 'conv-bn-relu.onnx'));
    await writeFile(join(dir, 'conv.onnx'), convModel(4, 12));
    return join(dir, 'conv-bn-relu.onnx');
  });

  it('serves the model as opened; a load test runs as a job and the figures count its requests', async () => {
    expect(await m.service.getServing(m.modelId)).toEqual({ serving: null, snapshot: null });
    await expect(m.service.startLoad({ modelId: m.modelId, durationS: 1, concurrency: 2 })).rejects.toMatchObject({ code: 'NOT_SERVING' });

    const info = await m.service.startServing({ modelId: m.modelId, options: { maxBatch: 4, maxDelayMs: 2, instances: 1 } });
    methods.startServing.result.parse(info);
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info).toMatchObject({ name: 'conv-bn-relu', version: '1', label: 'conv-bn-relu.onnx', batchable: false });
    expect(info.commands.load).toBe(`onnx-workbench load ${info.url} --model conv-bn-relu --concurrency 8 --duration 10`);
    // The file as opened is served as it is: nothing written.
    expect(await readdir(join(m.dir, 'tmp'))).toEqual([]);
    await expect(m.service.startServing({ modelId: m.modelId, options: { maxBatch: 1, maxDelayMs: 0, instances: 1 } })).rejects.toMatchObject({ code: 'ALREADY_SERVING' });

    const meta = (await (await fetch(`${info.url}/v2/models/conv-bn-relu`)).json()) as { inputs: { name: string; shape: number[] }[] };
    expect(meta.inputs).toEqual([{ name: 'x', datatype: 'FP32', shape: [1, 3, 8, 8] }]);

    const job = await m.service.startLoad({ modelId: m.modelId, durationS: 1.5, concurrency: 3 });
    expect(job.kind).toBe('load');
    const ended = await m.service.waitForJob(job.jobId);
    expect(ended).toMatchObject({ state: 'done', error: null });
    const { report } = await m.service.getLoad(job.jobId);
    methods.getLoad.result.parse({ job: ended, report });
    expect(report!.mode).toBe('closed');
    expect(report!.concurrency).toBe(3);
    expect(report!.ok).toBeGreaterThan(0);
    expect(report!.errors).toEqual({});
    expect(report!.latency.p99Ms).toBeGreaterThanOrEqual(report!.latency.p50Ms);

    const { serving, snapshot } = await m.service.getServing(m.modelId);
    methods.getServing.result.parse({ serving, snapshot });
    expect(serving!.url).toBe(info.url);
    const figures = snapshot!.models['conv-bn-relu']!;
    // Every answered load request is counted by the server (plus the metadata requests).
    expect(figures.requests['200']).toBeGreaterThanOrEqual(report!.ok);
    expect(figures.latency.count).toBeGreaterThanOrEqual(report!.ok);
    // Not batchable: every run is one request.
    expect(figures.batchSize.count).toBe(report!.ok);
    expect(figures.batchSize.buckets[0]).toEqual({ le: 1, count: report!.ok });
    expect(snapshot!.hostRestarts).toBe(0);

    expect(await m.service.stopServing(m.modelId)).toEqual({ stopped: true });
    expect(await refused(info.url)).toBe(true);
    expect(await m.service.stopServing(m.modelId)).toEqual({ stopped: false });
    expect((await m.service.getServing(m.modelId)).serving).toBeNull();
  }, 60_000);

  it('serves the current state after an edit from a temporary file, removed when it stops', async () => {
    const before = await m.service.startServing({ modelId: m.modelId, options: { maxBatch: 1, maxDelayMs: 0, instances: 1 } });
    const original = await infer(before.url, before.name);
    await m.service.stopServing(m.modelId);

    const h = await m.service.getHistory(m.modelId);
    const applied = await m.service.applyOperation({ modelId: m.modelId, name: 'fuse-conv-batchnorm', version: h.version, verify: false });
    const info = await m.service.startServing({ modelId: m.modelId, version: applied.version, options: { maxBatch: 1, maxDelayMs: 0, instances: 2 } });
    expect(info.label).toBe('conv-bn-relu.onnx (step 1, current)');
    const served = await readdir(join(m.dir, 'tmp'));
    expect(served).toHaveLength(1);
    expect(await readdir(join(m.dir, 'tmp', served[0]!))).toEqual(['served.onnx']);
    const fused = await infer(info.url, info.name);
    expect(fused).toHaveLength(original.length);
    fused.forEach((v, i) => expect(v).toBeCloseTo(original[i]!, 4));

    await m.service.stopServing(m.modelId);
    expect(await readdir(join(m.dir, 'tmp'))).toEqual([]);
    await expect(m.service.startServing({ modelId: m.modelId, version: applied.version - 1, options: { maxBatch: 1, maxDelayMs: 0, instances: 1 } })).rejects.toMatchObject({ code: 'STALE_VERSION' });
  }, 60_000);

  it('batches a batchable model, and stops its server when the model closes', async () => {
    const id = (await m.service.openPath(join(m.dir, 'conv.onnx'))).modelId;
    const info = await m.service.startServing({ modelId: id, options: { maxBatch: 8, maxDelayMs: 20, instances: 1 } });
    expect(info.batchable).toBe(true);
    const job = await m.service.startLoad({ modelId: id, durationS: 1.5, concurrency: 8 });
    await m.service.waitForJob(job.jobId);
    const { report } = await m.service.getLoad(job.jobId);
    expect(report!.ok).toBeGreaterThan(0);
    const batches = (await m.service.getServing(id)).snapshot!.models.conv!.batchSize;
    // Fewer runs than requests: some were merged.
    expect(batches.count).toBeGreaterThan(0);
    expect(batches.count).toBeLessThan(report!.ok);
    await m.service.closeModel(id);
    expect(await refused(info.url)).toBe(true);
  }, 60_000);

  it('cancels a load test: it stops sending and the job ends cancelled', async () => {
    const info = await m.service.startServing({ modelId: m.modelId, options: { maxBatch: 1, maxDelayMs: 0, instances: 1 } });
    const job = await m.service.startLoad({ modelId: m.modelId, durationS: 600, concurrency: 2 });
    await expect.poll(async () => (await m.service.getServing(m.modelId)).snapshot!.models['conv-bn-relu']?.requests['200'] ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);
    await m.service.cancelJob(job.jobId);
    expect(await m.service.waitForJob(job.jobId)).toMatchObject({ state: 'cancelled' });
    expect((await m.service.getLoad(job.jobId)).report).toBeNull();
    // Requests already sent are answered; nothing more is sent after them.
    await expect.poll(async () => (await m.service.getServing(m.modelId)).snapshot!.inFlight, { timeout: 10_000 }).toBe(0);
    // The job ends at the cancel; a request already sent may still be on its way to the server
    // then. So: wait until the count stops moving, then nothing more may arrive.
    const answered = async () => (await m.service.getServing(m.modelId)).snapshot!.models['conv-bn-relu']!.requests['200'];
    let last = -1;
    await expect.poll(async () => last === (last = await answered()), { timeout: 10_000, interval: 300 }).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(await answered()).toBe(last);
    await m.service.stopServing(m.modelId);
    expect(await refused(info.url)).toBe(true);
  }, 60_000);

  it('stops every server when the service is disposed', async () => {
    const before = hostChildren();
    const other = new WorkbenchService({ settingsDir: m.dir, tempDir: join(m.dir, 'tmp') });
    const id = (await other.openPath(join(m.dir, 'conv.onnx'))).modelId;
    const info = await other.startServing({ modelId: id, options: { maxBatch: 1, maxDelayMs: 0, instances: 2, port: null } });
    expect((await fetch(`${info.url}/v2/health/ready`)).status).toBe(200);
    expect(hostChildren()).toBe(before + 2);
    await other.dispose();
    expect(await refused(info.url)).toBe(true);
    // No runtime host is left behind.
    await expect.poll(hostChildren, { timeout: 10_000 }).toBe(before);
  }, 60_000);
});
