import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { saveModel } from '../../electron/io/save-model.js';
import { openModel } from '../../electron/io/open-model.js';
import { verifyModels, type VerifyOptions } from '../../electron/runtime/verify.js';
import { ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { WorkbenchError } from '../../shared/errors.js';
import type { NodeProto } from '../../shared/onnx/proto-types.js';
import type { ToleranceName } from '../../shared/verify/tolerance.js';

// Models built here: y = x @ W + b (x: [batch, 16]), and a variant per test.
const W = Float32Array.from({ length: 16 * 8 }, (_, i) => Math.sin(i + 1));
const B = Float32Array.from({ length: 8 }, (_, i) => i / 8 - 0.5);

function linear(opts: { w?: Float32Array; extraNodes?: NodeProto[]; output?: string; outShape?: (string | number)[] } = {}): Uint8Array {
  const out = opts.output ?? 'y';
  return modelBytes(
    model(
      graph({
        nodes: [node('MatMul', ['x', 'W'], ['h']), node('Add', ['h', 'b'], [opts.extraNodes ? 'y0' : out]), ...(opts.extraNodes ?? [])],
        inputs: [valueInfo('x', ElemType.FLOAT, ['batch', 16])],
        outputs: [valueInfo(out, ElemType.FLOAT, opts.outShape ?? ['batch', 8])],
        initializers: [tensor('W', ElemType.FLOAT, [16, 8], opts.w ?? W), tensor('b', ElemType.FLOAT, [8], B)],
      }),
    ),
  );
}

// One thread per operator: the machine is shared, and the models are tiny.
const base = { intraOpThreads: 1 } satisfies Partial<VerifyOptions>;

describe('verifyModels', () => {
  it('identical models pass with zero error; symbolic dims defaulted to 1 are reported', async () => {
    const r = await verifyModels(linear(), linear(), { ...base, tolerance: 'exact' });
    expect(r.passed).toBe(true);
    expect(r.outputs).toEqual([{ name: 'y', maxAbsError: 0, maxRelError: 0, cosine: 1, mismatches: 0, elementCount: 16, passed: true }]);
    expect(r.boundDims).toEqual({ batch: 1 });
    expect(r.defaultedDims).toEqual(['batch']);
    expect(r.inputSeeds).toEqual([0, 1]);
    expect(r.runs).toBe(2);
    expect(r.tolerance.name).toBe('exact');
  });

  it('binds dims, runs as many input sets as asked, from the seed given', async () => {
    const r = await verifyModels(linear(), linear(), { ...base, tolerance: 'exact', dims: { batch: 5 }, seed: 10, runs: 3 });
    expect(r.passed).toBe(true);
    expect(r.defaultedDims).toEqual([]);
    expect(r.boundDims).toEqual({ batch: 5 });
    expect(r.inputSeeds).toEqual([10, 11, 12]);
    expect(r.outputs[0]!.elementCount).toBe(3 * 5 * 8);
  });

  it('slightly different weights fail exact but pass reassociation', async () => {
    const w2 = W.map((v) => v * (1 + 2e-5));
    const exact = await verifyModels(linear(), linear({ w: w2 }), { ...base, tolerance: 'exact', dims: { batch: 4 } });
    expect(exact.passed).toBe(false);
    expect(exact.outputs[0]!.maxAbsError).toBeGreaterThan(1e-6);
    expect(exact.outputs[0]!.maxAbsError).toBeLessThan(1e-3);
    expect(exact.outputs[0]!.reason).toMatch(/^input set 1 \(seed 0\): \d+ of 32 elements differ by more than 1e-6 \+ 1e-6·\|expected\| \(worst at index \d+: expected -?[\d.]+, got -?[\d.]+\)$/);
    const reassoc = await verifyModels(linear(), linear({ w: w2 }), { ...base, tolerance: 'reassociation', dims: { batch: 4 } });
    expect(reassoc.passed).toBe(true);
    expect(reassoc.outputs[0]!.cosine).toBeGreaterThan(0.99999);
  });

  it('a different output shape fails with a clear reason', async () => {
    const unsqueezed = linear({
      extraNodes: [node('Unsqueeze', ['y0', 'axes'], ['y'])].concat(node('Constant', [], ['axes'], { value: tensor('axes', ElemType.INT64, [1], [0]) })),
      outShape: [1, 'batch', 8],
    });
    const r = await verifyModels(linear(), unsqueezed, { ...base, tolerance: 'reassociation', runs: 1 });
    expect(r.passed).toBe(false);
    expect(r.outputs[0]).toMatchObject({ name: 'y', passed: false, reason: 'shape [1,1,8], expected [1,8]', maxAbsError: null });
  });

  it('an output missing from the transformed model (renamed) fails by name', async () => {
    const r = await verifyModels(linear(), linear({ output: 'y_renamed' }), { ...base, tolerance: 'exact' });
    expect(r.passed).toBe(false);
    expect(r.outputs).toEqual([expect.objectContaining({ name: 'y', passed: false, reason: 'missing from the transformed model' })]);
  });

  it('a transformed model that needs an input the original lacks fails as a whole', async () => {
    const needsZ = modelBytes(
      model(
        graph({
          nodes: [node('Add', ['x', 'z'], ['y'])],
          inputs: [valueInfo('x', ElemType.FLOAT, ['batch', 8]), valueInfo('z', ElemType.FLOAT, ['batch', 8])],
          outputs: [valueInfo('y', ElemType.FLOAT, ['batch', 8])],
        }),
      ),
    );
    const plain = modelBytes(
      model(graph({ nodes: [node('Identity', ['x'], ['y'])], inputs: [valueInfo('x', ElemType.FLOAT, ['batch', 8])], outputs: [valueInfo('y', ElemType.FLOAT, ['batch', 8])] })),
    );
    const r = await verifyModels(plain, needsZ, { ...base, tolerance: 'exact' });
    expect(r.passed).toBe(false);
    expect(r.reason).toBe("the transformed model needs input 'z', which the original does not have");
  });

  it('a model onnxruntime rejects is a WorkbenchError that says which one', async () => {
    const bad = modelBytes(model(graph({ nodes: [node('NoSuchOp', ['x'], ['y'])], inputs: [valueInfo('x', ElemType.FLOAT, [1])], outputs: [valueInfo('y', ElemType.FLOAT, [1])] })));
    const err = await verifyModels(linear(), bad, { ...base, tolerance: 'exact' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkbenchError);
    expect((err as WorkbenchError).code).toBe('RUNTIME_REJECTED');
    expect((err as Error).message).toMatch(/^transformed model: onnxruntime cannot load it: .*NoSuchOp/);
    expect((err as Error).message).not.toContain('\n');

    const dir = mkdtempSync(join(tmpdir(), 'owb-verify-'));
    const badPath = join(dir, 'bad.onnx');
    writeFileSync(badPath, bad);
    await expect(verifyModels(badPath, linear(), { ...base, tolerance: 'exact' })).rejects.toThrow(
      new RegExp(`^original model ${badPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: onnxruntime cannot load it: `),
    );
  });

  it('a model that loads but fails to run is a WorkbenchError naming it', async () => {
    // Reshape to a fixed [3, 8]: the model loads, then fails at run time on a batch of 1.
    const reshaped = linear({
      extraNodes: [node('Reshape', ['y0', 'shape'], ['y']), node('Constant', [], ['shape'], { value: tensor('shape', ElemType.INT64, [2], [3, 8]) })],
    });
    await expect(verifyModels(linear(), reshaped, { ...base, tolerance: 'exact' })).rejects.toThrow(/^transformed model: onnxruntime failed to run it: /);
  });

  it('loads models given by path, external data included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'owb-verify-'));
    const inline = join(dir, 'inline.onnx');
    writeFileSync(inline, linear());
    const ext = join(dir, 'ext.onnx');
    const opened = await openModel(inline);
    const saved = await saveModel(opened.ir.toProto(), ext, { externalData: { threshold: 0 }, source: opened });
    expect(saved.externalTensors).toBe(2);
    const r = await verifyModels(inline, ext, { ...base, tolerance: 'exact', dims: { batch: 3 } });
    expect(r.passed).toBe(true);
    expect(r.outputs[0]!.maxAbsError).toBe(0);
    // The same external-data model as bytes cannot find its weights: onnxruntime says so, and we name the model.
    await expect(verifyModels(inline, new Uint8Array(readFileSync(ext)), { ...base, tolerance: 'exact' })).rejects.toThrow(/^transformed model: onnxruntime cannot load it/);
  });

  it('uses given inputs as they are: one run, no seeds', async () => {
    const x = new ort.Tensor('float32', Float32Array.from({ length: 2 * 16 }, (_, i) => i / 10), [2, 16]);
    const r = await verifyModels(linear(), linear(), { ...base, tolerance: 'exact', inputs: { x } });
    expect(r).toMatchObject({ passed: true, runs: 1, inputSeeds: [], boundDims: {}, defaultedDims: [] });
    expect(r.outputs[0]!.elementCount).toBe(16);
    await expect(verifyModels(linear(), linear(), { ...base, tolerance: 'exact', inputs: { q: x } })).rejects.toThrow(
      "inputs: 'q' is not an input of the original model (its inputs: x)",
    );
  });

  it('zeros and ones fills make one run', async () => {
    const r = await verifyModels(linear(), linear(), { ...base, tolerance: 'exact', fill: 'ones' });
    expect(r).toMatchObject({ passed: true, runs: 1, inputSeeds: [] });
  });

  it('compares integer outputs exactly, with generated integer inputs that index a table', async () => {
    const table = Float32Array.from({ length: 10 * 4 }, (_, i) => i);
    const embed = (shift: number) =>
      modelBytes(
        model(
          graph({
            nodes: [node('Gather', ['table', 'ids'], ['e']), node('Add', ['ids', 'k'], ['next'])],
            inputs: [valueInfo('ids', ElemType.INT64, ['n'])],
            outputs: [valueInfo('e', ElemType.FLOAT, ['n', 4]), valueInfo('next', ElemType.INT64, ['n'])],
            initializers: [tensor('table', ElemType.FLOAT, [10, 4], table), tensor('k', ElemType.INT64, [], [shift])],
          }),
        ),
      );
    const same = await verifyModels(embed(1), embed(1), { ...base, tolerance: 'int8', dims: { n: 50 } });
    expect(same.passed).toBe(true);
    const off = await verifyModels(embed(1), embed(2), { ...base, tolerance: 'int8', dims: { n: 50 } });
    expect(off.passed).toBe(false);
    expect(off.outputs.find((o) => o.name === 'e')!.passed).toBe(true);
    expect(off.outputs.find((o) => o.name === 'next')!.reason).toMatch(/^input set 1 \(seed 0\): 50 of 50 elements differ \(first at index 0: expected \d+, got \d+\)$/);
  });

  it('refuses bad options in one line', async () => {
    await expect(verifyModels(linear(), linear(), { ...base, tolerance: 'close' as ToleranceName })).rejects.toThrow(/^tolerance 'close': expected one of/);
    await expect(verifyModels(linear(), linear(), { ...base, tolerance: 'exact', runs: 0 })).rejects.toThrow('runs: 0 is not a positive integer');
    await expect(verifyModels(linear(), linear(), { ...base, tolerance: 'exact', dims: { bacth: 2 } })).rejects.toThrow(/^dim 'bacth' is not a symbolic dim/);
  });
});
