import { describe, expect, it } from 'vitest';
import { OrtConstantEvaluator } from '../../electron/runtime/evaluate-node.js';
import { ElemType, node, scalar, tensor, typedTensor } from '../../shared/builder/index.js';
import { WorkbenchError } from '../../shared/errors.js';
import type { TensorProto } from '../../shared/onnx/proto-types.js';
import type { EvaluationContext } from '../../shared/verify/constant-evaluator.js';
import { tensorProtoData } from '../../shared/verify/tensor-data.js';

const ctx: EvaluationContext = { opsetImports: [{ domain: '', version: 17 }], irVersion: 8 };
const evaluator = new OrtConstantEvaluator();

/** Type, shape and values of a result, for exact comparisons. */
function facts(t: TensorProto | undefined): { name: string | undefined; elemType: number; dims: number[]; values: unknown[] } {
  const d = tensorProtoData(t!);
  return { name: t!.name, elemType: d.elemType, dims: [...d.dims], values: Array.from(d.values as ArrayLike<unknown>) };
}

describe('OrtConstantEvaluator.evaluate', () => {
  it('Add with broadcasting', async () => {
    const a = tensor('a', ElemType.FLOAT, [2, 3], [1, 2, 3, 4, 5, 6]);
    const b = tensor('b', ElemType.FLOAT, [3], [0.5, -1, 10]);
    const [sum] = await evaluator.evaluate(node('Add', ['a', 'b'], ['sum']), [a, b], ctx);
    expect(facts(sum)).toEqual({ name: 'sum', elemType: ElemType.FLOAT, dims: [2, 3], values: [1.5, 1, 13, 4.5, 4, 16] });
    // raw_data, little-endian float32.
    expect(sum!.rawData!.length).toBe(24);
    expect(Array.from(new Float32Array(sum!.rawData!.slice().buffer))).toEqual([1.5, 1, 13, 4.5, 4, 16]);
  });

  it('uses one tensor for two inputs (Mul x, x) and inputs given in typed fields', async () => {
    const x = typedTensor('x', ElemType.INT32, [3], [-2, 3, 4]);
    const [y] = await evaluator.evaluate(node('Mul', ['x', 'x'], ['y']), [x, x], ctx);
    expect(facts(y)).toEqual({ name: 'y', elemType: ElemType.INT32, dims: [3], values: [4, 9, 16] });
  });

  it('Shape gives int64 dims, with start/end attributes', async () => {
    const x = tensor('x', ElemType.FLOAT, [2, 3, 4], new Float32Array(24));
    const [s] = await evaluator.evaluate(node('Shape', ['x'], ['s']), [x], ctx);
    expect(facts(s)).toEqual({ name: 's', elemType: ElemType.INT64, dims: [3], values: [2n, 3n, 4n] });
    const [tail] = await evaluator.evaluate(node('Shape', ['x'], ['t'], { start: 1 }), [x], ctx);
    expect(facts(tail).values).toEqual([3n, 4n]);
  });

  it('Reshape with -1 and 0 in the shape', async () => {
    const data = tensor('data', ElemType.FLOAT, [2, 3], [1, 2, 3, 4, 5, 6]);
    const shape = tensor('shape', ElemType.INT64, [3], [0, -1, 1]);
    const [r] = await evaluator.evaluate(node('Reshape', ['data', 'shape'], ['r']), [data, shape], ctx);
    expect(facts(r)).toEqual({ name: 'r', elemType: ElemType.FLOAT, dims: [2, 3, 1], values: [1, 2, 3, 4, 5, 6] });
  });

  it('ConstantOfShape with a value attribute, and with none (float zeros)', async () => {
    const shape = tensor('shape', ElemType.INT64, [2], [2, 3]);
    const [sevens] = await evaluator.evaluate(node('ConstantOfShape', ['shape'], ['c'], { value: tensor('value', ElemType.INT32, [1], [7]) }), [shape], ctx);
    expect(facts(sevens)).toEqual({ name: 'c', elemType: ElemType.INT32, dims: [2, 3], values: [7, 7, 7, 7, 7, 7] });
    const [zeros] = await evaluator.evaluate(node('ConstantOfShape', ['shape'], ['z']), [shape], ctx);
    expect(facts(zeros)).toEqual({ name: 'z', elemType: ElemType.FLOAT, dims: [2, 3], values: [0, 0, 0, 0, 0, 0] });
  });

  it('Cast to int32 truncates; to float16 and bool gives their raw_data', async () => {
    const x = tensor('x', ElemType.FLOAT, [4], [1.5, -2.7, 0, 65504]);
    const [i] = await evaluator.evaluate(node('Cast', ['x'], ['i'], { to: ElemType.INT32 }), [x], ctx);
    expect(facts(i)).toEqual({ name: 'i', elemType: ElemType.INT32, dims: [4], values: [1, -2, 0, 65504] });
    const [h] = await evaluator.evaluate(node('Cast', ['x'], ['h'], { to: ElemType.FLOAT16 }), [x], ctx);
    expect(h!.dataType).toBe(ElemType.FLOAT16);
    // 1.5 = 0x3e00, -2.7 rounds to 0xc166 (-2.69921875), 0, 65504 = 0x7bff; little-endian.
    expect([...h!.rawData!]).toEqual([0x00, 0x3e, 0x66, 0xc1, 0x00, 0x00, 0xff, 0x7b]);
    const [b] = await evaluator.evaluate(node('Cast', ['x'], ['b'], { to: ElemType.BOOL }), [x], ctx);
    expect(facts(b)).toEqual({ name: 'b', elemType: ElemType.BOOL, dims: [4], values: [1, 1, 0, 1] });
  });

  it('keeps a scalar a scalar', async () => {
    const [s] = await evaluator.evaluate(node('Add', ['a', 'b'], ['s']), [scalar('a', ElemType.INT64, 2), scalar('b', ElemType.INT64, 40)], ctx);
    expect(s!.dims).toBeUndefined();
    expect(facts(s).values).toEqual([42n]);
  });

  it('leaves omitted optional inputs out and gives undefined for omitted outputs', async () => {
    const x = tensor('x', ElemType.FLOAT, [2], [1, -1]);
    // Dropout in inference: identity; its ratio and training_mode inputs and mask output omitted.
    const outs = await evaluator.evaluate(node('Dropout', ['x', '', ''], ['y', '']), [x, undefined, undefined], ctx);
    expect(outs).toHaveLength(2);
    expect(facts(outs[0]).values).toEqual([1, -1]);
    expect(outs[1]).toBeUndefined();
  });

  it('refuses a non-constant input, and names the node when onnxruntime rejects it', async () => {
    const x = tensor('x', ElemType.FLOAT, [1], [1]);
    await expect(evaluator.evaluate(node('Add', ['x', 'w'], ['y'], {}, { name: 'add1' }), [x, undefined], ctx)).rejects.toThrow(
      new WorkbenchError('EVALUATE_NODE', "node 'add1' (Add): input 1 ('w') is not a constant"),
    );
    const err = await evaluator.evaluate(node('Reshape', ['x', 's'], ['y'], {}, { name: 'bad' }), [x, tensor('s', ElemType.INT64, [1], [5])], ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkbenchError);
    expect((err as Error).message).toMatch(/^evaluating node 'bad' \(Reshape\): one-node model: onnxruntime (cannot load|failed to run) it: /);
  });

  it('respects the opset: Unsqueeze axes as attribute at opset 11, as input at 13', async () => {
    const x = tensor('x', ElemType.FLOAT, [2], [1, 2]);
    const [a] = await evaluator.evaluate(node('Unsqueeze', ['x'], ['y'], { axes: [0] }), [x], { ...ctx, opsetImports: [{ domain: '', version: 11 }], irVersion: 6 });
    expect(facts(a).dims).toEqual([1, 2]);
    const [b] = await evaluator.evaluate(node('Unsqueeze', ['x', 'axes'], ['y']), [x, tensor('axes', ElemType.INT64, [1], [1])], ctx);
    expect(facts(b).dims).toEqual([2, 1]);
  });
});

