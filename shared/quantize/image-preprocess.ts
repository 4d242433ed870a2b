// Image → input tensor for calibration, as an ImagePreprocessSpec says: pure arithmetic on decoded
// RGB pixels (decoding is the host's). Resizing is plain bilinear with half-pixel centres (OpenCV's
// INTER_LINEAR, ONNX Resize linear/half_pixel), without antialiasing.

import { WorkbenchError } from '../errors.js';
import { ElemType } from '../onnx/element-types.js';
import type { ValueInfoProto } from '../onnx/proto-types.js';
import type { ImagePreprocessSpec } from './image-spec.js';

/** An image as interleaved RGB values (3 per pixel, row by row). */
export interface RgbImage {
  width: number;
  height: number;
  data: ArrayLike<number>;
}

/** Drops the alpha of RGBA pixels (decoders give RGBA). */
export function rgbFromRgba(width: number, height: number, rgba: ArrayLike<number>): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) for (let c = 0; c < 3; c++) data[p * 3 + c] = rgba[p * 4 + c]!;
  return { width, height, data };
}

/** Bilinear resize to w×h: sample point (x + 0.5)·in/out − 0.5, clamped to the image. */
export function resizeBilinear(img: RgbImage, width: number, height: number): RgbImage {
  if (width === img.width && height === img.height) return img;
  const out = new Float32Array(width * height * 3);
  const taps = (outN: number, inN: number) =>
    Array.from({ length: outN }, (_, n) => {
      const s = Math.min(Math.max((n + 0.5) * (inN / outN) - 0.5, 0), inN - 1);
      const i0 = Math.floor(s);
      return { i0, i1: Math.min(i0 + 1, inN - 1), f: s - i0 };
    });
  const xs = taps(width, img.width);
  const ys = taps(height, img.height);
  const d = img.data;
  const w = img.width;
  for (let y = 0; y < height; y++) {
    const ty = ys[y]!;
    for (let x = 0; x < width; x++) {
      const tx = xs[x]!;
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => d[(yy * w + xx) * 3 + c]!;
        const top = at(ty.i0, tx.i0) * (1 - tx.f) + at(ty.i0, tx.i1) * tx.f;
        const bottom = at(ty.i1, tx.i0) * (1 - tx.f) + at(ty.i1, tx.i1) * tx.f;
        out[(y * width + x) * 3 + c] = top * (1 - ty.f) + bottom * ty.f;
      }
    }
  }
  return { width, height, data: out };
}

/** The size after resizing the shorter side to n, the longer one truncated (torchvision's Resize(n)). */
export function shorterSideSize(width: number, height: number, n: number): [number, number] {
  return width <= height ? [n, Math.trunc((n * height) / width)] : [Math.trunc((n * width) / height), n];
}

// Python's round(), which torchvision's center_crop uses: halves to even.
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The centre w×h of the image; offsets round((in − out) / 2) as torchvision's center_crop. */
export function centreCrop(img: RgbImage, width: number, height: number, label: string): RgbImage {
  if (width > img.width || height > img.height) {
    throw new WorkbenchError('BAD_INPUT', `${label}: ${img.width}x${img.height} after resizing, smaller than the ${width}x${height} crop; resize it larger (--resize)`);
  }
  const left = roundHalfEven((img.width - width) / 2);
  const top = roundHalfEven((img.height - height) / 2);
  const out = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) out[(y * width + x) * 3 + c] = img.data[((y + top) * img.width + x + left) * 3 + c]!;
  }
  return { width, height, data: out };
}

/** Where images go: the input, how many images one sample takes, and the H×W it fixes (if it does). */
export interface ImageTarget {
  input: string;
  /** Images per sample: the input's fixed batch, or 1 when the batch is symbolic. */
  batch: number;
  width?: number;
  height?: number;
  layout: 'nchw' | 'nhwc';
}

const fixedDims = (vi: ValueInfoProto) =>
  (vi.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimValue !== undefined && Number(d.dimValue) > 0 ? Number(d.dimValue) : undefined));

const wh = (s: number | [number, number]): [number, number] => (typeof s === 'number' ? [s, s] : s);

/**
 * The input the images feed (the spec's, or the one 4-D float input) and what it takes; a shape
 * that disagrees with the spec is a one-line error.
 */
