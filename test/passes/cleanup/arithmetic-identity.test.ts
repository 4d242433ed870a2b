import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, valueInfo, type DimSpec } from '../../../shared/builder/index.js';
import type { NodeProto, TensorProto } from '../../../shared/onnx/proto-types.js';
import { arithmeticIdentityElimination } from '../../../shared/passes/cleanup/arithmetic-identity.js';
import { inferTypes } from '../../../shared/rewrite/shape-facts.js';
import { opsOf, optimizeAndCompare } from './harness.js';

const F = ElemType.FLOAT;
const I64 = ElemType.INT64;
const filled = (name: string, type: number, dims: number[], value: number) => {
  const n = dims.reduce((a, b) => a * b, 1);
  return tensor(name, type, dims, type === I64 ? Array.from({ length: n }, () => BigInt(value)) : Array.from({ length: n }, () => value));
};

interface Case {
  /** The node under test reads 'a' (x through a Relu) and 'c', and writes 'b'. */
  node: NodeProto;
  c: TensorProto;
  shape?: DimSpec[];
  type?: number;
}

// x → Relu → a → NODE(a, c) → b → Neg → y: the node sits between two computed values.
function caseModel(k: Case) {
  const type = k.type ?? F;
  const shape = k.shape ?? [2, 3, 4];
  const op = type === F ? 'Relu' : 'Abs';
  return model(
    graph({
      nodes: [node(op, ['x'], ['a']), { ...k.node, output: ['b'] }, node('Neg', ['b'], ['y'])],
      inputs: [valueInfo('x', type, shape)],
      outputs: [valueInfo('y', type)],
      initializers: [k.c],
    }),
    { opset: 17 },
  );
}

async function removes(k: Case): Promise<boolean> {
  const { model: m, matches } = await optimizeAndCompare(caseModel(k), [arithmeticIdentityElimination], { inferTypes });
  expect(opsOf(m).length).toBe(matches ? 2 : 3);
  return matches === 1;
}

describe('arithmetic-identity-elimination', () => {
  it('removes x + 0, 0 + x, x − 0, x · 1, 1 · x and x / 1 that keep x\'s shape and type, outputs bit-identical', async () => {
    const fires: Case[] = [
      { node: node('Add', ['a', 'c'], ['b']), c: filled('c', F, [4], 0) },
      { node: node('Add', ['c', 'a'], ['b']), c: filled('c', F, [3, 1], 0) },
      { node: node('Sub', ['a', 'c'], ['b']), c: filled('c', F, [], 0) },
      { node: node('Mul', ['c', 'a'], ['b']), c: filled('c', F, [1, 3, 4], 1) },
      { node: node('Mul', ['a', 'c'], ['b']), c: filled('c', F, [1], 1) },
      { node: node('Div', ['a', 'c'], ['b']), c: filled('c', F, [2, 3, 4], 1) },
      { node: node('Add', ['a', 'c'], ['b']), c: filled('c', I64, [4], 0), type: I64 },
      // Size-1 constant dims broadcast nothing, whatever x's symbolic dims are.
      { node: node('Add', ['a', 'c'], ['b']), c: filled('c', F, [1, 1], 0), shape: ['batch', 3, 'n'] },
    ];
    for (const k of fires) expect(await removes(k), `${k.node.opType} ${JSON.stringify(k.c.dims)}`).toBe(true);
  });

  it('keeps the node where the constant is not neutral, sits on the wrong side, or would change the shape', async () => {
    const keeps: Case[] = [
      // Not all zeros / ones.
      { node: node('Add', ['a', 'c'], ['b']), c: tensor('c', F, [4], [0, 0, 1e-30, 0]) },
      { node: node('Mul', ['a', 'c'], ['b']), c: tensor('c', F, [2], [1, -1]), shape: [3, 2] },
      { node: node('Add', ['a', 'c'], ['b']), c: filled('c', F, [4], 1) },
      // 0 − x and 1 / x are not x.
      { node: node('Sub', ['c', 'a'], ['b']), c: filled('c', F, [], 0) },
      { node: node('Div', ['c', 'a'], ['b']), c: filled('c', F, [], 1) },
      // The constant adds a dim, or broadcasts a dim of x: the result is larger than x.
      { node: node('Add', ['a', 'c'], ['b']), c: filled('c', F, [5, 2, 3, 4], 0) },
      { node: node('Mul', ['a', 'c'], ['b']), c: filled('c', F, [2, 3, 4], 1), shape: [2, 1, 4] },
      // x's last dim is symbolic: it may be 1 at run time and broadcast to the constant's 4.
      { node: node('Add', ['a', 'c'], ['b']), c: filled('c', F, [4], 0), shape: [2, 3, 'n'] },
    ];
    for (const k of keeps) expect(await removes(k), `${k.node.opType} ${JSON.stringify(k.c.dims)}`).toBe(false);
  });

  it('keeps a graph output\'s name when the node that wrote it goes', async () => {
    const proto = model(
      graph({
        nodes: [node('Relu', ['x'], ['a']), node('Add', ['a', 'zeros'], ['y'])],
        inputs: [valueInfo('x', F, ['batch', 8])],
        outputs: [valueInfo('y', F, ['batch', 8])],
        initializers: [filled('zeros', F, [8], 0)],
      }),
      { opset: 17 },
    );
    const { model: m, matches } = await optimizeAndCompare(proto, [arithmeticIdentityElimination], { inferTypes });
    expect(matches).toBe(1);
    expect(opsOf(m)).toEqual(['Relu']);
    expect([...m.graph.nodes].map((n) => n.outputs)).toEqual([['y']]);
  });
});
