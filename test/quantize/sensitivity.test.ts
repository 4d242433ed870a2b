// Per-layer sensitivity: the error figures by hand, the tensor matching on a QDQ graph, and the
// ranking in the runtime host on a conv model with one deliberately badly-ranged weight.

import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureSensitivity } from '../../electron/quantize/sensitivity.js';
import { RuntimeHost } from '../../electron/runtime-host/runtime-host.js';
import { ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { ErrorAccumulator, sqnrDb, worstFirst } from '../../shared/quantize/sensitivity-math.js';
import { sensitivityPairs } from '../../shared/quantize/sensitivity-pairs.js';
import { mulberry32 } from '../../shared/verify/prng.js';
import { runCli } from '../helpers/cli.js';
import { ensureHostBuilt } from '../profile/fixtures.js';

describe('sensitivity figures', () => {
  it('SQNR, cosine and max abs error summed over samples, by hand', () => {
    const acc = new ErrorAccumulator();
    acc.add([1, 2], [1, 2]);
    acc.add([3, 4], [3, 5]);
    const r = acc.result();
    // Σx² = 1 + 4 + 9 + 16 = 30, Σ(x−y)² = 1: 10·log10(30) = 14.7712 dB.
    expect(r.sqnrDb).toBeCloseTo(14.7712, 4);
    // Σxy = 1 + 4 + 9 + 20 = 34, Σy² = 39: 34 / sqrt(1170) = 34 / 34.20526 = 0.993999.
    expect(r.cosine).toBeCloseTo(0.993999, 6);
    expect(r.maxAbsError).toBe(1);
  });

  it('equal outputs: +Infinity; NaN elements are left out; worst first puts the lowest SQNR first', () => {
    const same = new ErrorAccumulator();
    same.add([1, Number.NaN, -2], [1, 5, -2]);
    expect(same.result()).toEqual({ sqnrDb: Infinity, cosine: 1, maxAbsError: 0 });
    expect(same.nonFinite).toBe(1);
    expect(sqnrDb(0, 1)).toBe(-Infinity);
    const rows = [{ sqnrDb: Infinity, cosine: 1 }, { sqnrDb: 3, cosine: 0.9 }, { sqnrDb: 20, cosine: 0.99 }];
    expect(rows.sort(worstFirst).map((r) => r.sqnrDb)).toEqual([3, 20, Infinity]);
  });
});

describe('sensitivityPairs', () => {
  it('reads a QDQ model after DequantizeLinear, a folded Relu on its Conv, and skips nodes left in float', () => {
    const float = graph({
      nodes: [node('Conv', ['x', 'w'], ['c'], {}, { name: 'conv' }), node('Relu', ['c'], ['r'], {}, { name: 'relu' }), node('Sigmoid', ['r'], ['y'], {}, { name: 'sig' })],
      inputs: [valueInfo('x', ElemType.FLOAT, [1, 1, 4, 4])],
      outputs: [valueInfo('y', ElemType.FLOAT)],
    });
    const quant = graph({
      nodes: [
        node('QuantizeLinear', ['x', 's', 'z'], ['xq']),
        node('DequantizeLinear', ['xq', 's', 'z'], ['xd']),
        node('DequantizeLinear', ['wq', 's', 'z'], ['wd']),
        node('Conv', ['xd', 'wd'], ['r'], {}, { name: 'conv' }),
        node('QuantizeLinear', ['r', 's', 'z'], ['rq']),
        node('DequantizeLinear', ['rq', 's', 'z'], ['r_dequantized']),
        node('Sigmoid', ['r_dequantized'], ['y'], {}, { name: 'sig' }),
      ],
      inputs: [valueInfo('x', ElemType.FLOAT, [1, 1, 4, 4])],
      outputs: [valueInfo('y', ElemType.FLOAT)],
    });
    // 'c' no longer exists (the Relu was folded); Sigmoid reads a dequantized value, so it counts as quantized too.
    expect(sensitivityPairs(float, quant)).toEqual([
      { node: 'relu', opType: 'Relu', tensor: 'r', quantTensor: 'r_dequantized', quantNode: 'conv' },
      { node: 'sig', opType: 'Sigmoid', tensor: 'y', quantTensor: 'y', quantNode: 'sig' },
    ]);
    expect(sensitivityPairs(float, float)).toEqual([]);
  });

  it('reads a dynamic MatMulInteger chain at its end, and not a float residual Add after it', () => {
    const float = graph({
      nodes: [node('MatMul', ['x', 'w'], ['m'], {}, { name: 'mm' }), node('Add', ['m', 'b'], ['h'], {}, { name: 'bias' }), node('Add', ['h', 'x'], ['y'], {}, { name: 'residual' })],
      inputs: [valueInfo('x', ElemType.FLOAT, [2, 4])],
      outputs: [valueInfo('y', ElemType.FLOAT)],
    });
    const quant = graph({
      nodes: [
        node('DynamicQuantizeLinear', ['x'], ['xq', 'xs', 'xz'], {}, { name: 'mm_DynamicQuantizeLinear' }),
        node('MatMulInteger', ['xq', 'wq', 'xz', 'wz'], ['acc'], {}, { name: 'mm_MatMulInteger' }),
        node('Cast', ['acc'], ['accf'], { to: 1 }, { name: 'mm_Cast' }),
        node('Mul', ['xs', 'ws'], ['s'], {}, { name: 'mm_scale_Mul' }),
        node('Mul', ['accf', 's'], ['m'], {}, { name: 'mm_Mul' }),
        node('Add', ['m', 'b'], ['h'], {}, { name: 'bias' }),
        node('Add', ['h', 'x'], ['y'], {}, { name: 'residual' }),
      ],
      inputs: [valueInfo('x', ElemType.FLOAT, [2, 4])],
      outputs: [valueInfo('y', ElemType.FLOAT)],
    });
    // The MatMul's value is the chain's last Mul; the bias Add and the residual Add are float nodes of the float model's own.
    expect(sensitivityPairs(float, quant)).toEqual([{ node: 'mm', opType: 'MatMul', tensor: 'm', quantTensor: 'm', quantNode: 'mm_Mul' }]);
  });
});

// x [1, 4, 16, 16] → conv0 → Relu → two branches: conv_bad (one weight 100, the others ~0.3:
// per-tensor int8 weights then round the others to 0) and conv_good (every weight ~0.3).
function branchyConv(): Uint8Array {
  const rand = mulberry32(11);
  const w = (n: number) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * 0.3);
  const bad = w(8 * 8 * 9);
  bad[0] = 100;
  const conv = (x: string, wt: string, y: string, name: string) => node('Conv', [x, wt], [y], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name });
  return modelBytes(
    model(
      graph({
        nodes: [conv('x', 'w0', 'c0', 'conv0'), node('Relu', ['c0'], ['r0'], {}, { name: 'relu0' }), conv('r0', 'w_bad', 'bad', 'conv_bad'), conv('r0', 'w_good', 'good', 'conv_good')],
        inputs: [valueInfo('x', ElemType.FLOAT, [1, 4, 16, 16])],
        outputs: [valueInfo('bad', ElemType.FLOAT, [1, 8, 16, 16]), valueInfo('good', ElemType.FLOAT, [1, 8, 16, 16])],
        initializers: [tensor('w0', ElemType.FLOAT, [8, 4, 3, 3], w(8 * 4 * 9)), tensor('w_bad', ElemType.FLOAT, [8, 8, 3, 3], bad), tensor('w_good', ElemType.FLOAT, [8, 8, 3, 3], w(8 * 8 * 9))],
      }),
      { opset: 17 },
    ),
  );
}

