import { describe, expect, it } from 'vitest';
import { attrFloat, ElemType, graph, model, node, tensor, valueInfo, type AttrValue } from '../../../shared/builder/index.js';
import type { ModelProto, NodeProto, TensorProto } from '../../../shared/onnx/proto-types.js';
import { fusePadConv } from '../../../shared/passes/fusion/pad-conv.js';
import { expectSameOutputs, fuse, idsOf, randomTensor } from './fusion-harness.js';

const X = [1, 3, 6, 7];

interface Options {
  opset?: number;
  /** Pad amounts over all 4 dims: [n, c, h, w begins, then ends]. */
  pads?: number[];
  value?: number;
  mode?: string;
  axes?: number[];
  padsAsInput?: boolean;
  padAlsoOutput?: boolean;
}

// Pad(x) as opset 11+ writes it (pads, constant_value and axes as inputs) or as opset 2-10 does
// (attributes), followed by `consumer`.
function padThen(consumer: NodeProto, o: Options = {}, extra: TensorProto[] = []): ModelProto {
  const opset = o.opset ?? 13;
  const pads = o.pads ?? [0, 0, 1, 2, 0, 0, 2, 1];
  const initializers: TensorProto[] = [...extra];
  const inputs = [valueInfo('x', ElemType.FLOAT, X)];
  let pad: NodeProto;
  const mode: Record<string, AttrValue> = o.mode ? { mode: o.mode } : {};
  if (opset < 11) {
    pad = node('Pad', ['x'], ['p'], { ...mode, pads, ...(o.value !== undefined ? { value: attrFloat(o.value) } : {}) }, { name: 'pad' });
  } else {
    const padIn = ['x', 'pads'];
    const dims = o.axes?.map((a) => (a + 4) % 4);
    const padValues = dims ? [...dims.map((a) => pads[a]!), ...dims.map((a) => pads[4 + a]!)] : pads;
    if (o.padsAsInput) inputs.push(valueInfo('pads', ElemType.INT64, [padValues.length]));
    else initializers.push(tensor('pads', ElemType.INT64, [padValues.length], padValues));
    if (o.value !== undefined || o.axes) {
      padIn.push(o.value !== undefined ? 'value' : '');
      if (o.value !== undefined) initializers.push(tensor('value', ElemType.FLOAT, [], [o.value]));
    }
    if (o.axes) {
      padIn.push('axes');
      initializers.push(tensor('axes', ElemType.INT64, [o.axes.length], o.axes));
    }
    pad = node('Pad', padIn, ['p'], mode, { name: 'pad' });
  }
  const outputs = [valueInfo('y', ElemType.FLOAT, null)];
  if (o.padAlsoOutput) outputs.push(valueInfo('p', ElemType.FLOAT, null));
  return model(graph({ nodes: [pad, consumer], inputs, outputs, initializers }), { opset });
}

const W = randomTensor('W', [4, 3, 3, 3], 1);
const conv = (attrs: Record<string, AttrValue> = {}) => node('Conv', ['p', 'W'], ['y'], { kernel_shape: [3, 3], ...attrs }, { name: 'conv' });
const avgPool = (attrs: Record<string, AttrValue> = {}) => node('AveragePool', ['p'], ['y'], { kernel_shape: [3, 3], ...attrs }, { name: 'pool' });
const maxPool = (attrs: Record<string, AttrValue> = {}) => node('MaxPool', ['p'], ['y'], { kernel_shape: [3, 3], ...attrs }, { name: 'pool' });

async function expectFused(proto: ModelProto, op: string, pads: number[]): Promise<void> {
  const { ops, model: m } = await fuse(proto, [fusePadConv]);
  expect(ops).toEqual([op]);
  const n = [...m.graph.nodes][0]!;
  expect(n.inputs[0]).toBe('x');
  expect(n.attribute('pads')!.ints!.map(Number)).toEqual(pads);
  await expectSameOutputs(proto, m);
}

