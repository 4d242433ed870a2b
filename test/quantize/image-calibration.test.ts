// Calibration from a folder of images, in the runtime host and through `onnx-workbench quantize`:
// PNGs made here with known pixels give hand-computed ranges (plain MinMax and moving average);
// the CLI quantizes a conv net on JPEG images and refuses a spec that disagrees with the model.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuntimeHost } from '../../electron/runtime-host/runtime-host.js';
import { ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { resnetLike } from '../bench/models/resnet-like.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { ensureHostBuilt } from '../profile/fixtures.js';

/** A w×h PNG whose pixel p has the RGB value rgb(p). */
function png(width: number, height: number, rgb: (p: number) => [number, number, number]): Buffer {
  const img = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) img.data.set([...rgb(p), 255], p * 4);
  return PNG.sync.write(img);
}

// x [1, 3, 2, 2] → Relu → y.
const relu = modelBytes(
  model(graph({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', ElemType.FLOAT, [1, 3, 2, 2])], outputs: [valueInfo('y', ElemType.FLOAT, [1, 3, 2, 2])] }), { opset: 17 }),
);

let dir: string;
let images: string;
const host = new RuntimeHost({ idleTimeoutMs: 30_000 });

beforeAll(async () => {
  await ensureHostBuilt();
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'owb-image-cal-'));
  images = join(dir, 'images');
  mkdirSync(images);
  // a.png spans 0..255, b.png 51..204.
  writeFileSync(join(images, 'a.png'), png(2, 2, (p) => [p === 0 ? 0 : 100, 255, 100]));
  writeFileSync(join(images, 'b.png'), png(2, 2, (p) => [p === 3 ? 204 : 51, 100, 100]));
});
afterAll(() => host.close());

// (v/255 − 0.5)/0.5: 0 → −1, 255 → 1, 51 → −0.6, 204 → 0.6.
const spec = { scale: 1 / 255, mean: [0.5, 0.5, 0.5] as [number, number, number], std: [0.5, 0.5, 0.5] as [number, number, number] };

describe('calibration on images in the runtime host', () => {
  it('MinMax over the preprocessed images, and the moving average of onnxruntime', async () => {
    const plain = await host.calibrate({ model: relu, tensors: ['x'], method: 'minmax', inputsPath: images, images: spec, dims: {} });
    expect(plain).toMatchObject({ samples: 2, generated: false, images: true });
    expect(plain.ranges.x!.min).toBeCloseTo(-1, 6);
    expect(plain.ranges.x!.max).toBeCloseTo(1, 6);
    // One stride: the mean of (−1, −0.6) and of (1, 0.6).
    const avg = await host.calibrate({ model: relu, tensors: ['x'], method: 'minmax', inputsPath: images, images: spec, movingAverage: { averagingConstant: 0.01 }, dims: {} });
    expect(avg.ranges.x!.min).toBeCloseTo(-0.8, 6);
    expect(avg.ranges.x!.max).toBeCloseTo(0.8, 6);
    // Strides of one sample: −1 + 0.01·(−0.6 + 1) = −0.996.
    const strided = await host.calibrate({ model: relu, tensors: ['x'], method: 'minmax', inputsPath: images, images: spec, movingAverage: { averagingConstant: 0.01, stride: 1 }, dims: {} });
    expect(strided.ranges.x!.min).toBeCloseTo(-0.996, 6);
    expect(strided.ranges.x!.max).toBeCloseTo(0.996, 6);
  });

  it('an image folder with no spec takes the defaults (x/255); a spec without images is refused', async () => {
    const r = await host.calibrate({ model: relu, tensors: ['x'], method: 'minmax', inputsPath: images, dims: {} });
    expect(r.ranges.x).toEqual({ min: 0, max: 1 });
    const npy = join(dir, 'not-images');
    mkdirSync(npy);
    const e = await host.calibrate({ model: relu, tensors: ['x'], method: 'minmax', inputsPath: npy, images: spec, dims: {} }).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/image preprocessing \(--resize, --crop, --mean, …\) applies to a calibration folder of PNG\/JPEG images/);
  });
});

