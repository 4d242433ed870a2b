import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { WorkbenchError } from '../../shared/errors.js';
import type { ValueInfoProto } from '../../shared/onnx/proto-types.js';
import { typeFromProto } from '../../shared/shape/index.js';
import { inputShape, parseShapeText } from '../../shared/surgery/index.js';
import { applyAndCheckUndo, expectRefused, floats, load, run } from './helpers.js';

const F = ElemType.FLOAT;

// x[1,2,4,4] → Conv(3x3) → c[1,3,2,2] → Relu → y[1,3,2,2], every shape declared for batch 1.
function conv() {
  return model(
    graph({
      nodes: [node('Conv', ['x', 'w'], ['c'], { kernel_shape: [3, 3] }, { name: 'conv' }), node('Relu', ['c'], ['y'], {}, { name: 'relu' })],
      inputs: [valueInfo('x', F, [1, 2, 4, 4])],
      outputs: [valueInfo('y', F, [1, 3, 2, 2])],
      initializers: [tensor('w', F, [3, 2, 3, 3], Array.from({ length: 54 }, (_, i) => (i % 5) / 5 - 0.4))],
      valueInfo: [valueInfo('c', F, [1, 3, 2, 2])],
    }),
  );
}

function shapeOf(vi: ValueInfoProto | undefined) {
  const t = typeFromProto(vi?.type);
  return t?.kind === 'tensor' ? t.shape : undefined;
}

describe('parseShapeText', () => {
  it('reads sizes, symbolic names and unknown dims, with x or , between them', () => {
    expect(parseShapeText('1x3x224x224')).toEqual([1, 3, 224, 224]);
    expect(parseShapeText('Nx3x?x?')).toEqual(['N', 3, null, null]);
    expect(parseShapeText('max_len,3')).toEqual(['max_len', 3]);
    expect(parseShapeText('')).toEqual([]);
    expect(() => parseShapeText('1x-3')).toThrow(WorkbenchError);
    expect(() => parseShapeText('1x-3')).toThrow(/"-3" is not a size, a name or \?/);
  });
});

describe('input-shape', () => {
  it('makes the batch symbolic; declared shapes downstream follow, and onnxruntime runs batch 2', async () => {
    const m = load(conv());
    const r = applyAndCheckUndo(m, () => inputShape.apply(m, { input: 'x', shape: parseShapeText('Nx2x4x4') }));
    expect(r.summary).toBe('input "x" is now Nx2x4x4');
    expect(shapeOf(m.graph.inputs[0])).toEqual(['N', 2, 4, 4]);
    expect(shapeOf(m.graph.valueInfo('c'))).toEqual(['N', 3, 2, 2]);
    expect(shapeOf(m.graph.outputs[0])).toEqual(['N', 3, 2, 2]);
    const out = await run(m, { x: floats([2, 2, 4, 4]) });
    expect(out.y!.dims).toEqual([2, 3, 2, 2]);
    // Batch 2 is two independent batch-1 runs of the original model.
    const orig = load(conv());
    const first = await run(orig, { x: floats([1, 2, 4, 4]) });
    const second = await run(orig, { x: floats([1, 2, 4, 4], 32) });
    expect(out.y!.data).toEqual([...first.y!.data, ...second.y!.data]);
  });

  it('fixes sizes and leaves dims unknown with ?', () => {
    const m = load(conv());
    inputShape.apply(m, { input: 'x', shape: parseShapeText('4x2x6x?') });
    expect(shapeOf(m.graph.valueInfo('c'))).toEqual([4, 3, 4, null]);
    expect(shapeOf(m.graph.outputs[0])).toEqual([4, 3, 4, null]);
  });

  it('refuses an unknown input, an initializer, and a shape the Conv cannot take', () => {
    const m = load(conv());
    expectRefused(m, () => inputShape.apply(m, { input: 'q', shape: [1] }), /set the shape of input "q" to 1 refused: the main graph has no input "q" \(inputs: x\)/);
    expectRefused(m, () => inputShape.apply(m, { input: 'x', shape: [1, 2] }), /refused: shape inference fails after it at "conv" \(Conv\): input must have rank 3 or more/);
    const withInit = load(model(graph({ nodes: [node('Add', ['x', 'b'], ['y'])], inputs: [valueInfo('x', F, [2]), valueInfo('b', F, [2])], outputs: ['y'], initializers: [tensor('b', F, [2], [1, 2])] })));
    expectRefused(withInit, () => inputShape.apply(withInit, { input: 'b', shape: [3] }), /"b" is an initializer/);
  });
});
