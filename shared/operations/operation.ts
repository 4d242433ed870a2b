import type { z } from 'zod';
import type { NodeId } from '../ir/journal.js';
import type { IrModel } from '../ir/model.js';
import type { ActivationCollector } from '../prune/reconstruction-order.js';
import type { ModelRunner } from '../quantize/float/mixed-precision.js';
import type { RunOptions } from '../rewrite/pass-manager.js';
import type { Target } from '../rewrite/pass.js';
import type { ToleranceChoice } from '../verify/choose-tolerances.js';
import type { ToleranceName } from '../verify/tolerance.js';

// An operation is anything a user applies to a model from the CLI, the app's panels or a recipe:
// a pass, a preset of passes, a graph-surgery edit, later a quantization or a pruning. The
// registry lists them; run-operation.ts runs one as a dry run or as one journal transaction.

/** How the app groups operations in its panel. */
export type OperationGroup = 'cleanup' | 'fusion' | 'preset' | 'surgery' | 'quantization' | 'pruning';

/**
 * What the host lends an operation: onnxruntime for constant folding, type inference, external
 * tensor bytes, and (where it has one) a runner of whole models on fixed inputs (mixed precision)
 * and a collector of tensors on calibration samples (pruning by reconstruction).
 */
export type OperationRuntime = Pick<RunOptions, 'evaluator' | 'inferTypes' | 'externalBytes'> & { runModel?: ModelRunner; collectActivations?: ActivationCollector };

/** What an operation's run sees. Its edits go to `model` inside a transaction the caller opened. */
export interface OperationContext<O> {
  readonly model: IrModel;
  /** The options, already checked against the operation's schema. */
  readonly options: O;
  /** Only nodes in this set may be matched or changed; undefined: the whole model. */
  readonly scope: ReadonlySet<NodeId> | undefined;
  readonly runtime: OperationRuntime;
  /** Long operations check it between steps and stop (throwing) when it is aborted. */
  readonly signal: AbortSignal | undefined;
  /** Reports progress (done of total steps, and what it is doing). */
  progress(done: number, total: number, message: string): void;
}

/** What a run did. */
export interface OperationOutcome {
  /** Rewrites made (0: nothing applied). */
  matches: number;
  /** The tolerances this outcome needs where they depend on what fired and on the outputs' precision; else the operation's own. */
  tolerance?: ToleranceChoice;
  /** Per-part counts (the passes of a preset). */
  parts?: { name: string; matches: number }[];
  /** One line saying what changed (surgery edits). */
  summary?: string;
  /** Operation-specific facts for the caller (pruning: per-layer sparsity, channels removed). */
  details?: Record<string, unknown>;
}

/** One entry of the registry. */
export interface Operation<O = unknown> {
  readonly name: string;
  /** One line: what it does. */
  readonly description: string;
  readonly group: OperationGroup;
  /** Where its result runs: `portable` (standard ONNX) or `onnxruntime` (contrib ops); undefined where that does not apply. */
  readonly target?: Target;
  /** The options it takes; parsed before run (unknown fields refused). */
  readonly options: z.ZodType<O>;
  /**
   * How closely outputs must match the original's after it (see shared/verify/tolerance.ts);
   * null for operations meant to change what the model computes (no verification runs).
   */
  readonly tolerance: ToleranceName | null;
  /** What it needs from the host beyond the IR ('runtime': onnxruntime to evaluate constants). */
  readonly requires: readonly ('shapes' | 'runtime')[];
  /**
   * The options it runs with for a selection (or the whole model, `selection` undefined) when a
   * panel lists what applies there; undefined where it needs options only the user can give.
   * Absent: its schema's defaults.
   */
  optionsFor?(model: IrModel, selection: readonly NodeId[] | undefined): unknown;
  /**
   * Makes its edits; the caller holds the transaction (so a throw rolls everything back). The
   * applicability rule lives here too: with a scope, a match applies only when every node it
   * would remove or change is in it; a dry run (run-operation.ts) says which nodes those are.
   */
  run(ctx: OperationContext<O>): Promise<OperationOutcome>;
}

/**
 * An operation with its options type forgotten, for lists of operations of different options.
 * Safe as long as `run` only ever gets options that `options` parsed (run-operation.ts does so).
 */
export function anyOperation<O>(op: Operation<O>): Operation<unknown> {
  return op as unknown as Operation<unknown>;
}
