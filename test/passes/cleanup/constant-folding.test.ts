import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, valueInfo } from '../../../shared/builder/index.js';
import { IrModel } from '../../../shared/ir/model.js';
import type { NodeProto, TensorProto, ValueInfoProto } from '../../../shared/onnx/proto-types.js';
import { constantFolding } from '../../../shared/passes/cleanup/constant-folding.js';
import { unusedInitializers } from '../../../shared/passes/cleanup/unused-initializers.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { inferTypes } from '../../../shared/rewrite/shape-facts.js';
import type { ConstantEvaluator } from '../../../shared/verify/constant-evaluator.js';
import { evaluator, opsOf, optimizeAndCompare } from './harness.js';

const F = ElemType.FLOAT;
const I64 = ElemType.INT64;
const ints = (name: string, v: number[]) => tensor(name, I64, [v.length], v);
const floats = (name: string, dims: number[], n = dims.reduce((a, b) => a * b, 1)) =>
  tensor(name, F, dims, Array.from({ length: n }, (_, i) => Math.cos(i) * 3));

function simple(nodes: NodeProto[], initializers: TensorProto[], outputs: ValueInfoProto[] = [valueInfo('y', F)], inputs = [valueInfo('x', F, [2, 3])]) {
  return model(graph({ nodes, inputs, outputs, initializers }));
}

/** The harness evaluator, recording the op types it was asked to evaluate. */
function spy(): ConstantEvaluator & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    evaluate: (n, inputs, ctx) => {
      asked.push(n.opType!);
      return evaluator.evaluate(n, inputs, ctx);
    },
    evaluateMany: (requests, ctx) => {
      asked.push(...requests.map((r) => r.node.opType!));
      return evaluator.evaluateMany(requests, ctx);
    },
  };
}