export function imageTarget(inputs: readonly ValueInfoProto[], spec: ImagePreprocessSpec): ImageTarget {
  const layout = spec.layout ?? 'nchw';
  let vi: ValueInfoProto | undefined;
  if (spec.input !== undefined) {
    vi = inputs.find((i) => i.name === spec.input);
    if (!vi) throw new WorkbenchError('BAD_OPTION', `--image-input ${spec.input}: the model has no input of that name (inputs: ${inputs.map((i) => i.name).join(', ')})`);
  } else {
    const candidates = inputs.filter((i) => i.type?.tensorType?.elemType === ElemType.FLOAT && i.type.tensorType.shape?.dim?.length === 4);
    if (candidates.length !== 1) {
      throw new WorkbenchError('BAD_OPTION', `calibration images: the model has ${candidates.length ? `${candidates.length} 4-D float inputs (${candidates.map((i) => i.name).join(', ')})` : 'no 4-D float input'}; name the one images feed with --image-input NAME`);
    }
    vi = candidates[0]!;
  }
  const name = vi.name ?? '';
  const tt = vi.type?.tensorType;
  if (tt?.elemType !== ElemType.FLOAT) throw new WorkbenchError('BAD_OPTION', `calibration images: input '${name}' is not float32; images give float32 values`);
  const dims = fixedDims(vi);
  if (dims.length !== 4) throw new WorkbenchError('BAD_OPTION', `calibration images: input '${name}' has ${dims.length} dims; images need a 4-D input (${layout === 'nchw' ? 'N,C,H,W' : 'N,H,W,C'})`);
  const [n, c, h, w] = layout === 'nchw' ? dims : [dims[0], dims[3], dims[1], dims[2]];
  const shape = dims.map((d) => d ?? '?').join('x');
  if (c !== undefined && c !== 3) {
    const other = layout === 'nchw' ? dims[3] : dims[1];
    throw new WorkbenchError('BAD_OPTION', `calibration images: input '${name}' is ${shape}, ${c} channels where --layout ${layout} puts them; images give 3 (RGB)${other === 3 ? `; try --layout ${layout === 'nchw' ? 'nhwc' : 'nchw'}` : ''}`);
  }
  const out = spec.crop ?? (Array.isArray(spec.resize) ? spec.resize : undefined);
  if (out !== undefined) {
    const [ow, oh] = wh(out);
    if ((w !== undefined && w !== ow) || (h !== undefined && h !== oh)) {
      throw new WorkbenchError('BAD_OPTION', `calibration images: input '${name}' is ${shape} (${layout}), H×W ${h ?? '?'}x${w ?? '?'}, but ${spec.crop ? '--crop' : '--resize'} gives ${oh}x${ow}`);
    }
  }
  return { input: name, batch: n ?? 1, layout, ...(w !== undefined ? { width: w } : {}), ...(h !== undefined ? { height: h } : {}) };
}

/**
 * One image's values for `target` (C·H·W numbers in the target's layout), as the spec says. With
 * no resize and no crop, an input with a fixed H×W gets the image resized to it.
 */
export function imageValues(img: RgbImage, spec: ImagePreprocessSpec, target: ImageTarget, label: string): { values: Float32Array; width: number; height: number } {
  let im = img;
  if (spec.resize !== undefined) {
    const [w, h] = typeof spec.resize === 'number' ? shorterSideSize(im.width, im.height, spec.resize) : spec.resize;
    im = resizeBilinear(im, w, h);
  } else if (spec.crop === undefined && target.width !== undefined && target.height !== undefined) {
    im = resizeBilinear(im, target.width, target.height);
  }
  if (spec.crop !== undefined) im = centreCrop(im, ...wh(spec.crop), label);
  if ((target.width !== undefined && im.width !== target.width) || (target.height !== undefined && im.height !== target.height)) {
    throw new WorkbenchError('BAD_INPUT', `${label}: ${im.height}x${im.width} (H×W) after preprocessing, but input '${target.input}' takes ${target.height ?? '?'}x${target.width ?? '?'}; add --crop or --resize WxH`);
  }
  const scale = spec.scale ?? 1 / 255;
  const mean = spec.mean ?? [0, 0, 0];
  const std = spec.std ?? [1, 1, 1];
  const order = spec.channels === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  const { width, height } = im;
  const plane = width * height;
  const values = new Float32Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    for (let k = 0; k < 3; k++) {
      const c = order[k]!;
      const v = (im.data[p * 3 + c]! * scale - mean[c]!) / std[c]!;
      values[target.layout === 'nchw' ? k * plane + p : p * 3 + k] = v;
    }
  }
  return { values, width, height };
}