describe('fuse-pad-conv', () => {
  it('moves zero padding into a Conv (pads as input, opset 13); outputs match', async () => {
    await expectFused(padThen(conv(), {}, [W]), 'Conv', [1, 2, 2, 1]);
    await expectFused(padThen(conv({ pads: [1, 0, 0, 1], strides: [2, 1] }), {}, [W]), 'Conv', [2, 2, 2, 2]);
    await expectFused(padThen(conv(), { value: 0 }, [W]), 'Conv', [1, 2, 2, 1]);
  });

  it('reads the attribute form (opset 10) and the axes input (opset 18)', async () => {
    await expectFused(padThen(conv(), { opset: 10 }, [W]), 'Conv', [1, 2, 2, 1]);
    await expectFused(padThen(conv(), { opset: 18, axes: [2, 3] }, [W]), 'Conv', [1, 2, 2, 1]);
    await expectFused(padThen(conv(), { opset: 18, axes: [-1, -2] }, [W]), 'Conv', [1, 2, 2, 1]);
  });

  it('moves zero padding into AveragePool only with count_include_pad=1', async () => {
    await expectFused(padThen(avgPool({ count_include_pad: 1 })), 'AveragePool', [1, 2, 2, 1]);
    expect((await fuse(padThen(avgPool()), [fusePadConv])).matches).toBe(0);
    expect((await fuse(padThen(avgPool({ count_include_pad: 1, ceil_mode: 1 })), [fusePadConv])).matches).toBe(0);
  });

  it('moves −∞ padding into MaxPool, and nothing else', async () => {
    await expectFused(padThen(maxPool(), { value: -Infinity }), 'MaxPool', [1, 2, 2, 1]);
    expect((await fuse(padThen(maxPool()), [fusePadConv])).matches).toBe(0);
    expect((await fuse(padThen(maxPool(), { value: -Infinity, pads: [0, 0, 3, 0, 0, 0, 0, 0] }), [fusePadConv])).matches).toBe(0);
    const withIndices = padThen(maxPool(), { value: -Infinity });
    withIndices.graph!.node![1]!.output = ['y', 'idx'];
    withIndices.graph!.output = [...withIndices.graph!.output!, valueInfo('idx', ElemType.INT64, null)];
    expect((await fuse(withIndices, [fusePadConv])).matches).toBe(0);
  });

  it('does not fire on padding of the batch or channel dims, other modes, or a non-zero value', async () => {
    expect((await fuse(padThen(conv(), { pads: [0, 1, 1, 1, 0, 0, 1, 1] }, [W]), [fusePadConv])).matches).toBe(0);
    expect((await fuse(padThen(conv(), { pads: [1, 0, 1, 1, 0, 0, 1, 1] }, [W]), [fusePadConv])).matches).toBe(0);
    expect((await fuse(padThen(conv(), { mode: 'reflect' }, [W]), [fusePadConv])).matches).toBe(0);
    expect((await fuse(padThen(conv(), { mode: 'edge', opset: 10 }, [W]), [fusePadConv])).matches).toBe(0);
    expect((await fuse(padThen(conv(), { value: 0.5 }, [W]), [fusePadConv])).matches).toBe(0);
    expect((await fuse(padThen(conv(), { value: 0.5, opset: 10 }, [W]), [fusePadConv])).matches).toBe(0);
    expect((await fuse(padThen(conv(), { pads: [0, 0, -1, 1, 0, 0, 1, 1] }, [W]), [fusePadConv])).matches).toBe(0);
  });

  it('does not fire on auto_pad, non-constant pads, a Pad output read elsewhere, or outside the selection', async () => {
    expect((await fuse(padThen(conv({ auto_pad: 'SAME_UPPER' }), {}, [W]), [fusePadConv])).matches).toBe(0);
    expect((await fuse(padThen(conv(), { padsAsInput: true }, [W]), [fusePadConv])).matches).toBe(0);
    expect((await fuse(padThen(conv(), { padAlsoOutput: true }, [W]), [fusePadConv])).matches).toBe(0);
    const proto = padThen(conv(), {}, [W]);
    const probe = await fuse(proto, []);
    expect((await fuse(proto, [fusePadConv], { scope: idsOf(probe.model, ['conv']) })).matches).toBe(0);
  });
});
