// Verification inputs: the fall-back to larger unset dims, --value numbers, and input sets from
// files (a folder, a folder of folders, a leading axis of samples), on models built here that
// onnxruntime refuses to run on the wrong inputs.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyModels, type VerifyOptions } from '../../electron/runtime/verify.js';
import { ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { encodeTensor } from '../../shared/onnx/model-codec.js';
import { encodeNpy } from '../../shared/profile/npy.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';

const base = { intraOpThreads: 1, tolerance: 'exact' } satisfies Partial<VerifyOptions>;

/** y = reflect-pad of x by `pad` on both sides of its last axis: onnxruntime needs that axis longer than `pad`. */
function padModel(pad: number): Uint8Array {
  return modelBytes(
    model(
      graph({
        nodes: [node('Pad', ['x', 'pads'], ['y'], { mode: 'reflect' })],
        inputs: [valueInfo('x', ElemType.FLOAT, ['batch', 'n'])],
        outputs: [valueInfo('y', ElemType.FLOAT, ['batch', null])],
        initializers: [tensor('pads', ElemType.INT64, [4], [0, pad, 0, pad])],
      }),
    ),
  );
}

/** y = x * table[sr - 16000]: like a sample-rate input, only sr = 16000 (or 16001) runs; anything else is out of range. */
function rateModel(xShape: (string | number)[] = ['n']): Uint8Array {
  return modelBytes(
    model(
      graph({
        nodes: [node('Sub', ['sr', 'base'], ['idx']), node('Gather', ['table', 'idx'], ['g']), node('Mul', ['x', 'g'], ['y'])],
        inputs: [valueInfo('x', ElemType.FLOAT, xShape), valueInfo('sr', ElemType.INT64, [])],
        outputs: [valueInfo('y', ElemType.FLOAT, xShape)],
        initializers: [tensor('base', ElemType.INT64, [], [16000]), tensor('table', ElemType.FLOAT, [2], [0.5, 2])],
      }),
    ),
  );
}

const npyFloat = (dims: number[], f: (i: number) => number) =>
  encodeNpy({ elemType: ElemType.FLOAT, dims, data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => f(i)) });
const npyInt64 = (dims: number[], values: number[]) => encodeNpy({ elemType: ElemType.INT64, dims, data: BigInt64Array.from(values.map(BigInt)) });

/** The error a verification that must fail throws. */
async function failure(p: Promise<unknown>): Promise<Error & { code?: string }> {
  const e = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(e instanceof Error)) throw new Error('the verification passed; it should have failed');
  return e;
}

function folder(files: Record<string, Uint8Array>, dir = mkdtempSync(join(tmpdir(), 'owb-vin-'))): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

describe('verification falls back to larger unset dims', () => {
  it('a reflect Pad that fails at length 1 verifies at 16, and the result says so', async () => {
    const r = await verifyModels(padModel(2), padModel(2), base);
    expect(r.passed).toBe(true);
    expect(r.attempts).toEqual([{ defaultDim: 1, error: expect.stringMatching(/^Pad: Pad reflect/) }, { defaultDim: 16 }]);
    expect(r.boundDims).toEqual({ batch: 16, n: 16 });
    expect(r.defaultedDims).toEqual(['batch', 'n']);
    expect(r.inputSets.map((s) => s.inputs)).toEqual([
      [{ name: 'x', type: 'float', shape: [16, 16], source: 'random' }],
      [{ name: 'x', type: 'float', shape: [16, 16], source: 'random' }],
    ]);
  });

  it('goes on to 512 when 16 is not enough; a dim the user set never grows', async () => {
    const r = await verifyModels(padModel(20), padModel(20), base);
    expect(r.attempts.map((a) => [a.defaultDim, a.error === undefined])).toEqual([
      [1, false],
      [16, false],
      [512, true],
    ]);
    expect(r.outputs[0]).toMatchObject({ passed: true, elementCount: 2 * 512 * 552 });
    const set = await verifyModels(padModel(2), padModel(2), { ...base, dims: { n: 1 } }).catch((e: unknown) => e);
    expect(String(set)).toMatch(/unset dims batch tried at 1, 16, 512\): Pad: Pad reflect .* x float \[512,1\] random in \[-1, 1\); set sizes with --dim \(batch=N\), or give/);
  });

  it('stops with one line naming the generated inputs, the sizes tried and the flags that fix it', async () => {
    const err = await failure(verifyModels(padModel(20), padModel(20), { ...base, retryDims: [16] }));
    expect(err).toMatchObject({ code: 'VERIFY_INPUTS_REJECTED' });
    expect(err.message).not.toContain('\n');
    expect(err.message).toMatch(/^original model: onnxruntime failed on generated inputs \(2 input sets, unset dims batch, n tried at 1, 16\): Pad: /);
    expect(err.message).toMatch(/generated: x float \[16,16\] random in \[-1, 1\); set sizes with --dim \(batch=N, n=N\), or give real inputs with --inputs PATH$/);
  });

  it('does not generate a retry past the element budget', async () => {
    const image = modelBytes(
      model(
        graph({
          nodes: [node('Pad', ['x', 'pads'], ['y'], { mode: 'reflect' })],
          inputs: [valueInfo('x', ElemType.FLOAT, ['b', 3, 'h', 'w'])],
          outputs: [valueInfo('y', ElemType.FLOAT, ['b', 3, null, null])],
          initializers: [tensor('pads', ElemType.INT64, [8], [0, 0, 0, 20, 0, 0, 0, 20])],
        }),
      ),
    );
    const err = await failure(verifyModels(image, image, base));
    expect(err.message).toMatch(/unset dims b, h, w tried at 1, 16 \(512 not tried: the generated inputs would hold 402653184 elements\)\): Pad: /);
    const again = await failure(verifyModels(image, image, { ...base, retryDims: [16, 512] }));
    expect(again.message).toBe(err.message);
  });
});

