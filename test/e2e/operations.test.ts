import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeConvBnRelu } from '../service/conv-bn-model.js';
import { ROOT, screenshot, useServedBrowser } from './harness.js';

// The editing loop in Chromium against `onnx-workbench serve`: select a Conv and its
// BatchNormalization, preview and apply the fusion, watch the node count drop and the
// verification pass, undo and redo (buttons and keys), delete a node from the context menu, and
// see a bad request's error change nothing. On the builder-made Conv+BN+Relu model (SVG drawing)
// and on PP-OCRv4 det (672 nodes, canvas drawing).

const OCR_DET = join(ROOT, 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_PP-OCRv4_det_infer.onnx');

describe('editing in Chromium (onnx-workbench serve)', () => {
  const app = useServedBrowser('e2e-ops-', async (dir) => {
    await writeConvBnRelu(join(dir, 'conv-bn-relu.onnx'));
    return [join(dir, 'conv-bn-relu.onnx')];
  });

  const page = () => app.page;
  const nodeCount = () => page().locator('output[aria-label="node count"]').textContent();
  const ops = () => page().getByRole('region', { name: 'operations' });
  const history = () => page().getByRole('region', { name: 'history' });
  const graphTransform = () => page().locator('.graph-svg > g').first().getAttribute('transform');

  it('previews and applies the Conv+BN fusion on the selection; verification passes; the view keeps its zoom', async () => {
    await page().goto(app.served.url);
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('3 nodes');
    // Nothing selected: the whole graph.
    await expect.poll(() => ops().textContent(), { timeout: 20_000 }).toContain('For the whole graph');
    await page().getByRole('button', { name: 'graph node conv' }).click();
    await page().getByRole('button', { name: 'graph node bn' }).click({ modifiers: ['Shift'] });
    await expect.poll(() => page().getByLabel('selection count').textContent()).toBe('2 selected');
    await expect.poll(() => ops().textContent(), { timeout: 20_000 }).toContain('For 2 selected nodes');
    const fusion = ops().getByRole('button', { name: 'operation fuse-conv-batchnorm' });
    await expect.poll(() => fusion.textContent(), { timeout: 20_000 }).toContain('1 match · 3 → 2 nodes');
    await page().keyboard.press('+');
    await page().getByRole('application', { name: 'graph' }).press('+');
    await page().waitForTimeout(400);
    const zoomed = await graphTransform();

    await fusion.click();
    const preview = page().getByRole('region', { name: 'preview' });
    await expect.poll(() => preview.getByLabel('preview summary').textContent(), { timeout: 20_000 }).toBe('3 → 2 nodes · 2 removed, 0 changed, 1 added');
    await expect.poll(() => page().locator('.graph-svg .box.previewed').count()).toBe(2);
    await screenshot(page(), 'ops-01-conv-bn-preview');

    await preview.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('2 nodes');
    await expect.poll(() => page().locator('.graph-svg .box.previewed').count()).toBe(0);
    expect(await graphTransform()).toBe(zoomed);
    await expect.poll(() => history().getByRole('button', { name: /^go to step 1: fuse-conv-batchnorm/ }).textContent()).toContain('3 → 2 nodes');
    await expect.poll(() => history().getByLabel('verification passed').count(), { timeout: 60_000 }).toBe(1);
    expect(await history().getByLabel('verification passed').textContent()).toMatch(/passed · max err [\d.e+-]+ · cos (1|0\.99\d*)/);
    await screenshot(page(), 'ops-02-conv-bn-applied-verified');
  });

  it('undo and redo with the buttons and with Ctrl+Z / Ctrl+Shift+Z', async () => {
    await history().getByRole('button', { name: 'Undo' }).click();
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('3 nodes');
    await history().getByRole('button', { name: 'Redo' }).click();
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('2 nodes');
    await page().keyboard.press('Control+z');
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('3 nodes');
    await page().keyboard.press('Control+Shift+z');
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('2 nodes');
    // Keys typed in a text field are the field's, not undo.
    await page().getByRole('searchbox', { name: 'search' }).fill('relu');
    await page().getByRole('searchbox', { name: 'search' }).press('Control+z');
    await page().waitForTimeout(300);
    expect(await nodeCount()).toBe('2 nodes');
    await page().getByRole('searchbox', { name: 'search' }).fill('');
  });

  it('deletes a node from the context menu; a bad request shows its error and changes nothing', async () => {
    await page().getByRole('button', { name: 'graph node relu' }).click({ button: 'right' });
    const menu = page().getByRole('menu', { name: 'node operations' });
    await expect.poll(() => menu.getByRole('menuitem', { name: /Delete node/ }).count(), { timeout: 20_000 }).toBe(1);
    await screenshot(page(), 'ops-03-context-menu');
    await menu.getByRole('menuitem', { name: /Delete node/ }).click();
    const preview = page().getByRole('region', { name: 'preview' });
    await expect.poll(() => preview.getByLabel('preview summary').textContent(), { timeout: 20_000 }).toBe('2 → 1 nodes · 1 removed, 1 changed, 0 added');
    await preview.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('1 node');
    await expect.poll(() => history().getByRole('button', { name: /^go to step/ }).count()).toBe(3);

    // A node that does not exist: refused with its reason, the graph and history as they were.
    await page().getByRole('application', { name: 'graph' }).click({ position: { x: 5, y: 5 } });
    await ops().getByRole('checkbox').check();
    await ops().getByRole('button', { name: 'options of delete-node' }).click();
    await ops().getByLabel('option node').fill('no_such_node');
    await ops().getByRole('button', { name: 'Preview' }).click();
    await expect.poll(() => ops().getByRole('alert').textContent(), { timeout: 20_000 }).toContain('no_such_node');
    expect(await nodeCount()).toBe('1 node');
    await expect.poll(() => history().getByRole('button', { name: /^go to step/ }).count()).toBe(3);
    await screenshot(page(), 'ops-04-bad-request');
    await ops().getByRole('checkbox').uncheck();

    // Back to the model as opened by clicking its row.
    await history().getByRole('button', { name: 'go to step 0: as opened' }).click();
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('3 nodes');
  });

  it('PP-OCRv4 det: fuses its first Conv+BN, verification passes, undo/redo, deletes a Relu from the keyboard context menu', async () => {
    const chooser = page().waitForEvent('filechooser');
    await page().getByText('Open…').click();
    await (await chooser).setFiles(OCR_DET);
    await expect.poll(nodeCount, { timeout: 60_000 }).toBe('672 nodes');
    await expect.poll(() => history().textContent(), { timeout: 20_000 }).toContain('as opened');
    const search = page().getByRole('searchbox', { name: 'search' });
    await search.fill('p2o.BatchNormalization.0');
    await page().getByRole('list', { name: 'search results' }).getByRole('button').first().click();
    await expect.poll(() => page().getByLabel('selection count').textContent()).toBe('1 selected');
    // Shift-click the Conv that feeds it (its box is listed for assistive tech in canvas mode).
    const conv = page().getByRole('button', { name: 'graph node p2o.Conv.0', exact: true });
    await expect.poll(() => conv.count(), { timeout: 10_000 }).toBe(1);
    await conv.dispatchEvent('click', { shiftKey: true });
    await expect.poll(() => page().getByLabel('selection count').textContent()).toBe('2 selected');
    const fusion = ops().getByRole('button', { name: 'operation fuse-conv-batchnorm' });
    await expect.poll(() => fusion.textContent(), { timeout: 30_000 }).toContain('672 → 671 nodes');
    await fusion.click();
    const preview = page().getByRole('region', { name: 'preview' });
    await expect.poll(() => preview.getByLabel('preview summary').textContent(), { timeout: 30_000 }).toBe('672 → 671 nodes · 2 removed, 0 changed, 1 added');
    await screenshot(page(), 'ops-05-ocr-preview');
    await preview.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(nodeCount, { timeout: 30_000 }).toBe('671 nodes');
    await expect.poll(() => history().getByLabel(/verification (passed|failed|error)/).count(), { timeout: 120_000 }).toBe(1);
    await screenshot(page(), 'ops-06-ocr-applied');
    expect(await history().getByLabel(/verification /).last().textContent()).toMatch(/^passed/);

    await history().getByRole('button', { name: 'Undo' }).click();
    await expect.poll(nodeCount, { timeout: 30_000 }).toBe('672 nodes');
    await page().keyboard.press('Control+Shift+z');
    await expect.poll(nodeCount, { timeout: 30_000 }).toBe('671 nodes');

    await search.fill('p2o.Relu.0');
    await page().getByRole('list', { name: 'search results' }).getByRole('button').first().click();
    await expect.poll(() => page().getByLabel('selection count').textContent()).toBe('1 selected');
    await page().getByRole('application', { name: 'graph' }).focus();
    await page().keyboard.press('Shift+F10');
    const menu = page().getByRole('menu', { name: 'node operations' });
    await expect.poll(() => menu.getByRole('menuitem', { name: /Delete node/ }).count(), { timeout: 30_000 }).toBe(1);
    await menu.getByRole('menuitem', { name: /Delete node/ }).click();
    await screenshot(page(), 'ops-07-ocr-delete-preview');
    await expect.poll(() => preview.getByLabel('preview summary').textContent(), { timeout: 30_000 }).toMatch(/^671 → 670 nodes · 1 removed/);
    await preview.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(nodeCount, { timeout: 30_000 }).toBe('670 nodes');
    await screenshot(page(), 'ops-08-ocr-relu-deleted');
    // The one refused request above (422) is expected; nothing else may have failed.
    expect(app.browser.problems.filter((p) => !p.includes('422'))).toEqual([]);
  });

  it('PP-OCRv4 det: profiles the edited model on its remembered input sizes, the top row selects its nodes, and compares with the original', async () => {
    const settings = page().getByRole('region', { name: 'verification inputs' });
    for (const [dim, size] of [['p2o.DynamicDimension.0', '1'], ['p2o.DynamicDimension.1', '64'], ['p2o.DynamicDimension.2', '96']] as const) {
      await settings.getByRole('textbox', { name: `dim ${dim}` }).fill(size);
    }
    await settings.getByRole('button', { name: 'Remember for this model' }).click();
    await expect.poll(() => settings.locator('output[aria-label="verification settings status"]').textContent(), { timeout: 10_000 }).toBe('remembered for this model');

    const profile = page().getByRole('region', { name: 'profile' });
    const table = profile.getByRole('table', { name: 'time per node' });
    await profile.getByLabel('runs', { exact: true }).fill('3');
    await profile.getByLabel('warm-up runs').fill('1');
    await profile.getByLabel('input source').selectOption('settings');
    await profile.getByRole('button', { name: 'Run profile' }).click();
    await expect.poll(() => table.getByRole('row').count(), { timeout: 120_000 }).toBeGreaterThan(10);
    expect(await profile.getByLabel('profile summary').textContent()).toContain('(step 2, current)');
    // The slowest kernel's model nodes: clicking its row selects them in the graph.
    const first = table.getByRole('row').nth(1);
    const nodes = (await first.locator('td').nth(3).textContent())!.split(', ');
    await first.click();
    await expect.poll(() => page().getByLabel('selection count').textContent()).toBe(`${nodes.length} selected`);
    await expect.poll(() => page().getByRole('region', { name: 'node panel' }).textContent()).toContain(nodes[0]!);
    await screenshot(page(), 'ops-09-ocr-profiled');

    await profile.getByLabel('compare against').selectOption('original');
    await profile.getByRole('button', { name: 'Compare' }).click();
    await expect.poll(() => profile.locator('output[aria-label="latency ratio"]').textContent(), { timeout: 120_000 }).toMatch(/^×\d+\.\d{3}$/);
    // Step 1 fused p2o.Conv.0 with its BatchNormalization: the comparison says so through provenance.
    expect(await profile.getByLabel('fused nodes').textContent()).toContain('p2o.BatchNormalization.0');
    await screenshot(page(), 'ops-10-ocr-compared');
    expect(app.browser.problems.filter((p) => !p.includes('422'))).toEqual([]);
  });
}, 300_000);
