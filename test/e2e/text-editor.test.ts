import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { functionModelBytes } from '../renderer/test-models.js';
import { writeConvBnRelu } from '../service/conv-bn-model.js';
import { cspViolations, screenshot, useServedBrowser } from './harness.js';

// The ONNX text editor in Chromium against `onnx-workbench serve`: selecting a node reveals and
// highlights its line; an attribute changed in the text and applied (Ctrl+S) becomes one history
// step the node panel shows, and undo restores it; a syntax error is a marker at its line and
// nothing changes; the selection's text applied in place (a renamed value read outside it is
// refused); moving the cursor onto a node's line selects it in the graph; a local function's
// body, opened from its call, edited and applied (the body redraws) and undone.

describe('ONNX text editor in Chromium (onnx-workbench serve)', () => {
  const app = useServedBrowser('e2e-text-', async (dir) => {
    await writeConvBnRelu(join(dir, 'conv-bn-relu.onnx'));
    return [join(dir, 'conv-bn-relu.onnx')];
  });

  const page = () => app.page;
  const nodeCount = () => page().locator('output[aria-label="node count"]').textContent();
  const editor = () => page().getByRole('dialog', { name: 'text editor' });
  const history = () => page().getByRole('region', { name: 'history' });
  const attributes = () => page().getByRole('region', { name: 'node panel' }).getByRole('table', { name: 'attributes' });
  const paste = (text: string) =>
    page().evaluate((t) => {
      const g = globalThis as unknown as { document: { activeElement: { dispatchEvent(e: unknown): void } }; DataTransfer: new () => { setData(k: string, v: string): void }; ClipboardEvent: new (type: string, init: unknown) => unknown };
      const data = new g.DataTransfer();
      data.setData('text/plain', t);
      g.document.activeElement.dispatchEvent(new g.ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, text);
  const lines = async () => (await page().locator('.text-editor .view-line').allTextContents()).map((l) => l.replace(/\u00a0/g, ' '));
  const highlighted = () => page().locator('.text-editor .monaco-revealed-line');

  it('shows the model as text and reveals the selected node’s line', async () => {
    await page().goto(app.served.url);
    await expect.poll(nodeCount, { timeout: 20_000 }).toBe('3 nodes');
    await page().getByRole('button', { name: 'ONNX text editor' }).click();
    await expect.poll(() => page().locator('.text-editor .monaco-editor').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(async () => (await lines()).join('\n'), { timeout: 10_000 }).toContain('[bn] b = BatchNormalization <epsilon: float = 0.00001>');
    // Highlighting: the operator and the node name get their own token classes.
    const bnSpans = page().locator('.text-editor .view-line', { hasText: '[bn] b = BatchNormalization' }).locator('span span');
    const opClass = await bnSpans.filter({ hasText: /^BatchNormalization$/ }).first().getAttribute('class');
    const nameClass = await bnSpans.filter({ hasText: /^bn$/ }).first().getAttribute('class');
    expect(opClass).toMatch(/mtk\d+/);
    expect(nameClass).toMatch(/mtk\d+/);
    expect(opClass).not.toBe(nameClass);

    await page().getByRole('button', { name: 'graph node bn' }).click();
    await expect.poll(() => highlighted().count(), { timeout: 10_000 }).toBe(1);
    // The highlight is on the bn line: same vertical place as that line.
    const top = async (loc: ReturnType<typeof highlighted>) => (await loc.boundingBox())?.y;
    const bnLine = page().locator('.text-editor .view-line', { hasText: '[bn] b = BatchNormalization' });
    await expect.poll(async () => Math.abs((await top(highlighted()))! - (await top(bnLine))!)).toBeLessThan(2);
    await screenshot(page(), 'text-01-selected-line');
  });

  it('hover shows the operator’s description and completion offers its attributes', async () => {
    const conv = page().locator('.text-editor .view-line', { hasText: '[conv] c = Conv' }).locator('span span').filter({ hasText: /^Conv$/ });
    await conv.hover();
    await expect.poll(() => page().locator('.monaco-hover:not(.hidden)').first().textContent(), { timeout: 10_000 }).toMatch(/convolution.*Inputs:.*X: x.*W: W/s);
    await screenshot(page(), 'text-02-hover');
    // Inside a node's attributes: Conv's attribute names, less the one already given.
    await page().locator('.text-editor .view-line', { hasText: '[conv] c = Conv' }).click();
    await page().keyboard.press('Home');
    await page().keyboard.press('Shift+End');
    await paste('   [conv] c = Conv <kernel_shape: ints = [3, 3], ');
    await page().keyboard.press('Control+Space');
    const rows = page().locator('.suggest-widget .monaco-list-row');
    await expect.poll(() => rows.allTextContents(), { timeout: 10_000 }).toEqual(expect.arrayContaining([expect.stringMatching(/^group/), expect.stringMatching(/^strides/)]));
    // Neither the attribute already given nor another operator's (BatchNormalization's epsilon).
    expect((await rows.allTextContents()).some((r) => r.startsWith('kernel_shape') || r.startsWith('epsilon'))).toBe(false);
    await screenshot(page(), 'text-03-completion');
    await page().keyboard.press('Escape');
    await editor().getByRole('button', { name: 'Revert' }).click();
    await expect.poll(async () => (await lines()).join('\n')).toContain('(x, W, B)');
  });

  it('applies an attribute changed in the text as one step; the graph changes; undo restores it', async () => {
    const bnLine = page().locator('.text-editor .view-line', { hasText: '[bn] b = BatchNormalization' });
    await bnLine.click();
    await page().keyboard.press('Home');
    await page().keyboard.press('Shift+End');
    await paste('   [bn] b = BatchNormalization <epsilon: float = 0.001> (c, scale, shift, mean, var)');
    await expect.poll(async () => (await lines()).join('\n')).toContain('epsilon: float = 0.001>');
    await page().keyboard.press('Control+s');
    await expect.poll(() => editor().getByLabel('text status').textContent(), { timeout: 20_000 }).toMatch(/^applied as step 1/);
    await expect.poll(() => history().getByRole('button', { name: /^go to step [1-9]/ }).allTextContents(), { timeout: 20_000 }).toEqual([expect.stringMatching(/^1\. edit text/)]);
    await page().getByRole('button', { name: 'graph node bn' }).click();
    // The node panel shows the float32 value as read: 0.0010000000474974513.
    await expect.poll(async () => (await attributes().getByRole('row').allTextContents()).join(), { timeout: 10_000 }).toMatch(/^epsilon0\.00100000/);
    await screenshot(page(), 'text-04-applied');

    await history().getByRole('button', { name: 'Undo' }).click();
    await expect.poll(async () => (await lines()).join('\n'), { timeout: 20_000 }).toContain('epsilon: float = 0.00001>');
    await page().getByRole('button', { name: 'graph node relu' }).click();
    await page().getByRole('button', { name: 'graph node bn' }).click();
    await expect.poll(async () => (await attributes().getByRole('row').allTextContents()).join(), { timeout: 10_000 }).toMatch(/^epsilon(0\.0000099999|0\.00001|1e-5)/i);
  });

  it('a syntax error is a marker at its line and changes nothing', async () => {
    const reluLine = page().locator('.text-editor .view-line', { hasText: '[relu] y = Relu' });
    await reluLine.click();
    await page().keyboard.press('End');
    await page().keyboard.press('Backspace');
    await expect.poll(async () => (await lines()).join('\n')).toContain('Relu (b\n');
    await editor().getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => editor().getByLabel('text status').textContent(), { timeout: 20_000 }).toMatch(/^1 problem, nothing applied: line 1[89], column \d+: expected/);
    await expect.poll(() => page().locator('.text-editor .squiggly-error').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await screenshot(page(), 'text-05-syntax-marker');
    expect(await nodeCount()).toBe('3 nodes');
    expect(await history().getByRole('button', { name: /^go to step [1-9]/ }).allTextContents()).toEqual([expect.stringMatching(/^1\. edit text/)]);
    await editor().getByRole('button', { name: 'Revert' }).click();
    await expect.poll(() => page().locator('.text-editor .squiggly-error').count()).toBe(0);
  });

  it('an operator changed in the text redraws its box; undo draws the old one', async () => {
    const relu = page().getByRole('button', { name: 'graph node relu' });
    await page().locator('.text-editor .view-line', { hasText: '[relu] y = Relu' }).click();
    await page().keyboard.press('Home');
    await page().keyboard.press('Shift+End');
    await paste('   [relu] y = LeakyRelu <alpha: float = 0.1> (b)');
    await editor().getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => relu.textContent(), { timeout: 20_000 }).toContain('LeakyRelu');
    await expect.poll(() => history().getByRole('button', { name: /^go to step [1-9]/ }).allTextContents()).toEqual([expect.stringMatching(/^1\. edit text/)]);
    await screenshot(page(), 'text-06-operator-changed');
    await history().getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => relu.textContent(), { timeout: 20_000 }).not.toContain('LeakyRelu');
    await expect.poll(async () => (await lines()).join('\n'), { timeout: 20_000 }).toContain('[relu] y = Relu (b)');
  });

  it('the selection’s text is applied in place as one step; undo restores it', async () => {
    const relu = page().getByRole('button', { name: 'graph node relu' });
    await relu.click();
    await editor().getByRole('combobox', { name: 'text scope' }).selectOption('selection');
    await expect.poll(async () => (await lines()).join('\n'), { timeout: 20_000 }).toBe('[relu] y = Relu (b)\n');
    await page().locator('.text-editor .view-line', { hasText: '[relu] y = Relu' }).click();
    await page().keyboard.press('Home');
    await page().keyboard.press('Shift+End');
    await paste('[relu] y = Sigmoid (b)');
    await page().keyboard.press('Control+s');
    await expect.poll(() => editor().getByLabel('text status').textContent(), { timeout: 20_000 }).toMatch(/^applied as step 1/);
    await expect.poll(() => relu.textContent(), { timeout: 20_000 }).toContain('Sigmoid');
    await expect.poll(() => nodeCount()).toBe('3 nodes');
    await screenshot(page(), 'text-07-selection-applied');
    // A value read outside the selection keeps its name, else nothing changes.
    await page().locator('.text-editor .view-line', { hasText: '[relu] y = Sigmoid' }).click();
    await page().keyboard.press('Home');
    await page().keyboard.press('Shift+End');
    await paste('[relu] z = Sigmoid (b)');
    await editor().getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => editor().getByLabel('text status').textContent(), { timeout: 20_000 }).toMatch(/value "y" is read outside the selection/);
    await editor().getByRole('button', { name: 'Revert' }).click();
    await history().getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => relu.textContent(), { timeout: 20_000 }).not.toContain('Sigmoid');
    await relu.click();
    await expect.poll(async () => (await lines()).join('\n'), { timeout: 20_000 }).toBe('[relu] y = Relu (b)\n');
    await editor().getByRole('combobox', { name: 'text scope' }).selectOption('graph');
    await expect.poll(async () => (await lines()).join('\n'), { timeout: 20_000 }).toContain('[conv] c = Conv');
  });

  it('moving the cursor onto a node’s line selects the node in the graph', async () => {
    await page().locator('.text-editor .view-line', { hasText: '[conv] c = Conv' }).click();
    await expect.poll(() => page().getByRole('region', { name: 'node panel' }).textContent(), { timeout: 10_000 }).toContain('kernel_shape');
    expect(await page().locator('[aria-label="selection count"]').textContent()).toBe('1 selected');
    expect(await cspViolations(page())).toEqual([]);
    expect(app.browser.problems).toEqual([]);
  });
});

