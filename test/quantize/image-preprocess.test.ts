// Calibration images → input tensors: bilinear resize, centre crop, scale/mean/std, channel order
// and layout on tiny images whose results are worked out by hand; PNG and JPEG decoding of images
// made here with the same libraries; the input check's errors; MinMax's moving average.

import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../electron/runtime/image-inputs.js';
import { ElemType, valueInfo } from '../../shared/builder/index.js';
import { centreCrop, imageTarget, imageValues, resizeBilinear, shorterSideSize, type RgbImage } from '../../shared/quantize/image-preprocess.js';
import { checkImageSpec, parseNumberText, parseSizeText } from '../../shared/quantize/image-spec.js';
import { MinMaxCollector } from '../../shared/quantize/range-collector.js';

/** A w×h image whose every channel holds `f(x, y, c)`. */
function image(width: number, height: number, f: (x: number, y: number, c: number) => number): RgbImage {
  const data: number[] = [];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) data.push(f(x, y, c));
  return { width, height, data };
}
const channel = (img: RgbImage, c: number) => Array.from({ length: img.width * img.height }, (_, p) => img.data[p * 3 + c]);

describe('image preprocessing arithmetic', () => {
  it('bilinear resize 2×1 → 4×1 samples at half-pixel centres, clamped at the edges', () => {
    // Sample points (x + 0.5)·2/4 − 0.5 = −0.25, 0.25, 0.75, 1.25 → clamped 0, 0.25, 0.75, 1.
    const r = resizeBilinear(image(2, 1, (x) => (x === 0 ? 0 : 100)), 4, 1);
    expect(channel(r, 0)).toEqual([0, 25, 75, 100]);
  });

  it('bilinear resize 4×4 → 2×2 averages each 2×2 block (sample points 0.5 and 2.5)', () => {
    const src = image(4, 4, (x, y) => x + 10 * y);
    const r = resizeBilinear(src, 2, 2);
    // (0.5, 0.5) → 0.5 + 5 = 5.5; (2.5, 0.5) → 7.5; (0.5, 2.5) → 25.5; (2.5, 2.5) → 27.5.
    expect(channel(r, 1)).toEqual([5.5, 7.5, 25.5, 27.5]);
  });

  it('shorter side to n keeps the aspect, the longer side truncated (torchvision)', () => {
    expect(shorterSideSize(640, 480, 256)).toEqual([341, 256]);
    expect(shorterSideSize(300, 500, 224)).toEqual([224, 373]);
  });

  it('centre crop offsets round half to even, as torchvision', () => {
    // 5 − 2 = 3 → offset round(1.5) = 2; 4 − 2 → 1.
    const c = centreCrop(image(5, 4, (x, y) => x + 10 * y), 2, 2, 'img');
    expect(channel(c, 0)).toEqual([12, 13, 22, 23]);
    expect(() => centreCrop(image(2, 2, () => 0), 3, 2, 'small.png')).toThrow(/small\.png: 2x2 after resizing, smaller than the 3x2 crop/);
  });

  it('scale, mean and std per channel, BGR order and the NCHW or NHWC layout', () => {
    // Two pixels: (255, 0, 51) and (0, 255, 102).
    const px = [
      [255, 0, 51],
      [0, 255, 102],
    ];
    const img = image(2, 1, (x, _y, c) => px[x]![c]!);
    const spec = { scale: 1 / 255, mean: [0.5, 0.5, 0.2] as [number, number, number], std: [0.5, 0.25, 0.1] as [number, number, number] };
    // R: (1 − .5)/.5 = 1, (0 − .5)/.5 = −1; G: −2, 2; B: (0.2 − 0.2)/0.1 = 0, (0.4 − 0.2)/0.1 = 2.
    const nchw = imageValues(img, spec, { input: 'x', batch: 1, layout: 'nchw' }, 'img');
    expect(Array.from(nchw.values)).toEqual([1, -1, -2, 2, 0, 2].map((v) => expect.closeTo(v, 6)));
    const bgrNhwc = imageValues(img, { ...spec, channels: 'bgr', layout: 'nhwc' }, { input: 'x', batch: 1, layout: 'nhwc' }, 'img');
    expect(Array.from(bgrNhwc.values)).toEqual([0, -2, 1, 2, 2, -1].map((v) => expect.closeTo(v, 6)));
  });

  it('resize then crop then normalise, in that order; a fixed H×W with no size given is resized to', () => {
    const src = image(4, 4, (x, y) => 10 * (x + 10 * y));
    const target = { input: 'x', batch: 1, layout: 'nchw' as const, width: 2, height: 2 };
    // Shorter side 4 → 4 (unchanged), crop 2 at offset 1: values 10·(x + 10y) for x, y in 1..2.
    const cropped = imageValues(src, { resize: 4, crop: 2, scale: 1 }, target, 'img');
    expect(Array.from(cropped.values.slice(0, 4))).toEqual([110, 120, 210, 220]);
    const fitted = imageValues(src, { scale: 0.1 }, target, 'img');
    expect(Array.from(fitted.values.slice(0, 4))).toEqual([5.5, 7.5, 25.5, 27.5].map((v) => expect.closeTo(v, 5)));
    expect(() => imageValues(src, { resize: 4, scale: 1 }, target, 'photo.jpg')).toThrow(/photo\.jpg: 4x4 \(H×W\) after preprocessing, but input 'x' takes 2x2/);
  });
});

