import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ElemType, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { convBnReluModel, writeConvBnRelu } from '../service/conv-bn-model.js';
import { cspViolations, screenshot, useServedBrowser } from './harness.js';

// Recipes in Chromium against `onnx-workbench serve`: the history of one model saved as a
// recipe, edited in Monaco (a schema error shows as a marker; completion offers operations),
// saved in the recipe folder, and run on a second model as a job whose steps join its history
// (verified; undo works). Monaco and its workers load from the app under its own policy.

// Conv → BN → Relu → Flatten → MatMul: the Conv+BN fusion and dynamic quantization both apply.
function convBnMatMul(): Uint8Array {
  const m = convBnReluModel();
  const g = m.graph!;
  g.node!.push(node('Flatten', ['y'], ['f'], { axis: 1 }, { name: 'flatten' }), node('MatMul', ['f', 'fc'], ['logits'], {}, { name: 'fc' }));
  g.output = [valueInfo('logits', ElemType.FLOAT, [1, 10])];
  g.initializer!.push(tensor('fc', ElemType.FLOAT, [256, 10], Float32Array.from({ length: 2560 }, (_, i) => Math.sin(i) * 0.1)));
  return modelBytes(m);
}

const EDITED = `{
  "version": 1,
  "description": "fold BatchNorm, then int8 weights",
  "steps": [
    { "operation": "fuse-conv-batchnorm" },
    { "operation": "quantize-dynamic", "options": { "perChannel": "yes" } }
  ]
}
`;

