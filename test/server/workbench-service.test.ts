import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributeText } from '../../electron/service/attribute-text.js';
import { histogramOf } from '../../electron/service/tensor-histogram.js';
import { safeFileName } from '../../electron/service/upload-dir.js';
import { WorkbenchService } from '../../electron/service/workbench-service.js';
import { saveModel } from '../../electron/io/save-model.js';
import { attr, attrFloats, ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';
import type { ProgressEvent } from '../../shared/protocol/backend.js';
import { SAMPLE } from './server-helpers.js';

function weights(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => i - n / 2);
}

describe('WorkbenchService', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'service-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('has no initial model unless given one, and names a bad one in one line', async () => {
    expect(await new WorkbenchService().initialModel()).toBeNull();
    const bad = new WorkbenchService({ initialModel: join(dir, 'missing.onnx') });
    await expect(bad.initialModel()).rejects.toThrow(/missing\.onnx/);
  });

  it('reads external data only when a tensor is asked for', async () => {
    const m = model(
      graph({
        nodes: [node('MatMul', ['x', 'w'], ['y'])],
        inputs: [valueInfo('x', ElemType.FLOAT, [1, 64])],
        outputs: [valueInfo('y', ElemType.FLOAT, [1, 64])],
        initializers: [tensor('w', ElemType.FLOAT, [64, 64], weights(4096))],
      }),
    );
    const path = join(dir, 'external.onnx');
    await saveModel(model(m.graph!, {}), path, { externalData: { threshold: 1024 } });
    const service = new WorkbenchService({ tempDir: dir });
    const info = await service.openModel({ path });
    expect(info.summary.externalDataFiles).toEqual(['external.onnx.data']);
    // Change the data after opening: the statistics show the file as it is when asked.
    await writeFile(`${path}.data`, Buffer.from(new Float32Array(4096).fill(3).buffer));
    const t = await service.getTensor(info.modelId, [], 'w');
    expect([t.external, t.byteSize]).toEqual([true, 4096 * 4]);
    expect(t.stats).toMatchObject({ min: 3, max: 3, mean: 3, std: 0, zeros: 0 });
    expect(t.histogram!.counts[32]).toBe(4096);
    await service.dispose();
  });

  it('writes uploaded bytes to a private temporary file and removes it when the model closes', async () => {
    const service = new WorkbenchService({ tempDir: dir });
    const info = await service.openModel({ name: '../../evil name?.onnx', bytes: await readFile(SAMPLE) });
    expect(info.name).toBe('../../evil name?.onnx');
    const folders = (await readdir(dir)).filter((n) => n.startsWith('onnx-workbench-'));
    expect(folders).toHaveLength(1);
    const root = join(dir, folders[0]!);
    const [upload] = await readdir(root);
    expect(await readdir(join(root, upload!))).toEqual(['evil name_.onnx']);
    await service.closeModel(info.modelId);
    expect(await readdir(root)).toEqual([]);
    await expect(service.getGraph(info.modelId, [])).rejects.toMatchObject({ code: 'UNKNOWN_MODEL' });
    await service.dispose();
    expect(existsSync(root)).toBe(false);
  });

  it('says that a model with external data must be opened by path when it arrives as bytes', async () => {
    const service = new WorkbenchService({ tempDir: dir });
    const bytes = await readFile(join(dir, 'external.onnx'));
    await expect(service.openModel({ name: 'external.onnx', bytes })).rejects.toThrow(/external\.onnx.*must be opened by path/);
    await service.dispose();
  });

  it('closes the document used longest ago beyond its limit', async () => {
    const service = new WorkbenchService({ maxDocuments: 2 });
    const a = await service.openModel({ path: SAMPLE });
    await new Promise((r) => setTimeout(r, 5));
    const b = await service.openModel({ path: SAMPLE });
    await new Promise((r) => setTimeout(r, 5));
    await service.getGraph(a.modelId, []); // a is now the more recently used
    await new Promise((r) => setTimeout(r, 5));
    const c = await service.openModel({ path: SAMPLE });
    expect((await service.getGraph(a.modelId, [])).nodes).toHaveLength(17);
    expect((await service.getGraph(c.modelId, [])).nodes).toHaveLength(17);
    await expect(service.getGraph(b.modelId, [])).rejects.toMatchObject({ code: 'UNKNOWN_MODEL' });
    await service.dispose();
  });

  it('opens the initial model again for a page that asks after it was evicted', async () => {
    const service = new WorkbenchService({ initialModel: SAMPLE, maxDocuments: 1 });
    const first = (await service.initialModel())!;
    expect((await service.initialModel())!.modelId).toBe(first.modelId);
    await service.openModel({ path: SAMPLE }); // evicts the initial document
    const again = (await service.initialModel())!;
    expect(again.modelId).not.toBe(first.modelId);
    expect((await service.getGraph(again.modelId, [])).nodes).toHaveLength(17);
    await service.dispose();
  });

  it('emits progress for opens, including failed ones', async () => {
    const service = new WorkbenchService();
    const events: ProgressEvent[] = [];
    service.onProgress((e) => events.push(e));
    await service.openModel({ path: SAMPLE });
    await service.openModel({ path: join(dir, 'nope.onnx') }).catch(() => undefined);
    expect(events.map((e) => `${e.jobId} ${e.done}/${e.total} ${e.message}`)).toEqual([
      'open-1 0/2 opening sample.onnx',
      'open-1 1/2 summarizing sample.onnx',
      'open-1 2/2 opened sample.onnx',
      'open-2 0/2 opening nope.onnx',
      'open-2 2/2 could not open nope.onnx',
    ]);
  });

  it('shows edits: graph facts are recomputed after the model changes', async () => {
    const service = new WorkbenchService();
    const info = await service.openModel({ path: SAMPLE });
    const before = await service.getGraph(info.modelId, []);
    const doc = service.document(info.modelId);
    const relu = [...doc.model.ir.graph.nodes].find((n) => n.opType === 'Relu')!;
    doc.model.ir.journal.transaction('rename', () => doc.model.ir.graph.rename(relu, 'renamed'));
    const after = await service.getGraph(info.modelId, []);
    expect(before.nodes.find((n) => n.id === relu.id)!.name).toBe('stem/Relu');
    expect(after.nodes.find((n) => n.id === relu.id)!.name).toBe('renamed');
  });

  it('reads Constant nodes of every form as tensors', async () => {
    const m = model(
      graph({
        nodes: [
          node('Constant', [], ['floats'], [attr('value_floats', attrFloats([1, 2, 3, 0]))]),
          node('Constant', [], ['ints'], { value_ints: [5, -5] }),
          node('Constant', [], ['one'], { value_int: 7 }),
          node('Add', ['floats', 'floats'], ['y']),
        ],
        outputs: [valueInfo('y', ElemType.FLOAT, [4]), 'ints', 'one'],
      }),
    );
    const service = new WorkbenchService();
    const info = await service.openModel({ name: 'c.onnx', bytes: modelBytes(m) });
    const floats = await service.getTensor(info.modelId, [], 'floats');
    expect([floats.elemType, floats.dims, floats.stats!.mean, floats.stats!.sparsity]).toEqual(['float', [4], 1.5, 0.25]);
    const ints = await service.getTensor(info.modelId, [], 'ints');
    expect([ints.elemType, ints.first, ints.byteSize]).toEqual(['int64', [5, -5], 16]);
    expect((await service.getTensor(info.modelId, [], 'one')).dims).toEqual([]);
    await expect(service.getTensor(info.modelId, [], 'y')).rejects.toMatchObject({ code: 'NO_TENSOR' });
    await service.dispose();
  });
});

