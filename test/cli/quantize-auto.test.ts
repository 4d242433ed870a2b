// `quantize` on a ResNet-like model: the pays-off regions and top-5 agreement in --json,
// `--auto` (rounds, decisions with their measurements, the result consistent with its own
// measurement), and `sensitivity` on the quantized result. No assertion on how fast a kernel is:
// only that the reports agree with themselves.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelBytes } from '../../shared/builder/index.js';
import { resnetLike } from '../bench/models/resnet-like.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';

interface Region { node: string; opType: string; beforeMs: number; afterMs: number; ratio: number | null }
interface Round { round: number; keptFloat: string[]; latency: { before: number; after: number; ratio: number }; cosine: number | null; faster: boolean; accurate: boolean; undone?: string[] }
interface Decision { node: string; action: string; reason: string; measurement: { round: number; beforeMs: number | null; afterMs: number | null; ratio: number | null; sqnrDb: number | string | null; cosine: number | null } }
interface QuantizeJson {
  latency: { before: number; after: number; ratio: number };
  slower: boolean;
  outputs: { name: string; cosine: number | null; top1Agreement: number | null; top5Agreement: number | null }[];
  regions: Region[];
  kernelMs: { before: number; after: number };
  warnings: string[];
  quantizedNodes: number;
  auto?: { minCosine: number; rounds: Round[]; chosenRound: number; met: boolean; reason: string; decisions: Decision[] };
}
interface SensitivityJson { samples: number; layers: { node: string; opType: string; tensor: string; sqnrDb: number | string; cosine: number; maxAbsError: number }[] }

let dir: string;
let model: string;
const DIMS = ['--dim', 'batch=1', '--dim', 'height=96', '--dim', 'width=96'];
const RUN = ['--runs', '8', '--threads', '1'];
const CONVS = Array.from({ length: 9 }, (_, i) => `conv${i}/Conv`);

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'owb-quantize-auto-'));
  model = join(dir, 'resnet.onnx');
  writeFileSync(model, modelBytes(resnetLike({ widths: [32, 64, 128], blocksPerStage: 1, classes: 10 }, 4)));
});

function checkConsistent(j: QuantizeJson): void {
  expect(j.latency.ratio).toBeCloseTo(j.latency.after / j.latency.before, 6);
  // A result slower than the original beyond noise is never written without the warning.
  if (j.slower) expect(j.warnings.some((w) => w.startsWith('WARNING: the quantized model is SLOWER'))).toBe(true);
}

describe('quantize: pays-off regions and top-5', () => {
  it('static --json lists each quantized region with its kernel time before and after, parts of each model’s kernel time', () => {
    const out = join(dir, 'static.onnx');
    const r = runCli('quantize', model, '-o', out, '--mode', 'static', '--per-channel', ...DIMS, ...RUN, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as QuantizeJson;
    checkConsistent(j);
    // Every Conv is quantized and is a region of its own (named after it, not merged into its neighbour's).
    expect(j.regions.filter((x) => x.opType === 'Conv').map((x) => x.node).sort()).toEqual(CONVS);
    expect(j.regions.find((x) => x.node === '/MatMul_33')).toBeDefined();
    for (const x of j.regions) {
      expect(x.beforeMs).toBeGreaterThan(0);
      expect(x.afterMs).toBeGreaterThan(0);
      expect(x.ratio!).toBeCloseTo(x.afterMs / x.beforeMs, 9);
    }
    const sum = (f: (x: Region) => number) => j.regions.reduce((s, x) => s + f(x), 0);
    expect(sum((x) => x.beforeMs)).toBeLessThanOrEqual(j.kernelMs.before * (1 + 1e-9));
    expect(sum((x) => x.afterMs)).toBeLessThanOrEqual(j.kernelMs.after * (1 + 1e-9));
    // The Convs are where a ResNet spends its time: most of each model's kernel time falls in regions.
    expect(sum((x) => x.beforeMs)).toBeGreaterThan(0.5 * j.kernelMs.before);
    expect(sum((x) => x.afterMs)).toBeGreaterThan(0.5 * j.kernelMs.after);
    // 10 classes: top-5 is defined, and at least as agreeing as top-1.
    const o = j.outputs[0]!;
    expect(o.top5Agreement).not.toBeNull();
    expect(o.top5Agreement!).toBeGreaterThanOrEqual(o.top1Agreement!);

    const text = runCli('quantize', model, '-o', join(dir, 'static-text.onnx'), '--mode', 'static', '--per-channel', ...DIMS, ...RUN);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/quantized regions \(kernel time per run; \d+ in all\):/);
    expect(text.out).toMatch(/^ {2}conv\d\/Conv +\d/m);
    expect(text.out).toMatch(/top-5 \d+\.\d%/);
  });
});

