import { describe, expect, it } from 'vitest';
import { attrInts, ElemType, graph, model, node, tensor, valueInfo, type DimSpec } from '../../../shared/builder/index.js';
import { IrModel } from '../../../shared/ir/model.js';
import type { NodeProto, TensorProto } from '../../../shared/onnx/proto-types.js';
import { noopElimination } from '../../../shared/passes/cleanup/noop-elimination.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { opsOf, optimizeAndCompare } from './harness.js';

const F = ElemType.FLOAT;
const I64 = ElemType.INT64;
const INT64_MAX = (1n << 63n) - 1n;
const ints = (name: string, values: readonly (number | bigint)[]) => tensor(name, I64, [values.length], values);

interface Case {
  /** The node under test, reading 'x' and writing 'y' (through a Relu on each side). */
  node: NodeProto;
  shape: readonly DimSpec[] | null;
  /** Other nodes (producing a non-constant operand). */
  extra?: NodeProto[];
  inits?: TensorProto[];
  opset?: number;
  /** onnxruntime refuses the model: check the guard without running it. */
  invalid?: boolean;
}

// x → Identity → a → NODE → b → Identity → y, with a's shape declared (the facts the guards read) unless null.
function caseModel(c: Case) {
  const shape = c.shape === null ? undefined : c.shape;
  const concrete = (c.shape ?? [2, 3, 4]).map((d) => (typeof d === 'number' ? d : 2));
  return model(
    graph({
      nodes: [
        node('Identity', ['x'], ['a']),
        ...(c.extra ?? []),
        { ...c.node, input: c.node.input!.map((v) => (v === 'x' ? 'a' : v)), output: ['b'] },
        node('Identity', ['b'], ['y']),
      ],
      inputs: [valueInfo('x', F, concrete)],
      outputs: [valueInfo('y', F)],
      initializers: c.inits ?? [],
      valueInfo: shape ? [valueInfo('a', F, shape)] : [],
    }),
    { opset: c.opset ?? 17 },
  );
}

async function removes(c: Case): Promise<boolean> {
  if (c.invalid) {
    const r = await runPasses(new IrModel(caseModel(c)), [noopElimination], { target: 'portable' });
    return r.passes[0]!.matches === 1;
  }
  const { model: m, matches } = await optimizeAndCompare(caseModel(c), [noopElimination]);
  expect(opsOf(m).length).toBe((matches ? 2 : 3) + (c.extra?.length ?? 0));
  return matches === 1;
}

