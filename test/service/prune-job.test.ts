import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { WorkbenchService } from '../../electron/service/workbench-service.js';
import { modelBytes } from '../../shared/builder/index.js';
import { DEFAULT_PRUNE_SETTINGS, type PruneSettings } from '../../shared/protocol/prune-api.js';
import { resnetLike } from '../bench/models/resnet-like.js';
import { useOpenedModel } from './opened-model.js';

// The app's Prune as a service job on a builder-made ResNet-like model (widths 16, 32; one block
// per stage), recovery and measuring in the runtime host (dist/ must be built): the coupled
// groups with their norms from a dry run, pruning + recovery as one history step with measured
// figures, undo, picked channels, channels chosen by reconstruction, refused calibration, cancel.

const settings: PruneSettings = { ...DEFAULT_PRUNE_SETTINGS, calibration: 'generated', samples: 6, runs: 3 };

describe('the prune job in the service', () => {
  const m = useOpenedModel('prune-job-', async (dir) => {
    const file = join(dir, 'resnet.onnx');
    await writeFile(file, modelBytes(resnetLike({ widths: [16, 32], blocksPerStage: 1, classes: 10 }, 4)));
    return file;
  });
  beforeAll(async () => {
    await m.service.setVerifySettings(m.modelId, { dims: { batch: 1, height: 32, width: 32 }, values: {} });
  });

  const sizes = async () => Object.fromEntries((await m.service.getPruneGroups(m.modelId, 'l1')).groups.map((g) => [g.sources.map((s) => s.name).join('+'), g.size]));

  it('lists the coupled groups with norms and node ids, the unsafe one naming its node, and leaves the model as it is', async () => {
    const version = (await m.service.getHistory(m.modelId)).version;
    const g = await m.service.getPruneGroups(m.modelId, 'l2');
    const graph = await m.service.getGraph(m.modelId, []);
    const id = (name: string) => graph.nodes.find((n) => n.name === name)!.id;
    const residual = g.groups.find((x) => x.sources.some((s) => s.name === 'conv4/Conv'))!;
    expect(residual.sources).toEqual([{ name: 'conv4/Conv', id: id('conv4/Conv') }, { name: 'conv5/Conv', id: id('conv5/Conv') }]);
    expect(residual.size).toBe(32);
    expect(residual.norms).toHaveLength(32);
    expect(residual.norms.every((n) => n > 0)).toBe(true);
    expect(residual.unsafe).toBeNull();
    // The stem's output runs through the first block's identity shortcut: coupled with conv2.
    expect(g.groups.find((x) => x.sources.some((s) => s.name === 'conv0/Conv'))!.sources.map((s) => s.name)).toEqual(['conv0/Conv', 'conv2/Conv']);
    const unsafe = g.groups.filter((x) => x.unsafe);
    expect(unsafe).toHaveLength(1);
    expect(unsafe[0]!.norms).toEqual([]);
    expect(unsafe[0]!.unsafe!.reason).toMatch(/logits/);
    const h = await m.service.getHistory(m.modelId);
    expect(h.version).toBe(version);
    expect(h.state).toBe(0);
  });

  it('prunes half the channels with recovery as one step: parameters, size, latency and output error measured; undo brings the channels back', async () => {
    expect(await m.service.getPruneSettings(m.modelId)).toEqual(DEFAULT_PRUNE_SETTINGS);
    const before = await sizes();
    const job = await m.service.startPrune({ modelId: m.modelId, settings });
    const ended = await m.service.waitForJob(job.jobId);
    expect(ended.error).toBeNull();
    const { edit } = await m.service.getPrune(job.jobId);
    expect(edit!.state).toBe(1);
    const step = edit!.step!;
    expect(step.label).toBe('prune-channels + recovery');
    const p = step.prune!;
    expect(p.parametersAfter).toBeLessThan(p.parametersBefore * 0.55);
    expect(p.sizeBytesAfter).toBeLessThan(p.sizeBytesBefore * 0.6);
    expect(p.latency!.before).toBeGreaterThan(0);
    expect(p.latency!.ratio).toBeCloseTo(p.latency!.after / p.latency!.before, 1);
    expect(p.recovery).toMatchObject({ method: 'least-squares', applied: true, samples: 6, heldOutSamples: 3, generated: true });
    expect(p.recovery!.errorAfter.relativeL2).toBeLessThan(p.recovery!.errorBefore.relativeL2);
    expect(p.recovery!.heldOutError!.after.relativeL2).toBeLessThan(p.recovery!.heldOutError!.before.relativeL2);
    expect(p.warnings.some((w) => /generated \(random\)/.test(w))).toBe(true);
    // Remembered for this model (and across starts: a new service reads the file), the picked channels not.
    expect(await m.service.getPruneSettings(m.modelId)).toEqual(settings);
    const again = new WorkbenchService({ settingsDir: m.dir, tempDir: join(m.dir, 'tmp') });
    try {
      const other = join(m.dir, 'other.onnx');
      await writeFile(other, modelBytes(resnetLike({ widths: [8], blocksPerStage: 1, classes: 4 }, 5)));
      expect(await again.getPruneSettings((await again.openPath(join(m.dir, 'resnet.onnx'))).modelId)).toEqual(settings);
      expect(await again.getPruneSettings((await again.openPath(other)).modelId)).toEqual(DEFAULT_PRUNE_SETTINGS);
    } finally {
      await again.dispose();
    }
    const after = await sizes();
    expect(after['conv4/Conv+conv5/Conv']).toBe(16);
    expect(after['conv1/Conv']).toBe(8);
    // One step: undo takes pruning and recovery back together.
    await m.service.undo({ modelId: m.modelId });
    expect(await sizes()).toEqual(before);
    expect((await m.service.getHistory(m.modelId)).state).toBe(0);
  });

  it('prunes only the picked channels of one group', async () => {
    const job = await m.service.startPrune({ modelId: m.modelId, settings: { ...settings, recover: false, channels: { 'conv4/Conv': [0, 5, 31] } } });
    expect((await m.service.waitForJob(job.jobId)).error).toBeNull();
    const p = (await m.service.getPrune(job.jobId)).edit!.step!.prune!;
    expect(p.summary).toBe('3 of 32 channels removed in 1 groups (2 layers)');
    // conv4 [32,32,3,3], conv5 [32,16,1,1], two BatchNormalizations and fc.weight [32,10] lose 3 channels each.
    expect(p.parametersBefore - p.parametersAfter).toBe(3 * (32 * 9 + 16 + 2 * 4 + 10));
    expect(p.recovery).toBeNull();
    const s = await sizes();
    expect(s['conv4/Conv+conv5/Conv']).toBe(29);
    expect(s['conv1/Conv']).toBe(16);
    await m.service.undo({ modelId: m.modelId });
  });

  it('by reconstruction with recovery: channels chosen on the calibration samples, one step with the figures, recovery lowering the held-out error', async () => {
    const before = await sizes();
    const job = await m.service.startPrune({ modelId: m.modelId, settings: { ...settings, criterion: 'reconstruction' } });
    expect((await m.service.waitForJob(job.jobId)).error).toBeNull();
    const step = (await m.service.getPrune(job.jobId)).edit!.step!;
    expect(step.label).toBe('prune-channels by reconstruction + recovery');
    expect(step.options).toMatchObject({ method: 'channels', criterion: 'reconstruction' });
    const p = step.prune!;
    expect(p.summary).toMatch(/^\d+ of \d+ channels removed in \d+ groups/);
    expect(p.parametersAfter).toBeLessThan(p.parametersBefore * 0.55);
    expect(p.sizeBytesAfter).toBeLessThan(p.sizeBytesBefore);
    expect(p.latency!.before).toBeGreaterThan(0);
    expect(p.recovery).toMatchObject({ method: 'least-squares', applied: true, samples: 6, generated: true });
    expect(p.recovery!.heldOutError!.after.relativeL2).toBeLessThan(p.recovery!.heldOutError!.before.relativeL2);
    const after = await sizes();
    expect(after['conv4/Conv+conv5/Conv']).toBe(16);
    expect(after['conv1/Conv']).toBe(8);
    await m.service.undo({ modelId: m.modelId });
    expect(await sizes()).toEqual(before);
  });

  it('by reconstruction without recovery: other channels kept than by L1 norm, the generated samples warned of, no recipe', async () => {
    // The same sizes pruned by L1 then by reconstruction: with the same channels kept, every group's norms would be equal.
    const normsAfter = async (criterion: PruneSettings['criterion']) => {
      const job = await m.service.startPrune({ modelId: m.modelId, settings: { ...settings, criterion, recover: false } });
      expect((await m.service.waitForJob(job.jobId)).error).toBeNull();
      const step = (await m.service.getPrune(job.jobId)).edit!.step!;
      const norms = Object.fromEntries((await m.service.getPruneGroups(m.modelId, 'l1')).groups.map((g) => [g.sources.map((x) => x.name).join('+'), g.norms]));
      return { step, norms };
    };
    const l1 = await normsAfter('l1');
    await m.service.undo({ modelId: m.modelId });
    const byData = await normsAfter('reconstruction');
    expect(Object.keys(byData.norms)).toEqual(Object.keys(l1.norms));
    expect(Object.keys(byData.norms).filter((k) => byData.norms[k]!.length && JSON.stringify(byData.norms[k]) !== JSON.stringify(l1.norms[k])).length).toBeGreaterThan(0);
    expect(byData.step.prune!.recovery).toBeNull();
    expect(byData.step.prune!.warnings.some((w) => /channels chosen on 6 generated \(random\)/.test(w))).toBe(true);
    await expect(m.service.historyRecipe(m.modelId)).rejects.toMatchObject({ code: 'NOT_A_RECIPE', message: expect.stringMatching(/chooses channels by reconstruction/) });
    await m.service.undo({ modelId: m.modelId });
    // Its calibration samples are needed even without recovery: generated verification inputs are refused as for recovery.
    await expect(m.service.startPrune({ modelId: m.modelId, settings: { ...settings, criterion: 'reconstruction', recover: false, calibration: 'settings' } }).then((j) => m.service.waitForJob(j.jobId))).resolves.toMatchObject({
      state: 'failed',
      error: { code: 'BAD_OPTION', message: expect.stringMatching(/verification inputs are generated/) },
    });
  });

  it('2:4: zeros only (parameters and node count as before), the note that zeros are not faster, one step', async () => {
    const job = await m.service.startPrune({ modelId: m.modelId, settings: { ...settings, method: '2:4', recover: false } });
    expect((await m.service.waitForJob(job.jobId)).error).toBeNull();
    const step = (await m.service.getPrune(job.jobId)).edit!.step!;
    expect(step.operation).toBe('prune-magnitude');
    expect(step.label).toBe('prune-magnitude 2:4');
    expect(step.options).toMatchObject({ method: '2:4' });
    const p = step.prune!;
    expect(p.parametersAfter).toBe(p.parametersBefore);
    expect(step.nodesAfter).toBe(step.nodesBefore);
    expect(p.recovery).toBeNull();
    expect(p.warnings.some((w) => /zeros alone do not make onnxruntime/.test(w))).toBe(true);
    expect(p.summary).toMatch(/sparsity|layers/);
    expect((await m.service.undo({ modelId: m.modelId })).state).toBe(0);
  });

  it('refuses recovery from verification inputs that are generated; a cancelled job changes nothing', async () => {
    await expect(m.service.startPrune({ modelId: m.modelId, settings: { ...settings, calibration: 'settings' } }).then((j) => m.service.waitForJob(j.jobId))).resolves.toMatchObject({
      state: 'failed',
      error: { code: 'BAD_OPTION', message: expect.stringMatching(/verification inputs are generated/) },
    });
    const before = await sizes();
    const job = await m.service.startPrune({ modelId: m.modelId, settings: { ...settings, samples: 400 } });
    expect((await m.service.cancelJob(job.jobId)).state).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 500));
    expect((await m.service.getHistory(m.modelId)).steps.filter((st) => st.applied)).toHaveLength(0);
    expect(await sizes()).toEqual(before);
  });
});