describe('measureSensitivity in the runtime host', () => {
  const host = new RuntimeHost({ idleTimeoutMs: 60_000 });
  let dir: string;
  let floatPath: string;
  let quantPath: string;
  beforeAll(() => {
    ensureHostBuilt();
    dir = mkdtempSync(join(tmpdir(), 'owb-sensitivity-'));
    floatPath = join(dir, 'branchy.onnx');
    quantPath = join(dir, 'branchy.int8.onnx');
    writeFileSync(floatPath, branchyConv());
    mkdirSync(join(dir, 'ext'));
    const r = runCli('quantize', floatPath, '-o', quantPath, '--mode', 'static', '--runs', '2', '--threads', '1', '--json');
    expect(r.code, r.err).toBe(0);
  });
  afterAll(() => host.close());

  it('ranks the layer with the badly-ranged weight worst, far below its sibling', async () => {
    const r = await measureSensitivity(host, floatPath, quantPath, { dims: {}, values: {} });
    expect(r.samples).toBe(2);
    expect(r.layers.map((l) => l.node).sort()).toEqual(['conv_bad', 'conv_good', 'relu0']);
    expect(r.layers[0]).toMatchObject({ node: 'conv_bad', opType: 'Conv', tensor: 'bad', quantNode: 'conv_bad' });
    const good = r.layers.find((l) => l.node === 'conv_good')!;
    expect(r.layers[0]!.sqnrDb).toBeLessThan(good.sqnrDb - 10);
    expect(good.cosine).toBeGreaterThan(0.99);
    expect(r.layers[0]!.cosine).toBeLessThan(good.cosine);
    // The folded Relu is read where readers see it: after its DequantizeLinear, computed by conv0.
    expect(r.layers.find((l) => l.node === 'relu0')).toMatchObject({ quantNode: 'conv0', quantTensor: 'r0_dequantized' });
    for (const l of r.layers) expect(l.maxAbsError).toBeGreaterThan(0);
  });

  it('reports progress, and a cancelled measurement stops (the host serves the next one)', async () => {
    const steps: string[] = [];
    await measureSensitivity(host, floatPath, quantPath, { dims: {}, values: {} }, { onProgress: (p) => steps.push(`${p.done}/${p.total} ${p.step}`) });
    expect(steps[0]).toBe('0/2 running the float model');
    expect(steps.filter((x) => x.startsWith('1/2 running the quantized model'))).toHaveLength(2);
    expect(steps[steps.length - 1]).toBe('2/2 compared');
    const abort = new AbortController();
    abort.abort();
    const e = await measureSensitivity(host, floatPath, quantPath, undefined, { signal: abort.signal }).catch((x: unknown) => x);
    expect((e as { code?: string }).code).toBe('CANCELLED');
    const again = await measureSensitivity(host, floatPath, quantPath);
    expect(again.layers[0]!.node).toBe('conv_bad');
  });

  it('models with external data files: their weights read in, the same figures as the files with data inline', async () => {
    const extFloat = join(dir, 'ext', 'branchy.onnx');
    const extQuant = join(dir, 'ext', 'branchy.int8.onnx');
    for (const [from, to] of [[floatPath, extFloat], [quantPath, extQuant]] as const) {
      const c = runCli('convert', from, '-o', to, '--external-data', '--threshold', '64');
      expect(c.code, c.err).toBe(0);
      expect(existsSync(`${to}.data`)).toBe(true);
    }
    const inline = await measureSensitivity(host, floatPath, quantPath);
    const external = await measureSensitivity(host, extFloat, extQuant);
    expect(external.layers.map((l) => [l.node, l.sqnrDb])).toEqual(inline.layers.map((l) => [l.node, l.sqnrDb]));
    expect(external.layers[0]!.node).toBe('conv_bad');
  });

  it('a float model against itself has nothing quantized: a one-line error', async () => {
    const e = await measureSensitivity(host, floatPath, floatPath).catch((x: unknown) => x);
    expect((e as { code?: string }).code).toBe('NOTHING_QUANTIZED');
  });
});