describe('noop-elimination', () => {
  it('removes each kind of no-op, keeping outputs bit-identical', async () => {
    const fires: Case[] = [
      { node: node('Reshape', ['x', 's'], ['y']), shape: [2, 3, 4], inits: [ints('s', [2, 3, 4])] },
      { node: node('Reshape', ['x', 's'], ['y']), shape: [2, 3, 4], inits: [ints('s', [0, -1, 4])] },
      { node: node('Reshape', ['x', 's'], ['y']), shape: ['N', 3, 4], inits: [ints('s', [0, 3, 4])] },
      { node: node('Reshape', ['x', 's'], ['y'], { allowzero: 1 }), shape: [2, 3, 4], inits: [ints('s', [2, 3, 4])] },
      { node: node('Reshape', ['x'], ['y'], { shape: [2, 3, 4] }), shape: [2, 3, 4], opset: 4 },
      { node: node('Transpose', ['x'], ['y'], { perm: [0, 1, 2] }), shape: null },
      { node: node('Transpose', ['x'], ['y']), shape: [5] },
      { node: node('Pad', ['x', 'p'], ['y'], { mode: 'reflect' }), shape: null, inits: [ints('p', [0, 0, 0, 0, 0, 0])] },
      { node: node('Pad', ['x'], ['y'], { pads: [0, 0, 0, 0, 0, 0] }), shape: null, opset: 10 },
      { node: node('Slice', ['x', 'st', 'en', 'ax'], ['y']), shape: [2, 3, 4], inits: [ints('st', [0, -10]), ints('en', [3, 99]), ints('ax', [1, -1])] },
      { node: node('Slice', ['x', 'st', 'en'], ['y']), shape: ['N', 3, 4], inits: [ints('st', [0]), ints('en', [INT64_MAX])] },
      { node: node('Slice', ['x'], ['y'], { starts: [0], ends: [3], axes: [1] }), shape: [2, 3, 4], opset: 9 },
      { node: node('Expand', ['x', 's'], ['y']), shape: [2, 3, 4], inits: [ints('s', [3, 1])] },
      { node: node('Expand', ['x', 's'], ['y']), shape: ['N', 3, 4], inits: [ints('s', [1, 1, 1])] },
      { node: node('Concat', ['x'], ['y'], { axis: 0 }), shape: null },
      { node: node('Squeeze', ['x'], ['y']), shape: [2, 3, 4] },
      { node: node('Unsqueeze', ['x', 'ax'], ['y']), shape: null, inits: [tensor('ax', I64, [0], [])] },
      { node: node('Unsqueeze', ['x'], ['y'], { axes: attrInts([]) }), shape: null, opset: 11 },
      { node: node('Split', ['x'], ['y'], { axis: 1 }), shape: [2, 3, 4] },
      { node: node('Split', ['x'], ['y'], { axis: 1, num_outputs: 1 }), shape: [2, 3, 4], opset: 18 },
      { node: node('Split', ['x', 'sp'], ['y'], { axis: -1 }), shape: [2, 3, 4], inits: [ints('sp', [4])] },
      { node: node('Tile', ['x', 'r'], ['y']), shape: [2, 3, 4], inits: [ints('r', [1, 1, 1])] },
    ];
    for (const c of fires) expect(await removes(c), `${c.node.opType} ${JSON.stringify(c.node.attribute ?? [])} on ${JSON.stringify(c.shape)}`).toBe(true);
  });

  it('keeps nodes whose guard cannot prove a no-op: unknown shapes, real changes, 0/-1 ambiguity', async () => {
    const stays: Case[] = [
      // The input shape is unknown: the target may or may not be it.
      { node: node('Reshape', ['x', 's'], ['y']), shape: null, inits: [ints('s', [2, 3, 4])] },
      // A symbolic dim against a number.
      { node: node('Reshape', ['x', 's'], ['y']), shape: ['N', 3, 4], inits: [ints('s', [2, 3, 4])] },
      { node: node('Reshape', ['x', 's'], ['y']), shape: [2, 3, 4], inits: [ints('s', [3, 2, 4])] },
      // -1 next to a dim of 0: the element count cannot pin it down.
      { node: node('Reshape', ['x', 's'], ['y']), shape: [2, 0, 4], inits: [ints('s', [2, 0, -1])], invalid: true },
      // -1 next to a copied symbolic dim (which may be 0 at run time).
      { node: node('Reshape', ['x', 's'], ['y']), shape: ['N', 3, 4], inits: [ints('s', [0, -1, 4])] },
      // The target is not a constant.
      { node: node('Reshape', ['x', 'shape_of_x'], ['y']), shape: [2, 3, 4], extra: [node('Shape', ['a'], ['shape_of_x'])] },
      { node: node('Transpose', ['x'], ['y'], { perm: [1, 0, 2] }), shape: [2, 3, 4] },
      // No perm reverses: with the rank unknown, nothing can be said.
      { node: node('Transpose', ['x'], ['y']), shape: null },
      { node: node('Pad', ['x', 'p'], ['y']), shape: null, inits: [ints('p', [0, 0, 0, 0, 0, 1])] },
      { node: node('Slice', ['x', 'st', 'en', 'ax'], ['y']), shape: [2, 3, 4], inits: [ints('st', [1]), ints('en', [3]), ints('ax', [1])] },
      // Covers every element only if dim 0 is at most 100, which nothing says.
      { node: node('Slice', ['x', 'st', 'en'], ['y']), shape: null, inits: [ints('st', [0]), ints('en', [100])] },
      { node: node('Slice', ['x', 'st', 'en', 'ax', 'sp'], ['y']), shape: [2, 3, 4], inits: [ints('st', [-1]), ints('en', [-100]), ints('ax', [1]), ints('sp', [-1])] },
      { node: node('Expand', ['x', 's'], ['y']), shape: [2, 1, 4], inits: [ints('s', [2, 3, 4])] },
      { node: node('Expand', ['x', 's'], ['y']), shape: [2, 3, 4], inits: [ints('s', [1, 1, 1, 1])] },
      { node: node('Expand', ['x', 's'], ['y']), shape: ['N', 3, 4], inits: [ints('s', [2, 3, 4])] },
      { node: node('Squeeze', ['x'], ['y']), shape: [2, 1, 4] },
      { node: node('Squeeze', ['x'], ['y']), shape: null },
      { node: node('Squeeze', ['x'], ['y']), shape: [2, 'N', 4] },
      { node: node('Tile', ['x', 'r'], ['y']), shape: [2, 3, 4], inits: [ints('r', [1, 2, 1])] },
    ];
    for (const c of stays) expect(await removes(c), `${c.node.opType} on ${JSON.stringify(c.shape)}`).toBe(false);
  });

  it('leaves a Split whose single size is not the whole dim (the node fails at run time)', async () => {
    const m = new IrModel(caseModel({ node: node('Split', ['x', 'sp'], ['y'], { axis: 1 }), shape: [2, 3, 4], inits: [ints('sp', [2])] }));
    expect((await runPasses(m, [noopElimination], { target: 'portable' })).passes[0]!.matches).toBe(0);
  });

  it('keeps graph output names: renames the producer, or keeps the node when the input is a graph input', async () => {
    const direct = model(
      graph({
        nodes: [node('Transpose', ['x'], ['y'], { perm: [0, 1] })],
        inputs: [valueInfo('x', F, [2, 3])],
        outputs: [valueInfo('y', F, [2, 3])],
      }),
    );
    expect((await optimizeAndCompare(direct, [noopElimination])).matches).toBe(0);

    const produced = model(
      graph({
        nodes: [node('Relu', ['x'], ['r']), node('Transpose', ['r'], ['y'], { perm: [0, 1] }), node('Neg', ['r'], ['z'])],
        inputs: [valueInfo('x', F, [2, 3])],
        outputs: [valueInfo('y', F, [2, 3]), valueInfo('z', F, [2, 3])],
      }),
    );
    const { model: m, matches } = await optimizeAndCompare(produced, [noopElimination]);
    expect(matches).toBe(1);
    expect([...m.graph.nodes].map((n) => `${n.opType}:${n.inputs.join(',')}->${n.outputs.join(',')}`)).toEqual(['Relu:x->y', 'Neg:y->z']);
  });

  it('does nothing outside the selected nodes', async () => {
    const proto = caseModel({ node: node('Transpose', ['x'], ['y'], { perm: [0, 1, 2] }, { name: 'T' }), shape: null });
    const m = new IrModel(proto);
    const others = [...m.graph.nodes].filter((n) => n.opType !== 'Transpose').map((n) => n.id);
    expect((await runPasses(m, [noopElimination], { target: 'portable', scope: others })).passes[0]!.matches).toBe(0);
    const t = [...m.graph.nodes].find((n) => n.opType === 'Transpose')!.id;
    expect((await runPasses(m, [noopElimination], { target: 'portable', scope: [t] })).passes[0]!.matches).toBe(1);
  });
});
