// Recipes in the service: the history saved as a recipe, kept in the remembered folder, and run
// on a second model as a job whose steps are history steps (verified; undo works).

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modelBytes } from '../../shared/builder/index.js';
import { WorkbenchService } from '../../electron/service/workbench-service.js';
import { resnetLike } from '../bench/models/resnet-like.js';

const dir = mkdtempSync(join(tmpdir(), 'owb-recipes-'));
const first = join(dir, 'first.onnx');
const second = join(dir, 'second.onnx');
writeFileSync(first, modelBytes(resnetLike({ widths: [8, 16], blocksPerStage: 1, classes: 10 }, 4)));
writeFileSync(second, modelBytes(resnetLike({ widths: [8, 8, 16], blocksPerStage: 1, classes: 5 }, 9)));
const DIMS = { batch: 1, height: 32, width: 32 };

describe('recipes in the service', () => {
  const settings = join(dir, 'settings');
  const service = new WorkbenchService({ settingsDir: settings });
  afterAll(async () => {
    await service.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('saves the history as a recipe, keeps it in the folder, and runs it on a second model step by step', async () => {
    const a = await service.openPath(first);
    await service.setVerifySettings(a.modelId, { dims: DIMS, values: {} });
    await expect(service.historyRecipe(a.modelId)).rejects.toThrow(/no applied steps/);
    const h0 = await service.getHistory(a.modelId);
    await service.applyOperation({ modelId: a.modelId, name: 'fuse-conv-batchnorm', version: h0.version });
    const h1 = await service.getHistory(a.modelId);
    await service.applyOperation({ modelId: a.modelId, name: 'quantize-dynamic', options: { perChannel: true }, version: h1.version });
    const saved = await service.historyRecipe(a.modelId);
    const recipe = JSON.parse(saved.text) as { verify: unknown; steps: unknown[] };
    expect(recipe.verify).toEqual({ dims: DIMS, values: {} });
    expect(recipe.steps).toEqual([{ operation: 'fuse-conv-batchnorm' }, { operation: 'quantize-dynamic', options: { perChannel: true } }]);

    await expect(service.saveRecipe({ name: 'fuse-int8.json', text: saved.text })).rejects.toThrow(/no recipe folder chosen/);
    // The service has no folder dialog (the browser host): the user types the path; Electron's IPC answers with its own.
    expect(await service.chooseRecipeFolder()).toEqual({ native: false, folder: null });
    await expect(service.setRecipeFolder(join(dir, 'missing'))).rejects.toThrow(/not a folder/);
    expect((await service.setRecipeFolder(dir)).recipes).toEqual([]);
    const listed = await service.saveRecipe({ name: 'fuse-int8.json', text: saved.text });
    expect(listed.recipes.map((r) => r.name)).toEqual(['fuse-int8.json']);
    expect(readFileSync(join(dir, 'fuse-int8.json'), 'utf8')).toBe(saved.text);
    await expect(service.saveRecipe({ name: 'fuse-int8.json', text: saved.text })).rejects.toThrow(/exists/);
    await expect(service.saveRecipe({ name: 'bad.json', text: '{"version": 1, "steps": [{"operation": "nope"}]}' })).rejects.toThrow(/^bad\.json: steps\[0\]\.operation: unknown operation "nope"/);
    // The folder is remembered across starts.
    const again = new WorkbenchService({ settingsDir: settings });
    expect((await again.getRecipeFolder()).recipes.map((r) => r.name)).toEqual(['fuse-int8.json']);
    await again.dispose();

    const b = await service.openPath(second);
    const before = await service.getGraph(b.modelId, []);
    const { text } = await service.readRecipe('fuse-int8.json');
    const job = await service.runRecipe({ modelId: b.modelId, text });
    const ended = await service.waitForJob(job.jobId);
    expect(ended.state, ended.error?.message).toBe('done');
    const history = await service.getHistory(b.modelId);
    expect(history.steps.map((s) => [s.operation, s.verification.state])).toEqual([
      ['fuse-conv-batchnorm', 'passed'],
      ['quantize-dynamic', 'passed'],
    ]);
    // The second step was verified against the original at the looser of both levels.
    expect(history.steps[1]!.verification.tolerance).toBe('reassociation+int8');
    expect((await service.getGraph(b.modelId, [])).nodes.some((n) => n.opType === 'DynamicQuantizeLinear' || n.opType === 'MatMulInteger')).toBe(true);
    await service.undo({ modelId: b.modelId });
    await service.undo({ modelId: b.modelId });
    expect((await service.getGraph(b.modelId, [])).nodes.length).toBe(before.nodes.length);
  });

  it('refuses a bad recipe at once with its JSON path, and fails the job at the first step that fails verification', async () => {
    const b = await service.openPath(second);
    await expect(service.runRecipe({ modelId: b.modelId, text: '{"version": 1, "steps": [{"operation": "quantize-dynamic", "options": {"perChannel": 2}}]}' })).rejects.toThrow(
      /^recipe: steps\[0\]\.options\.perChannel: /,
    );
    const strict = { version: 1, verify: { tolerance: 'exact', dims: DIMS }, steps: [{ operation: 'quantize-dynamic' }, { operation: 'preset:default' }] };
    const job = await service.runRecipe({ modelId: b.modelId, text: JSON.stringify(strict) });
    const ended = await service.waitForJob(job.jobId);
    expect(ended.state).toBe('failed');
    expect(ended.error?.message).toMatch(/^step 1 \(quantize-dynamic\): verification failed at exact/);
    // Stopped there: the failing step stays (undoable), the next never ran.
    expect((await service.getHistory(b.modelId)).steps.map((s) => s.operation)).toEqual(['quantize-dynamic']);
  });
});