describe('recipes in Chromium (onnx-workbench serve)', () => {
  const app = useServedBrowser('e2e-recipes-', async (dir) => {
    await writeConvBnRelu(join(dir, 'conv-bn-relu.onnx'));
    await writeFile(join(dir, 'conv-bn-matmul.onnx'), convBnMatMul());
    await mkdir(join(dir, 'recipes'));
    return [join(dir, 'conv-bn-relu.onnx')];
  });

  const page = () => app.page;
  const nodeCount = () => page().locator('output[aria-label="node count"]').textContent();
  const history = () => page().getByRole('region', { name: 'history' });
  const recipes = () => page().getByRole('region', { name: 'recipes' });
  const editor = () => page().getByRole('dialog', { name: 'recipe editor' });
  // A paste into Monaco's text area, as Ctrl+V delivers it (typing would auto-close and auto-indent).
  const paste = (text: string) =>
    page().evaluate((t) => {
      const g = globalThis as unknown as { document: { activeElement: { dispatchEvent(e: unknown): void } }; DataTransfer: new () => { setData(k: string, v: string): void }; ClipboardEvent: new (type: string, init: unknown) => unknown };
      const data = new g.DataTransfer();
      data.setData('text/plain', t);
      g.document.activeElement.dispatchEvent(new g.ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, text);
  // Monaco draws spaces as no-break spaces.
  const monacoText = async () => (await page().locator('.recipe-editor .view-line').allTextContents()).join('\n').replace(/\u00a0/g, ' ');

  it('does not load Monaco at start', async () => {
    await page().goto(app.served.url);
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('3 nodes');
    const scripts = await page().evaluate(() => performance.getEntriesByType('resource').map((r) => r.name));
    expect(scripts.some((s) => /monaco|editor\.worker|json\.worker/.test(s))).toBe(false);
  });

  it('saves the history as a recipe in the chosen folder, edited in Monaco with schema markers', async () => {
    const fusion = page().getByRole('region', { name: 'operations' }).getByRole('button', { name: 'operation fuse-conv-batchnorm' });
    await expect.poll(() => fusion.count(), { timeout: 20_000 }).toBe(1);
    await fusion.click();
    await page().getByRole('region', { name: 'preview' }).getByRole('button', { name: 'Apply' }).click();
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('2 nodes');
    await expect.poll(() => history().getByLabel('verification passed').count(), { timeout: 60_000 }).toBe(1);

    // The browser host has no folder dialog: Choose… puts the cursor in the path field.
    await recipes().getByRole('button', { name: 'Choose…' }).click();
    await expect.poll(() => page().evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('aria-label'))).toBe('recipe folder');
    await recipes().getByLabel('recipe folder').fill(join(app.dir, 'recipes'));
    await recipes().getByRole('button', { name: 'Use folder' }).click();
    await expect.poll(() => recipes().textContent()).toContain('No recipes in this folder yet.');

    await recipes().getByRole('button', { name: 'Save history as recipe…' }).click();
    await expect.poll(() => page().locator('.recipe-editor .monaco-editor').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(monacoText, { timeout: 10_000 }).toContain('"operation": "fuse-conv-batchnorm"');
    await screenshot(page(), 'recipe-01-history-as-recipe');

    // Replace the text as a user pasting would; the bad option gets a marker from the schema.
    await page().locator('.recipe-editor .view-lines').click();
    // Focus is in Monaco's text area: Ctrl+A and Ctrl+Z are the editor's, not the history's.
    expect(await page().evaluate(() => (globalThis as unknown as { document: { activeElement: { tagName: string } } }).document.activeElement.tagName)).toBe('TEXTAREA');
    await page().keyboard.press('Control+a');
    await paste(EDITED);
    await expect.poll(() => page().locator('.recipe-editor .squiggly-error').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await page().locator('.recipe-editor .view-line span', { hasText: '"yes"' }).last().hover();
    await expect.poll(() => page().locator('.monaco-hover:not(.hidden)').first().textContent(), { timeout: 10_000 }).toMatch(/Incorrect type\. Expected "boolean"/);
    await screenshot(page(), 'recipe-02-schema-marker');

    // Fix it through completion: the schema offers true/false for perChannel.
    await page().keyboard.press('Control+a');
    await paste(EDITED.replace('"yes"', ''));
    await page().keyboard.press('Control+Home');
    for (let i = 0; i < 5; i++) await page().keyboard.press('ArrowDown');
    await page().keyboard.press('End');
    for (let i = 0; i < 4; i++) await page().keyboard.press('ArrowLeft');
    await page().keyboard.press('Control+Space');
    await expect.poll(() => page().locator('.suggest-widget .monaco-list-row', { hasText: 'true' }).count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await screenshot(page(), 'recipe-03-completion');
    await page().locator('.suggest-widget .monaco-list-row', { hasText: 'true' }).click();
    await expect.poll(() => page().locator('.recipe-editor .squiggly-error').count(), { timeout: 20_000 }).toBe(0);
    expect(await monacoText()).toContain('"perChannel": true');

    await editor().getByLabel('recipe name').fill('fuse-int8.json');
    await editor().getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => editor().getByLabel('recipe status').textContent()).toBe('saved fuse-int8.json');
    await expect.poll(() => recipes().getByRole('button', { name: 'open recipe fuse-int8.json' }).count()).toBe(1);
    const saved = JSON.parse(await readFile(join(app.dir, 'recipes', 'fuse-int8.json'), 'utf8')) as { steps: unknown[] };
    expect(saved.steps).toEqual([{ operation: 'fuse-conv-batchnorm' }, { operation: 'quantize-dynamic', options: { perChannel: true } }]);
    await editor().getByRole('button', { name: 'close recipe editor' }).click();
  });

  it('runs the saved recipe on a second model: two verified history steps, undo works', async () => {
    const chooser = page().waitForEvent('filechooser');
    await page().getByText('Open…').click();
    await (await chooser).setFiles(join(app.dir, 'conv-bn-matmul.onnx'));
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('5 nodes');
    await recipes().getByRole('button', { name: 'open recipe fuse-int8.json' }).click();
    await expect.poll(monacoText, { timeout: 30_000 }).toContain('quantize-dynamic');
    await editor().getByRole('button', { name: 'Run on this model' }).click();
    await expect.poll(() => editor().getByLabel('recipe status').textContent(), { timeout: 60_000 }).toBe('recipe ran: every step applied');
    await expect.poll(() => history().getByRole('button', { name: /^go to step [1-9]/ }).allTextContents(), { timeout: 20_000 }).toEqual([
      expect.stringMatching(/^1\. fuse-conv-batchnorm/),
      expect.stringMatching(/^2\. quantize-dynamic/),
    ]);
    await expect.poll(() => history().getByLabel('verification passed').count(), { timeout: 60_000 }).toBe(2);
    // The operations are listed again for the model as the recipe left it.
    await expect.poll(() => page().getByRole('region', { name: 'operations' }).textContent(), { timeout: 20_000 }).not.toContain('5 → 4 nodes');
    const after = Number((await nodeCount())!.split(' ')[0]);
    expect(after).toBeGreaterThan(4);
    await screenshot(page(), 'recipe-04-ran-on-second-model');
    await editor().getByRole('button', { name: 'close recipe editor' }).click();
    await history().getByRole('button', { name: 'Undo' }).click();
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('4 nodes');
    await history().getByRole('button', { name: 'Undo' }).click();
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('5 nodes');
  });

  it('loaded Monaco and its workers from the app with nothing blocked or failed', async () => {
    const scripts = await page().evaluate(() => performance.getEntriesByType('resource').map((r) => r.name));
    const origin = new URL(app.served.url).origin;
    const monaco = scripts.filter((s) => /monaco-bundle|editor\.worker|json\.worker/.test(s));
    expect(monaco.length).toBeGreaterThanOrEqual(2);
    for (const s of monaco) expect(s.startsWith(origin)).toBe(true);
    expect(await cspViolations(page())).toEqual([]);
    expect(app.browser.problems).toEqual([]);
  });
});
