// `quantize --auto`: quantize what is fast and accurate. Each round quantizes (leaving in float
// the nodes decided so far, through the operation's exclude list), measures the whole model and
// each quantized region against the original (the pays-off check) and each quantized layer's
// drift from the prepared float model (sensitivity); regions slower quantized and layers that
// lose accuracy are left in float in the next round. It stops when the model is faster than the
// original and within the output cosine, when nothing is left to change, or after a bounded
// number of rounds; the round kept is the fastest accurate one as measured, a round's gain in
// time counting only beyond noise (ROUND_NOISE), so that nodes are not left in float for nothing.

import { WorkbenchError } from '../../shared/errors.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import type { RegionTiming } from '../../shared/quantize/quantized-regions.js';
import { CORE_OPS } from '../../shared/quantize/static-options.js';
import { PRACTICAL_NOISE } from '../../shared/profile/latency-compare.js';
import type { VerifyInputSettings } from '../../shared/verify/input-settings.js';
import type { CalibrateResult } from '../runtime-host/host-protocol.js';
import type { RuntimeHost } from '../runtime-host/runtime-host.js';
import type { QuantizeLatency } from './measure-latency.js';
import type { QuantizeOutcome } from './quantize-model.js';
import { measureSensitivity, type LayerSensitivityDetail } from './sensitivity.js';

/** One quantization and its measurement, made by the caller (the quantize command). */
export interface QuantizeTrial {
  outcome: QuantizeOutcome;
  /** The quantized model written for measuring. */
  path: string;
  latency: QuantizeLatency;
}

/** Quantizes with `exclude` (prepared model's node names) added to the user's, and measures. */
export type RunTrial<T extends QuantizeTrial> = (exclude: readonly string[], round: number, calibrated: CalibrateResult | undefined) => Promise<T>;

export interface AutoSettings {
  /** Every output's cosine with the original must be at least this. */
  minCosine: number;
  maxRounds?: number;
  /** Inputs the sensitivity runs on (as verification takes them). */
  inputs: VerifyInputSettings;
  signal?: AbortSignal;
  /** One line per finished round. */
  onRound?: (round: AutoRound) => void;
}

/** What a decision rests on: the region's measured kernel times and its layer's sensitivity, in the round it was made. */
export interface AutoMeasurement {
  round: number;
  beforeMs: number | null;
  afterMs: number | null;
  ratio: number | null;
  sqnrDb: number | null;
  cosine: number | null;
}

export interface AutoDecision {
  node: string;
  action: 'kept-float' | 'quantized';
  reason: string;
  measurement: AutoMeasurement;
}

export interface AutoRound {
  round: number;
  /** Nodes left in float in this round (by --auto). */
  keptFloat: string[];
  latency: { before: number; after: number; ratio: number; verdict: string };
  /** The lowest output cosine with the original. */
  cosine: number | null;
  faster: boolean;
  accurate: boolean;
  /** Regions slower quantized than in float (beyond the margin) in this round. */
  slowerRegions: string[];
  /** Nodes this round left in float that it measured no better for: quantized again from the next round. */
  undone?: string[];
}

export interface AutoReport {
  minCosine: number;
  /** A region counts as slower quantized when its time grows by more than this factor… */
  slowerMargin: number;
  /** …and by more than this share of the float model's kernel time per run. */
  materialShare: number;
  rounds: AutoRound[];
  /** The round whose model is written (1-based). */
  chosenRound: number;
  met: boolean;
  /** Why it stopped, and which round was kept. */
  reason: string;
  decisions: AutoDecision[];
}

export const DEFAULT_MIN_COSINE = 0.99;
export const DEFAULT_MAX_ROUNDS = 4;
/** Region times on a busy machine move by a few percent from run to run: only a clear loss counts. */
export const SLOWER_MARGIN = 1.1;
/** …and when the time it loses is at least this share of the float model's kernel time per run. */
export const MATERIAL_SHARE = 0.02;

/**
 * Round-to-round time ratios closer than this are noise: compare's practical threshold. A round
 * that leaves more in float for speed must gain more than it, or its changes are undone (a float
 * island between int8 regions costs conversions that a noisy gain does not pay for).
 */
export const ROUND_NOISE = PRACTICAL_NOISE;

/**
 * Whether round `x` is better than the best so far, `y`: an accurate round beats an inaccurate
 * one; among accurate ones, a gain in time beyond ROUND_NOISE; among inaccurate ones, a higher
 * output cosine.
 */
export function improves(x: Pick<AutoRound, 'accurate' | 'cosine' | 'latency'>, y: Pick<AutoRound, 'accurate' | 'cosine' | 'latency'>): boolean {
  if (x.accurate !== y.accurate) return x.accurate;
  if (x.accurate) return x.latency.ratio < y.latency.ratio * (1 - ROUND_NOISE);
  return (x.cosine ?? -1) > (y.cosine ?? -1);
}

