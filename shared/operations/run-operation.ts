import { WorkbenchError } from '../errors.js';
import type { JournalDiff, NodeId } from '../ir/journal.js';
import type { IrModel } from '../ir/model.js';
import { describeZodError } from '../protocol/wire.js';
import { countNodes } from '../rewrite/pass-manager.js';
import type { ToleranceChoice } from '../verify/choose-tolerances.js';
import { resolveTolerance } from '../verify/tolerance.js';
import type { Operation, OperationOutcome, OperationRuntime } from './operation.js';
import type { OperationRegistry } from './registry.js';

// Running an operation: checked first (name, options, selection), then either as a dry run (its
// edits made, noted and rolled back) or applied as one journal transaction.

/** An operation with its options parsed and its selection checked. */
export interface ResolvedOperation {
  op: Operation<unknown>;
  options: unknown;
  scope: ReadonlySet<NodeId> | undefined;
}

/** How a run is watched: cancellation and progress (for jobs). */
export interface RunControl {
  signal?: AbortSignal;
  progress?: (done: number, total: number, message: string) => void;
}

/** What an operation did or would do. */
export interface OperationEffect {
  outcome: OperationOutcome;
  /** Nodes added, removed and changed (added ids of a dry run no longer exist). */
  diff: JournalDiff;
  nodesBefore: number;
  nodesAfter: number;
  /** The tolerances verification should use for this result; null: none (outputs are meant to change). */
  tolerance: ToleranceChoice | null;
}

/** Checks that every selected node exists; a WorkbenchError names the first that does not. */
export function checkSelection(model: IrModel, selection: readonly NodeId[] | undefined): ReadonlySet<NodeId> | undefined {
  if (!selection) return undefined;
  for (const id of selection) {
    if (!model.findNode(id)) throw new WorkbenchError('UNKNOWN_NODE', `selection: no node with id ${id} in the model`);
  }
  return new Set(selection);
}

/** Finds the operation, parses its options (refusing unknown fields) and checks the selection. */
export function resolveOperation(registry: OperationRegistry, model: IrModel, name: string, options: unknown, selection?: readonly NodeId[]): ResolvedOperation {
  const op = registry.get(name);
  const parsed = op.options.safeParse(options ?? {});
  if (!parsed.success) throw new WorkbenchError('BAD_OPTION', describeZodError(`operation ${name}: bad options`, parsed.error));
  return { op, options: parsed.data, scope: checkSelection(model, selection) };
}

function toleranceOf(op: Operation<unknown>, outcome: OperationOutcome): ToleranceChoice | null {
  if (outcome.tolerance) return outcome.tolerance;
  return op.tolerance === null ? null : { tolerance: resolveTolerance(op.tolerance), outputs: {} };
}

function execute(model: IrModel, r: ResolvedOperation, runtime: OperationRuntime, control: RunControl): Promise<OperationOutcome> {
  return r.op.run({
    model,
    options: r.options,
    scope: r.scope,
    runtime,
    signal: control.signal,
    progress: (done, total, message) => control.progress?.(done, total, message),
  });
}

/** What the operation would do, without changing the model (its edits are rolled back). */
export async function dryRunOperation(model: IrModel, r: ResolvedOperation, runtime: OperationRuntime, control: RunControl = {}): Promise<OperationEffect> {
  const nodesBefore = countNodes(model);
  let nodesAfter = nodesBefore;
  const { result: outcome, diff } = await model.journal.tryAsync(r.op.name, async () => {
    const o = await execute(model, r, runtime, control);
    nodesAfter = countNodes(model);
    return o;
  });
  return { outcome, diff, nodesBefore, nodesAfter, tolerance: toleranceOf(r.op, outcome) };
}

/**
 * Applies the operation as one journal transaction labelled `label`. One that would change
 * nothing is refused (NOT_APPLICABLE) and leaves no step; one that fails or is cancelled
 * leaves the model as it was.
 */
export async function applyOperation(model: IrModel, r: ResolvedOperation, runtime: OperationRuntime, label: string, control: RunControl = {}): Promise<OperationEffect> {
  const nodesBefore = countNodes(model);
  // A mark, not the state: inside a larger step's transaction the state does not move.
  const mark = model.journal.mark();
  const outcome = await model.journal.transactionAsync(label, () => execute(model, r, runtime, control));
  const diff = model.journal.diffSince(mark);
  if (!diff) {
    const where = r.scope ? 'in the selection' : 'in the model';
    throw new WorkbenchError('NOT_APPLICABLE', `operation ${r.op.name} changes nothing ${where}`);
  }
  return { outcome, diff, nodesBefore, nodesAfter: countNodes(model), tolerance: toleranceOf(r.op, outcome) };
}
