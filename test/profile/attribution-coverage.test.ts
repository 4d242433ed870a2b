import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileModel } from '../../electron/profile/profile-model.js';
import { RuntimeHost } from '../../electron/runtime-host/runtime-host.js';
import { ElemType } from '../../shared/onnx/element-types.js';
import { encodeNpy } from '../../shared/profile/npy.js';
import type { ProfileReport } from '../../shared/profile/report-schema.js';
import { ensureHostBuilt, LIGHT, OCR, quickOptions, RESULTS, VAD } from './fixtures.js';

// The checks on real models: with onnxruntime's optimizer off at least 99% of kernel time
// maps to the model's nodes, with it on (level all: fusions, NCHWc kernels with new names) at
// least 95%; and the node records (each kernel's typical time and its launch time) add up to
// within 10% of the profiled run time. Figures go to test-results/profile-coverage.json.

interface Case {
  name: string;
  path: string;
  dims?: Record<string, number>;
  inputsPath?: () => string;
  runs?: number;
  timeoutMs?: number;
}

const d = (a: number, b: number, c: number) => ({ 'p2o.DynamicDimension.0': a, 'p2o.DynamicDimension.1': b, ...(c ? { 'p2o.DynamicDimension.2': c } : {}) });

// Silero v5 picks its branch by sample rate: give 16 kHz and a 512-sample chunk as .npy files.
function vadInputs(): string {
  const dir = mkdtempSync(join(tmpdir(), 'owb-vad-'));
  writeFileSync(join(dir, 'input.npy'), encodeNpy({ elemType: ElemType.FLOAT, dims: [1, 512], data: Float32Array.from({ length: 512 }, (_, i) => 0.1 * Math.sin(i / 5)) }));
  writeFileSync(join(dir, 'state.npy'), encodeNpy({ elemType: ElemType.FLOAT, dims: [2, 1, 128], data: new Float32Array(256) }));
  writeFileSync(join(dir, 'sr.npy'), encodeNpy({ elemType: ElemType.INT64, dims: [], data: BigInt64Array.from([16000n]) }));
  return dir;
}

const LIGHT_NAMES = ['bvlc_alexnet', 'densenet121', 'inception_v1', 'inception_v2', 'resnet50', 'shufflenet', 'squeezenet', 'zfnet512'];
// VGG-19 holds 143M weights: 2 GB and ~30 s per level here. Opt in with OWB_PROFILE_HEAVY=1.
if (process.env.OWB_PROFILE_HEAVY === '1') LIGHT_NAMES.push('vgg19');
const HEAVY = new Set(['bvlc_alexnet', 'zfnet512', 'vgg19']);

const CASES: Case[] = [
  ...LIGHT_NAMES.map((n) => ({ name: `light/${n}`, path: join(LIGHT, `light_${n}.onnx`), runs: HEAVY.has(n) ? 2 : 4, timeoutMs: HEAVY.has(n) ? 240_000 : 90_000 })),
  { name: 'ocr cls', path: join(OCR, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'), dims: d(4, 48, 192) },
  { name: 'ocr det', path: join(OCR, 'ch_PP-OCRv4_det_infer.onnx'), dims: d(1, 160, 160) },
  { name: 'ocr rec', path: join(OCR, 'ch_PP-OCRv4_rec_infer.onnx'), dims: d(1, 160, 0) },
  { name: 'silero legacy', path: join(VAD, 'silero_vad_legacy.onnx'), dims: { batch: 1, sequence: 512 }, runs: 8 },
  { name: 'silero v5', path: join(VAD, 'silero_vad_v5.onnx'), inputsPath: vadInputs, runs: 8 },
];

const figures: Record<string, Record<string, unknown>> = {};
const host = new RuntimeHost();

beforeAll(() => ensureHostBuilt());
afterAll(() => {
  host.close();
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'profile-coverage.json'), `${JSON.stringify(figures, null, 2)}\n`);
});

