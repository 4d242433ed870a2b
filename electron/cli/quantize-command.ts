import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { nodeNamesById, withOrigins } from '../../shared/profile/provenance.js';
import { operationOptionsOf, QUANTIZE_MODES, type QuantizeMode } from '../../shared/quantize/quantize-settings.js';
import { CALIBRATION_METHODS, type CalibrationMethod } from '../../shared/quantize/range-collector.js';
import type { VerificationResult } from '../../shared/verify/verification-result.js';
import { openModel } from '../io/open-model.js';
import { saveModel } from '../io/save-model.js';
import { measureQuantized, type QuantizeLatency } from '../quantize/measure-latency.js';
import { quantizeModel } from '../quantize/quantize-model.js';
import { verifyModels } from '../runtime/verify.js';
import { onePositional, parseArgs } from './args.js';
import type { Command } from './command.js';
import { withRuntimeHost } from './with-runtime-host.js';
import { resolveScope, verificationText } from './optimize-command.js';
import { checkVerifySettings, VERIFY_OPTION_SPEC, VERIFY_OPTIONS_USAGE, verifyInputSettingsFrom, verifyOptionsFrom } from './verify-options.js';

const MODES = QUANTIZE_MODES;
type Mode = QuantizeMode;

const USAGE =
  `onnx-workbench quantize MODEL -o OUT --mode ${MODES.join('|')} [--calibration PATH] [--samples N] [--method minmax|percentile|entropy] [--per-channel] [--activation-type uint8|int8] [--symmetric] [--reduce-range] [--target onnxruntime|portable] [--ops Conv,MatMul,...] [--nodes ID|NAME,...] [--exclude NAME,...] [--no-preprocess] [--auto-mixed-precision [--tolerance LEVEL]] [--runs N] [--threads N] ${VERIFY_OPTIONS_USAGE} [--json]`;

const STATIC_ONLY = ['calibration', 'samples', 'method', 'activation-type', 'symmetric', 'reduce-range'] as const;

const list = (v: unknown): string[] | undefined => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

// The operation's options from the flags its mode takes; a flag of another mode is a usage error.
function operationOptions(mode: Mode, o: Record<string, unknown>): Record<string, unknown> {
  if (mode !== 'static') {
    const stray = STATIC_ONLY.find((k) => o[k] !== undefined);
    if (stray) throw new WorkbenchError('USAGE', `--${stray} applies to --mode static only`);
  }
  const amp = o['auto-mixed-precision'] === true;
  if ((amp || o.tolerance !== undefined) && mode !== 'fp16' && mode !== 'bf16') throw new WorkbenchError('USAGE', '--auto-mixed-precision and --tolerance apply to --mode fp16 and bf16');
  if (o.tolerance !== undefined && !amp) throw new WorkbenchError('USAGE', '--tolerance sets what --auto-mixed-precision keeps outputs within; add --auto-mixed-precision');
  if (o.target !== undefined && mode !== 'dynamic') throw new WorkbenchError('USAGE', '--target applies to --mode dynamic only');
  const base = operationOptionsOf({
    mode,
    perChannel: o['per-channel'] === true,
    activationType: (o['activation-type'] ?? 'uint8') as 'uint8' | 'int8',
    symmetric: o.symmetric === true,
    reduceRange: o['reduce-range'] === true,
    ops: list(o.ops) ?? [],
    exclude: list(o.exclude) ?? [],
  });
  if (mode === 'static') return base;
  if (mode === 'dynamic') return { ...base, ...(o.target ? { target: o.target } : {}) };
  if (o['per-channel']) throw new WorkbenchError('USAGE', `--per-channel applies to --mode static and dynamic`);
  return { ...base, ...(amp ? { mixedPrecision: true } : {}), ...(typeof o.tolerance === 'string' ? { mixedPrecisionTolerance: o.tolerance } : {}) };
}

