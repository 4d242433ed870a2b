// `onnx-workbench quantize` as a user runs it: static with generated and given calibration data,
// dynamic, the measured latency and the warning when the result is slower, and option errors.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { ElemType, modelBytes } from '../../shared/builder/index.js';
import { encodeNpy } from '../../shared/profile/npy.js';
import { mulberry32 } from '../../shared/verify/prng.js';
import { resnetLike } from '../bench/models/resnet-like.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';

interface QuantizeJson {
  output: string;
  mode: string;
  sizeBytesBefore: number;
  sizeBytesAfter: number;
  latency: { before: number; after: number; ratio: number; verdict: string; defaultedDims: string[] };
  slower: boolean;
  calibration: { method: string; samples: number; generated: boolean } | null;
  outputs: { name: string; cosine: number | null }[];
  warnings: string[];
  quantizedNodes: number;
  verification?: { passed: boolean; tolerance: { name: string } };
}

let dir: string;
let resnet: string;
const DIMS = ['--dim', 'batch=1', '--dim', 'height=64', '--dim', 'width=64'];

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'owb-quantize-cli-'));
  resnet = join(dir, 'resnet.onnx');
  writeFileSync(resnet, modelBytes(resnetLike({ widths: [16, 32, 64], blocksPerStage: 1, classes: 10 }, 4)));
});