describe('verification with --value', () => {
  it('a scalar the model needs fails generated, with a hint naming it, and verifies with its value', async () => {
    const err = await failure(verifyModels(rateModel(), rateModel(), base));
    expect(err.message).toMatch(/sr int64 \[\] random ints in \[0, 10\) \(drew \d, \d\)/);
    expect(err.message).toMatch(/set values with --value \(sr=NUMBER\)/);
    const r = await verifyModels(rateModel(), rateModel(), { ...base, values: { sr: 16000 } });
    expect(r.passed).toBe(true);
    expect(r.attempts).toEqual([{ defaultDim: 1 }]);
    expect(r.inputSets[0]!.inputs).toEqual([
      { name: 'x', type: 'float', shape: [1], source: 'random', value: expect.any(Number) },
      { name: 'sr', type: 'int64', shape: [], source: '--value', value: 16000 },
    ]);
  });

  it('fills a larger input with the value, and refuses a bad name or a number the type cannot hold', async () => {
    const r = await verifyModels(rateModel(), rateModel(), { ...base, values: { sr: 16001, x: 3 }, dims: { n: 4 } });
    expect(r.passed).toBe(true);
    expect(r.runs).toBe(1);
    expect(r.inputSets[0]!.inputs[0]).toEqual({ name: 'x', type: 'float', shape: [4], source: '--value' });
    await expect(verifyModels(rateModel(), rateModel(), { ...base, values: { rate: 1 } })).rejects.toThrow("--value rate=1: the model has no input 'rate' (its inputs: x, sr)");
    await expect(verifyModels(rateModel(), rateModel(), { ...base, values: { sr: 1.5 } })).rejects.toThrow("--value sr=1.5: input 'sr' is int64, which takes whole numbers");
  });
});

/** y = x * table[1 - (sr == 16000)]: a branch on the rate, as Silero VAD takes; only sr = 16000 indexes the one-entry table. */
function equalRateModel(): Uint8Array {
  return modelBytes(
    model(
      graph({
        nodes: [
          node('Equal', ['sr', 'rate'], ['is16k'], {}, { name: 'rate_check' }),
          node('Cast', ['is16k'], ['one'], { to: ElemType.INT64 }),
          node('Sub', ['unit', 'one'], ['idx']),
          node('Gather', ['table', 'idx'], ['g']),
          node('Mul', ['x', 'g'], ['y']),
        ],
        inputs: [valueInfo('x', ElemType.FLOAT, ['n']), valueInfo('sr', ElemType.INT64, [])],
        outputs: [valueInfo('y', ElemType.FLOAT, ['n'])],
        initializers: [tensor('rate', ElemType.INT64, [], [16000]), tensor('unit', ElemType.INT64, [], [1]), tensor('table', ElemType.FLOAT, [1], [0.5])],
      }),
    ),
  );
}

describe('values the graph compares an input with', () => {
  it('an integer scalar tested with Equal against a constant takes that constant, named as its source', async () => {
    const r = await verifyModels(equalRateModel(), equalRateModel(), base);
    expect(r.passed).toBe(true);
    expect(r.inputSets.map((s) => s.inputs[1])).toEqual([
      { name: 'sr', type: 'int64', shape: [], source: "compared with in Equal 'rate_check'", value: 16000 },
      { name: 'sr', type: 'int64', shape: [], source: "compared with in Equal 'rate_check'", value: 16000 },
    ]);
  });

  it("the user's --value wins over it, and a failure still names sr among the values to set", async () => {
    const err = await failure(verifyModels(equalRateModel(), equalRateModel(), { ...base, values: { sr: 8000 } }));
    expect(err.message).toMatch(/sr int64 \[\] --value 8000/);
    const zeros = await failure(verifyModels(equalRateModel(), equalRateModel(), { ...base, fill: 'zeros' }));
    expect(zeros.message).toMatch(/set values with --value \(sr=NUMBER\)/);
  });
});