describe('constant-folding', () => {
  it('folds a chain of constant nodes in one run, bit-identically, keeping value names', async () => {
    const proto = simple(
      [
        node('Constant', [], ['c'], { value: floats('v', [2, 3]) }),
        node('Add', ['c', 'w'], ['t']),
        node('Mul', ['t', 'w'], ['u']),
        node('Sqrt', ['u'], ['s']),
        node('Add', ['x', 's'], ['y']),
      ],
      [floats('w', [2, 3])],
    );
    const { model: m, result } = await optimizeAndCompare(proto, [constantFolding]);
    expect(result.passes[0]!.matches).toBe(4);
    expect(opsOf(m)).toEqual(['Add']);
    expect([...m.graph.nodes][0]!.inputs).toEqual(['x', 's']);
    expect(m.graph.initializers.has('s')).toBe(true);
  });

  it('folds a node whose output is a graph output into an initializer of that name', async () => {
    const proto = simple([node('Neg', ['w'], ['z']), node('Relu', ['x'], ['y'])], [floats('w', [2, 3])], [valueInfo('y', F), valueInfo('z', F)]);
    const { model: m } = await optimizeAndCompare(proto, [constantFolding]);
    expect(opsOf(m)).toEqual(['Relu']);
    expect(m.graph.initializers.has('z')).toBe(true);
    expect(m.graph.outputs.map((o) => o.name)).toEqual(['y', 'z']);
  });

  it('never folds random ops, nodes with subgraphs, DequantizeLinear, overridable or runtime inputs, dead nodes', async () => {
    const branch = (name: string) => graph({ name, nodes: [node('Neg', ['w'], [`${name}_o`])], outputs: [valueInfo(`${name}_o`, F)] });
    const proto = simple(
      [
        node('RandomUniformLike', ['w'], ['r']),
        node('If', ['cond'], ['i'], { then_branch: branch('t'), else_branch: branch('e') }),
        node('DequantizeLinear', ['q', 'scale'], ['dq']),
        node('Neg', ['dflt'], ['n1']),
        node('Neg', ['x'], ['n2']),
        node('Neg', ['w'], ['dead']),
        node('Sum', ['r', 'i', 'dq', 'n1', 'n2'], ['y']),
      ],
      [floats('w', [2, 3]), tensor('cond', ElemType.BOOL, [], [true]), tensor('q', ElemType.INT8, [2, 3], [1, 2, 3, 4, 5, 6]), tensor('scale', F, [], [0.5]), floats('dflt', [2, 3])],
      [valueInfo('y', F)],
      [valueInfo('x', F, [2, 3]), valueInfo('dflt', F, [2, 3])],
    );
    const ev = spy();
    const m = new IrModel(proto);
    const r = await runPasses(m, [constantFolding], { target: 'portable', evaluator: ev });
    expect(r.passes[0]!.matches).toBe(0);
    expect(ev.asked).toEqual([]);
    expect(opsOf(m).length).toBe(7);
  });

  it('skips outputs over the size limit: predicted before evaluating where it can be, checked after otherwise', async () => {
    const proto = simple(
      [
        node('ConstantOfShape', ['big'], ['cos']),
        node('Expand', ['w', 'big'], ['ex']),
        node('Tile', ['w', 'reps'], ['ti']),
        node('Range', ['start', 'limit', 'delta'], ['ra']),
        node('Concat', ['w', 'w'], ['cat'], { axis: 0 }),
        node('Neg', ['w'], ['small']),
        node('ReduceSum', ['cos'], ['s1'], { keepdims: 0 }),
        node('ReduceSum', ['ex'], ['s2'], { keepdims: 0 }),
        node('ReduceSum', ['ti'], ['s3'], { keepdims: 0 }),
        node('ReduceSum', ['ra'], ['s4'], { keepdims: 0 }),
        node('ReduceSum', ['cat'], ['s5'], { keepdims: 0 }),
        node('ReduceSum', ['small'], ['s6'], { keepdims: 0 }),
        node('Sum', ['s1', 's2', 's3', 's4', 's5', 's6'], ['y']),
      ],
      [
        floats('w', [2, 3]),
        ints('big', [10, 2, 3]),
        ints('reps', [10, 1]),
        tensor('start', F, [], [0]),
        tensor('limit', F, [], [60]),
        tensor('delta', F, [], [1]),
      ],
    );
    // w's 6 floats fit in 40 bytes; the Concat's 12 and the others' 60 do not. Only the Concat
    // cannot be told before evaluating, and it is evaluated once, over all repeats and rounds.
    const ev = spy();
    const { model: m } = await optimizeAndCompare(proto, [constantFolding], { evaluator: ev, foldSizeLimit: 40 });
    expect(ev.asked.sort()).toEqual(['Concat', 'Neg', 'ReduceSum']);
    expect(opsOf(m).sort()).toEqual(['Concat', 'ConstantOfShape', 'Expand', 'Range', 'ReduceSum', 'ReduceSum', 'ReduceSum', 'ReduceSum', 'ReduceSum', 'Sum', 'Tile']);
  });

  it('folds over the size limit where the result takes no more than the initializers only that node reads', async () => {
    // x [2,3] · Transpose(wt [4,3]) as torch's dynamo exporter writes Linear; the shared weight
    // `s` is also read by a Neg, and Tile and Cast to double make results larger than their input.
    const proto = simple(
      [
        node('Transpose', ['wt'], ['w'], { perm: [1, 0] }),
        node('MatMul', ['x', 'w'], ['h']),
        node('Transpose', ['s'], ['sT'], { perm: [1, 0] }),
        node('Neg', ['s'], ['sN']),
        node('MatMul', ['h', 'sT'], ['h2']),
        node('MatMul', ['h', 'sN'], ['h3']),
        node('Tile', ['u', 'reps'], ['uT']),
        node('Cast', ['v'], ['vD'], { to: ElemType.DOUBLE }),
        node('Cast', ['vD'], ['vF'], { to: F }),
        node('Mul', ['h2', 'uT'], ['p']),
        node('Add', ['p', 'h3'], ['q']),
        node('Add', ['q', 'vF'], ['y']),
      ],
      [floats('wt', [4, 3]), floats('s', [4, 4]), ints('reps', [1, 4]), floats('u', [2, 1]), floats('v', [2, 4])],
    );
    const ev = spy();
    const { model: m } = await optimizeAndCompare(proto, [constantFolding, unusedInitializers], { evaluator: ev, foldSizeLimit: 20, inferTypes });
    // The Transpose of wt (48 bytes, over 20) folds: wt goes unread. The Transpose and Neg of s
    // (64 bytes each) do not: s stays read by the other. The Tile (u and reps, 24 bytes → 32) and
    // the Cast to double (32 → 64) would grow the model; the second Cast then has no constant input.
    expect(opsOf(m).filter((o) => o === 'Transpose')).toEqual(['Transpose']);
    expect(opsOf(m)).toContain('Tile');
    expect(opsOf(m).filter((o) => o === 'Cast')).toEqual(['Cast', 'Cast']);
    // wt is left unread and goes: the model holds no more weight bytes than before.
    expect(m.graph.initializers.has('wt')).toBe(false);
    expect(m.graph.initializers.get('w')?.dims).toEqual([3, 4]);
    // With shapes known, every size is told before evaluating: only the Transpose of wt is run.
    expect(ev.asked.sort()).toEqual(['Transpose']);
  });

  it('keeps the size limit for a weight in external data', async () => {
    const inline = floats('wt', [4, 3]);
    const external = { ...inline, rawData: undefined, dataLocation: 1, externalData: [{ key: 'location', value: 'w.data' }, { key: 'offset', value: '0' }, { key: 'length', value: '48' }] };
    const proto = (wt: TensorProto) => simple([node('Transpose', ['wt'], ['w'], { perm: [1, 0] }), node('MatMul', ['x', 'w'], ['y'])], [wt]);
    const run = async (wt: TensorProto) => {
      const m = new IrModel(proto(wt));
      await runPasses(m, [constantFolding], { target: 'portable', evaluator, inferTypes, foldSizeLimit: 20, externalBytes: (t) => (t.name === 'wt' ? inline.rawData : undefined) });
      return opsOf(m);
    };
    expect(await run(inline)).toEqual(['MatMul']);
    expect(await run(external)).toEqual(['Transpose', 'MatMul']);
  });

  it('does nothing outside the selection, and nothing without a runtime', async () => {
    const proto = simple([node('Neg', ['w'], ['n'], {}, { name: 'neg' }), node('Add', ['x', 'n'], ['y'])], [floats('w', [2, 3])]);
    const m = new IrModel(proto);
    const add = [...m.graph.nodes].find((n) => n.opType === 'Add')!.id;
    expect((await runPasses(m, [constantFolding], { target: 'portable', evaluator, scope: [add] })).passes[0]!.matches).toBe(0);
    const r = await runPasses(m, [constantFolding], { target: 'portable' });
    expect(r.passes[0]!.skipped).toMatch(/needs onnxruntime/);
    const neg = [...m.graph.nodes].find((n) => n.name === 'neg')!.id;
    expect((await runPasses(m, [constantFolding], { target: 'portable', evaluator, scope: [neg] })).passes[0]!.matches).toBe(1);
  });
});
