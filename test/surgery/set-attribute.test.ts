import { describe, expect, it } from 'vitest';
import { attrStrings, ElemType, graph, model, node, valueInfo } from '../../shared/builder/index.js';
import { attrFloat, attrInt, attrInts } from '../../shared/ir/attribute-values.js';
import { typeFromProto } from '../../shared/shape/index.js';
import { setAttribute } from '../../shared/surgery/index.js';
import { applyAndCheckUndo, expectRefused, floats, load, run } from './helpers.js';

const F = ElemType.FLOAT;

// x[2,3] → LeakyRelu(alpha) → l → Transpose(perm) → t → Concat(t, t; axis) → y, plus a node with a STRINGS attribute.
function net() {
  return model(
    graph({
      nodes: [
        node('LeakyRelu', ['x'], ['l'], { alpha: 0.5 }, { name: 'leaky' }),
        node('Transpose', ['l'], ['t'], { perm: [0, 1] }, { name: 'tr' }),
        node('Concat', ['t', 't'], ['y'], { axis: 0 }, { name: 'cat' }),
      ],
      inputs: [valueInfo('x', F, [2, 3])],
      outputs: [valueInfo('y', F, [4, 3])],
      valueInfo: [valueInfo('t', F, [2, 3])],
    }),
  );
}

const byName = (m: ReturnType<typeof load>, name: string) => [...m.graph.nodes].find((n) => n.name === name)!;

describe('set-attribute', () => {
  it('reads the value by the attribute type (float, int, ints) and onnxruntime computes the new model', async () => {
    const m = load(net());
    const x = floats([2, 3]);
    applyAndCheckUndo(m, () => setAttribute.apply(m, { node: 'leaky', attribute: 'alpha', value: '0.25' }));
    expect(attrFloat(byName(m, 'leaky'), 'alpha', 0)).toBe(0.25);
    applyAndCheckUndo(m, () => setAttribute.apply(m, { node: 'cat', attribute: 'axis', value: '1' }));
    expect(attrInt(byName(m, 'cat'), 'axis')).toBe(1);
    const r = applyAndCheckUndo(m, () => setAttribute.apply(m, { node: 'tr', attribute: 'perm', value: '[1, 0]' }));
    expect(attrInts(byName(m, 'tr'), 'perm')).toEqual([1, 0]);
    // The declared shapes of t and y described the old attributes: they follow inference now.
    expect(r.annotationsUpdated).toBe(2);
    expect(typeFromProto(m.graph.valueInfo('t')!.type)).toEqual({ kind: 'tensor', elemType: F, shape: [3, 2] });
    expect(typeFromProto(m.graph.outputs[0]!.type)).toEqual({ kind: 'tensor', elemType: F, shape: [3, 4] });
    const out = await run(m, { x });
    const xs = Array.from(x.data as Float32Array);
    const leaky = xs.map((v) => (v < 0 ? Math.fround(v * 0.25) : v));
    const t = [0, 1, 2].flatMap((j) => [leaky[j]!, leaky[3 + j]!]);
    expect(out.y).toEqual({ dims: [3, 4], data: [0, 1, 2].flatMap((row) => [...t.slice(row * 2, row * 2 + 2), ...t.slice(row * 2, row * 2 + 2)]) });
  });

  it('sets string and strings attributes', () => {
    const m = load(
      model(
        graph({
          nodes: [
            node('Pad', ['x', 'pads'], ['p'], { mode: 'constant' }, { name: 'pad' }),
            node('Identity', ['p'], ['y'], { tags: attrStrings(['a']) }, { name: 'tagged', domain: '' }),
          ],
          inputs: [valueInfo('x', F, [2]), valueInfo('pads', ElemType.INT64, [2])],
          outputs: ['y'],
        }),
      ),
    );
    setAttribute.apply(m, { node: 'pad', attribute: 'mode', value: 'reflect' });
    expect(new TextDecoder().decode(byName(m, 'pad').attribute('mode')!.s)).toBe('reflect');
    setAttribute.apply(m, { node: 'tagged', attribute: 'tags', value: '[b, c]' });
    expect(byName(m, 'tagged').attribute('tags')!.strings!.map((s) => new TextDecoder().decode(s))).toEqual(['b', 'c']);
  });

  it('refuses a value of another type, an unknown attribute or node, and a value inference rejects', () => {
    const m = load(net());
    expectRefused(m, () => setAttribute.apply(m, { node: 'cat', attribute: 'axis', value: '1.5' }), /set "cat" \(Concat\)\.axis refused: "1\.5" does not fit the int attribute: it is not a whole number/);
    expectRefused(m, () => setAttribute.apply(m, { node: 'leaky', attribute: 'alpha', value: 'big' }), /does not fit the float attribute/);
    expectRefused(m, () => setAttribute.apply(m, { node: 'tr', attribute: 'perm', value: '[1,x]' }), /does not fit the ints attribute/);
    expectRefused(m, () => setAttribute.apply(m, { node: 'cat', attribute: 'axis', value: '99999999999999999999' }), /does not fit the int attribute: .*outside int64/);
    expectRefused(m, () => setAttribute.apply(m, { node: 'cat', attribute: 'mode', value: '1' }), /the node has no attribute "mode" \(it has: axis\)/);
    expectRefused(m, () => setAttribute.apply(m, { node: 'nope', attribute: 'axis', value: '1' }), /no node with id or name "nope"/);
    // Concat of rank-2 tensors along axis 5: shape inference fails at the node, so the edit rolls back.
    expectRefused(m, () => setAttribute.apply(m, { node: 'cat', attribute: 'axis', value: '5' }), /set "cat" \(Concat\)\.axis refused: shape inference fails after it at "cat" \(Concat\): /);
  });
});
