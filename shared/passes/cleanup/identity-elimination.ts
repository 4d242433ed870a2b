import { attrInt } from '../../ir/attribute-values.js';
import type { Graph } from '../../ir/graph.js';
import type { IrNode } from '../../ir/node.js';
import type { Pass, PassContext } from '../../rewrite/pass.js';
import { bypassNode } from './bypass-node.js';

// Dropout is the identity at inference. From opset 12 training_mode is an input that must be
// absent or a constant false; before opset 7 the is_test attribute had to say so.
function dropoutIsIdentity(ctx: PassContext, g: Graph, n: IrNode): boolean {
  if ((ctx.opset('') ?? 0) < 7 && attrInt(n, 'is_test', 0) === 0) return false;
  const training = n.inputs[2];
  if (training === undefined || training === '') return true;
  const v = ctx.facts.numbers(g, training);
  return v !== undefined && v.length === 1 && v[0] === 0;
}

function castIsIdentity(ctx: PassContext, g: Graph, n: IrNode): boolean {
  const from = ctx.facts.tensor(g, n.inputs[0]!)?.elemType;
  return from !== undefined && from === attrInt(n, 'to');
}

/** Removes Identity, inference-mode Dropout and Cast to the type a value already has. */
export const identityElimination: Pass = {
  name: 'identity-elimination',
  description: 'removes Identity, inference-mode Dropout, and Cast to the type the value already has',
  target: 'portable',
  requires: [],
  numerics: 'exact',
  keepsTypes: true,
  run(ctx) {
    const g = ctx.graph;
    let count = 0;
    for (const n of [...g.nodes]) {
      if (!n.inDefaultDomain || !n.inputs[0]) continue;
      const passThrough =
        n.opType === 'Identity' ||
        (n.opType === 'Dropout' && dropoutIsIdentity(ctx, g, n)) ||
        (n.opType === 'Cast' && castIsIdentity(ctx, g, n));
      if (passThrough && bypassNode(ctx, n, n.inputs[0])) count++;
    }
    return count;
  },
};