describe('quantize --calibration DIR of images', () => {
  let resnet: string;
  let photos: string;
  beforeAll(() => {
    resnet = join(dir, 'resnet.onnx');
    writeFileSync(resnet, modelBytes(resnetLike({ widths: [16, 32, 64], blocksPerStage: 1, classes: 10 }, 4)));
    photos = join(dir, 'photos');
    mkdirSync(photos);
    // Three 48×40 JPEGs of smooth gradients, each different.
    for (let k = 0; k < 3; k++) {
      const w = 48;
      const h = 40;
      const data = new Uint8Array(w * h * 4);
      for (let p = 0; p < w * h; p++) data.set([((p % w) * 5 + 40 * k) % 256, (Math.floor(p / w) * 6) % 256, (k * 80 + 30) % 256, 255], p * 4);
      writeFileSync(join(photos, `img${k}.jpg`), jpeg.encode({ width: w, height: h, data }, 90).data);
    }
  });

  it('resizes, crops and normalises the images, and quantizes on them', () => {
    const r = runCli('quantize', resnet, '-o', join(dir, 'q.onnx'), '--mode', 'static', '--calibration', photos, '--resize', '36', '--crop', '32', '--mean', '0.485,0.456,0.406', '--std', '0.229,0.224,0.225', '--dim', 'batch=1', '--dim', 'height=32', '--dim', 'width=32', '--runs', '3', '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as { calibration: unknown; warnings: string[]; outputs: { cosine: number }[] };
    expect(j.calibration).toEqual({ method: 'minmax', samples: 3, generated: false, images: true });
    expect(j.warnings.some((w) => /generated/.test(w))).toBe(false);
    expect(j.outputs[0]!.cosine).toBeGreaterThan(0.98);
    const m = runCli('quantize', resnet, '-o', join(dir, 'q-avg.onnx'), '--mode', 'static', '--calibration', photos, '--crop', '32', '--moving-average', '--dim', 'batch=1', '--dim', 'height=32', '--dim', 'width=32', '--runs', '2');
    expect(m.code, m.err).toBe(0);
    expect(m.out).toMatch(/calibration: minmax \(moving average, constant 0\.01\) on 3 given samples from images/);
  });

  it('a spec the model disagrees with, or a stray flag, is one line and exit 2', () => {
    const fixed = join(dir, 'fixed.onnx');
    const conv = graph({
      nodes: [node('Conv', ['x', 'w'], ['y'])],
      inputs: [valueInfo('x', ElemType.FLOAT, [1, 3, 8, 8])],
      outputs: [valueInfo('y', ElemType.FLOAT, [1, 4, 8, 8])],
      initializers: [tensor('w', ElemType.FLOAT, [4, 3, 1, 1], Float32Array.from({ length: 12 }, (_, i) => i / 12 - 0.5))],
    });
    writeFileSync(fixed, modelBytes(model(conv, { opset: 17 })));
    for (const [args, message] of [
      [[fixed, '--calibration', photos, '--crop', '16'], /^onnx-workbench: calibration images: input 'x' is 1x3x8x8 \(nchw\), H×W 8x8, but --crop gives 16x16/],
      [[fixed, '--calibration', photos, '--layout', 'nhwc'], /input 'x' is 1x3x8x8, 8 channels where --layout nhwc puts them/],
      [[resnet, '--crop', '32'], /--crop says how calibration images are preprocessed; give --calibration DIR/],
      [[resnet, '--calibration', photos, '--averaging-constant', '0.1'], /--averaging-constant applies to --moving-average/],
      [[resnet, '--calibration', photos, '--moving-average', '--method', 'entropy'], /--moving-average applies to --method minmax, not entropy/],
    ] as const) {
      const r = runCli('quantize', ...args, '-o', join(dir, 'bad.onnx'), '--mode', 'static');
      expect(r.code, r.err).toBe(2);
      expect(r.lines).toHaveLength(1);
      expect(r.lines[0]).toMatch(message);
    }
  });
});
