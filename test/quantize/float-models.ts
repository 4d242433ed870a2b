import { graph, model, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { ElemType } from '../../shared/onnx/element-types.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { mulberry32 } from '../../shared/verify/prng.js';

// Builder-made float32 models for the float16/bfloat16 and int4 conversions.

/** `n` uniform values in [-scale, scale) from a fixed seed. */
export function randomValues(n: number, seed: number, scale = 1): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length: n }, () => (next() * 2 - 1) * scale);
}

/**
 * A weight-heavy MLP: x[2,64] → MatMul 64x256 → Add → Relu → MatMul 256x128 → Add → Softmax,
 * plus a CumSum (default block list) on the logits; `bigWeight` puts a value beyond float16's range into W1.
 */
export function mlpModel(options: { bigWeight?: boolean } = {}): ModelProto {
  const w1 = randomValues(64 * 256, 1, 0.15);
  if (options.bigWeight) w1[5] = 1e5;
  return model(
    graph({
      inputs: [valueInfo('x', ElemType.FLOAT, [2, 64])],
      outputs: [valueInfo('probs', ElemType.FLOAT, [2, 128]), valueInfo('cum', ElemType.FLOAT, [2, 128])],
      initializers: [
        tensor('W1', ElemType.FLOAT, [64, 256], w1),
        tensor('b1', ElemType.FLOAT, [256], randomValues(256, 2, 0.1)),
        tensor('W2', ElemType.FLOAT, [256, 128], randomValues(256 * 128, 3, 0.1)),
        tensor('b2', ElemType.FLOAT, [128], randomValues(128, 4, 0.1)),
        tensor('axis', ElemType.INT64, [], [1]),
      ],
      nodes: [
        node('MatMul', ['x', 'W1'], ['h0'], {}, { name: 'mm1' }),
        node('Add', ['h0', 'b1'], ['h1'], {}, { name: 'add1' }),
        node('Relu', ['h1'], ['h2'], {}, { name: 'relu' }),
        node('MatMul', ['h2', 'W2'], ['l0'], {}, { name: 'mm2' }),
        node('Add', ['l0', 'b2'], ['logits'], {}, { name: 'add2' }),
        node('Softmax', ['logits'], ['probs'], { axis: 1 }, { name: 'softmax' }),
        node('CumSum', ['logits', 'axis'], ['cum'], {}, { name: 'cumsum' }),
      ],
    }),
  );
}

/**
 * y = ((relu(x) + 1000.3) - 1000.25) * 2 on x[64]. float16 holds 1000.3 as 1000.5 and 1000.25 as
 * 1000, so converting either weight moves y by 0.25 or more: mixed precision must keep the Add
 * and the Sub (their weights with them) in float32; Relu and Mul convert. (onnxruntime CPU
 * computes these ops in float32 whatever the model says, so the weights' rounding is what its
 * runs show.)
 */
export function cancellingModel(): ModelProto {
  return model(
    graph({
      inputs: [valueInfo('x', ElemType.FLOAT, [64])],
      outputs: [valueInfo('y', ElemType.FLOAT, [64])],
      initializers: [tensor('c1', ElemType.FLOAT, [], [1000.3]), tensor('c2', ElemType.FLOAT, [], [1000.25]), tensor('two', ElemType.FLOAT, [], [2])],
      nodes: [
        node('Relu', ['x'], ['r'], {}, { name: 'relu' }),
        node('Add', ['r', 'c1'], ['a'], {}, { name: 'add' }),
        node('Sub', ['a', 'c2'], ['s'], {}, { name: 'sub' }),
        node('Mul', ['s', 'two'], ['y'], {}, { name: 'mul' }),
      ],
    }),
  );
}
