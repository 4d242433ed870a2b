import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../shared/protocol/backend.js';
import type { AppProfileOptions } from '../../shared/protocol/profile-api.js';
import { writeConvBnRelu } from './conv-bn-model.js';
import { useOpenedModel } from './opened-model.js';

// Profiling and comparing as service jobs on a builder-made Conv + BatchNormalization + Relu
// model, in the runtime host (dist/ must be built): progress events, reports tied to the
// model's nodes, states after an edit, comparing with the original, cancel, a missing provider.

const small: AppProfileOptions = { provider: 'cpu', runs: 3, warmup: 1, optimization: 'disabled', inputs: 'generated' };

describe('profile and compare jobs in the service', () => {
  const events: ProgressEvent[] = [];
  const m = useOpenedModel('profile-jobs-', async (dir) => {
    const file = join(dir, 'conv-bn-relu.onnx');
    await writeConvBnRelu(file);
    return file;
  }, (e) => events.push(e));

  it('profiles the model as opened: a report whose kernels are the model nodes, with progress events', async () => {
    const job = await m.service.startProfile({ modelId: m.modelId, options: small });
    expect(job.state).toBe('running');
    expect((await m.service.getProfile(job.jobId)).report).toBeNull();
    const ended = await m.service.waitForJob(job.jobId);
    expect(ended.error).toBeNull();
    expect(ended.state).toBe('done');
    const { report } = await m.service.getProfile(job.jobId);
    expect(report!.model).toBe('conv-bn-relu.onnx');
    expect(report!.runs).toBe(3);
    expect(report!.provider).toMatchObject({ requested: 'cpu', used: 'cpu', fallback: false });
    // Optimizer off: one kernel per model node.
    expect(report!.nodes.flatMap((n) => n.originalNodes).sort()).toEqual(['bn', 'conv', 'relu']);
    expect(report!.nodes.reduce((s, n) => s + n.share, 0)).toBeCloseTo(1, 3);
    expect(report!.endToEnd.medianMs).toBeGreaterThan(0);
    const mine = events.filter((e) => e.jobId === job.jobId);
    expect(mine.length).toBeGreaterThan(2);
    expect(mine.some((e) => e.done > 0 && e.done < e.total)).toBe(true);
    expect(mine.at(-1)!.message).toMatch(/done$/);
    // The temporary folder is left empty.
    expect(await readdir(join(m.dir, 'tmp'))).toEqual([]);
  });

  it('profiles the current state after an edit, and compares it with the original', async () => {
    const h = await m.service.getHistory(m.modelId);
    const applied = await m.service.applyOperation({ modelId: m.modelId, name: 'fuse-conv-batchnorm', version: h.version, verify: false });
    const job = await m.service.startProfile({ modelId: m.modelId, version: applied.version, options: small });
    expect(job.label).toMatch(/step 1, current/);
    await m.service.waitForJob(job.jobId);
    const { report } = await m.service.getProfile(job.jobId);
    expect(report!.nodes.map((n) => n.opType).sort()).toEqual(['Conv', 'Relu']);

    const cmp = await m.service.startCompare({ modelId: m.modelId, against: 'original', options: small });
    const done = await m.service.waitForJob(cmp.jobId);
    expect(done.error).toBeNull();
    const r = (await m.service.getCompare(cmp.jobId)).report!;
    expect(r.a.model).toBe('conv-bn-relu.onnx (original)');
    expect(r.b.model).toBe('conv-bn-relu.onnx (step 1, current)');
    expect(r.latencyRatio).toBeGreaterThan(0);
    expect(r.ratioSpread.p10).toBeLessThanOrEqual(r.ratioSpread.p90);
    expect(typeof r.withinNoise).toBe('boolean');
    expect(r.verdict.length).toBeGreaterThan(0);
    expect(r.outputs).toHaveLength(1);
    expect(r.outputs[0]!.maxAbsError!).toBeLessThan(1e-4);
    // BatchNormalization is folded into the Conv: the diff and the layer table say so.
    expect([...r.structure.removed, ...r.structure.fused]).toContain('bn');
    expect(r.layers.some((l) => l.aNodes.includes('bn') && l.bNodes.includes('conv'))).toBe(true);
    await expect(m.service.getProfile(cmp.jobId)).rejects.toMatchObject({ code: 'UNKNOWN_JOB' });
  });

  it('compares with a history step, and refuses unknown steps and stale versions', async () => {
    const cmp = await m.service.startCompare({ modelId: m.modelId, against: 1, options: small });
    await m.service.waitForJob(cmp.jobId);
    const r = (await m.service.getCompare(cmp.jobId)).report!;
    expect(r.a.model).toBe('conv-bn-relu.onnx (step 1)');
    expect(r.structure.added).toEqual([]);
    expect(r.structure.removed).toEqual([]);
    await expect(m.service.startCompare({ modelId: m.modelId, against: 5, options: small })).rejects.toMatchObject({ code: 'BAD_STEP' });
    await expect(m.service.startProfile({ modelId: m.modelId, version: 0, options: small })).rejects.toMatchObject({ code: 'STALE_VERSION' });
  });

  it('cancels a long profile: the job ends cancelled, with no report', async () => {
    const job = await m.service.startProfile({ modelId: m.modelId, options: { ...small, runs: 100_000 } });
    await new Promise<void>((resolve) => {
      const off = m.service.onProgress((e) => {
        if (e.jobId === job.jobId && e.done > 0) {
          off();
          resolve();
        }
      });
    });
    const cancelled = await m.service.cancelJob(job.jobId);
    expect(cancelled.state).toBe('cancelled');
    expect((await m.service.getProfile(job.jobId)).report).toBeNull();
    // The host is usable afterwards.
    const next = await m.service.startProfile({ modelId: m.modelId, options: small });
    expect((await m.service.waitForJob(next.jobId)).state).toBe('done');
  });

  it('cancels a long comparison: the job ends cancelled, with no report', async () => {
    const job = await m.service.startCompare({ modelId: m.modelId, against: 'original', options: { ...small, runs: 100_000 } });
    await new Promise<void>((resolve) => {
      const off = m.service.onProgress((e) => {
        if (e.jobId === job.jobId && e.done > 0) {
          off();
          resolve();
        }
      });
    });
    expect((await m.service.cancelJob(job.jobId)).state).toBe('cancelled');
    expect((await m.service.getCompare(job.jobId)).report).toBeNull();
  });

  it('takes inputs from the verification settings, or generates them', async () => {
    const sample = (await m.service.openPath(fileURLToPath(new URL('../../assets/sample.onnx', import.meta.url)))).modelId;
    await m.service.setVerifySettings(sample, { dims: { batch: 2 }, values: { use_softmax: 1 } });
    const given = await m.service.startProfile({ modelId: sample, options: { ...small, inputs: 'settings' } });
    const generated = await m.service.startProfile({ modelId: sample, options: { ...small, inputs: 'generated' } });
    await m.service.waitForJob(given.jobId);
    await m.service.waitForJob(generated.jobId);
    const a = (await m.service.getProfile(given.jobId)).report!;
    const b = (await m.service.getProfile(generated.jobId)).report!;
    expect(a.inputs.find((i) => i.name === 'image')!.shape).toEqual([2, 3, 32, 32]);
    expect(a.inputs.find((i) => i.name === 'use_softmax')!.source).toBe('value 1');
    expect(b.inputs.find((i) => i.name === 'image')!.shape[0]).not.toBe(2);
    expect(b.inputs.find((i) => i.name === 'use_softmax')!.source).toBe('random');
    await m.service.closeModel(sample);
  });

  it('names a missing provider and offers the fallback', async () => {
    const job = await m.service.startProfile({ modelId: m.modelId, options: { ...small, provider: 'tensorrt' } });
    const ended = await m.service.waitForJob(job.jobId);
    if (ended.state === 'done') {
      // A machine with TensorRT: it ran there.
      expect((await m.service.getProfile(job.jobId)).report!.provider.used).toBe('tensorrt');
      return;
    }
    expect(ended.error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect(ended.error!.message).toMatch(/^tensorrt: .*fall back to CPU/);
    const fallback = await m.service.startProfile({ modelId: m.modelId, options: { ...small, provider: 'tensorrt', allowFallback: true } });
    expect((await m.service.waitForJob(fallback.jobId)).state).toBe('done');
    expect((await m.service.getProfile(fallback.jobId)).report!.provider).toMatchObject({ requested: 'tensorrt', used: 'cpu', fallback: true });
  });
});