describe('quantize --auto', () => {
  it('static: rounds and decisions with their measurements; the result is within cosine and faster when it says it met the target', () => {
    const r = runCli('quantize', model, '-o', join(dir, 'auto.onnx'), '--mode', 'static', '--per-channel', '--auto', ...DIMS, ...RUN, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as QuantizeJson;
    checkConsistent(j);
    const a = j.auto!;
    expect(a.minCosine).toBe(0.99);
    expect(a.rounds.length).toBeGreaterThanOrEqual(1);
    expect(a.rounds.length).toBeLessThanOrEqual(4);
    const chosen = a.rounds.find((x) => x.round === a.chosenRound)!;
    // The model written is the chosen round's, as measured then.
    expect(j.latency.ratio).toBe(chosen.latency.ratio);
    if (a.met) {
      expect(j.latency.ratio).toBeLessThan(1);
      for (const o of j.outputs) expect(o.cosine!).toBeGreaterThanOrEqual(0.99);
    } else expect(j.warnings.some((w) => w.startsWith('WARNING: --auto did not meet its target'))).toBe(true);
    // Each region of the written model is a 'quantized' decision carrying its own figures; the nodes kept in float are those of the chosen round.
    const quantized = a.decisions.filter((d) => d.action === 'quantized');
    expect(quantized.map((d) => d.node).sort()).toEqual(j.regions.map((x) => x.node).sort());
    for (const d of quantized) {
      const region = j.regions.find((x) => x.node === d.node)!;
      expect(d.measurement).toMatchObject({ round: a.chosenRound, beforeMs: region.beforeMs, afterMs: region.afterMs });
      expect(d.reason).toMatch(/x the float time quantized/);
    }
    expect(a.decisions.filter((d) => d.action === 'kept-float').length).toBe(chosen.keptFloat.length);
    for (const d of a.decisions.filter((x) => x.action === 'kept-float')) {
      expect(d.reason).toMatch(/slower quantized|cosine|least accurate/);
      if (/slower quantized/.test(d.reason)) expect(d.measurement.afterMs!).toBeGreaterThan(d.measurement.beforeMs!);
    }
    // A round that measured worse than the best one had its changes undone.
    for (const x of a.rounds) if (x.undone?.length) expect(x.latency.ratio).toBeGreaterThanOrEqual(chosen.latency.ratio);
  });

  it('an accuracy target above what full quantization reaches leaves the least accurate layers in float', () => {
    const r = runCli('quantize', model, '-o', join(dir, 'auto-accurate.onnx'), '--mode', 'static', '--auto', '--min-cosine', '0.999999', ...DIMS, ...RUN, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as QuantizeJson;
    checkConsistent(j);
    const a = j.auto!;
    const first = a.rounds[0]!;
    expect(first.accurate).toBe(false);
    expect(a.rounds.length).toBeGreaterThan(1);
    // Round 2 left in float what round 1's sensitivity named, each decision with the layer's figures.
    expect(a.rounds[1]!.keptFloat.length).toBeGreaterThan(0);
    const byAccuracy = a.decisions.filter((d) => d.action === 'kept-float' && /cosine|least accurate/.test(d.reason));
    if (a.rounds.some((x) => x.round === a.chosenRound && x.keptFloat.length)) expect(byAccuracy.length).toBeGreaterThan(0);
    for (const d of byAccuracy) {
      expect(typeof d.measurement.cosine).toBe('number');
      expect(d.measurement.cosine!).toBeLessThan(1);
    }
    if (!a.met) expect(j.warnings.some((w) => w.startsWith('WARNING: --auto did not meet its target'))).toBe(true);
  });

  it('option errors: --auto outside static/dynamic, --min-cosine without --auto or out of range', () => {
    const out = join(dir, 'never.onnx');
    const fp16 = runCli('quantize', model, '-o', out, '--mode', 'fp16', '--auto');
    expect(fp16.code).toBe(2);
    expect(fp16.err).toMatch(/--auto applies to --mode static and dynamic/);
    const lone = runCli('quantize', model, '-o', out, '--mode', 'static', '--min-cosine', '0.9');
    expect(lone.code).toBe(2);
    expect(lone.err).toMatch(/add --auto/);
    const bad = runCli('quantize', model, '-o', out, '--mode', 'static', '--auto', '--min-cosine', '2');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--min-cosine must be a number/);
  });
});

describe('sensitivity CLI', () => {
  let quant: string;
  beforeAll(() => {
    quant = join(dir, 'sens.int8.onnx');
    const r = runCli('quantize', model, '-o', quant, '--mode', 'static', ...DIMS, '--runs', '2', '--threads', '1');
    expect(r.code, r.err).toBe(0);
  });

  it('ranks the quantized layers worst first (JSON and table)', () => {
    const r = runCli('sensitivity', model, quant, ...DIMS, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as SensitivityJson;
    expect(j.samples).toBe(2);
    expect(j.layers.length).toBeGreaterThanOrEqual(9);
    const sqnr = j.layers.map((l) => (typeof l.sqnrDb === 'number' ? l.sqnrDb : Infinity));
    expect([...sqnr].sort((x, y) => x - y)).toEqual(sqnr);
    for (const l of j.layers) {
      expect(l.cosine).toBeGreaterThan(0.9);
      expect(l.cosine).toBeLessThanOrEqual(1);
      expect(l.maxAbsError).toBeGreaterThanOrEqual(0);
    }
    const t = runCli('sensitivity', model, quant, ...DIMS, '--top', '3');
    expect(t.code, t.err).toBe(0);
    const lines = t.out.trim().split('\n');
    expect(lines[0]).toMatch(/^\d+ quantized layers compared on 2 input sets \(worst first\):$/);
    expect(lines[1]).toMatch(/rank +node +op +SQNR dB +cosine +max abs error/);
    expect(lines[2]).toContain(j.layers[0]!.node);
    expect(lines.slice(2, 5).map((l) => l.trim().split(/\s+/)[0])).toEqual(['1', '2', '3']);
    expect(lines[5]).toMatch(/more; --top \d+ shows all/);
  });

  it('a model against itself, and a bad --value, are one-line errors (exit 2)', () => {
    const same = runCli('sensitivity', model, model, ...DIMS);
    expect(same.code).toBe(2);
    expect(same.lines).toHaveLength(1);
    expect(same.err).toMatch(/no node of the float model .* has a quantized counterpart/);
    const value = runCli('sensitivity', model, quant, '--value', 'nope=1');
    expect(value.code).toBe(2);
    expect(value.lines).toHaveLength(1);
  });
});
