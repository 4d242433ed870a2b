import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelBytes } from '../../shared/builder/index.js';
import { bertLike } from '../bench/models/bert-like.js';
import { resnetLike } from '../bench/models/resnet-like.js';
import { ROOT, screenshot, useServedBrowser } from './harness.js';

// The Prune operation in Chromium against `onnx-workbench serve` on a builder-made ResNet-like
// model (widths 16, 32; one block per stage): select a Conv, see its coupled group (the residual
// Add joins conv4 and the 1×1 shortcut conv5) marked on the graph with its channel norms, see an
// unsafe group's reason, pick channels, prune with recovery as a job, read the step's figures,
// undo.

describe('prune in Chromium', () => {
  const app = useServedBrowser('e2e-prune-', async (dir) => {
    await writeFile(join(dir, 'resnet.onnx'), modelBytes(resnetLike({ widths: [16, 32], blocksPerStage: 1, classes: 10 }, 4)));
    return [join(dir, 'resnet.onnx')];
  });

  const page = () => app.page;
  const prune = () => page().getByRole('region', { name: 'prune' });
  const history = () => page().getByRole('region', { name: 'history' });
  const bars = () => prune().locator('rect.norm-bar');
  const select = async (name: string) => {
    const search = page().getByRole('searchbox', { name: 'search' });
    await search.fill(name);
    await page().getByRole('list', { name: 'search results' }).getByRole('button').first().click();
    await expect.poll(() => page().getByLabel('selection count').textContent()).toBe('1 selected');
  };

  it('shows the selected Conv\'s coupled group on the graph with its sorted channel norms and the cut line', async () => {
    await page().goto(app.served.url);
    await expect.poll(() => page().locator('output[aria-label="node count"]').textContent(), { timeout: 30_000 }).toMatch(/^\d+ nodes$/);
    const verify = page().getByRole('region', { name: 'verification inputs' });
    await verify.getByLabel('dim batch').fill('1');
    await verify.getByLabel('dim height').fill('32');
    await verify.getByLabel('dim width').fill('32');
    await verify.getByRole('button', { name: 'Remember for this model' }).click();
    await expect.poll(() => verify.getByLabel('verification settings status').textContent(), { timeout: 15_000 }).toBe('remembered for this model');

    await prune().getByRole('button', { name: /Prune/ }).first().click();
    await select('conv4/Conv');
    await expect.poll(() => prune().getByLabel('group summary').textContent(), { timeout: 20_000 }).toBe('2 layers coupled: conv4/Conv, conv5/Conv; 32 channels; 1 consumer shrinks');
    // The group's sources and its consumer (the classifier's MatMul) marked on the graph.
    await expect.poll(() => page().locator('.graph-svg .previewed').count()).toBe(3);
    expect(await bars().count()).toBe(32);
    // Weakest first: bar heights never fall from left to right.
    const heights = (await bars().evaluateAll((els) => els.map((e) => Number(e.getAttribute('height'))))) as number[];
    expect(heights).toEqual([...heights].sort((a, b) => a - b));
    expect(heights[31]).toBeGreaterThan(heights[0]!);
    // Sparsity 0.5: 16 bars below the cut, drawn as to be removed.
    expect(await prune().locator('rect.norm-bar.removed').count()).toBe(16);
    expect(await prune().getByLabel('cut line').count()).toBe(1);
    await prune().getByLabel('prune sparsity').fill('0.25');
    await expect.poll(() => prune().locator('rect.norm-bar.removed').count()).toBe(8);
    await screenshot(page(), 'prune-group');
  }, 90_000);

  it('names the node that makes a group unsafe', async () => {
    // The classifier's MatMul: its channels are the graph output.
    await page().getByRole('searchbox', { name: 'search' }).fill('');
    await page().locator('.graph-svg').click({ position: { x: 5, y: 5 } });
    await expect.poll(() => page().getByLabel('selection count').count()).toBe(0);
    const groupSelect = prune().getByLabel('prune group');
    const options = await groupSelect.locator('option').allTextContents();
    const fc = options.find((o) => o.includes('⚠'))!;
    expect(fc).toBeDefined();
    await groupSelect.selectOption({ label: fc });
    // Chosen in the list: its layer selected (and revealed), the graph output named as the reason.
    await expect.poll(() => page().getByLabel('selection count').textContent()).toBe('1 selected');
    await expect.poll(() => prune().getByLabel('unsafe group').textContent()).toMatch(/^Cannot be pruned: logits: .*graph output/);
    expect(await prune().getByLabel('group summary').textContent()).toMatch(/ alone; 10 channels; 0 consumers shrink$/);
    await expect.poll(() => page().locator('.graph-svg .previewed').count()).toBe(2);
    expect(await bars().count()).toBe(0);
    await screenshot(page(), 'prune-unsafe');
  }, 30_000);

  it('prunes picked channels with recovery as one step with its figures; undo brings the channels back', async () => {
    await select('conv4/Conv');
    await expect.poll(() => bars().count(), { timeout: 20_000 }).toBe(32);
    // Pick the three strongest channels (the last bars): what the user chose, not the cut.
    const picks = (await bars().evaluateAll((els) => els.slice(-3).map((e) => Number(e.getAttribute('data-channel'))))) as number[];
    for (const c of picks) await prune().getByRole('button', { name: `channel ${c}`, exact: true }).click();
    await expect.poll(() => prune().locator('rect.norm-bar.picked').count()).toBe(3);
    expect(await prune().locator('rect.norm-bar.removed').count()).toBe(3);
    await expect.poll(() => prune().textContent()).toContain(`3 channels picked: ${[...picks].sort((a, b) => a - b).join(', ')}`);
    await prune().getByLabel('generated calibration').check();
    await prune().getByLabel('prune calibration samples').fill('6');
    await prune().getByLabel('prune latency runs').fill('5');
    await expect.poll(() => prune().getByRole('note').first().textContent()).toMatch(/Random inputs/);
    await prune().getByRole('button', { name: 'Prune', exact: true }).click();
    await expect.poll(() => history().getByLabel('prune figures').count(), { timeout: 120_000 }).toBe(1);
    expect(await history().getByRole('button', { name: /^go to step 1: prune-channels \(picked channels\) \+ recovery/ }).count()).toBe(1);
    const figures = (await history().getByLabel('prune figures').textContent())!;
    expect(figures).toContain('3 of 32 channels removed in 1 groups (2 layers)');
    // 3 channels of conv4 ([32,32,3,3]) and conv5 ([32,16,1,1]), of both BatchNormalizations (4 vectors each) and 3 rows of fc.weight ([32,10]).
    const [before, after] = /parameters ([\d,]+) → ([\d,]+)/.exec(figures)!.slice(1).map((x) => Number(x.replace(/,/g, '')));
    expect(before! - after!).toBe(3 * (32 * 9 + 16 + 2 * 4 + 10));
    expect(figures).toMatch(/size [\d.]+ KB → [\d.]+ KB \(0\.\d\dx\)/);
    expect(figures).toMatch(/latency [\d.]+ → [\d.]+ ms · [\d.]+x speed-up/);
    const errBefore = Number(/error before recovery: rel\. L2 ([\d.e-]+)/.exec(figures)![1]);
    const errAfter = Number(/after least-squares[^:]*: rel\. L2 ([\d.e-]+)/.exec(figures)![1]);
    expect(errBefore).toBeGreaterThan(0);
    expect(Number.isFinite(errAfter)).toBe(true);
    expect(figures).toMatch(/held-out \(\d+\)/);
    expect(figures).toMatch(/generated \(random\)/);
    // The group is now 29 channels.
    await expect.poll(() => prune().getByLabel('group summary').textContent(), { timeout: 20_000 }).toContain('; 29 channels;');
    await screenshot(page(), 'prune-step');

    await history().getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => history().locator('li.step.current').textContent()).toContain('0. as opened');
    await expect.poll(() => prune().getByLabel('group summary').textContent(), { timeout: 20_000 }).toContain('; 32 channels;');
    expect(await prune().locator('rect.norm-bar.picked').count()).toBe(0);
    await screenshot(page(), 'prune-undone');
  }, 180_000);

  it('prunes by reconstruction: L1 bars without a cut, a note, calibration samples asked for even without recovery; one step', async () => {
    await select('conv4/Conv');
    await expect.poll(() => bars().count(), { timeout: 20_000 }).toBe(32);
    await prune().getByLabel('prune criterion').selectOption('reconstruction');
    await expect.poll(() => prune().getByLabel('reconstruction note').textContent()).toMatch(/found on the calibration samples when pruning/);
    expect(await prune().getByLabel('cut line').count()).toBe(0);
    expect(await prune().locator('rect.norm-bar.removed').count()).toBe(0);
    expect(await bars().count()).toBe(32);
    await prune().getByLabel('recover').uncheck();
    expect(await prune().getByLabel('prune calibration samples').count()).toBe(1);
    await prune().getByLabel('recover').check();
    await prune().getByLabel('prune calibration samples').fill('6');
    await prune().scrollIntoViewIfNeeded();
    await screenshot(page(), 'prune-reconstruction');
    // The whole model (conv4 alone is refused: its group's conv5 is outside the selection).
    await page().getByRole('searchbox', { name: 'search' }).fill('');
    await page().locator('.graph-svg').click({ position: { x: 5, y: 5 } });
    await expect.poll(() => page().getByLabel('selection count').count()).toBe(0);
    await prune().getByRole('button', { name: 'Prune', exact: true }).click();
    // The undone step before stays listed (redo): the new one replaces it once the job is done.
    const step = history().getByRole('button', { name: /^go to step 1: prune-channels by reconstruction \+ recovery/ });
    await expect.poll(() => step.count(), { timeout: 120_000 }).toBe(1);
    // Sparsity 0.25 (set above) of each of the four safe groups' 16, 16, 32 and 32 channels.
    expect(await history().getByLabel('prune figures').textContent()).toContain('24 of 96 channels removed in 4 groups');
    await select('conv4/Conv');
    await expect.poll(() => prune().getByLabel('group summary').textContent(), { timeout: 20_000 }).toContain('; 24 channels;');
    await history().getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => history().locator('li.step.current').textContent()).toContain('0. as opened');
  }, 180_000);
});