describe('what the node panel is shown', () => {
  it('writes attributes as short text', () => {
    expect(attributeText(attr('kernel_shape', [3, 3]))).toBe('[3, 3]');
    expect(attributeText(attr('alpha', 0.5))).toBe('0.5');
    expect(attributeText(attr('auto_pad', 'SAME_UPPER'))).toBe('"SAME_UPPER"');
    expect(attributeText(attr('value', tensor('t', ElemType.FLOAT, [64], weights(64))))).toBe('<tensor float [64]>');
    expect(attributeText(attr('body', graph({ name: 'loop_body', nodes: [] })))).toBe('<graph loop_body>');
    expect(attributeText(attr('perm', Array.from({ length: 40 }, (_, i) => i)))).toBe('[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, … (40 values)]');
    expect(attributeText(attr('s', 'line\nbreak "quoted"'))).toBe('"line\\nbreak \\"quoted\\""');
    expect(attributeText(attr('long', 'x'.repeat(500))).length).toBeLessThan(210);
  });

  it('bins finite values; NaN and infinities stay out of the histogram', () => {
    const h = histogramOf(Float32Array.from([0, 1, 2, 3, NaN, Infinity, -Infinity, 4]), 4)!;
    expect(h).toEqual({ min: 0, max: 4, counts: [1, 1, 1, 2] });
    expect(histogramOf(Float32Array.from([NaN, Infinity]))).toBeNull();
    expect(histogramOf(Int32Array.from([5, 5, 5]), 4)).toEqual({ min: 5, max: 5, counts: [0, 0, 3, 0] });
    expect(histogramOf(BigInt64Array.from([1n, 2n, 3n]), 2)).toEqual({ min: 1, max: 3, counts: [1, 2] });
  });

  it('makes upload names safe file names', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('C:\\models\\m.onnx')).toBe('m.onnx');
    expect(safeFileName('..')).toBe('model.onnx');
    expect(safeFileName('a\u0000b:c.onnx')).toBe('a_b_c.onnx');
  });
});
