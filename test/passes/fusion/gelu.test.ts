import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, valueInfo } from '../../../shared/builder/index.js';
import type { ModelProto, NodeProto, TensorProto } from '../../../shared/onnx/proto-types.js';
import { attrString } from '../../../shared/ir/attribute-values.js';
import { fuseGelu } from '../../../shared/passes/fusion/gelu.js';
import { expectSameOutputs, fuse, idsOf } from './fusion-harness.js';

type Outer = 'x·onePlus·half' | 'half·x·onePlus' | 'x·(onePlus·half)';

interface Options {
  opset?: number;
  outer?: Outer;
  /** erf: x/√2 as Div or as Mul by 1/√2; tanh: x³ as Pow or as x·(x·x). */
  form?: 'erf-div' | 'erf-mul' | 'tanh-pow' | 'tanh-mul';
  constants?: Partial<Record<string, number>>;
  innerFrom?: string;
  erfAlsoOutput?: boolean;
  constRank?: number;
}

const X_SHAPE = [2, 3, 4];

// Gelu as exporters write it out: torch's nn.GELU() before opset 20 (erf form), the tanh
// approximation of GPT-2-style code, and the orders other exporters use.
function gelu(o: Options = {}): ModelProto {
  const c = { sqrt2: 1.4142135381698608, invSqrt2: 0.7071067690849304, one: 1, half: 0.5, three: 3, cubic: 0.044715, k: 0.7978845608, ...o.constants };
  const shape = Array.from({ length: o.constRank ?? 0 }, () => 1);
  const initializers: TensorProto[] = Object.entries(c).map(([name, v]) => tensor(name, ElemType.FLOAT, shape, [v!]));
  const x = o.innerFrom ?? 'x';
  const nodes: NodeProto[] = [];
  const form = o.form ?? 'erf-div';
  if (form === 'erf-div') nodes.push(node('Div', [x, 'sqrt2'], ['s'], {}, { name: 'scale_in' }), node('Erf', ['s'], ['e'], {}, { name: 'erf' }));
  if (form === 'erf-mul') nodes.push(node('Mul', ['invSqrt2', x], ['s'], {}, { name: 'scale_in' }), node('Erf', ['s'], ['e'], {}, { name: 'erf' }));
  if (form === 'tanh-pow') nodes.push(node('Pow', [x, 'three'], ['cube']));
  if (form === 'tanh-mul') nodes.push(node('Mul', [x, x], ['sq']), node('Mul', ['sq', x], ['cube']));
  if (form.startsWith('tanh')) {
    nodes.push(
      node('Mul', ['cubic', 'cube'], ['cs']),
      node('Add', [x, 'cs'], ['inner']),
      node('Mul', ['inner', 'k'], ['ti']),
      node('Tanh', ['ti'], ['e'], {}, { name: 'erf' }),
    );
  }
  nodes.push(node('Add', ['e', 'one'], ['p'], {}, { name: 'one_plus' }));
  const outer = o.outer ?? 'x·onePlus·half';
  if (outer === 'x·onePlus·half') nodes.push(node('Mul', ['x', 'p'], ['xp']), node('Mul', ['xp', 'half'], ['y'], {}, { name: 'out' }));
  if (outer === 'half·x·onePlus') nodes.push(node('Mul', ['half', 'x'], ['hx']), node('Mul', ['hx', 'p'], ['y'], {}, { name: 'out' }));
  if (outer === 'x·(onePlus·half)') nodes.push(node('Mul', ['p', 'half'], ['ph']), node('Mul', ['x', 'ph'], ['y'], {}, { name: 'out' }));
  const inputs = [valueInfo('x', ElemType.FLOAT, X_SHAPE)];
  if (o.innerFrom) inputs.push(valueInfo(o.innerFrom, ElemType.FLOAT, X_SHAPE));
  const outputs = [valueInfo('y', ElemType.FLOAT, null)];
  if (o.erfAlsoOutput) outputs.push(valueInfo('e', ElemType.FLOAT, null));
  return model(graph({ nodes, inputs, outputs, initializers }), { opset: o.opset ?? 20, irVersion: 9 });
}

