// Synthetic text-like images for a text detector's calibration (PaddleOCR's DBNet answers random
// noise with a blank map, ~1e-8 everywhere, so errors measured on noise mean nothing): light,
// slightly noisy paper with lines of dark "words", each a row of glyphs drawn from a few strokes
// (bars, crossbars, dots) in a glyph box of the line's height. Seeded; written as PNG files.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { mulberry32 } from '../../shared/verify/prng.js';

/** Writes `count` images of `width`×`height` into `dir` (created); returns their paths. */
export async function writeTextImages(dir: string, count: number, width: number, height: number, seed = 1): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const r = mulberry32(seed);
  const paths: string[] = [];
  for (let n = 0; n < count; n++) {
    const path = join(dir, `text-${String(n).padStart(3, '0')}.png`);
    await writeFile(path, PNG.sync.write(drawTextImage(width, height, r)));
    paths.push(path);
  }
  return paths;
}

/** One text-like image (RGBA), drawn from the random stream `r`. */
export function drawTextImage(width: number, height: number, r: () => number): PNG {
  const png = new PNG({ width, height });
  const paper = 200 + r() * 50;
  const ink = r() * 70;
  for (let i = 0; i < width * height; i++) {
    const v = paper + (r() - 0.5) * 20;
    png.data.set([v, v - 5 * r(), v - 10 * r(), 255], i * 4);
  }
  const dot = (x: number, y: number) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (Math.floor(y) * width + Math.floor(x)) * 4;
    png.data.set([ink, ink, ink + 20], i);
  };
  const rect = (x0: number, y0: number, w: number, h: number) => {
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) dot(x, y);
  };
  let y = 4 + r() * 10;
  while (y < height - 12) {
    const h = 8 + Math.floor(r() * 14);
    const stroke = Math.max(1, Math.round(h / 7));
    let x = 4 + r() * 20;
    while (x < width - h) {
      const letters = 2 + Math.floor(r() * 7);
      for (let l = 0; l < letters && x < width - h; l++) {
        const gw = Math.round(h * (0.45 + r() * 0.25));
        const strokes = 2 + Math.floor(r() * 3);
        for (let s = 0; s < strokes; s++) {
          const kind = r();
          if (kind < 0.45) rect(x + Math.floor(r() * gw), y, stroke, h);
          else if (kind < 0.85) rect(x, y + Math.floor(r() * h), gw, stroke);
          else rect(x + Math.floor(r() * gw), y + Math.floor(r() * h), stroke + 1, stroke + 1);
        }
        x += gw + stroke + 1;
      }
      x += h * (0.6 + r());
    }
    y += h * (1.4 + r() * 1.2);
  }
  return png;
}