describe("a local function's body edited as text in Chromium", () => {
  const app = useServedBrowser('e2e-text-fn-', async (dir) => {
    await writeFile(join(dir, 'calls.onnx'), functionModelBytes());
    return [join(dir, 'calls.onnx')];
  });

  it('the body opened from its call applies as one step and the body redraws; undo restores it', async () => {
    const page = app.page;
    const editor = page.getByRole('dialog', { name: 'text editor' });
    const lines = async () => (await page.locator('.text-editor .view-line').allTextContents()).map((l) => l.replace(/\u00a0/g, ' ')).join('\n');
    await page.goto(app.served.url);
    await expect.poll(() => page.locator('output[aria-label="node count"]').textContent(), { timeout: 20_000 }).toBe('2 nodes');
    await page.getByRole('button', { name: 'graph node act' }).click();
    await page.keyboard.press('Enter');
    const erf = page.getByRole('button', { name: 'graph node erf' });
    await expect.poll(() => erf.count(), { timeout: 20_000 }).toBe(1);
    await page.getByRole('button', { name: 'ONNX text editor' }).click();
    await expect.poll(lines, { timeout: 30_000 }).toContain('[erf] e = Erf (a)');
    await page.locator('.text-editor .view-line', { hasText: '[erf] e = Erf' }).click();
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    await page.keyboard.insertText('   [erf] e = Tanh (a)');
    await page.keyboard.press('Control+s');
    await expect.poll(() => editor.getByLabel('text status').textContent(), { timeout: 20_000 }).toMatch(/^applied as step 1/);
    await expect.poll(() => page.getByRole('button', { name: 'graph node erf' }).textContent(), { timeout: 20_000 }).toContain('Tanh');
    await screenshot(page, 'text-08-function-body-applied');
    await page.getByRole('region', { name: 'history' }).getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'graph node erf' }).textContent(), { timeout: 20_000 }).toContain('Erf');
    await expect.poll(lines, { timeout: 20_000 }).toContain('[erf] e = Erf (a)');
    expect(app.browser.problems).toEqual([]);
  });
});
