import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { nodeNamesById, withOrigins } from '../../shared/profile/provenance.js';
import { operationOptionsOf, QUANTIZE_MODES, type QuantizeMode } from '../../shared/quantize/quantize-settings.js';
import { CALIBRATION_METHODS, type CalibrationMethod } from '../../shared/quantize/range-collector.js';
import type { RegionTiming } from '../../shared/quantize/quantized-regions.js';
import type { VerificationResult } from '../../shared/verify/verification-result.js';
import { openModel } from '../io/open-model.js';
import { saveModel } from '../io/save-model.js';
import { autoQuantize, DEFAULT_MIN_COSINE, type AutoReport, type AutoRound } from '../quantize/auto-quantize.js';
import { defaultedDimsNote, measureQuantized, type QuantizeLatency } from '../quantize/measure-latency.js';
import type { CalibrateResult } from '../runtime-host/host-protocol.js';
import { jsonText } from './json-text.js';
import { quantizeModel } from '../quantize/quantize-model.js';
import { verifyModels } from '../runtime/verify.js';
import { onePositional, parseArgs } from './args.js';
import type { Command } from './command.js';
import { CALIBRATION_FLAGS, CALIBRATION_OPTION_SPEC, CALIBRATION_OPTIONS_USAGE, imageSpecFrom, movingAverageFrom } from './calibration-options.js';
import { withRuntimeHost } from './with-runtime-host.js';
import { resolveScope, verificationText } from './optimize-command.js';
import { checkVerifySettings, VERIFY_OPTION_SPEC, VERIFY_OPTIONS_USAGE, verifyInputSettingsFrom, verifyOptionsFrom } from './verify-options.js';

const MODES = QUANTIZE_MODES;
type Mode = QuantizeMode;

const USAGE =
  `onnx-workbench quantize MODEL -o OUT --mode ${MODES.join('|')} [--calibration PATH] ${CALIBRATION_OPTIONS_USAGE} [--samples N] [--method minmax|percentile|entropy] [--per-channel] [--activation-type uint8|int8] [--symmetric] [--reduce-range] [--target onnxruntime|portable] [--ops Conv,MatMul,...] [--nodes ID|NAME,...] [--exclude NAME,...] [--no-preprocess] [--auto [--min-cosine X]] [--auto-mixed-precision [--tolerance LEVEL]] [--runs N] [--threads N] ${VERIFY_OPTIONS_USAGE} [--json]`;

const STATIC_ONLY = ['calibration', 'samples', 'method', 'activation-type', 'symmetric', 'reduce-range', ...CALIBRATION_FLAGS] as const;

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
    // The operation's schema refuses a target it does not know, naming it.
    target: (o.target ?? 'portable') as 'portable' | 'onnxruntime',
    mixedPrecision: amp,
    tolerance: typeof o.tolerance === 'string' ? o.tolerance : '',
  });
  if (mode !== 'static' && mode !== 'dynamic' && o['per-channel']) throw new WorkbenchError('USAGE', `--per-channel applies to --mode static and dynamic`);
  return base;
}