const CORE = new Set<string>(CORE_OPS);
const ms = (x: number) => (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const cos = (x: number) => x.toFixed(6);

function lowestCosine(l: QuantizeLatency): number | null {
  const values = Object.values(l.cosine).filter((c): c is number => typeof c === 'number');
  return values.length ? Math.min(...values) : null;
}

function layerOf(region: RegionTiming, layers: readonly LayerSensitivityDetail[]): LayerSensitivityDetail | undefined {
  const q = new Set(region.quantizedNodes);
  const f = new Set(region.floatNodes);
  // Worst first: the region's worst layer.
  return layers.find((l) => q.has(l.quantNode) || f.has(l.node));
}

function measurement(round: number, region: RegionTiming | undefined, layer: LayerSensitivityDetail | undefined): AutoMeasurement {
  return {
    round,
    beforeMs: region?.beforeMs ?? null,
    afterMs: region?.afterMs ?? null,
    ratio: region?.ratio ?? null,
    sqnrDb: layer ? layer.sqnrDb : null,
    cosine: layer ? layer.cosine : null,
  };
}

interface Done<T> {
  trial: T;
  round: AutoRound;
  layers: LayerSensitivityDetail[];
}

/** Runs the rounds; returns the kept round's trial and the report. */
export async function autoQuantize<T extends QuantizeTrial>(host: RuntimeHost, runTrial: RunTrial<T>, s: AutoSettings): Promise<{ trial: T; report: AutoReport }> {
  const maxRounds = s.maxRounds ?? DEFAULT_MAX_ROUNDS;
  const keptFloat = new Map<string, AutoDecision>();
  const done: Done<T>[] = [];
  let calibrated: CalibrateResult | undefined;
  let prepared: Uint8Array | undefined;
  let preparedOps = new Map<string, string>();
  let stopped = '';
  // A prepared model's node to pass to --exclude: the region's Conv/Gemm/MatMul where it has one.
  const excludable = (names: readonly string[]): string | undefined => {
    const present = names.filter((n) => preparedOps.has(n));
    return present.find((n) => CORE.has(preparedOps.get(n)!)) ?? present[0];
  };

  // The round the next one builds on: the best measured so far (a change that measured worse is undone).
  let best: Done<T> | undefined;
  const tried = new Set<string>();
  for (let k = 1; k <= maxRounds; k++) {
    const exclude = [...keptFloat.keys()];
    let trial: T;
    try {
      trial = await runTrial(exclude, k, calibrated);
    } catch (e) {
      if (!(e instanceof WorkbenchError && e.code === 'NOT_APPLICABLE') || k === 1) throw e;
      stopped = `round ${k}: nothing is left to quantize once ${exclude.join(', ')} stay in float`;
      break;
    }
    if (k === 1) {
      prepared = trial.outcome.prepared;
      calibrated = trial.outcome.calibration;
      if (!prepared) throw new Error('quantize --auto: the prepared model was not kept');
      preparedOps = new Map((decodeModel(prepared, 'prepared model').graph?.node ?? []).map((n, i) => [n.name || `${n.opType ?? ''}_${i}`, n.opType ?? '']));
    }
    const sens = await measureSensitivity(host, prepared!, trial.path, s.inputs, s.signal ? { signal: s.signal } : {});
    const layers: LayerSensitivityDetail[] = sens.layers;
    const l = trial.latency;
    const lowest = lowestCosine(l);
    // Only a loss that matters to the whole run counts: region times of a few microseconds are noise.
    const material = MATERIAL_SHARE * l.kernelMs.before;
    const slow = l.regions.filter((r) => r.ratio !== null && r.ratio > SLOWER_MARGIN && r.afterMs - r.beforeMs > material);
    const round: AutoRound = {
      round: k,
      keptFloat: exclude,
      latency: { before: l.before, after: l.after, ratio: l.ratio, verdict: l.verdict },
      cosine: lowest,
      faster: l.ratio < 1,
      accurate: lowest !== null && lowest >= s.minCosine,
      slowerRegions: slow.map((r) => r.node),
    };
    const current: Done<T> = { trial, round, layers };
    done.push(current);
    s.onRound?.(round);
    if (best && !improves(round, best.round)) {
      // Undo this round's changes: the next round starts again from the best one, without them.
      const undone = exclude.filter((n) => !best!.round.keptFloat.includes(n));
      for (const n of undone) {
        tried.add(n);
        keptFloat.delete(n);
      }
      round.undone = undone;
    } else best = current;
    if (best.round.faster && best.round.accurate && !best.round.slowerRegions.length) break;

    const b = best;
    const bl = b.trial.latency;
    const bLowest = b.round.cosine;
    const fresh: string[] = [];
    const keep = (name: string | undefined, d: AutoDecision) => {
      if (!name || keptFloat.has(name) || tried.has(name)) return;
      keptFloat.set(name, d);
      fresh.push(name);
    };
    for (const r of bl.regions.filter((x) => b.round.slowerRegions.includes(x.node))) {
      const name = excludable([...r.quantizedNodes, r.node, ...r.floatNodes]);
      keep(name, {
        node: name ?? r.node,
        action: 'kept-float',
        reason: `slower quantized: ${ms(r.afterMs)} ms vs ${ms(r.beforeMs)} ms in float (${r.ratio!.toFixed(2)}x), round ${b.round.round}`,
        measurement: measurement(b.round.round, r, layerOf(r, b.layers)),
      });
    }
    if (!b.round.accurate && bLowest !== null) {
      const open = b.layers.filter((x) => {
        const n = excludable([x.quantNode, x.node]);
        return n !== undefined && !keptFloat.has(n) && !tried.has(n);
      });
      const below = open.filter((x) => x.cosine < s.minCosine);
      // The worst quarter at most per round: errors add up downstream, so the layers after a bad one look bad too.
      for (const x of below.length ? below.slice(0, Math.max(1, Math.ceil(open.length / 4))) : open.slice(0, 1)) {
        const region = bl.regions.find((r) => r.quantizedNodes.includes(x.quantNode) || r.floatNodes.includes(x.node));
        const name = excludable([x.quantNode, x.node]);
        // The node left in float computes the compared value (a Conv whose folded Relu's output it is).
        const at = name === x.node ? '' : ` (at ${x.node})`;
        keep(name, {
          node: name ?? x.node,
          action: 'kept-float',
          reason: below.length
            ? `layer cosine ${cos(x.cosine)}${at} below ${s.minCosine} (output cosine ${cos(bLowest)}), round ${b.round.round}`
            : `least accurate layer${at} (SQNR ${x.sqnrDb.toFixed(1)} dB) while the output cosine ${cos(bLowest)} is below ${s.minCosine}, round ${b.round.round}`,
          measurement: measurement(b.round.round, region, x),
        });
      }
    }
    if (!fresh.length) {
      const triedText = tried.size ? `; leaving ${[...tried].join(', ')} in float measured no faster overall (by more than ${ROUND_NOISE * 100}%, the noise)` : '';
      stopped = b.round.accurate
        ? `no other region is slower quantized by more than ${Math.round((SLOWER_MARGIN - 1) * 100)}% and ${MATERIAL_SHARE * 100}% of the run${triedText}`
        : `no quantized layer is left to keep in float, and the output cosine ${bLowest === null ? 'is unknown' : `${cos(bLowest)} is below ${s.minCosine}`}${triedText}`;
      break;
    }
    if (k === maxRounds) stopped = `gave up after ${maxRounds} rounds`;
  }

  // The best round as measured: the fastest accurate one, failing that the most accurate one.
  const chosen = best!;
  const met = chosen.round.accurate && chosen.round.faster;
  const what = `kept round ${chosen.round.round}: ${chosen.round.latency.ratio.toFixed(2)}x the original's time, output cosine ${chosen.round.cosine === null ? 'n/a' : cos(chosen.round.cosine)}`;
  const reason = met
    ? `${stopped ? `${stopped}; ` : ''}${what}: faster than the original and within cosine ${s.minCosine}`
    : `${stopped || `round ${chosen.round.round}`}; ${what}: ${chosen.round.accurate ? 'not faster than the original' : `output cosine below ${s.minCosine}`}`;

  const decisions: AutoDecision[] = chosen.round.keptFloat.map((n) => keptFloat.get(n)!);
  for (const r of chosen.trial.latency.regions) {
    const layer = layerOf(r, chosen.layers);
    const faster = r.ratio === null ? 'no float time measured' : `${r.ratio.toFixed(2)}x the float time`;
    const undoneIn = done.find((d) => d.round.undone?.some((n) => n === r.node || r.quantizedNodes.includes(n) || r.floatNodes.includes(n)))?.round;
    // Undone for time among accurate rounds, else for accuracy: say which.
    const undoneWhy = (u: AutoRound) =>
      u.accurate && chosen.round.accurate
        ? `the model took ${u.latency.ratio.toFixed(2)}x the original's time (${chosen.round.latency.ratio.toFixed(2)}x quantized): no gain beyond ${ROUND_NOISE * 100}% noise`
        : `output cosine ${u.cosine === null ? 'n/a' : cos(u.cosine)} (${chosen.round.cosine === null ? 'n/a' : cos(chosen.round.cosine)} quantized)`;
    const undone = undoneIn ? `; left in float in round ${undoneIn.round}, ${undoneWhy(undoneIn)}` : '';
    decisions.push({
      node: r.node,
      action: 'quantized',
      reason: `${faster} quantized${layer ? `, layer cosine ${cos(layer.cosine)}` : ''}, round ${chosen.round.round}${undone}`,
      measurement: measurement(chosen.round.round, r, layer),
    });
  }
  return {
    trial: chosen.trial,
    report: { minCosine: s.minCosine, slowerMargin: SLOWER_MARGIN, materialShare: MATERIAL_SHARE, rounds: done.map((d) => d.round), chosenRound: chosen.round.round, met, reason, decisions },
  };
}