const OUTERS: Outer[] = ['x·onePlus·half', 'half·x·onePlus', 'x·(onePlus·half)'];

describe('fuse-gelu', () => {
  it('fuses the erf form (Div by √2 or Mul by 1/√2, every product order) into Gelu; outputs match', async () => {
    for (const form of ['erf-div', 'erf-mul'] as const) {
      for (const outer of OUTERS) {
        const proto = gelu({ form, outer });
        const { ops, model: m } = await fuse(proto, [fuseGelu]);
        expect(ops, `${form} ${outer}`).toEqual(['Gelu']);
        const n = [...m.graph.nodes][0]!;
        expect(attrString(n, 'approximate', 'none')).toBe('none');
        expect(n.outputs).toEqual(['y']);
        await expectSameOutputs(proto, m);
      }
    }
  });

  it('fuses the tanh form (x³ as Pow or x·x·x) into Gelu(approximate=tanh); outputs match', async () => {
    for (const form of ['tanh-pow', 'tanh-mul'] as const) {
      for (const outer of OUTERS) {
        const proto = gelu({ form, outer });
        const { ops, model: m } = await fuse(proto, [fuseGelu]);
        expect(ops, `${form} ${outer}`).toEqual(['Gelu']);
        expect(attrString([...m.graph.nodes][0]!, 'approximate', 'none')).toBe('tanh');
        await expectSameOutputs(proto, m);
      }
    }
  });

  it('accepts rounded constants, and size-1 constants up to x rank', async () => {
    expect((await fuse(gelu({ constants: { sqrt2: 1.4142 } }), [fuseGelu])).ops).toEqual(['Gelu']);
    expect((await fuse(gelu({ form: 'tanh-pow', constants: { k: 0.79788 } }), [fuseGelu])).ops).toEqual(['Gelu']);
    expect((await fuse(gelu({ constRank: 3 }), [fuseGelu])).ops).toEqual(['Gelu']);
  });

  it('does not fire on constants off by more than the tolerance', async () => {
    for (const constants of [{ sqrt2: 1.41 }, { half: 0.6 }, { one: 1.001 }, { invSqrt2: 0.707 }]) {
      const form = 'invSqrt2' in constants ? 'erf-mul' : 'erf-div';
      expect((await fuse(gelu({ form, constants }), [fuseGelu])).matches, JSON.stringify(constants)).toBe(0);
    }
    for (const constants of [{ cubic: 0.05 }, { k: 0.8 }, { three: 2 }]) {
      expect((await fuse(gelu({ form: 'tanh-pow', constants }), [fuseGelu])).matches, JSON.stringify(constants)).toBe(0);
    }
  });

  it('does not fire when the inner x is another tensor, or an intermediate is read elsewhere', async () => {
    expect((await fuse(gelu({ innerFrom: 'z' }), [fuseGelu])).matches).toBe(0);
    expect((await fuse(gelu({ form: 'tanh-mul', innerFrom: 'z' }), [fuseGelu])).matches).toBe(0);
    expect((await fuse(gelu({ erfAlsoOutput: true }), [fuseGelu])).matches).toBe(0);
  });

  it('does not fire on constants that would raise the result\'s rank, below opset 20, or outside the selection', async () => {
    expect((await fuse(gelu({ constRank: 4 }), [fuseGelu])).matches).toBe(0);
    expect((await fuse(gelu({ opset: 19 }), [fuseGelu])).matches).toBe(0);
    const proto = gelu();
    const probe = await fuse(proto, []);
    expect((await fuse(proto, [fuseGelu], { scope: idsOf(probe.model, ['out', 'one_plus', 'erf', 'scale_in']) })).matches).toBe(0);
  });
});
