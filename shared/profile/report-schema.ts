// The JSON reports of `profile` and `compare` (schema version 1). Field names are a published
// interface (the README's "Reports" section documents them): add fields, never rename or drop.
// Times are milliseconds; `share` is a fraction of kernelSumMs, the summed typical times (0..1).

import type { MatchVia } from './graph-correspondence.js';
import type { KernelMemory } from './trace.js';

export const REPORT_SCHEMA_VERSION = 1;

/** The spread of a figure over the measured runs. */
export interface Timing {
  medianMs: number;
  p90Ms: number;
  minMs: number;
  maxMs: number;
}

export interface EndToEnd extends Timing {
  /** Wall time of session.run() on a session with the profiler on (it adds overhead). */
  withProfilerMedianMs: number;
  withProfilerP90Ms: number;
  /** onnxruntime's own model_run span in the trace (profiler on). */
  tracedMedianMs: number;
}

export interface ProviderInfo {
  requested: 'cpu' | 'cuda' | 'tensorrt';
  /** What the session ran with: the requested one, or 'cpu' after an allowed fallback. */
  used: 'cpu' | 'cuda' | 'tensorrt';
  fallback: boolean;
  /** Why the requested provider was not used (only with fallback). */
  reason?: string;
  deviceId?: number;
  options?: Record<string, string | number | boolean>;
}

/** One kernel onnxruntime ran, with the model's nodes it stands for. */
export interface NodeRecord extends Timing {
  /** The kernel's node name (in onnxruntime's optimized graph when optimizing). */
  name: string;
  opType: string;
  provider: string;
  share: number;
  /** Names of the model's nodes this kernel computes (several for a fused kernel; none when unattributed). */
  originalNodes: string[];
  /** How the kernel was tied to those nodes: 'name' (same node), 'values', 'structure', 'adjacent' (a layout reorder counted with the node whose value it converts) or 'none'. */
  attribution: MatchVia;
  inputShapes: string[];
  outputShapes: string[];
  memory: KernelMemory;
  /** Executions per run (more than one inside loops). */
  callsPerRun: number;
  /**
   * The kernel's mean time over the typical runs (those nearest the median run; see
   * typical-runs.ts): the figure the tables show and `share` divides, which adds up to a run
   * where the medians (bimodal on a busy machine) do not.
   */
  typicalMs: number;
  /**
   * Median per run of the executor's time just before the kernel started (since the previous
   * kernel on its thread ended): allocating its outputs and scheduling it. Not in medianMs; a
   * fusion that removes a kernel saves it too.
   */
  launchMs: number;
  /** The launch time's mean over the typical runs (as typicalMs). */
  typicalLaunchMs: number;
}

export interface Aggregate {
  key: string;
  /** Sum of the kernels' medians. */
  medianMs: number;
  /** Sum of the kernels' typicalMs (what `share` and the order follow). */
  typicalMs: number;
  share: number;
  kernels: number;
}

/** What the per-node table adds up to, beside the run it describes. */
export interface NodeSum {
  /** Sum of the kernels' typicalMs (kernelSumMs). */
  kernelMs: number;
  /** Sum of the kernels' typicalLaunchMs. */
  launchMs: number;
  /** kernelMs + launchMs. */
  totalMs: number;
  /** The median traced run (endToEnd.tracedMedianMs). */
  runMedianMs: number;
  /** Median over runs of a run's time outside any kernel and its launch (before the first, after the last). */
  outsideMs: number;
  /** totalMs / runMedianMs - 1 (negative: the table falls short of a run). */
  difference: number;
  /** |difference| <= 0.1. */
  addsUp: boolean;
  /** How many measured runs the typical figures average (the middle half by their kernel and launch time). */
  typicalRuns: number;
  /** The factor the typical figures were scaled by: (runMedianMs - outsideMs) over the typical runs' mean kernel and launch time. */
  scale: number;
  /** Why the figures do not add up, in one line (only when addsUp is false). */
  warning?: string;
}

