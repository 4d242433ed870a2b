import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, valueInfo } from '../../shared/builder/index.js';
import { typeFromProto } from '../../shared/shape/index.js';
import { addOutput } from '../../shared/surgery/index.js';
import { applyAndCheckUndo, expectRefused, floats, load, run } from './helpers.js';

const F = ElemType.FLOAT;

// x[N,3] → Relu → r → Neg → y; r's type is known only through inference.
const net = () =>
  model(
    graph({
      nodes: [node('Relu', ['x'], ['r'], {}, { name: 'relu' }), node('Neg', ['r'], ['y'], {}, { name: 'neg' })],
      inputs: [valueInfo('x', F, ['N', 3])],
      outputs: [valueInfo('y', F, ['N', 3])],
    }),
  );

describe('add-output', () => {
  it('makes an intermediate value an output typed by inference; onnxruntime returns it', async () => {
    const m = load(net());
    const r = applyAndCheckUndo(m, () => addOutput.apply(m, { value: 'r' }));
    expect(r.summary).toBe('"r" is now a graph output');
    expect(m.graph.outputs.map((o) => [o.name, typeFromProto(o.type)])).toEqual([
      ['y', { kind: 'tensor', elemType: F, shape: ['N', 3] }],
      ['r', { kind: 'tensor', elemType: F, shape: ['N', 3] }],
    ]);
    const x = floats([2, 3]);
    const out = await run(m, { x });
    expect(out.r!.data).toEqual(Array.from(x.data as Float32Array, (v) => Math.max(v, 0)));
    expect(out.y!.data).toEqual(out.r!.data.map((v) => -v));
  });

  it('refuses a value that is already an output, or that does not exist', () => {
    const m = load(net());
    expectRefused(m, () => addOutput.apply(m, { value: 'y' }), /add output "y" refused: "y" is already a graph output/);
    expectRefused(m, () => addOutput.apply(m, { value: 'zz' }), /value "zz": no such value in the main graph/);
  });

  it('refuses a value whose type inference cannot tell', () => {
    const m = load(
      model(graph({ nodes: [node('MysteryOp', ['x'], ['u'], {}, { name: 'odd', domain: 'custom' }), node('Identity', ['u'], ['y'])], inputs: [valueInfo('x', F, [3])], outputs: ['y'] }), {
        opset: [{ domain: '', version: 17 }, { domain: 'custom', version: 1 }],
      }),
    );
    expectRefused(m, () => addOutput.apply(m, { value: 'u' }), /the type of "u" cannot be inferred/);
  });
});
