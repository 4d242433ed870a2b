import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, valueInfo } from '../../../shared/builder/index.js';
import type { ModelProto } from '../../../shared/onnx/proto-types.js';
import { fuseMatMulScale } from '../../../shared/passes/fusion/matmul-scale.js';
import { inferTypes } from '../../../shared/rewrite/shape-facts.js';
import { expectSameOutputs, fuse, randomTensor } from './fusion-harness.js';

const F = ElemType.FLOAT;

interface Options {
  scaleShape?: number[];
  bias?: boolean;
  /** Mul(γ, ·) and Add(b, ·) rather than Mul(·, γ) and Add(·, b). */
  swap?: boolean;
  /** Another node reads W (or b, or the product). */
  sharedWeight?: boolean;
  sharedBias?: boolean;
  productReadElsewhere?: boolean;
  /** γ is a graph input, not a constant. */
  scaleAsInput?: boolean;
  weightDims?: number[];
  /** A Transpose between the Linear and the Mul: its perm, or 'reverse' for none given. */
  transpose?: number[] | 'reverse';
}

// A ConvNeXt block's end in channels-last layout: x [2, 5, 5, 8] · W [8, 6] (+ b [6]) · γ.
function linearScale(o: Options = {}): ModelProto {
  const scaleShape = o.scaleShape ?? [6];
  const initializers = [randomTensor('W', o.weightDims ?? [8, 6], 1)];
  if (o.bias !== false) initializers.push(randomTensor('b', [6], 2));
  if (!o.scaleAsInput) initializers.push(randomTensor('g', scaleShape, 3, -2, 2));
  const inputs = [valueInfo('x', F, [2, 5, 5, 8])];
  if (o.scaleAsInput) inputs.push(valueInfo('g', F, scaleShape));
  const pair = (a: string, b: string) => (o.swap ? [b, a] : [a, b]);
  const nodes = [node('MatMul', ['x', 'W'], ['p'], {}, { name: 'mm' })];
  if (o.bias !== false) nodes.push(node('Add', pair('p', 'b'), ['q'], {}, { name: 'add' }));
  let linear = o.bias !== false ? 'q' : 'p';
  if (o.transpose) {
    nodes.push(node('Transpose', [linear], ['t'], o.transpose === 'reverse' ? {} : { perm: o.transpose }, { name: 'transpose' }));
    linear = 't';
  }
  nodes.push(node('Mul', pair(linear, 'g'), ['y'], {}, { name: 'mul' }));
  const outputs = [valueInfo('y', F, null)];
  const extra = (op: string, input: string, out: string) => {
    nodes.push(node(op, [input], [out]));
    outputs.push(valueInfo(out, F, null));
  };
  if (o.sharedWeight) extra('Neg', 'W', 'wn');
  if (o.sharedBias) extra('Neg', 'b', 'bn');
  if (o.productReadElsewhere) extra('Sigmoid', 'p', 'ps');
  return model(graph({ nodes, inputs, outputs, initializers }), { opset: 17 });
}

describe('fuse-matmul-scale', () => {
  it('folds a per-column or scalar scale into W and b, with and without bias, either operand order; outputs match', async () => {
    for (const scaleShape of [[6], [1, 1, 1, 6], [], [1]]) {
      for (const o of [{}, { bias: false }, { swap: true }]) {
        const proto = linearScale({ scaleShape, ...o });
        const { ops, model: m, matches } = await fuse(proto, [fuseMatMulScale], { inferTypes });
        const what = `scale [${scaleShape}] ${JSON.stringify(o)}`;
        expect(matches, what).toBe(1);
        expect(ops, what).toEqual(o.bias === false ? ['MatMul'] : ['MatMul', 'Add']);
        // The old weight and bias are replaced, not kept beside the scaled ones.
        const weights = [...m.graph.nodes].flatMap((n) => n.inputs.filter((v) => m.graph.initializers.has(v)));
        expect(weights, what).toHaveLength(o.bias === false ? 1 : 2);
        await expectSameOutputs(proto, m);
      }
    }
  });

  it('folds a scale after a Transpose back to channels-first (torchvision ConvNeXt: γ [C,1,1]); outputs match', async () => {
    const cases: Options[] = [
      { transpose: [0, 3, 1, 2], scaleShape: [6, 1, 1] },
      { transpose: [0, 3, 1, 2], scaleShape: [1, 6, 1, 1], bias: false },
      { transpose: [0, 3, 1, 2], scaleShape: [], swap: true },
      { transpose: 'reverse', scaleShape: [6, 1, 1, 1] },
    ];
    for (const o of cases) {
      const proto = linearScale(o);
      const { ops, model: m, matches } = await fuse(proto, [fuseMatMulScale], { inferTypes });
      expect(matches, JSON.stringify(o)).toBe(1);
      expect(ops, JSON.stringify(o)).toEqual(o.bias === false ? ['MatMul', 'Transpose'] : ['MatMul', 'Add', 'Transpose']);
      await expectSameOutputs(proto, m);
    }
  });

  it('leaves a scale after a Transpose that varies along another axis than the one the columns moved to', async () => {
    // [2,6,5,5] scaled along W or H; [6,5,5,2] (reversed) along the batch axis.
    for (const o of [{ transpose: [0, 3, 1, 2], scaleShape: [5] }, { transpose: [0, 3, 1, 2], scaleShape: [5, 1] }, { transpose: 'reverse' as const, scaleShape: [2] }]) {
      const proto = linearScale(o);
      const { matches, model: m } = await fuse(proto, [fuseMatMulScale], { inferTypes });
      expect(matches, JSON.stringify(o)).toBe(0);
      await expectSameOutputs(proto, m);
    }
  });

  it('leaves scales that vary along another axis, add dims, are not constant or not finite', async () => {
    const cases: Options[] = [
      { scaleShape: [5, 1] },
      { scaleShape: [1, 5, 1, 1] },
      { scaleShape: [1, 1, 1, 1, 6] },
      { scaleShape: [6], scaleAsInput: true },
    ];
    for (const o of cases) expect((await fuse(linearScale(o), [fuseMatMulScale], { inferTypes })).matches, JSON.stringify(o)).toBe(0);
    const proto = linearScale();
    proto.graph!.initializer = proto.graph!.initializer!.map((t) => (t.name === 'g' ? tensor('g', F, [6], [1, 2, NaN, 1, 1, 1]) : t));
    expect((await fuse(proto, [fuseMatMulScale], { inferTypes })).matches).toBe(0);
  });

  it('leaves a weight, bias or product that something else reads, and a batched weight', async () => {
    const cases: Options[] = [{ sharedWeight: true }, { sharedBias: true }, { productReadElsewhere: true }, { weightDims: [5, 8, 6] }];
    for (const o of cases) {
      const proto = linearScale(o);
      const { matches, model: m } = await fuse(proto, [fuseMatMulScale], { inferTypes });
      expect(matches, JSON.stringify(o)).toBe(0);
      await expectSameOutputs(proto, m);
    }
  });
});