export interface AttributionSummary {
  /** Median over runs of the summed kernel self time. */
  kernelMs: number;
  /** Median over runs of the summed launch times (the executor's time between kernels). */
  launchMs: number;
  attributedMs: number;
  /** Part of attributedMs that only sits next to a node (layout reorders). */
  adjacentMs: number;
  unattributedMs: number;
  /** (attributedMs) / kernelMs. */
  coverage: number;
  /** (attributedMs - adjacentMs) / kernelMs. */
  strictCoverage: number;
  unattributedKernels: string[];
  /** Model nodes that ran as no kernel: folded constants (a count) and the rest (removed or fused away unseen). */
  constantNodes: number;
  nodesWithoutKernel: string[];
}

export interface InputInfo {
  name: string;
  type: string;
  shape: number[];
  /** 'random' | 'zeros' | 'ones' | 'value N' (every element N) | the file it came from. */
  source: string;
}

export interface ProfileReport {
  schema: 'onnx-workbench.profile';
  schemaVersion: number;
  model: string;
  fileSize: number;
  provider: ProviderInfo;
  optimization: 'disabled' | 'basic' | 'extended' | 'all';
  runs: number;
  warmup: number;
  threads: { intraOp: number | null; interOp: number | null };
  inputs: InputInfo[];
  seed: number;
  endToEnd: EndToEnd;
  /** Sum of the kernels' typicalMs (what the node table adds up to, launches aside). */
  kernelSumMs: number;
  /** Sum of the kernels' medians (kernelSumMs before typicalMs: short of a run on a busy machine). */
  kernelMedianSumMs: number;
  /** The node table's sum against the median run, flagged when they differ by more than 10%. */
  nodeSum: NodeSum;
  nodes: NodeRecord[];
  unattributedMs: number;
  attribution: AttributionSummary;
  byOpType: Aggregate[];
  byProvider: Aggregate[];
  onnxruntimeVersion: string;
  createdAt: string;
}

export interface OutputAgreement {
  name: string;
  maxAbsError: number | null;
  cosine: number | null;
  /** For classifier-like outputs ([N, C] or [C] floats): fraction of rows whose argmax agrees. */
  top1Agreement: number | null;
  /** For classifier-like outputs with more than 5 classes: fraction of rows where A's top class is among B's 5 highest. */
  top5Agreement?: number | null;
  reason?: string;
}

export interface LayerRow {
  aNodes: string[];
  bNodes: string[];
  /** The typicalMs of A's kernels in the row (bMs: B's). */
  aMs: number;
  bMs: number;
  deltaMs: number;
  /** The launch times (NodeRecord.typicalLaunchMs) of each side's kernels in the row: a fusion saves them too. */
  aLaunchMs: number;
  bLaunchMs: number;
  /** How B's nodes were tied to A's: 'provenance', 'name', 'values', 'structure', or 'none' (only one side has nodes). */
  match: MatchVia;
}

export interface StructuralDiff {
  nodesA: number;
  nodesB: number;
  /** B nodes tied to no A node. */
  added: string[];
  /** Non-constant A nodes no B node computes. */
  removed: string[];
  /** A nodes computing constants only that B does not have (folded into initializers). */
  foldedConstants: number;
  /** B nodes that differ from the A node(s) they come from (operator, inputs, attributes, or a fusion of several). */
  changed: string[];
  /** A nodes merged into a B node of another name (B's `changed` lists that node). */
  fused: string[];
  parametersA: number;
  parametersB: number;
  fileSizeA: number;
  fileSizeB: number;
}

export interface LatencyComparison {
  /** b/a of the median end-to-end latencies (without the profiler). */
  latencyRatio: number;
  /** p10–p90 of the per-pair ratios b_i/a_i of the interleaved runs. */
  ratioSpread: { p10: number; p90: number };
  /** Mann–Whitney p-value of "A and B take the same time". */
  pValue: number;
  withinNoise: boolean;
  verdict: string;
}

export interface CompareReport extends LatencyComparison {
  schema: 'onnx-workbench.compare';
  schemaVersion: number;
  a: ProfileReport;
  b: ProfileReport;
  outputs: OutputAgreement[];
  layers: LayerRow[];
  structure: StructuralDiff;
  createdAt: string;
}