describe('which input takes the images', () => {
  const nchw = valueInfo('pixels', ElemType.FLOAT, ['batch', 3, 224, 224]);
  const nhwc = valueInfo('pixels', ElemType.FLOAT, [1, 224, 224, 3]);
  const ids = valueInfo('ids', ElemType.INT64, ['batch', 16]);

  it('the one 4-D float input, its fixed H×W and batch', () => {
    expect(imageTarget([ids, nchw], { crop: 224 })).toEqual({ input: 'pixels', batch: 1, layout: 'nchw', width: 224, height: 224 });
    expect(imageTarget([valueInfo('x', ElemType.FLOAT, [2, 3, 'h', 'w'])], {})).toEqual({ input: 'x', batch: 2, layout: 'nchw' });
  });

  it('a shape that disagrees with the spec is a one-line error', () => {
    expect(() => imageTarget([nchw], { crop: 200 })).toThrow(/input 'pixels' is \?x3x224x224 \(nchw\), H×W 224x224, but --crop gives 200x200/);
    expect(() => imageTarget([nhwc], {})).toThrow(/input 'pixels' is 1x224x224x3, 224 channels where --layout nchw puts them; images give 3 \(RGB\); try --layout nhwc/);
    expect(() => imageTarget([ids], {})).toThrow(/no 4-D float input; name the one images feed with --image-input NAME/);
    expect(() => imageTarget([nchw, valueInfo('mask', ElemType.FLOAT, [1, 1, 224, 224])], {})).toThrow(/2 4-D float inputs \(pixels, mask\)/);
    expect(() => imageTarget([nchw], { input: 'image' })).toThrow(/--image-input image: the model has no input of that name \(inputs: pixels\)/);
    expect(() => imageTarget([ids], { input: 'ids' })).toThrow(/input 'ids' is not float32/);
    expect(imageTarget([nhwc], { layout: 'nhwc', resize: [224, 224] })).toMatchObject({ input: 'pixels', layout: 'nhwc' });
  });

  it('spec JSON and flag text are checked', () => {
    expect(checkImageSpec({ resize: 256, crop: [224, 200], mean: [0.485, 0.456, 0.406], layout: 'nhwc' })).toEqual({ resize: 256, crop: [224, 200], mean: [0.485, 0.456, 0.406], layout: 'nhwc' });
    expect(() => checkImageSpec({ size: 3 })).toThrow(/unknown key "size"/);
    expect(() => checkImageSpec({ std: [1, 0, 1] })).toThrow(/std must be three non-zero numbers/);
    expect(parseSizeText('crop', '224x200')).toEqual([224, 200]);
    expect(parseNumberText('scale', '1/255')).toBeCloseTo(1 / 255, 12);
    expect(() => parseSizeText('resize', 'big')).toThrow(/--resize must be N or WxH, not "big"/);
  });
});

