// From a parsed trace to per-kernel records tied to the model's nodes. With onnxruntime's
// optimizer off its kernels are the model's nodes, by name. With it on they are the nodes of the
// optimized graph it wrote, which graph-correspondence.ts ties back to the model's nodes.

import { correspond, type MatchVia } from './graph-correspondence.js';
import { isConstantNode, type GraphIndex } from './graph-index.js';
import type { Aggregate, AttributionSummary, NodeRecord, NodeSum } from './report-schema.js';
import { spreadOf } from './stats.js';
import type { KernelEvent, ParsedTrace } from './trace.js';
import { checkNodeSum, typicalRuns, typicalValue } from './typical-runs.js';

export interface Attribution {
  nodes: NodeRecord[];
  summary: AttributionSummary;
  byOpType: Aggregate[];
  byProvider: Aggregate[];
  /** Sum of the kernels' typical times (what the node table adds up to, launches aside). */
  kernelSumMs: number;
  /** Sum of the kernels' median times. */
  kernelMedianSumMs: number;
  /** Median of onnxruntime's model_run spans over the measured runs. */
  tracedRunMs: number;
  /** The node table's sum (typical times and launches) against tracedRunMs. */
  nodeSum: NodeSum;
}

interface KernelTarget {
  original: string[];
  via: MatchVia;
}

/** Where a kernel name leads: a node of the graph that ran (`runtime`), then original nodes. */
function kernelTargets(original: GraphIndex, runtime: GraphIndex | null): (k: KernelEvent) => KernelTarget {
  const corr = runtime ? correspond(original, runtime) : null;
  const names = (ids: readonly number[]) => ids.map((id) => original.nodes[id]!.name);
  const ran = runtime ?? original;
  return (k) => {
    const ids = ran.byName.get(k.name) ?? [];
    // Duplicate names (unnamed nodes in several subgraphs): the trace's node index and op type decide.
    const id = ids.length === 1 ? ids[0] : ids.find((i) => ran.nodes[i]!.index === k.nodeIndex && ran.nodes[i]!.opType === k.opType);
    if (id !== undefined) {
      if (!corr) return { original: [ran.nodes[id]!.name], via: 'name' };
      const g = corr.groups[id]!;
      return { original: names(g.original), via: g.via };
    }
    // onnxruntime keeps the index of a node it did not touch, and names unnamed ones `<Op>_<index>`.
    const m = /^(.*)_(\d+)$/.exec(k.name);
    if (m && m[1] === k.opType) {
      const g = original.nodes.find((n) => n.graph === '' && n.index === Number(m[2]) && !n.named && n.opType === k.opType);
      if (g) return { original: [g.name], via: 'name' };
    }
    return { original: [], via: 'none' };
  };
}

function aggregate(nodes: readonly NodeRecord[], key: (n: NodeRecord) => string, total: number): Aggregate[] {
  const acc = new Map<string, Aggregate>();
  for (const n of nodes) {
    const k = key(n);
    const a = acc.get(k) ?? { key: k, medianMs: 0, typicalMs: 0, share: 0, kernels: 0 };
    a.medianMs += n.medianMs;
    a.typicalMs += n.typicalMs;
    a.kernels++;
    acc.set(k, a);
  }
  for (const a of acc.values()) a.share = total > 0 ? a.typicalMs / total : 0;
  return [...acc.values()].sort((a, b) => b.typicalMs - a.typicalMs);
}

const US = 1000;

/**
 * Per-kernel records of the measured runs (trace runs from `firstRun` on), tied to `original`'s
 * nodes through `runtime` (onnxruntime's optimized graph; null when its optimizer was off).
 */