describe('quantize CLI', () => {
  it('static: calibrates on generated data (and says that is poor), measures latency, verifies at the int8 level', async () => {
    const out = join(dir, 'static.onnx');
    const r = runCli('quantize', resnet, '-o', out, '--mode', 'static', '--per-channel', ...DIMS, '--runs', '5', '--threads', '1', '--verify', '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as QuantizeJson;
    expect(j.mode).toBe('static');
    expect(j.calibration).toEqual({ method: 'minmax', samples: 8, generated: true });
    expect(j.warnings.some((w) => /generated \(random\) input sets/.test(w))).toBe(true);
    expect(j.sizeBytesAfter).toBeLessThan(j.sizeBytesBefore * 0.35);
    expect(j.latency.before).toBeGreaterThan(0);
    expect(j.latency.after).toBeGreaterThan(0);
    expect(j.latency.ratio).toBeCloseTo(j.latency.after / j.latency.before, 5);
    expect(j.latency.defaultedDims).toEqual([]);
    expect(j.warnings.some((w) => /latency measured with/.test(w))).toBe(false);
    expect(j.outputs[0]!.cosine!).toBeGreaterThan(0.99);
    expect(j.verification).toMatchObject({ passed: true, tolerance: { name: 'int8' } });
    const s = await ort.InferenceSession.create(out);
    expect(s.inputNames).toEqual(['input']);
    await s.release();
  });

  it('says which dims the latency was measured at 1 because no size was given', () => {
    const r = runCli('quantize', resnet, '-o', join(dir, 'dims-unset.onnx'), '--mode', 'dynamic', '--dim', 'batch=1', '--dim', 'height=32', '--runs', '3', '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as QuantizeJson;
    expect(j.latency.defaultedDims).toEqual(['width']);
    expect(j.warnings).toContainEqual(expect.stringMatching(/^NOTE: latency measured with width at 1, as no size was given: set --dim width=N/));
  });

  it('static: --samples sets the generated calibration inputs; --no-preprocess quantizes the model as it is', () => {
    const r = runCli('quantize', resnet, '-o', join(dir, 'raw.onnx'), '--mode', 'static', '--samples', '2', '--no-preprocess', ...DIMS, '--runs', '3', '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as QuantizeJson & { preprocessed: boolean };
    expect(j.calibration).toEqual({ method: 'minmax', samples: 2, generated: true });
    expect(j.preprocessed).toBe(false);
    // BatchNormalization left between each Conv and its Relu: no Relu folds, yet every Conv is quantized.
    expect(j.quantizedNodes).toBeGreaterThanOrEqual(7);
  });

  it('static: calibration from a folder of sample folders uses every sample', () => {
    const cal = join(dir, 'calibration');
    const random = mulberry32(5);
    for (let k = 0; k < 3; k++) {
      mkdirSync(join(cal, `sample_${k}`), { recursive: true });
      const data = Float32Array.from({ length: 3 * 64 * 64 }, () => random() * 2 - 1);
      writeFileSync(join(cal, `sample_${k}`, 'input.npy'), encodeNpy({ elemType: ElemType.FLOAT, dims: [1, 3, 64, 64], data }));
    }
    const r = runCli('quantize', resnet, '-o', join(dir, 'static-cal.onnx'), '--mode', 'static', '--calibration', cal, ...DIMS, '--runs', '3');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/calibration: minmax on 3 given samples/);
    expect(r.out).toMatch(/latency: [\d.]+ → [\d.]+ ms median, [\d.]+x speed-up/);
    expect(r.err).not.toMatch(/generated \(random\)/);
    const p = runCli('quantize', resnet, '-o', join(dir, 'static-pct.onnx'), '--mode', 'static', '--calibration', cal, '--method', 'percentile', ...DIMS, '--runs', '3', '--json');
    expect(p.code, p.err).toBe(0);
    const j = JSON.parse(p.out) as QuantizeJson;
    expect(j.calibration).toEqual({ method: 'percentile', samples: 3, generated: false });
    expect(j.outputs[0]!.cosine!).toBeGreaterThan(0.99);
    const e = runCli('quantize', resnet, '-o', join(dir, 'static-kl.onnx'), '--mode', 'static', '--calibration', cal, '--method', 'entropy', ...DIMS, '--runs', '3', '--json');
    expect(e.code, e.err).toBe(0);
    const k = JSON.parse(e.out) as QuantizeJson;
    expect(k.calibration).toEqual({ method: 'entropy', samples: 3, generated: false });
    expect(k.outputs[0]!.cosine!).toBeGreaterThan(0.99);
  });

  it('dynamic with Conv on a conv net: the slower result is said with the measured figure, and flagged in JSON', () => {
    const out = join(dir, 'dynamic-conv.onnx');
    const r = runCli('quantize', resnet, '-o', out, '--mode', 'dynamic', '--ops', 'Conv,Gemm', ...DIMS, '--runs', '10', '--threads', '1', '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as QuantizeJson;
    expect(j.calibration).toBeNull();
    // onnxruntime's ConvInteger is far slower than its float Conv on CPU.
    expect(j.latency.ratio).toBeGreaterThan(1);
    expect(j.slower).toBe(true);
    expect(j.warnings.find((w) => w.startsWith('WARNING: the quantized model is SLOWER'))).toMatch(/ms vs [\d.]+ ms median/);
    const text = runCli('quantize', resnet, '-o', out, '--mode', 'dynamic', '--ops', 'Conv', ...DIMS, '--runs', '10', '--threads', '1');
    expect(text.code, text.err).toBe(0);
    expect(text.lines.some((l) => l.startsWith('WARNING: the quantized model is SLOWER'))).toBe(true);
  });

  it('refuses bad options with exit 2 and one line', () => {
    const cases: [string[], RegExp][] = [
      [['--mode', 'int3'], /--mode must be one of static, dynamic, fp16, bf16, int4/],
      [[], /missing --mode/],
      [['--mode', 'static', '--method', 'mean'], /--method must be minmax, percentile or entropy/],
      [['--mode', 'static', '--activation-type', 'int16'], /--activation-type must be uint8 or int8/],
      [['--mode', 'dynamic', '--calibration', dir], /--calibration applies to --mode static only/],
      [['--mode', 'static', '--ops', 'Gelu'], /ops/],
      [['--mode', 'static', '--ops', 'Softmax'], /nothing to quantize \(no Conv, ConvTranspose, Gemm or MatMul with constant weights among the allowed ops\)/],
      [['--mode', 'static', '--nodes', 'no-such-node'], /--nodes: no node with id or name "no-such-node"/],
      [['--mode', 'static', '--target', 'portable'], /--target applies to --mode dynamic only/],
      [['--mode', 'static', '--samples', '0'], /--samples must be 1 or more/],
      [['--mode', 'static', '--samples', '2', '--calibration', dir], /--samples sets how many inputs to generate/],
      [['--mode', 'static', '--auto-mixed-precision'], /--auto-mixed-precision and --tolerance apply to --mode fp16 and bf16/],
      [['--mode', 'fp16', '--tolerance', 'fp16'], /add --auto-mixed-precision/],
    ];
    for (const [args, message] of cases) {
      const r = runCli('quantize', resnet, '-o', join(dir, 'bad.onnx'), ...args);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(2);
      expect(r.lines).toHaveLength(1);
      expect(r.lines[0]).toMatch(message);
    }
    expect(existsSync(join(dir, 'bad.onnx'))).toBe(false);
  });

  it('fp16 halves the file, verifies at the fp16 level and says it is meant for a GPU; int4 writes MatMulNBits', () => {
    const r = runCli('quantize', resnet, '-o', join(dir, 'half.onnx'), '--mode', 'fp16', '--auto-mixed-precision', '--verify', ...DIMS, '--runs', '3', '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as QuantizeJson & { summary?: string };
    expect(j.sizeBytesAfter / j.sizeBytesBefore).toBeLessThanOrEqual(0.52);
    expect(j.verification).toMatchObject({ passed: true, tolerance: { name: 'fp16' } });
    expect(r.out).toMatch(/meant for a GPU provider/);
    expect(r.out).toMatch(/mixed precision: \d+ nodes? kept in float32/);

    const q = runCli('quantize', resnet, '-o', join(dir, 'int4.onnx'), '--mode', 'int4', '--verify', ...DIMS, '--runs', '3', '--json');
    expect(q.code, q.err).toBe(0);
    expect((JSON.parse(q.out) as QuantizeJson).verification).toMatchObject({ passed: true });
    expect(readFileSync(join(dir, 'int4.onnx')).includes(Buffer.from('MatMulNBits'))).toBe(true);
  });
});