describe('decoding', () => {
  it('a PNG made with pngjs decodes to its exact pixels (alpha dropped)', () => {
    const png = new PNG({ width: 2, height: 2 });
    png.data.set([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 10, 20, 30, 255]);
    const img = decodeImage(PNG.sync.write(png), 'tiny.png');
    expect(img).toMatchObject({ width: 2, height: 2 });
    expect(Array.from(img.data)).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);
  });

  it('a JPEG made with jpeg-js decodes to its colours within JPEG loss; other bytes are a one-line error', () => {
    const w = 16;
    const h = 8;
    const rgba = new Uint8Array(w * h * 4);
    // Left 8×8 block flat (200, 40, 40), right block flat (30, 90, 220): flat blocks survive JPEG nearly exactly.
    for (let p = 0; p < w * h; p++) rgba.set((p % w) < 8 ? [200, 40, 40, 255] : [30, 90, 220, 255], p * 4);
    const bytes = jpeg.encode({ width: w, height: h, data: rgba }, 100).data;
    const img = decodeImage(bytes, 'tiny.jpg');
    expect(img).toMatchObject({ width: 16, height: 8 });
    const px = Array.from(img.data);
    const at = (x: number, y: number) => px.slice((y * w + x) * 3, (y * w + x) * 3 + 3);
    for (const [got, want] of [
      [at(2, 3), [200, 40, 40]],
      [at(13, 5), [30, 90, 220]],
    ] as const) for (let c = 0; c < 3; c++) expect(Math.abs(got[c]! - want[c]!)).toBeLessThanOrEqual(3);
    expect(() => decodeImage(new TextEncoder().encode('not an image'), 'notes.png')).toThrow(/^notes\.png: not a PNG or JPEG image$/);
  });
});

describe('MinMax moving average (onnxruntime CalibMovingAverage)', () => {
  it('one stride: the mean of the samples’ minima and maxima', () => {
    const m = new MinMaxCollector({ averagingConstant: 0.01 });
    m.add('t', [-1, 2]);
    m.add('t', [-3, 4, NaN]);
    m.add('t', [0.5, 9]);
    // mins −1, −3, 0.5 → −3.5/3; maxs 2, 4, 9 → 5.
    expect(m.result().get('t')).toEqual({ min: expect.closeTo(-3.5 / 3, 12), max: 5 });
  });

  it('later strides move the range by the averaging constant', () => {
    const m = new MinMaxCollector({ averagingConstant: 0.25 });
    m.add('t', [-2, 2]);
    m.add('t', [-4, 6]);
    m.endStride(); // (−3, 4)
    m.add('t', [1, 8]);
    m.endStride(); // −3 + .25·(1 + 3) = −2; 4 + .25·(8 − 4) = 5
    expect(m.result().get('t')).toEqual({ min: -2, max: 5 });
    const plain = new MinMaxCollector();
    for (const v of [[-2, 2], [-4, 6], [1, 8]]) plain.add('t', v);
    expect(plain.result().get('t')).toEqual({ min: -4, max: 8 });
  });

  it('symmetric: each stride becomes ±max|·| before merging', () => {
    const m = new MinMaxCollector({ averagingConstant: 0.5, symmetric: true });
    m.add('t', [-6, 2]);
    m.endStride(); // ±6
    m.add('t', [-1, 2]);
    m.endStride(); // ±2 → 6 + .5·(2 − 6) = 4
    expect(m.result().get('t')).toEqual({ min: -4, max: 4 });
  });
});
