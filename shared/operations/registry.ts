import { WorkbenchError } from '../errors.js';
import { anyOperation, type Operation, type OperationGroup } from './operation.js';
import { passOperations } from './pass-operations.js';
import { pruneChannelsOperation } from './prune-channels-operation.js';
import { pruneMagnitudeOperation } from './prune-magnitude-operation.js';
import { halfOperation } from './quantize-float-operations.js';
import { int4Operation } from './quantize-int4-operation.js';
import { quantizeDynamicOperation } from './quantize-dynamic-operation.js';
import { quantizeStaticOperation } from './quantize-static-operation.js';
import { surgeryOperations } from './surgery-operations.js';

/** The groups in the order the app shows them. */
export const OPERATION_GROUPS: readonly OperationGroup[] = ['cleanup', 'fusion', 'surgery', 'quantization', 'pruning', 'preset'];

/**
 * The operations the CLI, the app and recipes share, by name. Graph-surgery edits, quantization
 * and pruning register theirs with `add`; adding one here adds it everywhere.
 */
export class OperationRegistry {
  private readonly byName = new Map<string, Operation<unknown>>();

  constructor(operations: Iterable<Operation<unknown>> = []) {
    for (const op of operations) this.add(op);
  }

  /** Adds an operation; a second one of the same name is a programming error. */
  add<O>(op: Operation<O>): this {
    if (this.byName.has(op.name)) throw new Error(`operation "${op.name}" is registered twice`);
    this.byName.set(op.name, anyOperation(op));
    return this;
  }

  /** Every operation, in registration order. */
  list(): Operation<unknown>[] {
    return [...this.byName.values()];
  }

  /** An operation by name, or a WorkbenchError naming the unknown one. */
  get(name: string): Operation<unknown> {
    const op = this.byName.get(name);
    if (!op) throw new WorkbenchError('UNKNOWN_OPERATION', `unknown operation "${name}" (listOperations or \`onnx-workbench passes\` name them)`);
    return op;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }
}

/** The registry with every operation this build has: the passes, their presets, and the graph-surgery edits. */
export function defaultOperations(): OperationRegistry {
  return new OperationRegistry([
    ...passOperations(),
    ...surgeryOperations(),
    anyOperation(quantizeStaticOperation),
    anyOperation(quantizeDynamicOperation),
    anyOperation(halfOperation('fp16')),
    anyOperation(halfOperation('bf16')),
    anyOperation(int4Operation()),
    anyOperation(pruneMagnitudeOperation),
    anyOperation(pruneChannelsOperation),
  ]);
}
