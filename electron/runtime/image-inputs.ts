// Calibration samples from a folder of PNG/JPEG images: each decoded (pngjs, jpeg-js: pure JS),
// preprocessed as the spec says (shared/quantize/image-preprocess.ts) and given to one input;
// an input with a fixed batch N takes N images per sample. Other inputs are generated as usual.

import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { WorkbenchError } from '../../shared/errors.js';
import { ElemType } from '../../shared/onnx/element-types.js';
import type { ValueInfoProto } from '../../shared/onnx/proto-types.js';
import { imageTarget, imageValues, rgbFromRgba, type RgbImage } from '../../shared/quantize/image-preprocess.js';
import type { ImagePreprocessSpec } from '../../shared/quantize/image-spec.js';
import { fsError } from '../io/fs-errors.js';
import type { FileInputSet } from './input-sets.js';

const IMAGE_FILE = /\.(png|jpe?g)$/i;

/**
 * The image files (sorted) when `path` is a folder that holds PNG/JPEG files; undefined for any
 * other path (a folder of sample folders, .npy/.pb files, a file). Images beside .npy/.pb files is an error.
 */
export async function imageFolder(path: string): Promise<string[] | undefined> {
  try {
    if (!(await stat(path)).isDirectory()) return undefined;
  } catch (e) {
    return fsError(e, path, 'reading the calibration data');
  }
  const entries = await readdir(path, { withFileTypes: true });
  const images = entries.filter((e) => e.isFile() && IMAGE_FILE.test(e.name)).map((e) => e.name).sort();
  if (!images.length) return undefined;
  if (entries.some((e) => e.isFile() && /\.(npy|pb)$/i.test(e.name))) {
    throw new WorkbenchError('BAD_INPUT', `--calibration ${path}: holds both images and .npy/.pb files; give a folder of one kind`);
  }
  return images.map((n) => join(path, n));
}

/** Decodes a PNG or JPEG (told apart by their signatures, not the name) to RGB. */
export function decodeImage(bytes: Uint8Array, label: string): RgbImage {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    if (buf.length >= 8 && buf.readUInt32BE(0) === 0x89504e47) {
      const png = PNG.sync.read(buf);
      return rgbFromRgba(png.width, png.height, png.data);
    }
    if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true });
      return rgbFromRgba(img.width, img.height, img.data);
    }
  } catch (e) {
    throw new WorkbenchError('BAD_INPUT', `${label}: cannot decode the image (${e instanceof Error ? e.message : String(e)})`);
  }
  throw new WorkbenchError('BAD_INPUT', `${label}: not a PNG or JPEG image`);
}

/** One input set per sample from `files` (images), for the model's runtime inputs `declared`. */
export async function loadImageSets(files: readonly string[], spec: ImagePreprocessSpec, declared: readonly ValueInfoProto[]): Promise<FileInputSet[]> {
  const target = imageTarget(declared, spec);
  const sets: FileInputSet[] = [];
  const usable = files.length - (files.length % target.batch);
  if (!usable) throw new WorkbenchError('BAD_INPUT', `calibration images: input '${target.input}' takes ${target.batch} images per sample; the folder holds ${files.length}`);
  for (let i = 0; i < usable; i += target.batch) {
    const group = files.slice(i, i + target.batch);
    let size: { width: number; height: number } | undefined;
    const parts: Float32Array[] = [];
    for (const f of group) {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(f);
      } catch (e) {
        return fsError(e, f, 'reading a calibration image');
      }
      const v = imageValues(decodeImage(bytes, f), spec, target, f);
      if (size && (v.width !== size.width || v.height !== size.height)) {
        throw new WorkbenchError('BAD_INPUT', `${f}: ${v.height}x${v.width} after preprocessing, unlike ${size.height}x${size.width} of the images batched with it; add --crop or --resize WxH`);
      }
      size = v;
      parts.push(v.values);
    }
    const data = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    parts.reduce((at, p) => (data.set(p, at), at + p.length), 0);
    const dims = target.layout === 'nchw' ? [group.length, 3, size!.height, size!.width] : [group.length, size!.height, size!.width, 3];
    const label = group.length === 1 ? basename(group[0]!) : `${basename(group[0]!)} … ${basename(group[group.length - 1]!)}`;
    sets.push({ label, values: new Map([[target.input, { tensor: { name: target.input, type: 'float32', dims, data }, elemType: ElemType.FLOAT, source: group.join(', ') }]]) });
  }
  return sets;
}
