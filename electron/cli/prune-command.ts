import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import { defaultOperations } from '../../shared/operations/registry.js';
import { applyOperation, resolveOperation } from '../../shared/operations/run-operation.js';
import type { OutputError } from '../../shared/prune/output-error.js';
import { nodeNamesById, withOrigins } from '../../shared/profile/provenance.js';
import { openModel } from '../io/open-model.js';
import { saveModel } from '../io/save-model.js';
import { optimizationSetup } from '../optimize/optimization-setup.js';
import { parametersOf } from '../prune/parameters-of.js';
import { checkPrunedModel, type PrunedCheck } from '../prune/check-pruned.js';
import { hostCollector } from '../prune/activation-collector.js';
import { heldOutWarning, recoverModel, type RecoveryReport } from '../prune/recover-model.js';
import { defaultedDimsNote, measureQuantized } from '../quantize/measure-latency.js';
import { onePositional, parseArgs } from './args.js';
import type { Command } from './command.js';
import { resolveScope } from './optimize-command.js';
import { IMAGE_OPTION_SPEC, IMAGE_OPTIONS_USAGE, imageSpecFrom } from './calibration-options.js';
import { checkVerifySettings, VERIFY_OPTION_SPEC, VERIFY_OPTIONS_USAGE, verifyInputSettingsFrom } from './verify-options.js';
import { withRuntimeHost } from './with-runtime-host.js';

const { channels: _imageChannels, ...imageFlags } = IMAGE_OPTION_SPEC;
const PRUNE_IMAGE_SPEC = { ...imageFlags, 'image-channels': 'string' } as const;

const USAGE =
  `onnx-workbench prune MODEL -o OUT --sparsity S [--structured [--hidden] [--budget channels|parameters] [--criterion l1|l2|reconstruction] [--channels NODE=i,j,...]] [--pattern 2:4] [--global] [--nodes ID|NAME,...] [--exclude NAME,...] [--recover [--ridge R]] [--calibration PATH ${IMAGE_OPTIONS_USAGE.replace('--channels', '--image-channels')}] [--samples N] [--runs N] [--threads N] ${VERIFY_OPTIONS_USAGE} [--json]`;

const list = (v: unknown): string[] | undefined => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

// `--channels NODE=i,j` (repeatable) as the operation's channels option.
function channelsOption(items: readonly string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const item of items) {
    const eq = item.lastIndexOf('=');
    const ids = eq > 0 ? item.slice(eq + 1).split(',').map((s) => s.trim()) : [];
    if (eq <= 0 || !ids.length || ids.some((s) => !/^\d+$/.test(s))) throw new WorkbenchError('BAD_OPTION', `--channels "${item}": expected NODE=i,j,... (channel indices)`);
    out[item.slice(0, eq)] = ids.map(Number);
  }
  return out;
}

function number(o: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!(typeof v === 'string' && v.trim() !== '' && x >= min && x <= max)) throw new WorkbenchError('BAD_OPTION', `--${key} must be a number from ${min} to ${max}, not "${String(v)}"`);
  return x;
}

/** The registry operation and its options the flags ask for. */
function operationOf(o: Record<string, unknown>): { name: string; options: Record<string, unknown> } {
  const sparsity = number(o, 'sparsity', 0, 0.95);
  const exclude = list(o.exclude) ?? [];
  if (o.structured) {
    if (o.pattern !== undefined || o.global) throw new WorkbenchError('USAGE', '--pattern and --global apply to unstructured pruning; not with --structured');
    const channels = o.channels ? channelsOption(o.channels as string[]) : undefined;
    if (sparsity === undefined && !channels) throw new WorkbenchError('USAGE', `--structured needs --sparsity S or --channels NODE=i,j; usage: ${USAGE}`);
    const criterion = (o.criterion as string | undefined) ?? 'l1';
    if (criterion !== 'l1' && criterion !== 'l2' && criterion !== 'reconstruction') throw new WorkbenchError('BAD_OPTION', `--criterion must be l1, l2 or reconstruction, not "${criterion}"`);
    if (criterion === 'reconstruction' && channels) throw new WorkbenchError('USAGE', '--criterion reconstruction chooses the channels itself; not with --channels');
    const budget = o.budget as string | undefined;
    if (budget !== undefined && budget !== 'channels' && budget !== 'parameters') throw new WorkbenchError('BAD_OPTION', `--budget must be channels or parameters, not "${budget}"`);
    return { name: 'prune-channels', options: { criterion, exclude, ...(sparsity !== undefined ? { sparsity } : {}), ...(channels ? { channels } : {}), ...(o.hidden ? { hidden: true } : {}), ...(budget ? { budget } : {}) } };
  }
  if (o.criterion !== undefined || o.channels !== undefined || o.hidden || o.budget !== undefined) throw new WorkbenchError('USAGE', '--criterion, --channels, --hidden and --budget apply to --structured');
  if (o.pattern !== undefined && o.pattern !== '2:4') throw new WorkbenchError('BAD_OPTION', `--pattern must be 2:4, not "${String(o.pattern)}"`);
  if (o.pattern) {
    if (sparsity !== undefined && sparsity !== 0.5) throw new WorkbenchError('USAGE', '--pattern 2:4 is 50% sparsity; leave out --sparsity or give 0.5');
    if (o.global) throw new WorkbenchError('USAGE', '--global applies to unstructured pruning without --pattern');
    return { name: 'prune-magnitude', options: { pattern: '2:4', exclude } };
  }
  if (sparsity === undefined) throw new WorkbenchError('USAGE', `missing --sparsity S (0 to 0.95); usage: ${USAGE}`);
  return { name: 'prune-magnitude', options: { sparsity, threshold: o.global ? 'global' : 'layer', exclude } };
}

