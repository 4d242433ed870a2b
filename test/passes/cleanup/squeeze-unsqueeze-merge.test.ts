import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, valueInfo, type DimSpec } from '../../../shared/builder/index.js';
import { attrInts } from '../../../shared/ir/attribute-values.js';
import { IrModel } from '../../../shared/ir/model.js';
import type { TensorProto } from '../../../shared/onnx/proto-types.js';
import { squeezeUnsqueezeMerge } from '../../../shared/passes/cleanup/squeeze-unsqueeze-merge.js';
import { tensorValues } from '../../../shared/verify/tensor-data.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { opsOf, optimizeAndCompare } from './harness.js';

const F = ElemType.FLOAT;

interface Pair {
  inner: 'Squeeze' | 'Unsqueeze';
  a1: number[] | undefined;
  outer: 'Squeeze' | 'Unsqueeze';
  a2: number[] | undefined;
  x: DimSpec[];
  /** Declare the rank of the Relu output the pair reads (x's rank as the pass sees it). */
  known?: boolean;
  opset?: number;
  /** The outer's output is the graph output. */
  outerIsOutput?: boolean;
}

// x → Relu → a → inner → b → outer → c → Neg → y. Axes as attributes before opset 13, inputs from 13.
function pairModel(p: Pair) {
  const opset = p.opset ?? 17;
  const asInput = opset >= 13;
  const inits: TensorProto[] = [];
  const make = (op: string, input: string, output: string, axes: number[] | undefined, tag: string) => {
    if (axes === undefined) return node(op, [input], [output]);
    if (!asInput) return node(op, [input], [output], { axes });
    inits.push(tensor(tag, ElemType.INT64, [axes.length], axes));
    return node(op, [input, tag], [output]);
  };
  const last = p.outerIsOutput ? 'y' : 'c';
  const nodes = [node('Relu', ['x'], ['a']), make(p.inner, 'a', 'b', p.a1, 'ax1'), make(p.outer, 'b', last, p.a2, 'ax2')];
  if (!p.outerIsOutput) nodes.push(node('Neg', ['c'], ['y']));
  return model(
    graph({
      nodes,
      inputs: [valueInfo('x', F, p.x)],
      outputs: [valueInfo('y', F)],
      initializers: inits,
      valueInfo: p.known === false ? [] : [valueInfo('a', F, p.x.map(() => null))],
    }),
    { opset },
  );
}

/** The single Squeeze/Unsqueeze left, as 'Op[axes]'. */
function merged(m: IrModel): string {
  const n = [...m.graph.nodes].find((x) => x.opType === 'Squeeze' || x.opType === 'Unsqueeze')!;
  const t = m.graph.initializers.get(n.inputs[1] ?? '');
  const axes = attrInts(n, 'axes') ?? Array.from(tensorValues(t!) as BigInt64Array, Number);
  return `${n.opType}[${axes.join(',')}]`;
}

async function fire(p: Pair): Promise<IrModel> {
  const { model: m, matches } = await optimizeAndCompare(pairModel(p), [squeezeUnsqueezeMerge]);
  expect(matches, JSON.stringify(p)).toBe(1);
  return m;
}

describe('squeeze-unsqueeze-merge', () => {
  it('combines two Unsqueezes, axes as inputs (opset 13+) or attributes, negative axes by rank', async () => {
    expect(merged(await fire({ inner: 'Unsqueeze', a1: [0], outer: 'Unsqueeze', a2: [3], x: [2, 3] }))).toBe('Unsqueeze[0,3]');
    expect(merged(await fire({ inner: 'Unsqueeze', a1: [1], outer: 'Unsqueeze', a2: [0], x: [2, 3], opset: 11 }))).toBe('Unsqueeze[0,2]');
    expect(merged(await fire({ inner: 'Unsqueeze', a1: [-1], outer: 'Unsqueeze', a2: [-1], x: [2, 3] }))).toBe('Unsqueeze[2,3]');
    expect(merged(await fire({ inner: 'Unsqueeze', a1: [0, 2], outer: 'Unsqueeze', a2: [1, 5], x: [2, 3] }))).toBe('Unsqueeze[0,1,3,5]');
  });

  it('combines two Squeezes', async () => {
    expect(merged(await fire({ inner: 'Squeeze', a1: [0], outer: 'Squeeze', a2: [1], x: [1, 2, 1, 3] }))).toBe('Squeeze[0,2]');
    expect(merged(await fire({ inner: 'Squeeze', a1: [-1], outer: 'Squeeze', a2: [0], x: [1, 2, 3, 1], opset: 11 }))).toBe('Squeeze[0,3]');
  });

  it('removes Squeeze∘Unsqueeze and Unsqueeze∘Squeeze on the same axes', async () => {
    expect(opsOf(await fire({ inner: 'Unsqueeze', a1: [1], outer: 'Squeeze', a2: [1], x: [2, 3], known: false }))).toEqual(['Relu', 'Neg']);
    expect(opsOf(await fire({ inner: 'Unsqueeze', a1: [1], outer: 'Squeeze', a2: [-2], x: [2, 3] }))).toEqual(['Relu', 'Neg']);
    expect(opsOf(await fire({ inner: 'Squeeze', a1: [1], outer: 'Unsqueeze', a2: [1], x: [2, 1, 3], opset: 11 }))).toEqual(['Relu', 'Neg']);
    const output = await fire({ inner: 'Squeeze', a1: [0], outer: 'Unsqueeze', a2: [0], x: [1, 3], outerIsOutput: true });
    expect([...output.graph.nodes].map((n) => `${n.opType}->${n.outputs[0]}`)).toEqual(['Relu->a', 'Identity->y']);
  });

  it('leaves pairs it cannot settle: negative axes without a rank, squeeze-all, different axes', async () => {
    const stays: Pair[] = [
      { inner: 'Unsqueeze', a1: [-1], outer: 'Unsqueeze', a2: [0], x: [2, 3], known: false },
      { inner: 'Squeeze', a1: [-1], outer: 'Squeeze', a2: [0], x: [1, 2, 1], known: false },
      // Squeeze without axes drops every 1: which dims went is not known here.
      { inner: 'Squeeze', a1: undefined, outer: 'Unsqueeze', a2: [0], x: [1, 3] },
      { inner: 'Unsqueeze', a1: [0], outer: 'Squeeze', a2: undefined, x: [2, 3] },
      { inner: 'Unsqueeze', a1: [0], outer: 'Squeeze', a2: [1], x: [1, 3] },
      { inner: 'Unsqueeze', a1: [1], outer: 'Squeeze', a2: [-2], x: [2, 3], known: false },
    ];
    for (const p of stays) {
      const { matches } = await optimizeAndCompare(pairModel(p), [squeezeUnsqueezeMerge]);
      expect(matches, JSON.stringify(p)).toBe(0);
    }
  });

  it('does nothing outside the selection', async () => {
    const m = new IrModel(pairModel({ inner: 'Unsqueeze', a1: [0], outer: 'Unsqueeze', a2: [0], x: [2, 3] }));
    const outer = [...m.graph.nodes].filter((n) => n.opType === 'Unsqueeze')[1]!.id;
    expect((await runPasses(m, [squeezeUnsqueezeMerge], { target: 'portable', scope: [outer] })).passes[0]!.matches).toBe(0);
  });
});
