import { mkdtempSync, readFileSync, writeFileSync, existsSync, openSync, writeSync, ftruncateSync, closeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import { externalDataOf } from '../../shared/onnx/external-data.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { openModel } from '../../electron/io/open-model.js';
import { saveModel } from '../../electron/io/save-model.js';

/** y = relu(x @ W + b), then scaled by a small constant: weights big and small. */
function mlp(): ModelProto {
  const w = Float32Array.from({ length: 64 * 256 }, (_, i) => Math.sin(i) / 8);
  const b = Float32Array.from({ length: 256 }, (_, i) => i / 256);
  return model(
    graph({
      nodes: [
        node('MatMul', ['x', 'W'], ['h'], {}, { name: 'mm' }),
        node('Add', ['h', 'b'], ['hb'], {}, { name: 'add' }),
        node('Relu', ['hb'], ['r'], {}, { name: 'relu' }),
        node('Mul', ['r', 's'], ['y'], {}, { name: 'scale' }),
      ],
      inputs: [valueInfo('x', ElemType.FLOAT, ['n', 64])],
      outputs: [valueInfo('y', ElemType.FLOAT, ['n', 256])],
      initializers: [tensor('W', ElemType.FLOAT, [64, 256], w), tensor('b', ElemType.FLOAT, [256], b), tensor('s', ElemType.FLOAT, [], [0.5])],
    }),
  );
}

async function run(modelPath: string): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(modelPath);
  const x = new ort.Tensor('float32', Float32Array.from({ length: 3 * 64 }, (_, i) => Math.cos(i)), [3, 64]);
  const out = await session.run({ x });
  await session.release();
  return out.y!.data as Float32Array;
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'owb-ext-'));
}

describe('external data', () => {
  it('moves initializers over the threshold to <output>.data and onnxruntime reads them', async () => {
    const dir = tempDir();
    const src = join(dir, 'mlp.onnx');
    writeFileSync(src, modelBytes(mlp()));
    const opened = await openModel(src);
    const out = join(dir, 'mlp-ext.onnx');
    const result = await saveModel(opened.ir.toProto(), out, { externalData: { threshold: 1025 }, source: opened });
    expect(result.externalTensors).toBe(1); // W (64 KiB) moves; b (1024 bytes) stays under the threshold
    expect(existsSync(join(dir, 'mlp-ext.onnx.data'))).toBe(true);

    const reopened = await openModel(out);
    const W = reopened.ir.graph.initializers.get('W')!;
    expect(externalDataOf(W)).toMatchObject({ location: 'mlp-ext.onnx.data', offset: 0, length: 64 * 256 * 4 });
    expect(reopened.ir.graph.initializers.get('b')!.rawData?.length).toBe(1024);
    expect(Buffer.from((await reopened.tensorBytes(W))!)).toEqual(Buffer.from(opened.ir.graph.initializers.get('W')!.rawData!));
    expect(reopened.external.list.map((f) => f.location)).toEqual(['mlp-ext.onnx.data']);

    expect(await run(out)).toEqual(await run(src));
  });

  it('brings external tensors back inline, byte-identical to the original file', async () => {
    const dir = tempDir();
    const src = join(dir, 'a.onnx');
    writeFileSync(src, modelBytes(mlp()));
    const ext = join(dir, 'b.onnx');
    const opened = await openModel(src);
    await saveModel(opened.ir.toProto(), ext, { externalData: { threshold: 0 }, source: opened });
    const withExt = await openModel(ext);
    const back = join(dir, 'c.onnx');
    await saveModel(withExt.ir.toProto(), back, { inline: true, source: withExt });
    expect(Buffer.compare(readFileSync(back), readFileSync(src))).toBe(0);
  });

  it('keeps external tensors external on a plain re-save, copying them to the new data file', async () => {
    const dir = tempDir();
    const src = join(dir, 'a.onnx');
    writeFileSync(src, modelBytes(mlp()));
    const first = await openModel(src);
    await saveModel(first.ir.toProto(), join(dir, 'b.onnx'), { externalData: { threshold: 100 }, source: first });
    const b = await openModel(join(dir, 'b.onnx'));
    const c = await saveModel(b.ir.toProto(), join(dir, 'c.onnx'), { source: b });
    expect(c.externalTensors).toBe(2);
    expect(readFileSync(join(dir, 'c.onnx.data'))).toEqual(readFileSync(join(dir, 'b.onnx.data')));
    expect(await run(join(dir, 'c.onnx'))).toEqual(await run(src));
  });

  it('reads a tensor at an offset past 2 GiB in a sparse data file and copies only its bytes', async () => {
    const dir = tempDir();
    const offset = 2 ** 31 + 12345;
    const payload = Float32Array.from({ length: 1000 }, (_, i) => i * 0.25);
    const fd = openSync(join(dir, 'big.bin'), 'w');
    ftruncateSync(fd, offset + payload.byteLength + 4096);
    writeSync(fd, new Uint8Array(payload.buffer), 0, payload.byteLength, offset);
    closeSync(fd);
    const m = model(
      graph({
        nodes: [node('Identity', ['w'], ['y'])],
        outputs: [valueInfo('y', ElemType.FLOAT, [1000])],
        initializers: [
          {
            name: 'w',
            dims: [1000],
            dataType: ElemType.FLOAT,
            externalData: [
              { key: 'location', value: 'big.bin' },
              { key: 'offset', value: String(offset) },
              { key: 'length', value: String(payload.byteLength) },
            ],
            dataLocation: 1,
          },
        ],
      }),
    );
    writeFileSync(join(dir, 'big.onnx'), modelBytes(m));
    const opened = await openModel(join(dir, 'big.onnx'));
    const bytes = await opened.tensorBytes(opened.ir.graph.initializers.get('w')!);
    expect(new Float32Array(Uint8Array.from(bytes!).buffer)).toEqual(payload);

    const saved = await saveModel(opened.ir.toProto(), join(dir, 'small.onnx'), { source: opened });
    expect(saved.dataBytes).toBe(payload.byteLength);
    expect(statSync(join(dir, 'small.onnx.data')).size).toBe(payload.byteLength);
    const session = await ort.InferenceSession.create(join(dir, 'small.onnx'));
    const y = (await session.run({})).y!.data as Float32Array;
    expect(Array.from(y)).toEqual(Array.from(payload));
  });

  it('refuses to overwrite the input or the input’s own data file, leaving both untouched', async () => {
    const dir = tempDir();
    const src = join(dir, 'm.onnx');
    writeFileSync(src, modelBytes(mlp()));
    const opened = await openModel(src);
    await expect(saveModel(opened.ir.toProto(), src, { source: opened })).rejects.toThrow(/refusing to overwrite the input/);

    await saveModel(opened.ir.toProto(), join(dir, 'e.onnx'), { externalData: { threshold: 0 }, source: opened });
    const ext = await openModel(join(dir, 'e.onnx'));
    const before = readFileSync(join(dir, 'e.onnx.data'));
    // Writing "e.onnx" elsewhere is fine, but "e.onnx" in place would replace its own data file.
    await expect(saveModel(ext.ir.toProto(), join(dir, 'e.onnx'), { overwriteInput: true, source: ext })).rejects.toThrow(/data file/);
    expect(readFileSync(join(dir, 'e.onnx.data'))).toEqual(before);
    expect(decodeModel(readFileSync(join(dir, 'e.onnx'))).graph?.initializer?.length).toBe(3);
  });
});
