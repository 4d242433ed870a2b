// Models for the serving tests, made with the project's model builder and written to a folder.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';

function seeded(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  });
}

/** x [N,3,H,W] → Conv 3x3 (C filters) → Relu → y [N,C,H-2,W-2]: a batchable model with a free first dim. */
export function convModel(channels = 8, size = 16): Uint8Array {
  return modelBytes(
    model(
      graph({
        nodes: [node('Conv', ['x', 'w', 'b'], ['c'], { kernel_shape: [3, 3] }), node('Relu', ['c'], ['y'])],
        inputs: [valueInfo('x', ElemType.FLOAT, ['N', 3, size, size])],
        outputs: [valueInfo('y', ElemType.FLOAT, ['N', channels, size - 2, size - 2])],
        initializers: [tensor('w', ElemType.FLOAT, [channels, 3, 3, 3], seeded(channels * 27, 7)), tensor('b', ElemType.FLOAT, [channels], seeded(channels, 3))],
      }),
      { opset: 17 },
    ),
  );
}

/** a float [2,3], k int64 [2,3] → y = a * 2 (float), z = k + k (int64): fixed shapes, two types. */
export function fixedModel(): Uint8Array {
  return modelBytes(
    model(
      graph({
        nodes: [node('Mul', ['a', 'two'], ['y']), node('Add', ['k', 'k'], ['z'])],
        inputs: [valueInfo('a', ElemType.FLOAT, [2, 3]), valueInfo('k', ElemType.INT64, [2, 3])],
        outputs: [valueInfo('y', ElemType.FLOAT, [2, 3]), valueInfo('z', ElemType.INT64, [2, 3])],
        initializers: [tensor('two', ElemType.FLOAT, [], [2])],
      }),
      { opset: 17 },
    ),
  );
}

/** i int64 [N,2] → Gather rows of a 4x3 table → y [N,2,3]: an index past the table's 4 rows makes onnxruntime's run fail. */
export function gatherModel(): Uint8Array {
  return modelBytes(
    model(
      graph({
        nodes: [node('Gather', ['table', 'i'], ['y'], { axis: 0 })],
        inputs: [valueInfo('i', ElemType.INT64, ['N', 2])],
        outputs: [valueInfo('y', ElemType.FLOAT, ['N', 2, 3])],
        initializers: [tensor('table', ElemType.FLOAT, [4, 3], seeded(12, 5))],
      }),
      { opset: 17 },
    ),
  );
}

/** The integer types a KServe v2 client may send as JSON numbers: each input [2] comes back as it is. */
export const INT_INPUTS = { i8: 'INT8', i16: 'INT16', i32: 'INT32', u8: 'UINT8', u16: 'UINT16', u32: 'UINT32', u64: 'UINT64' } as const;

/** One Identity per integer type of INT_INPUTS: `NAME` [2] → `NAME_out` [2]. */
export function intsModel(): Uint8Array {
  const names = Object.keys(INT_INPUTS) as (keyof typeof INT_INPUTS)[];
  return modelBytes(
    model(
      graph({
        nodes: names.map((n) => node('Identity', [n], [`${n}_out`])),
        inputs: names.map((n) => valueInfo(n, ElemType[INT_INPUTS[n]], [2])),
        outputs: names.map((n) => valueInfo(`${n}_out`, ElemType[INT_INPUTS[n]], [2])),
      }),
      { opset: 17 },
    ),
  );
}

/** Writes models into a fresh temporary folder; returns their paths by name. */
export function writeModels(models: Record<string, Uint8Array>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'serve-test-'));
  return Object.fromEntries(
    Object.entries(models).map(([name, bytes]) => {
      const path = join(dir, `${name}.onnx`);
      writeFileSync(path, bytes);
      return [name, path];
    }),
  );
}

/** Runs a model in this process (the reference the server's answers are compared with). */
export async function runDirect(path: string, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(path, { graphOptimizationLevel: 'all' });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

export { seeded };