export function attributeTrace(trace: ParsedTrace, firstRun: number, original: GraphIndex, runtime: GraphIndex | null): Attribution {
  const runs = trace.runs.length - firstRun;
  if (runs <= 0) throw new Error(`the trace holds ${trace.runs.length} runs; expected more than ${firstRun}`);
  const target = kernelTargets(original, runtime);
  const byName = new Map<string, { events: KernelEvent[]; perRun: number[]; launchPerRun: number[]; target: KernelTarget }>();
  const perRunLaunch = new Array<number>(runs).fill(0);
  // What the node table describes of each run: its kernels' self time and their launches.
  const perRunNodes = new Array<number>(runs).fill(0);
  for (const k of trace.kernels) {
    if (k.run < firstRun) continue;
    let e = byName.get(k.name);
    if (!e) byName.set(k.name, (e = { events: [], perRun: new Array<number>(runs).fill(0), launchPerRun: new Array<number>(runs).fill(0), target: target(k) }));
    e.events.push(k);
    e.perRun[k.run - firstRun]! += k.selfDur / US;
    e.launchPerRun[k.run - firstRun]! += k.launchDur / US;
    perRunLaunch[k.run - firstRun]! += k.launchDur / US;
    perRunNodes[k.run - firstRun]! += (k.selfDur + k.launchDur) / US;
  }
  const runSpans = trace.runs.slice(firstRun).map((r) => r.dur / US);
  const tracedRunMs = spreadOf(runSpans).median;
  // Medians, so that a stall now and then outside every kernel neither counts nor shifts the
  // target. Sessions run their kernels one after another (sequential execution): a run's kernels
  // and launches fit inside its span.
  const outsideMs = spreadOf(runSpans.map((s, r) => Math.max(0, s - perRunNodes[r]!))).median;
  const typical = typicalRuns(perRunNodes, Math.max(0, tracedRunMs - outsideMs));
  const nodes: NodeRecord[] = [];
  const perRunTotals = new Array<number>(runs).fill(0);
  const perRunUnattributed = new Array<number>(runs).fill(0);
  const perRunAdjacent = new Array<number>(runs).fill(0);
  for (const [name, e] of byName) {
    const s = spreadOf(e.perRun);
    const last = e.events[e.events.length - 1]!;
    e.perRun.forEach((ms, r) => {
      perRunTotals[r]! += ms;
      if (e.target.via === 'none') perRunUnattributed[r]! += ms;
      if (e.target.via === 'adjacent') perRunAdjacent[r]! += ms;
    });
    nodes.push({
      name,
      opType: last.opType,
      provider: last.provider,
      medianMs: s.median,
      p90Ms: s.p90,
      minMs: s.min,
      maxMs: s.max,
      share: 0,
      originalNodes: e.target.original,
      attribution: e.target.via,
      inputShapes: last.inputShapes,
      outputShapes: last.outputShapes,
      memory: last.memory,
      callsPerRun: e.events.length / runs,
      launchMs: spreadOf(e.launchPerRun).median,
      typicalMs: typicalValue(e.perRun, typical),
      typicalLaunchMs: typicalValue(e.launchPerRun, typical),
    });
  }
  const kernelSumMs = nodes.reduce((a, n) => a + n.typicalMs, 0);
  const launchSumMs = nodes.reduce((a, n) => a + n.typicalLaunchMs, 0);
  for (const n of nodes) n.share = kernelSumMs > 0 ? n.typicalMs / kernelSumMs : 0;
  nodes.sort((a, b) => b.typicalMs - a.typicalMs || b.medianMs - a.medianMs);

  const kernelMs = spreadOf(perRunTotals).median;
  const unattributedMs = spreadOf(perRunUnattributed).median;
  const adjacentMs = spreadOf(perRunAdjacent).median;
  const attributedMs = Math.max(0, kernelMs - unattributedMs);
  const seen = new Set(nodes.flatMap((n) => n.originalNodes));
  const constants = new Set(original.nodes.filter((n) => isConstantNode(original, n.id)).map((n) => n.id));
  const summary: AttributionSummary = {
    kernelMs,
    launchMs: spreadOf(perRunLaunch).median,
    attributedMs,
    adjacentMs,
    unattributedMs,
    coverage: kernelMs > 0 ? attributedMs / kernelMs : 1,
    strictCoverage: kernelMs > 0 ? Math.max(0, attributedMs - adjacentMs) / kernelMs : 1,
    unattributedKernels: nodes.filter((n) => n.attribution === 'none').map((n) => n.name),
    constantNodes: [...constants].filter((id) => !seen.has(original.nodes[id]!.name)).length,
    nodesWithoutKernel: original.nodes.filter((n) => !seen.has(n.name) && !constants.has(n.id)).map((n) => n.name),
  };
  return {
    nodes,
    summary,
    byOpType: aggregate(nodes, (n) => n.opType, kernelSumMs),
    byProvider: aggregate(nodes, (n) => n.provider, kernelSumMs),
    kernelSumMs,
    kernelMedianSumMs: nodes.reduce((a, n) => a + n.medianMs, 0),
    tracedRunMs,
    nodeSum: checkNodeSum(kernelSumMs, launchSumMs, tracedRunMs, outsideMs, typical),
  };
}
