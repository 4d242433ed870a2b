import { z } from 'zod';
import type { OperationInfo } from '../protocol/operations-api.js';
import type { Operation } from './operation.js';
import type { OperationEffect } from './run-operation.js';

/**
 * An operation as the API lists it: its facts, options as JSON Schema, and what its dry run
 * found (`effect`), or nothing found for a model of `nodeCount` nodes.
 */
export function operationInfo(op: Operation<unknown>, options: Record<string, unknown> | null, found: OperationEffect | { nodeCount: number }): OperationInfo {
  const effect = 'diff' in found ? found : undefined;
  return {
    name: op.name,
    description: op.description,
    group: op.group,
    target: op.target ?? null,
    tolerance: op.tolerance,
    optionsSchema: z.toJSONSchema(op.options, { unrepresentable: 'any' }),
    options,
    matches: effect?.outcome.matches ?? 0,
    nodes: effect ? [...effect.diff.removed, ...effect.diff.changed].sort((a, b) => a - b) : [],
    nodesBefore: effect?.nodesBefore ?? (found as { nodeCount: number }).nodeCount,
    nodesAfter: effect?.nodesAfter ?? (found as { nodeCount: number }).nodeCount,
  };
}