/** The launch times the node records add up to (the executor's time before each kernel). */
const launchSum = (r: ProfileReport) => r.nodes.reduce((a, n) => a + n.typicalLaunchMs, 0);

function record(c: Case, level: string, r: ProfileReport): void {
  const a = r.attribution;
  (figures[c.name] ??= {})[level] = {
    coverage: Number(a.coverage.toFixed(4)),
    strictCoverage: Number(a.strictCoverage.toFixed(4)),
    unattributedMs: Number(a.unattributedMs.toFixed(3)),
    kernels: r.nodes.length,
    kernelSumMs: Number(r.kernelSumMs.toFixed(3)),
    kernelMedianSumMs: Number(r.kernelMedianSumMs.toFixed(3)),
    nodeSumMs: Number(r.nodeSum.totalMs.toFixed(3)),
    nodeSumDifference: Number(r.nodeSum.difference.toFixed(4)),
    kernelPerRunMs: Number(a.kernelMs.toFixed(3)),
    launchSumMs: Number(launchSum(r).toFixed(3)),
    launchPerRunMs: Number(a.launchMs.toFixed(3)),
    tracedMedianMs: Number(r.endToEnd.tracedMedianMs.toFixed(3)),
    load: Number(loadavg()[0]!.toFixed(1)),
    fusedKernels: r.nodes.filter((n) => n.originalNodes.length > 1).length,
  };
}

describe.each(['disabled', 'all'] as const)('attribution with optimization %s', (level) => {
  it.each(CASES)('$name', async (c) => {
    const options = quickOptions({
      optimization: level,
      runs: c.runs ?? 4,
      dims: c.dims ?? {},
      ...(c.inputsPath ? { inputsPath: c.inputsPath() } : {}),
    });
    // The per-node figures are a kernel's typical time and its launch time (on small models the
    // launches, onnxruntime's executor allocating and scheduling between kernels, are a fifth of
    // a run); they add up to the median run by construction, less the run's time outside kernels.
    const gapOf = (x: ProfileReport) => Math.abs(x.nodeSum.difference);
    const r = await profileModel(c.path, options, host);
    record(c, level, r);
    const a = r.attribution;
    expect(a.coverage, `${c.name}: unattributed ${a.unattributedKernels.join(', ')}`).toBeGreaterThanOrEqual(level === 'disabled' ? 0.99 : 0.95);
    if (level === 'disabled') {
      // Off, every kernel is a node of the model, by name.
      for (const n of r.nodes) expect(n.originalNodes).toEqual([n.name]);
    } else {
      expect(r.nodes.some((n) => n.originalNodes.length > 1), 'fused kernels show as groups').toBe(true);
    }
    // On a machine with more runnable threads than cores a run waits between kernels too (time
    // no kernel event holds), so the time checks hold only on a quiet machine: they are asserted
    // with OWB_STRICT_TIMING=1 (and a load below the core count); in a shared test run they are
    // reported. The coverage checks above hold always.
    const perRun = Math.abs(a.kernelMs + a.launchMs - r.endToEnd.tracedMedianMs) / r.endToEnd.tracedMedianMs;
    const gap = gapOf(r);
    const message = `${c.name}: typical kernel times sum to ${r.kernelSumMs.toFixed(2)} ms and launches to ${launchSum(r).toFixed(2)} ms (medians per run ${a.kernelMs.toFixed(2)} + ${a.launchMs.toFixed(2)} ms) vs run median ${r.endToEnd.tracedMedianMs.toFixed(2)} ms`;
    if (process.env.OWB_STRICT_TIMING === '1' && loadavg()[0]! <= cpus().length) {
      expect(gap, message).toBeLessThanOrEqual(0.1);
      expect(perRun, message).toBeLessThanOrEqual(0.15);
    } else if (gap > 0.1) {
      console.warn(`${message} (not asserted: load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)`);
    }
  }, 240_000);
});
