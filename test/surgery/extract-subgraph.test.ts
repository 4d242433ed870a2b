import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, scalar, tensor, valueInfo } from '../../shared/builder/index.js';
import { addOutput, extractSubgraph } from '../../shared/surgery/index.js';
import { typeFromProto } from '../../shared/shape/index.js';
import { applyAndCheckUndo, expectRefused, floats, load, nodeNames, run } from './helpers.js';

const F = ElemType.FLOAT;

// x[1,2,5,5] → Conv(w,b) → c → Relu → r → MaxPool → p → Add(p, Constant 0.5) → q → Mul(q, k) → y
//                                    r ─→ Add(r, x2) → z   (x2 a second graph input)
function net() {
  const w = Array.from({ length: 3 * 2 * 3 * 3 }, (_, i) => ((i * 7) % 11) / 10 - 0.5);
  return model(
    graph({
      nodes: [
        node('Conv', ['x', 'w', 'b'], ['c'], { kernel_shape: [3, 3] }, { name: 'conv' }),
        node('Relu', ['c'], ['r'], {}, { name: 'relu' }),
        node('MaxPool', ['r'], ['p'], { kernel_shape: [2, 2] }, { name: 'pool' }),
        node('Constant', [], ['half'], { value: scalar('h', F, 0.5) }, { name: 'half' }),
        node('Add', ['p', 'half'], ['q'], {}, { name: 'shift' }),
        node('Mul', ['q', 'k'], ['y'], {}, { name: 'scale' }),
        node('Add', ['r', 'x2'], ['z'], {}, { name: 'side' }),
      ],
      inputs: [valueInfo('x', F, [1, 2, 5, 5]), valueInfo('x2', F, [1, 3, 3, 3])],
      outputs: [valueInfo('y', F, [1, 3, 2, 2]), valueInfo('z', F, [1, 3, 3, 3])],
      initializers: [tensor('w', F, [3, 2, 3, 3], w), tensor('b', F, [3], [0.1, -0.2, 0.3]), tensor('k', F, [1, 3, 1, 1], [2, 3, 4])],
    }),
  );
}

/** The original model's values by name (made graph outputs with add-output, then run). */
async function intermediates(names: string[], feeds: Record<string, ort.Tensor>) {
  const m = load(net());
  for (const v of names) addOutput.apply(m, { value: v });
  return run(m, feeds);
}

describe('extract-subgraph', () => {
  it('keeps the nodes between the values; onnxruntime on the extracted model gives the original intermediate values', async () => {
    const feeds = { x: floats([1, 2, 5, 5]), x2: floats([1, 3, 3, 3], 3) };
    const original = await intermediates(['c', 'q'], feeds);
    const m = load(net());
    const r = applyAndCheckUndo(m, () => extractSubgraph.apply(m, { inputs: ['c'], outputs: ['q', 'y'] }));
    expect(r).toMatchObject({ edit: 'extract-subgraph', nodesBefore: 7, nodesAfter: 5 });
    expect(nodeNames(m)).toEqual(['relu', 'pool', 'half', 'shift', 'scale']);
    expect([...m.graph.initializers.keys()]).toEqual(['k']);
    // Types of the new inputs and outputs come from shape inference.
    expect(m.graph.inputs.map((i) => [i.name, typeFromProto(i.type)])).toEqual([['c', { kind: 'tensor', elemType: F, shape: [1, 3, 3, 3] }]]);
    expect(m.graph.outputs.map((o) => [o.name, typeFromProto(o.type)])).toEqual([
      ['q', { kind: 'tensor', elemType: F, shape: [1, 3, 2, 2] }],
      ['y', { kind: 'tensor', elemType: F, shape: [1, 3, 2, 2] }],
    ]);
    const c = original.c!;
    const out = await run(m, { c: new ort.Tensor('float32', Float32Array.from(c.data), c.dims) });
    expect(out.q).toEqual(original.q);
    expect(out.y).toEqual(original.y);
  });

  it('extracts from the graph inputs down to an inner value, dropping what the output does not need', async () => {
    const feeds = { x: floats([1, 2, 5, 5]) };
    const original = await intermediates(['r'], { ...feeds, x2: floats([1, 3, 3, 3]) });
    const m = load(net());
    applyAndCheckUndo(m, () => extractSubgraph.apply(m, { inputs: ['x'], outputs: ['r'] }));
    expect(nodeNames(m)).toEqual(['conv', 'relu']);
    expect([...m.graph.initializers.keys()]).toEqual(['w', 'b']);
    expect(await run(m, feeds)).toEqual({ r: original.r });
  });

  it('an initializer given as an input becomes a real input', () => {
    const m = load(net());
    extractSubgraph.apply(m, { inputs: ['q', 'k'], outputs: ['y'] });
    expect(m.graph.inputs.map((i) => i.name)).toEqual(['q', 'k']);
    expect(m.graph.initializers.size).toBe(0);
    expect(nodeNames(m)).toEqual(['scale']);
  });

  it('refuses when an output depends on a graph input left out, naming it', () => {
    const m = load(net());
    expectRefused(m, () => extractSubgraph.apply(m, { inputs: ['c'], outputs: ['z'] }), /extract c → z refused: output "z" depends on graph input "x2", which is not among the inputs/);
    expectRefused(m, () => extractSubgraph.apply(m, { inputs: ['c'], outputs: ['nope'] }), /output "nope": no such value in the main graph/);
    expectRefused(m, () => extractSubgraph.apply(m, { inputs: ['c', 'x'], outputs: [] }), /no output value given/);
  });

  it('refuses an input that the outputs also need computed', () => {
    // Split computes a and b together: y needs b, so Split stays, and it would compute the input a too.
    const m = load(
      model(
        graph({
          nodes: [node('Split', ['x', 'sizes'], ['a', 'b'], { axis: 0 }, { name: 'split' }), node('Add', ['a', 'b'], ['y'], {}, { name: 'add' })],
          inputs: [valueInfo('x', F, [4])],
          outputs: [valueInfo('y', F, [2])],
          initializers: [tensor('sizes', ElemType.INT64, [2], [2, 2])],
        }),
      ),
    );
    expectRefused(m, () => extractSubgraph.apply(m, { inputs: ['x', 'a'], outputs: ['y'] }), /input "a" is computed by node "split" \(Split\), which the outputs need/);
  });
});