const ms = (x: number) => (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

function slowerWarning(l: QuantizeLatency, mode: string): string {
  return `WARNING: the quantized model is SLOWER than the original: ${ms(l.after)} ms vs ${ms(l.before)} ms median (${l.ratio.toFixed(2)}x the original's time; ${l.verdict}); --mode ${mode} does not pay off for this model here`;
}

export const quantizeCommand: Command = {
  name: 'quantize',
  usage: USAGE,
  summary: 'quantize a model (static int8 QDQ with calibration, dynamic int8, …), measure its latency against the original and verify its outputs',
  async run(argv, io) {
    const args = parseArgs(
      argv,
      {
        output: 'string', mode: 'string', calibration: 'string', samples: 'count', method: 'string', 'per-channel': 'flag', 'activation-type': 'string', symmetric: 'flag',
        'reduce-range': 'flag', ops: 'string', nodes: 'string', exclude: 'string', 'no-preprocess': 'flag', target: 'string', 'auto-mixed-precision': 'flag', tolerance: 'string', runs: 'count', threads: 'count', json: 'flag', overwrite: 'flag', ...VERIFY_OPTION_SPEC,
      },
      { '-o': 'output' },
    );
    const input = onePositional(args, 'MODEL', USAGE);
    const o = args.options;
    const output = o.output as string | undefined;
    if (!output) throw new WorkbenchError('USAGE', `missing -o OUT; usage: ${USAGE}`);
    const mode = o.mode as string | undefined;
    if (!mode) throw new WorkbenchError('USAGE', `missing --mode (${MODES.join(', ')}); usage: ${USAGE}`);
    if (!(MODES as readonly string[]).includes(mode)) throw new WorkbenchError('BAD_OPTION', `--mode must be one of ${MODES.join(', ')}, not "${mode}"`);
    const registry = defaultOperations();
    if (!registry.has(`quantize-${mode}`)) throw new WorkbenchError('NOT_AVAILABLE', `mode ${mode} is not available yet`);
    const method = (o.method as string | undefined) ?? 'minmax';
    if (!(CALIBRATION_METHODS as readonly string[]).includes(method)) {
      throw new WorkbenchError('BAD_OPTION', `--method must be minmax, percentile or entropy, not "${method}"`);
    }
    const at = o['activation-type'];
    if (at !== undefined && at !== 'uint8' && at !== 'int8') throw new WorkbenchError('BAD_OPTION', `--activation-type must be uint8 or int8, not "${String(at)}"`);
    const options = operationOptions(mode as Mode, o);
    const verifySettings = verifyInputSettingsFrom(args);
    const samples = typeof o.samples === 'string' ? Number(o.samples) : undefined;
    if (samples !== undefined && samples < 1) throw new WorkbenchError('BAD_OPTION', '--samples must be 1 or more');
    if (samples !== undefined && o.calibration !== undefined) throw new WorkbenchError('USAGE', '--samples sets how many inputs to generate; with --calibration every sample there is used');

    const opened = await openModel(input);
    if (o.verify) checkVerifySettings(opened.proto.graph ?? {}, verifySettings);
    const originalNames = nodeNamesById(opened.ir);
    const nodesSpec = o.nodes as string | undefined;
    const work = await mkdtemp(join(tmpdir(), 'owb-quantize-'));
    try {
      return await withRuntimeHost(io, async (host, signal) => {
        const q = await quantizeModel(opened, registry, host, {
          mode,
          signal,
          options,
          // int4 rewrites MatMuls; the default preset would first fuse MatMul + Add into Gemm, which it does not take.
          preprocess: o['no-preprocess'] !== true && mode !== 'int4',
          verifyInputs: { dims: verifySettings.dims, values: verifySettings.values },
          ...(nodesSpec ? { scope: (m: typeof opened) => resolveScope(m.ir, nodesSpec) } : {}),
          calibration: { method: method as CalibrationMethod, dims: verifySettings.dims, ...(typeof o.calibration === 'string' ? { inputsPath: o.calibration } : {}), ...(samples !== undefined ? { samples } : {}) },
          onProgress: o.json ? undefined : (done, total, step) => done === total || io.err(`${step}: ${done + 1}/${total}`),
      });
      const warnings: string[] = [];
      if (q.calibration?.generated) {
        warnings.push(`WARNING: calibrated on ${q.calibration.samples} generated (random) input sets: ranges from random data are poor; give --calibration PATH with real samples`);
      }

      // Measured before saving, so that a slower result is said before it is written.
      const proto = withOrigins(opened.ir.toProto(), opened.ir, originalNames);
      const trial = await saveModel(proto, join(work, 'quantized.onnx'), { source: opened });
      const latency = await measureQuantized(opened.path, trial.path, { dims: verifySettings.dims, values: verifySettings.values, ...(verifySettings.inputsPath !== undefined ? { inputsPath: verifySettings.inputsPath } : {}), ...(o.runs ? { runs: Number(o.runs) } : {}), ...(o.threads ? { threads: Number(o.threads) } : {}), signal: signal }, host);
      if (latency.slower) warnings.push(slowerWarning(latency, mode));
      let verification: VerificationResult | undefined;
      if (o.verify) verification = await verifyModels(opened.path, trial.path, { tolerance: registry.get(`quantize-${mode}`).tolerance ?? 'int8', ...verifyOptionsFrom(verifySettings) });
      if (!o.json) for (const w of warnings) io.err(w);
      const saved = await saveModel(proto, output, { overwriteInput: o.overwrite === true, source: opened });
      const report = {
        model: opened.path,
        output: saved.path,
        mode,
        operation: `quantize-${mode}`,
        options,
        preprocessed: q.preprocessed,
        summary: q.effect.outcome.summary ?? null,
        quantizedNodes: q.effect.outcome.matches,
        nodesBefore: q.effect.nodesBefore,
        nodesAfter: q.effect.nodesAfter,
        sizeBytesBefore: opened.fileSize,
        sizeBytesAfter: saved.bytes + (saved.dataBytes ?? 0),
        latency: { before: latency.before, after: latency.after, ratio: latency.ratio, verdict: latency.verdict },
        slower: latency.slower,
        outputs: Object.keys(latency.cosine).map((name) => ({ name, cosine: latency.cosine[name], top1Agreement: latency.top1Agreement[name] })),
        calibration: q.calibration ? { method: q.calibration.method, samples: q.calibration.samples, generated: q.calibration.generated } : null,
        warnings,
        ...(verification ? { verification } : {}),
      };
      if (o.json) io.out(JSON.stringify(report, null, 2));
      else {
        io.out(`quantize-${mode}: ${report.summary ?? `${report.quantizedNodes} nodes`}${q.preprocessed ? ' (after cleanups and fusions)' : ''}`);
        if (report.calibration) io.out(`calibration: ${report.calibration.method} on ${report.calibration.samples} ${report.calibration.generated ? 'generated' : 'given'} samples`);
        io.out(`size: ${report.sizeBytesBefore} → ${report.sizeBytesAfter} bytes (${(report.sizeBytesAfter / report.sizeBytesBefore).toFixed(2)}x)`);
        io.out(`latency: ${ms(latency.before)} → ${ms(latency.after)} ms median, ${(1 / latency.ratio).toFixed(2)}x speed-up (${latency.verdict})`);
        for (const x of report.outputs) io.out(`output ${x.name}: cosine ${x.cosine === null || x.cosine === undefined ? 'n/a' : x.cosine.toFixed(6)}${typeof x.top1Agreement === 'number' ? `, top-1 agreement ${(x.top1Agreement * 100).toFixed(1)}%` : ''}`);
        io.out(`wrote ${saved.path}`);
        if (verification) io.out(verificationText(verification));
      }
      return verification && !verification.passed ? 1 : 0;
      });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  },
};
