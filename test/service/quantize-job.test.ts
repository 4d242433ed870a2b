import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkbenchService } from '../../electron/service/workbench-service.js';
import type { ProgressEvent } from '../../shared/protocol/backend.js';
import { DEFAULT_QUANTIZE_SETTINGS, type QuantizeSettings } from '../../shared/quantize/quantize-settings.js';
import { writeConvBnRelu } from './conv-bn-model.js';
import { useOpenedModel } from './opened-model.js';

// The app's Quantize as a service job on a builder-made Conv + BatchNormalization + Relu model,
// calibration and measuring in the runtime host (dist/ must be built): one history step with its
// measured figures, undo, a failed re-apply that leaves the history as it was, cancel, and the
// settings remembered for the next start.

const staticGenerated: QuantizeSettings = { ...DEFAULT_QUANTIZE_SETTINGS, mode: 'static', calibration: 'generated', samples: 4, runs: 3 };

describe('the quantize job in the service', () => {
  const events: ProgressEvent[] = [];
  const m = useOpenedModel('quantize-job-', async (dir) => {
    const file = join(dir, 'conv-bn-relu.onnx');
    await writeConvBnRelu(file);
    return file;
  }, (e) => events.push(e));

  it('quantizes (preprocessing, calibration, the operation) as one step with sizes, latency and accuracy measured', async () => {
    const job = await m.service.startQuantize({ modelId: m.modelId, settings: staticGenerated });
    const ended = await m.service.waitForJob(job.jobId);
    expect(ended.error).toBeNull();
    expect(ended.state).toBe('done');
    const { edit } = await m.service.getQuantize(job.jobId);
    expect(edit!.state).toBe(1);
    expect(edit!.steps).toHaveLength(1);
    const step = edit!.steps[0]!;
    expect(step.operation).toBe('quantize-static');
    // BatchNormalization folded into Conv, then QDQ around the Conv: one step holds both.
    expect(step.nodesBefore).toBe(3);
    expect(step.nodesAfter).toBeGreaterThan(3);
    const q = step.quantize!;
    expect(q.calibration).toEqual({ method: 'minmax', samples: 4, generated: true });
    expect(q.warnings.some((w) => /generated \(random\)/.test(w))).toBe(true);
    expect(q.sizeBytesBefore).toBeGreaterThan(0);
    expect(q.sizeBytesAfter).toBeGreaterThan(0);
    expect(q.latency!.before).toBeGreaterThan(0);
    expect(q.latency!.after).toBeGreaterThan(0);
    expect(q.latency!.ratio).toBeCloseTo(q.latency!.after / q.latency!.before, 1);
    expect(q.slower).toBe(q.warnings.some((w) => /SLOWER/.test(w)));
    expect(q.outputs.map((o) => o.name)).toEqual(['y']);
    expect(q.outputs[0]!.cosine!).toBeGreaterThan(0.99);
    // Its verification runs at the operation's tolerance.
    expect(step.verification.state).toBe('running');
    const mine = events.filter((e) => e.jobId === job.jobId).map((e) => e.message);
    expect(mine.some((m) => /calibrat/.test(m))).toBe(true);
    expect(mine.some((m) => /measuring/.test(m))).toBe(true);
    await m.service.waitForJob(step.verification.jobId!);
    expect((await m.service.getHistory(m.modelId)).steps[0]!.verification.state).toBe('passed');
    expect(await readdir(join(m.dir, 'tmp'))).toEqual([]);
    // The settings are remembered for the user (a new start reads them).
    const again = new WorkbenchService({ settingsDir: m.dir });
    expect(await again.getQuantizeSettings()).toEqual(staticGenerated);
    await again.dispose();
  });

  it('a re-apply that fails (every quantizable node excluded) leaves the history as it was', async () => {
    const job = await m.service.startQuantize({ modelId: m.modelId, settings: { ...staticGenerated, exclude: ['conv'] }, replaceStep: 1 });
    const ended = await m.service.waitForJob(job.jobId);
    expect(ended.state).toBe('failed');
    expect(ended.error!.message).toMatch(/nothing to quantize/);
    const h = await m.service.getHistory(m.modelId);
    expect(h.state).toBe(1);
    expect(h.steps[0]!.quantize).toBeDefined();
  });

  it('undo brings back the float model; a cancelled job changes nothing', async () => {
    await m.service.undo({ modelId: m.modelId });
    const graph = await m.service.getGraph(m.modelId, []);
    expect(graph.nodes.map((n) => n.opType)).toEqual(['Conv', 'BatchNormalization', 'Relu']);
    const job = await m.service.startQuantize({ modelId: m.modelId, settings: { ...staticGenerated, samples: 200 } });
    const cancelled = await m.service.cancelJob(job.jobId);
    expect(cancelled.state).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 500));
    const h = await m.service.getHistory(m.modelId);
    expect(h.state).toBe(0);
    expect((await m.service.getGraph(m.modelId, [])).nodes).toHaveLength(3);
  });

  it('quantizes a selection: the selected Conv found again after BatchNormalization is folded into it; a selection with nothing to quantize is refused', async () => {
    const graph = await m.service.getGraph(m.modelId, []);
    const id = (name: string) => graph.nodes.find((n) => n.name === name)!.id;
    const refused = await m.service.startQuantize({ modelId: m.modelId, settings: staticGenerated, selection: [id('relu')] });
    const failed = await m.service.waitForJob(refused.jobId);
    expect(failed.state).toBe('failed');
    expect(failed.error!.message).toMatch(/nothing to quantize in the selected nodes/);
    expect((await m.service.getHistory(m.modelId)).steps.filter((st) => st.applied)).toHaveLength(0);
    const job = await m.service.startQuantize({ modelId: m.modelId, settings: staticGenerated, selection: [id('conv')] });
    expect((await m.service.waitForJob(job.jobId)).state).toBe('done');
    const step = (await m.service.getQuantize(job.jobId)).edit!.step!;
    expect(step.label).toBe('quantize-static (1 selected node)');
    expect(step.selection).toEqual([id('conv')]);
    expect(step.matches).toBeGreaterThan(0);
  });

  it('refuses calibration from verification inputs that are generated, and an empty calibration folder', async () => {
    await expect(m.service.startQuantize({ modelId: m.modelId, settings: { ...staticGenerated, calibration: 'settings' } }).then((j) => m.service.waitForJob(j.jobId))).resolves.toMatchObject({
      state: 'failed',
      error: { code: 'BAD_OPTION', message: expect.stringMatching(/verification inputs are generated/) },
    });
    await expect(m.service.startQuantize({ modelId: m.modelId, settings: { ...staticGenerated, calibration: 'folder', calibrationPath: ' ' } }).then((j) => m.service.waitForJob(j.jobId))).resolves.toMatchObject({
      state: 'failed',
      error: { code: 'BAD_OPTION', message: expect.stringMatching(/calibration folder/) },
    });
  });

  it('calibrates on a folder of images with the form’s preprocessing steps (as --resize, --mean, --std, --channels); a bad step is a one-line error; the steps are remembered', async () => {
    const images = join(m.dir, 'images');
    await mkdir(images, { recursive: true });
    // Three 16×12 PNGs: resize 8x8 brings them to the input's H×W.
    for (let k = 0; k < 3; k++) {
      const img = new PNG({ width: 16, height: 12 });
      for (let p = 0; p < 16 * 12; p++) img.data.set([(p * 7 + k * 40) % 256, (p * 3) % 256, 255 - ((p + k) % 256), 255], p * 4);
      await writeFile(join(images, `img${k}.png`), PNG.sync.write(img));
    }
    const steps = { ...DEFAULT_QUANTIZE_SETTINGS.images, resize: '8x8', mean: '0.485,0.456,0.406', std: '0.229,0.224,0.225', channels: 'bgr' };
    const settings: QuantizeSettings = { ...staticGenerated, calibration: 'folder', calibrationPath: images, images: steps };
    await m.service.undo({ modelId: m.modelId }).catch(() => undefined);
    const job = await m.service.startQuantize({ modelId: m.modelId, settings, replaceStep: 1 });
    const ended = await m.service.waitForJob(job.jobId);
    expect(ended.error).toBeNull();
    expect((await m.service.getQuantize(job.jobId)).edit!.steps[0]!.quantize!.calibration).toEqual({ method: 'minmax', samples: 3, generated: false });
    const again = new WorkbenchService({ settingsDir: m.dir });
    expect((await again.getQuantizeSettings()).images).toEqual(steps);
    await again.dispose();

    const bad = await m.service.startQuantize({ modelId: m.modelId, settings: { ...settings, images: { ...steps, resize: 'big' } }, replaceStep: 1 }).then((j) => m.service.waitForJob(j.jobId));
    expect(bad).toMatchObject({ state: 'failed', error: { code: 'BAD_OPTION', message: '--resize must be N or WxH, not "big"' } });
    // Steps for images on a folder that holds none.
    const samples = join(m.dir, 'no-images');
    await mkdir(samples, { recursive: true });
    const none = await m.service.startQuantize({ modelId: m.modelId, settings: { ...settings, calibrationPath: samples }, replaceStep: 1 }).then((j) => m.service.waitForJob(j.jobId));
    expect(none).toMatchObject({ state: 'failed', error: { code: 'BAD_OPTION', message: expect.stringMatching(/applies to a calibration folder of PNG\/JPEG images/) } });
  });

  it('saves the quantize step as a recipe (the preprocessing preset, the operation, its calibration with the image steps) that runs again', async () => {
    const saved = await m.service.historyRecipe(m.modelId);
    const recipe = JSON.parse(saved.text) as { steps: Record<string, unknown>[] };
    expect(recipe.steps).toEqual([
      { operation: 'preset:default' },
      {
        operation: 'quantize-static',
        options: { activationType: 'uint8', symmetric: false, perChannel: false, reduceRange: false },
        calibration: { method: 'minmax', inputsPath: join(m.dir, 'images'), images: { resize: [8, 8], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], channels: 'bgr' } },
      },
    ]);
    await m.service.undo({ modelId: m.modelId });
    const run = await m.service.runRecipe({ modelId: m.modelId, text: saved.text });
    const ended = await m.service.waitForJob(run.jobId);
    expect(ended.error).toBeNull();
    const h = await m.service.getHistory(m.modelId);
    expect(h.steps.filter((st) => st.applied).map((st) => st.operation)).toEqual(['preset:default', 'quantize-static']);
    expect((await m.service.getGraph(m.modelId, [])).nodes.some((n) => n.opType === 'QuantizeLinear')).toBe(true);
  });
});