describe('OrtConstantEvaluator.evaluateMany', () => {
  it('evaluates independent nodes in one model, even ones that share tensor names', async () => {
    const a = tensor('a', ElemType.FLOAT, [2], [1, 2]);
    const outcomes = await evaluator.evaluateMany(
      [
        { node: node('Add', ['a', 'a'], ['y']), inputs: [a, a] },
        { node: node('Shape', ['a'], ['y']), inputs: [a] },
        { node: node('Cast', ['a'], ['c'], { to: ElemType.INT64 }), inputs: [a] },
      ],
      ctx,
    );
    expect(outcomes.map((o) => (o.ok ? o.outputs.map(facts) : o.error))).toEqual([
      [{ name: 'y', elemType: ElemType.FLOAT, dims: [2], values: [2, 4] }],
      [{ name: 'y', elemType: ElemType.INT64, dims: [1], values: [2n] }],
      [{ name: 'c', elemType: ElemType.INT64, dims: [2], values: [1n, 2n] }],
    ]);
  });

  it('a node that fails fails alone', async () => {
    const x = tensor('x', ElemType.FLOAT, [3], [1, 2, 3]);
    const outcomes = await evaluator.evaluateMany(
      [
        { node: node('Neg', ['x'], ['n']), inputs: [x] },
        { node: node('Reshape', ['x', 's'], ['r'], {}, { name: 'bad' }), inputs: [x, tensor('s', ElemType.INT64, [1], [2])] },
        { node: node('Abs', ['x'], ['m']), inputs: [x] },
      ],
      ctx,
    );
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(outcomes[1]!.ok ? '' : outcomes[1]!.error).toMatch(/^evaluating node 'bad' \(Reshape\)/);
    expect(outcomes[0]!.ok && facts(outcomes[0]!.outputs[0]).values).toEqual([-1, -2, -3]);
  });

  it('gives nothing for nothing', async () => {
    expect(await evaluator.evaluateMany([], ctx)).toEqual([]);
  });
});