describe('verification with --inputs', () => {
  it('reads a folder of .npy files as one set, naming each file as its source', async () => {
    const dir = folder({ 'x.npy': npyFloat([3], (i) => i + 1), 'sr.npy': npyInt64([], [16000]) });
    const r = await verifyModels(rateModel(), rateModel(), { ...base, inputsPath: dir });
    expect(r).toMatchObject({ passed: true, runs: 1, inputSeeds: [], defaultedDims: [], attempts: [{ defaultDim: 1 }] });
    expect(r.inputSets).toEqual([
      {
        label: basename(dir),
        inputs: [
          { name: 'x', type: 'float', shape: [3], source: join(dir, 'x.npy') },
          { name: 'sr', type: 'int64', shape: [], source: join(dir, 'sr.npy'), value: 16000 },
        ],
      },
    ]);
  });

  it('reads a folder of folders as one set each (expected outputs in ONNX test-data folders are skipped); --value fills what files leave out', async () => {
    const root = mkdtempSync(join(tmpdir(), 'owb-vsets-'));
    folder({ 'x.npy': npyFloat([3], (i) => i), 'sr.npy': npyInt64([], [16000]) }, join(root, 'set_a'));
    const pb = (t: Parameters<typeof encodeTensor>[0]) => concatSegments(encodeTensor(t));
    const setB = { 'input_0.pb': pb(tensor('x', ElemType.FLOAT, [5], [1, 2, 3, 4, 5])), 'input_1.pb': pb(tensor('sr', ElemType.INT64, [], [16001])) };
    folder({ ...setB, 'output_0.pb': pb(tensor('y', ElemType.FLOAT, [5], [2, 4, 6, 8, 10])) }, join(root, 'set_b'));
    const r = await verifyModels(rateModel(), rateModel(), { ...base, inputsPath: root });
    expect(r.passed).toBe(true);
    expect(r.inputSets.map((s) => [s.label, s.inputs.map((i) => i.shape)])).toEqual([
      ['set_a', [[3], []]],
      ['set_b', [[5], []]],
    ]);
    expect(r.outputs[0]!.elementCount).toBe(8);

    const xOnly = folder({ 'x.npy': npyFloat([2], (i) => i) });
    const v = await verifyModels(rateModel(), rateModel(), { ...base, inputsPath: xOnly, values: { sr: 16000 } });
    expect(v.inputSets[0]!.inputs.map((i) => i.source)).toEqual([join(xOnly, 'x.npy'), '--value']);
    await expect(verifyModels(rateModel(), rateModel(), { ...base, inputsPath: xOnly })).rejects.toThrow(/no value for input 'sr'/);
    await expect(verifyModels(rateModel(), rateModel(), { ...base, inputsPath: root, values: { sr: 16000 } })).rejects.toThrow(
      /^--value sr: input 'sr' also has a file \(.*sr\.npy\); give it one way$/,
    );
    folder({ 'x.npy': npyFloat([2], (i) => i) }, join(root, 'set_c'));
    writeFileSync(join(root, 'stray.npy'), npyFloat([2], (i) => i));
    await expect(verifyModels(rateModel(), rateModel(), { ...base, inputsPath: root })).rejects.toThrow(/holds both input files and folders/);
  });

  it('splits a leading axis of samples where the model takes one at a time; a failing set is named', async () => {
    const fixed = rateModel([1, 4]);
    const dir = folder({ 'x.npy': npyFloat([3, 4], (i) => i / 4), 'sr.npy': npyInt64([3], [16000, 16001, 16000]) });
    const r = await verifyModels(fixed, fixed, { ...base, inputsPath: dir });
    expect(r.passed).toBe(true);
    expect(r.runs).toBe(3);
    expect(r.inputSets.map((s) => s.label)).toEqual([1, 2, 3].map((k) => `${basename(dir)} sample ${k} of 3`));
    expect(r.inputSets.map((s) => s.inputs[1]!.value)).toEqual([16000, 16001, 16000]);
    expect(r.inputSets[1]!.inputs[0]).toMatchObject({ shape: [1, 4], source: `${join(dir, 'x.npy')} [sample 2]` });

    const uneven = folder({ 'x.npy': npyFloat([3, 4], (i) => i), 'sr.npy': npyInt64([2], [16000, 16000]) });
    await expect(verifyModels(fixed, fixed, { ...base, inputsPath: uneven })).rejects.toThrow(/'sr' holds 2 samples, 'x' 3; inputs split into samples must hold as many/);
    const badRate = folder({ 'x.npy': npyFloat([2, 4], (i) => i), 'sr.npy': npyInt64([2], [16000, 7]) });
    await expect(verifyModels(fixed, fixed, { ...base, inputsPath: badRate })).rejects.toThrow(/^on .* sample 2 of 2: original model: onnxruntime failed to run it: Gather/);
    const wrong = folder({ 'x.npy': npyFloat([3, 5], (i) => i), 'sr.npy': npyInt64([], [16000]) });
    await expect(verifyModels(fixed, fixed, { ...base, inputsPath: wrong })).rejects.toThrow(/x\.npy: input 'x' has shape \[1, 4\], the file holds \[3, 5\]/);
  });
});