const ms = (x: number) => (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

function slowerWarning(l: QuantizeLatency, mode: string): string {
  return `WARNING: the quantized model is SLOWER than the original: ${ms(l.after)} ms vs ${ms(l.before)} ms median (${l.ratio.toFixed(2)}x the original's time; ${l.verdict}); --mode ${mode} does not pay off for this model here`;
}

/** One --auto round as a progress line. */
export function autoRoundLine(r: AutoRound): string {
  const kept = r.keptFloat.length ? `; in float: ${r.keptFloat.join(', ')}` : '';
  const slower = r.slowerRegions.length ? `; slower quantized: ${r.slowerRegions.join(', ')}` : '';
  return `auto round ${r.round}: ${ms(r.latency.before)} → ${ms(r.latency.after)} ms (${r.latency.ratio.toFixed(2)}x the original's time), output cosine ${r.cosine === null ? 'n/a' : r.cosine.toFixed(6)}${kept}${slower}`;
}

/** The --auto report: the outcome, then each decision with its measurement. */
export function autoLines(a: AutoReport): string[] {
  const lines = [`auto: ${a.met ? 'met the target' : 'did NOT meet the target'} (faster than the original, output cosine ≥ ${a.minCosine}) in ${a.rounds.length} round${a.rounds.length === 1 ? '' : 's'}: ${a.reason}`];
  for (const d of a.decisions) {
    const m = d.measurement;
    const time = m.beforeMs === null || m.afterMs === null ? '' : ` [${ms(m.beforeMs)} → ${ms(m.afterMs)} ms`;
    const acc = m.sqnrDb === null ? '' : `${time ? ',' : ' ['} SQNR ${Number.isFinite(m.sqnrDb) ? m.sqnrDb.toFixed(1) : 'inf'} dB`;
    lines.push(`  ${d.action === 'kept-float' ? 'kept in float' : 'quantized    '}  ${d.node}: ${d.reason}${time}${acc}${time || acc ? ']' : ''}`);
  }
  return lines;
}

const REGION_ROWS = 10;

/** The pays-off table: each quantized region's kernel time before and after, largest first. */
export function regionLines(regions: readonly RegionTiming[]): string[] {
  if (!regions.length) return [];
  const shown = regions.slice(0, REGION_ROWS);
  const width = Math.max(6, ...shown.map((r) => r.node.length));
  const lines = [`quantized regions (kernel time per run; ${regions.length} in all):`, `  ${'region'.padEnd(width)}  ${'before ms'.padStart(9)}  ${'after ms'.padStart(9)}  ratio`];
  for (const r of shown) lines.push(`  ${r.node.padEnd(width)}  ${ms(r.beforeMs).padStart(9)}  ${ms(r.afterMs).padStart(9)}  ${r.ratio === null ? 'n/a' : `${r.ratio.toFixed(2)}x${r.ratio > 1 ? ' slower' : ''}`}`);
  if (regions.length > shown.length) lines.push(`  (${regions.length - shown.length} more in --json)`);
  return lines;
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
        'reduce-range': 'flag', ops: 'string', nodes: 'string', exclude: 'string', 'no-preprocess': 'flag', target: 'string', 'auto-mixed-precision': 'flag', tolerance: 'string', auto: 'flag', 'min-cosine': 'string', runs: 'count', threads: 'count', json: 'flag', overwrite: 'flag', ...VERIFY_OPTION_SPEC, ...CALIBRATION_OPTION_SPEC,
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
    const auto = o.auto === true;
    if (auto && mode !== 'static' && mode !== 'dynamic') throw new WorkbenchError('USAGE', '--auto applies to --mode static and dynamic');
    if (o['min-cosine'] !== undefined && !auto) throw new WorkbenchError('USAGE', '--min-cosine sets the accuracy target of --auto; add --auto');
    const minCosine = o['min-cosine'] === undefined ? DEFAULT_MIN_COSINE : Number(o['min-cosine']);
    if (!(minCosine > -1 && minCosine <= 1)) throw new WorkbenchError('BAD_OPTION', `--min-cosine must be a number in (-1, 1], not "${String(o['min-cosine'])}"`);
    const images = await imageSpecFrom(o);
    const movingAverage = movingAverageFrom(o, method);
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
        const measureOptions = { dims: verifySettings.dims, values: verifySettings.values, ...(verifySettings.inputsPath !== undefined ? { inputsPath: verifySettings.inputsPath } : {}), ...(o.runs ? { runs: Number(o.runs) } : {}), ...(o.threads ? { threads: Number(o.threads) } : {}), signal };
        const userExclude = (options.exclude as string[] | undefined) ?? [];
        // One quantization, saved for measuring and measured before anything is written, so that a slower result is said first.
        const runTrial = async (exclude: readonly string[], round: number, calibrated: CalibrateResult | undefined) => {
          const model = round <= 1 ? opened : await openModel(input);
          const names = round <= 1 ? originalNames : nodeNamesById(model.ir);
          const outcome = await quantizeModel(model, registry, host, {
            mode,
            signal,
            options: exclude.length ? { ...options, exclude: [...userExclude, ...exclude] } : options,
            // int4 rewrites MatMuls; the default preset would first fuse MatMul + Add into Gemm, which it does not take.
            preprocess: o['no-preprocess'] !== true && mode !== 'int4',
            verifyInputs: { dims: verifySettings.dims, values: verifySettings.values },
            ...(nodesSpec ? { scope: (m: typeof opened) => resolveScope(m.ir, nodesSpec) } : {}),
            calibration: { method: method as CalibrationMethod, dims: verifySettings.dims, ...(typeof o.calibration === 'string' ? { inputsPath: o.calibration } : {}), ...(images ? { images } : {}), ...(movingAverage ? { movingAverage } : {}), ...(samples !== undefined ? { samples } : {}) },
            ...(calibrated ? { calibrated } : {}),
            keepPrepared: auto && round === 1,
            onProgress: o.json ? undefined : (done, total, step) => done === total || io.err(`${step}: ${done + 1}/${total}`),
          });
          const proto = withOrigins(model.ir.toProto(), model.ir, names);
          const saved = await saveModel(proto, join(work, `quantized-${round}.onnx`), { source: model });
          const latency = await measureQuantized(model.path, saved.path, measureOptions, host);
          return { outcome, path: saved.path, latency, proto, model };
        };
        let autoReport: AutoReport | undefined;
        let chosen: Awaited<ReturnType<typeof runTrial>>;
        if (auto) {
          const r = await autoQuantize(host, runTrial, {
            minCosine,
            inputs: verifySettings,
            signal,
            ...(o.json ? {} : { onRound: (round: AutoRound) => io.err(autoRoundLine(round)) }),
          });
          chosen = r.trial;
          autoReport = r.report;
        } else chosen = await runTrial([], 1, undefined);
        const q = chosen.outcome;
        const proto = chosen.proto;
        const latency = chosen.latency;
        const trial = { path: chosen.path };
        const warnings: string[] = [];
        if (q.calibration?.generated) {
          warnings.push(`WARNING: calibrated on ${q.calibration.samples} generated (random) input sets: ranges from random data are poor; give --calibration PATH with real samples`);
        }
      if (latency.slower) warnings.push(slowerWarning(latency, mode));
      const dimsNote = defaultedDimsNote(latency);
      if (dimsNote) warnings.push(`NOTE: ${dimsNote}`);
      let verification: VerificationResult | undefined;
      if (o.verify) verification = await verifyModels(opened.path, trial.path, { tolerance: registry.get(`quantize-${mode}`).tolerance ?? 'int8', ...verifyOptionsFrom(verifySettings) });
      if (!o.json) for (const w of warnings) io.err(w);
      if (autoReport && !autoReport.met) warnings.push(`WARNING: --auto did not meet its target: ${autoReport.reason}`);
      const saved = await saveModel(proto, output, { overwriteInput: o.overwrite === true, source: chosen.model });
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
        latency: { before: latency.before, after: latency.after, ratio: latency.ratio, verdict: latency.verdict, defaultedDims: latency.defaultedDims },
        slower: latency.slower,
        outputs: Object.keys(latency.cosine).map((name) => ({ name, cosine: latency.cosine[name], top1Agreement: latency.top1Agreement[name], top5Agreement: latency.top5Agreement[name] ?? null })),
        regions: latency.regions.map(({ node, opType, beforeMs, afterMs, ratio }) => ({ node, opType, beforeMs, afterMs, ratio })),
        kernelMs: latency.kernelMs,
        ...(autoReport ? { auto: autoReport } : {}),
        calibration: q.calibration ? { method: q.calibration.method, samples: q.calibration.samples, generated: q.calibration.generated, ...(q.calibration.images ? { images: true } : {}), ...(movingAverage ? { movingAverage } : {}) } : null,
        warnings,
        ...(verification ? { verification } : {}),
      };
      if (o.json) io.out(jsonText(report));
      else {
        io.out(`quantize-${mode}: ${report.summary ?? `${report.quantizedNodes} nodes`}${q.preprocessed ? ' (after cleanups and fusions)' : ''}`);
        if (report.calibration) io.out(`calibration: ${report.calibration.method}${movingAverage ? ` (moving average, constant ${movingAverage.averagingConstant})` : ''} on ${report.calibration.samples} ${report.calibration.generated ? 'generated' : 'given'} samples${report.calibration.images ? ' from images' : ''}`);
        io.out(`size: ${report.sizeBytesBefore} → ${report.sizeBytesAfter} bytes (${(report.sizeBytesAfter / report.sizeBytesBefore).toFixed(2)}x)`);
        io.out(`latency: ${ms(latency.before)} → ${ms(latency.after)} ms median, ${(1 / latency.ratio).toFixed(2)}x speed-up (${latency.verdict})`);
        for (const x of report.outputs) io.out(`output ${x.name}: cosine ${x.cosine === null || x.cosine === undefined ? 'n/a' : x.cosine.toFixed(6)}${typeof x.top1Agreement === 'number' ? `, top-1 agreement ${(x.top1Agreement * 100).toFixed(1)}%` : ''}${typeof x.top5Agreement === 'number' ? `, top-5 ${(x.top5Agreement * 100).toFixed(1)}%` : ''}`);
        for (const line of regionLines(latency.regions)) io.out(line);
        if (autoReport) for (const line of autoLines(autoReport)) io.out(line);
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