// An npm-shipped model: PaddleOCR's text detector (PP-OCRv4 det, weights in Constant nodes as
// paddle2onnx writes them): a Conv's group and norms in the panel, without applying.
describe('prune groups of PP-OCRv4 det in Chromium', () => {
  const app = useServedBrowser('e2e-prune-ocr-', () => [join(ROOT, 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_PP-OCRv4_det_infer.onnx')], { config: 'dir' });

  it('shows a Conv\'s group (marked on the graph) with one bar per channel', async () => {
    const page = app.page;
    await page.goto(app.served.url);
    await expect.poll(() => page.locator('output[aria-label="node count"]').textContent(), { timeout: 30_000 }).toBe('672 nodes');
    const prune = page.getByRole('region', { name: 'prune' });
    await prune.getByRole('button', { name: /Prune/ }).first().click();
    // Laid out first, so that picking the search result reveals the node.
    await expect.poll(() => page.locator('.graph-area [role="status"]').count(), { timeout: 60_000 }).toBe(0);
    const search = page.getByRole('searchbox', { name: 'search' });
    await search.fill('p2o.Conv.6');
    await page.getByRole('list', { name: 'search results' }).getByRole('button', { name: /^p2o\.Conv\.6 / }).first().click();
    await expect.poll(() => prune.getByLabel('group summary').textContent(), { timeout: 30_000 }).toMatch(/^p2o\.Conv\.6 alone; 48 channels; 2 consumers shrink$/);
    expect(await prune.locator('rect.norm-bar').count()).toBe(48);
    await search.press('Escape');
    // The layer and its two consumers marked on the graph.
    await expect.poll(() => page.locator('.graph-svg .previewed').count()).toBe(3);
    // The one unsafe group: the detector's output.
    const options = await prune.getByLabel('prune group').locator('option').allTextContents();
    expect(options.filter((o) => o.includes('⚠'))).toHaveLength(1);
    await prune.scrollIntoViewIfNeeded();
    await screenshot(page, 'prune-ocr-group');
  }, 90_000);
});

// A small BERT-style encoder (4 heads of 8): the query projection's group is shown per attention
// head (bars named by head, picked whole), pruning a picked head; the settings used come back for
// the model after a reload (remembered per model by the service).
describe('prune attention heads in Chromium, settings remembered', () => {
  const app = useServedBrowser('e2e-prune-bert-', async (dir) => {
    await writeFile(join(dir, 'bert.onnx'), modelBytes(bertLike({ layers: 1, hidden: 32, heads: 4, ffn: 64, vocab: 50, maxPositions: 64 })));
    return [join(dir, 'bert.onnx')];
  });

  it('shows heads as bars, prunes a picked head, and remembers the settings for the model', async () => {
    const page = app.page;
    const prune = page.getByRole('region', { name: 'prune' });
    const history = page.getByRole('region', { name: 'history' });
    await page.goto(app.served.url);
    await expect.poll(() => page.locator('output[aria-label="node count"]').textContent(), { timeout: 30_000 }).toMatch(/^\d+ nodes$/);
    await prune.getByRole('button', { name: /Prune/ }).first().click();
    await page.getByRole('searchbox', { name: 'search' }).fill('encoder.layer.0.attention.self.query/MatMul');
    await page.getByRole('list', { name: 'search results' }).getByRole('button').first().click();
    await expect.poll(() => prune.getByLabel('group summary').textContent(), { timeout: 20_000 }).toMatch(/^3 layers coupled: .*query\/MatMul.*; 4 attention heads of 8 channels; 1 consumer shrinks$/);
    expect(await prune.getByRole('heading', { name: 'Attention heads' }).count()).toBe(1);
    expect(await prune.getByRole('img', { name: 'head norms' }).count()).toBe(1);
    expect(await prune.locator('rect.norm-bar').count()).toBe(4);
    expect(await prune.locator('rect.norm-bar.removed').count()).toBe(2);
    await prune.getByRole('button', { name: 'head 1', exact: true }).click();
    await expect.poll(() => prune.textContent()).toContain('1 head picked: 1');
    expect(await prune.textContent()).toContain('The 1 picked head (other groups left alone)');
    await screenshot(page, 'prune-heads');

    await prune.getByLabel('prune sparsity').fill('0.25');
    await prune.getByLabel('prune hidden size').check();
    // With the hidden size, the residual stream is a group: embeddings, the layers writing it, LayerNorm (a note says so).
    const options = prune.getByLabel('prune group').locator('option');
    await expect.poll(async () => (await options.allTextContents()).some((o) => /attention\.output\.dense\/MatMul.* \(32\)$/.test(o)), { timeout: 20_000 }).toBe(true);
    const stream = (await options.allTextContents()).find((o) => /attention\.output\.dense\/MatMul.* \(32\)$/.test(o))!;
    await prune.getByLabel('prune group').selectOption({ label: stream });
    await expect.poll(() => prune.getByLabel('hidden size note').textContent()).toMatch(/normalizes over these channels/);
    expect(await prune.locator('rect.norm-bar').count()).toBe(32);
    await screenshot(page, 'prune-hidden');
    await prune.getByLabel('recover').uncheck();
    await prune.getByLabel('prune latency runs').fill('3');
    await prune.getByRole('button', { name: 'Prune', exact: true }).click();
    await expect.poll(() => history.getByLabel('prune figures').count(), { timeout: 120_000 }).toBe(1);
    expect(await history.getByLabel('prune figures').textContent()).toContain('8 of 32 channels removed (1 of 4 attention heads) in 1 groups (3 layers)');
    await page.getByRole('searchbox', { name: 'search' }).fill('encoder.layer.0.attention.self.query/MatMul');
    await page.getByRole('list', { name: 'search results' }).getByRole('button').first().click();
    await expect.poll(() => prune.getByLabel('group summary').textContent(), { timeout: 20_000 }).toContain('; 3 attention heads of 8 channels;');

    // Back after a reload: the model's remembered settings, not the defaults (0.5, recovery on, hidden off).
    await page.reload();
    await expect.poll(() => page.locator('output[aria-label="node count"]').textContent(), { timeout: 30_000 }).toMatch(/^\d+ nodes$/);
    // Under load, one click right after the reload was lost (the panel came back closed while the page settled): open it until its form shows.
    const toggle = prune.getByRole('button', { name: /Prune/ }).first();
    await expect
      .poll(async () => {
        if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
        return prune.getByLabel('prune sparsity').count();
      }, { timeout: 30_000 })
      .toBe(1);
    await expect.poll(() => prune.getByLabel('prune sparsity').inputValue(), { timeout: 10_000 }).toBe('0.25');
    expect(await prune.getByLabel('prune hidden size').isChecked()).toBe(true);
    expect(await prune.getByLabel('recover').isChecked()).toBe(false);
  }, 240_000);
});