const ms = (x: number) => (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const errText = (e: OutputError) => `relative L2 ${e.relativeL2.toPrecision(3)}, cosine ${e.cosine.toFixed(4)}${e.top1Agreement === null ? '' : `, top-1 ${(e.top1Agreement * 100).toFixed(1)}%`}`;

export const pruneCommand: Command = {
  name: 'prune',
  usage: USAGE,
  summary: 'prune weights (magnitude, 2:4) or whole channels (the model shrinks), optionally recover without training on calibration data; measures parameters, size and latency before and after',
  async run(argv, io) {
    const args = parseArgs(
      argv,
      {
        output: 'string', sparsity: 'string', structured: 'flag', hidden: 'flag', budget: 'string', criterion: 'string', channels: 'list', pattern: 'string', global: 'flag', nodes: 'string', exclude: 'string',
        recover: 'flag', calibration: 'string', samples: 'count', ridge: 'string', runs: 'count', threads: 'count', json: 'flag', overwrite: 'flag', ...VERIFY_OPTION_SPEC, ...PRUNE_IMAGE_SPEC,
      },
      { '-o': 'output' },
    );
    const input = onePositional(args, 'MODEL', USAGE);
    const o = args.options;
    const output = o.output as string | undefined;
    if (!output) throw new WorkbenchError('USAGE', `missing -o OUT; usage: ${USAGE}`);
    const op = operationOf(o);
    const calibrated = o.recover || op.options.criterion === 'reconstruction';
    if (!calibrated && (o.calibration !== undefined || o.samples !== undefined)) throw new WorkbenchError('USAGE', '--calibration and --samples set up --recover and --criterion reconstruction; add one of them');
    if (!o.recover && o.ridge !== undefined) throw new WorkbenchError('USAGE', '--ridge sets up --recover; add --recover');
    const ridge = number(o, 'ridge', 0, 100);
    // --channels names pruned channels here; the images' channel order is --image-channels.
    const { channels: _pruned, ...rest } = o;
    const images = await imageSpecFrom({ ...rest, ...(o['image-channels'] !== undefined ? { channels: o['image-channels'] } : {}) });
    const samples = typeof o.samples === 'string' ? Number(o.samples) : undefined;
    if (samples !== undefined && samples < 1) throw new WorkbenchError('BAD_OPTION', '--samples must be 1 or more');
    const verifySettings = verifyInputSettingsFrom(args);
    const registry = defaultOperations();

    const opened = await openModel(input);
    if (o.verify) checkVerifySettings(opened.proto.graph ?? {}, verifySettings);
    const original = opened.ir.toProto();
    const originalNames = nodeNamesById(opened.ir);
    const parametersBefore = parametersOf(opened.ir);
    const scope = typeof o.nodes === 'string' ? resolveScope(opened.ir, o.nodes) : undefined;
    const setup = await optimizationSetup(opened);
    const work = await mkdtemp(join(tmpdir(), 'owb-prune-'));
    try {
      const resolved = resolveOperation(registry, opened.ir, op.name, op.options, scope);
      const calibration = { dims: verifySettings.dims, ...(typeof o.calibration === 'string' ? { inputsPath: o.calibration } : {}), ...(images ? { images } : {}), ...(samples !== undefined ? { samples } : {}) };
      return await withRuntimeHost(io, async (host, signal) => {
        // By reconstruction, the consumers' inputs are collected on the calibration samples first (progress on stderr).
        const byData = op.options.criterion === 'reconstruction';
        const runtime = byData ? { ...setup.runOptions, collectActivations: hostCollector(host, calibration, signal) } : setup.runOptions;
        const effect = await applyOperation(opened.ir, resolved, runtime, op.name, { signal, ...(byData && !o.json ? { progress: (_d: number, _t: number, m: string) => io.err(m) } : {}) });
        const details = effect.outcome.details ?? {};
        let recovery: RecoveryReport | undefined;
        if (o.recover) {
          recovery = await recoverModel(opened.ir, host, {
            original,
            details,
            calibration,
            ...(ridge !== undefined ? { ridge } : {}),
            signal,
            ...(o.json ? {} : { onProgress: (done: number, total: number, step: string) => done === total || io.err(`${step}`) }),
          });
        }
        const warnings: string[] = [];
        if (op.name === 'prune-magnitude') warnings.push('NOTE: zeros alone do not make onnxruntime\'s CPU kernels faster (dense kernels multiply zeros like any number); the latency below is measured, and only a smaller file after compression or a sparse-aware runtime gains from them');
        if (recovery && !recovery.applied) warnings.push(`WARNING: recovery left the outputs further from the original's on the fit samples (relative L2 ${recovery.errorBefore.relativeL2.toPrecision(3)} → ${recovery.errorAfter.relativeL2.toPrecision(3)}); it was undone and the model is saved as pruned`);
        const overfitted = recovery && heldOutWarning(recovery);
        if (overfitted) warnings.push(`WARNING: ${overfitted}`);
        if (byData && !o.recover && o.calibration === undefined) warnings.push('WARNING: channels chosen on generated (random) input sets; give --calibration PATH with real samples');
        if (recovery?.generated) warnings.push(`WARNING: recovery fitted on ${recovery.samples} generated (random) input sets; give --calibration PATH with real samples`);
        const proto = withOrigins(opened.ir.toProto(), opened.ir, originalNames);
        const trial = await saveModel(proto, join(work, 'pruned.onnx'), { source: opened });
        const latency = await measureQuantized(opened.path, trial.path, { dims: verifySettings.dims, values: verifySettings.values, ...(verifySettings.inputsPath !== undefined ? { inputsPath: verifySettings.inputsPath } : {}), ...(o.runs ? { runs: Number(o.runs) } : {}), ...(o.threads ? { threads: Number(o.threads) } : {}), signal }, host);
        const dimsNote = defaultedDimsNote(latency);
        if (dimsNote) warnings.push(`NOTE: ${dimsNote}`);
        let check: PrunedCheck | undefined;
        if (o.verify) check = await checkPrunedModel(original, proto, verifySettings);
        const saved = await saveModel(proto, output, { overwriteInput: o.overwrite === true, source: opened });
        const groups = details.groups as { sources: string[]; size: number; removed: number[]; unsafe?: { node: string; reason: string } }[] | undefined;
        const report = {
          model: opened.path,
          output: saved.path,
          operation: op.name,
          options: op.options,
          summary: effect.outcome.summary ?? null,
          changedLayers: effect.outcome.matches,
          nodesBefore: effect.nodesBefore,
          nodesAfter: effect.nodesAfter,
          parametersBefore,
          parametersAfter: parametersOf(opened.ir),
          sizeBytesBefore: opened.fileSize,
          sizeBytesAfter: saved.bytes + (saved.dataBytes ?? 0),
          latency: { before: latency.before, after: latency.after, ratio: latency.ratio, verdict: latency.verdict, defaultedDims: latency.defaultedDims },
          sparsityByLayer: details.sparsityByLayer ?? (groups ?? []).flatMap((g) => g.sources.map((s) => ({ node: s, channels: g.size, removed: g.removed.length, sparsity: g.removed.length / g.size, ...(g.unsafe ? { skipped: `${g.unsafe.node}: ${g.unsafe.reason}` } : {}) }))),
          ...(groups ? { groups } : {}),
          outputs: Object.keys(latency.cosine).map((name) => ({ name, cosine: latency.cosine[name], top1Agreement: latency.top1Agreement[name] })),
          recovery: recovery ? { method: recovery.method, applied: recovery.applied, samples: recovery.samples, heldOutSamples: recovery.heldOutSamples, generated: recovery.generated, errorBefore: recovery.errorBefore, errorAfter: recovery.errorAfter, heldOutError: recovery.heldOutError, layers: recovery.layers } : null,
          warnings,
          ...(check ? { verification: check } : {}),
        };
        if (o.json) io.out(JSON.stringify(report, null, 2));
        else {
          for (const w of warnings) io.err(w);
          io.out(`${op.name}: ${report.summary ?? `${report.changedLayers} layers`}`);
          io.out(`parameters: ${parametersBefore} → ${report.parametersAfter} (${(report.parametersAfter / parametersBefore).toFixed(2)}x)`);
          io.out(`size: ${report.sizeBytesBefore} → ${report.sizeBytesAfter} bytes (${(report.sizeBytesAfter / report.sizeBytesBefore).toFixed(2)}x)`);
          io.out(`latency: ${ms(latency.before)} → ${ms(latency.after)} ms median, ${(1 / latency.ratio).toFixed(2)}x speed-up (${latency.verdict})`);
          if (recovery) {
            io.out(`recovery (${recovery.method}, ${recovery.samples} samples): before ${errText(recovery.errorBefore)}; after ${errText(recovery.errorAfter)}`);
            io.out(recovery.heldOutError ? `held-out (${recovery.heldOutSamples} samples): before ${errText(recovery.heldOutError.before)}; after ${errText(recovery.heldOutError.after)}` : 'held-out: none (one calibration sample)');
          }
          io.out(`wrote ${saved.path}`);
          if (check) io.out(check.passed ? `verification passed: validates, runs in onnxruntime, output shapes as the original's and as shape inference gives them` : `verification FAILED: ${check.reason}`);
        }
        return check && !check.passed ? 1 : 0;
      });
    } finally {
      await setup.close();
      await rm(work, { recursive: true, force: true });
    }
  },
};
