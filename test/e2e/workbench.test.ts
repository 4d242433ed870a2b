import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { WorkbenchService } from '../../electron/service/workbench-service.js';
import type { TensorInfo } from '../../shared/protocol/backend.js';
import { functionModelBytes } from '../renderer/test-models.js';
import { cspViolations, SAMPLE, screenshot, SILERO_V5, useServedBrowser } from './harness.js';

// The workbench in Chromium against `onnx-workbench serve`, as a user drives it: open models with
// the file picker, count nodes, search and select, read the node panel, enter an If branch and
// a called function's body and come back. The page is found by its accessible names (roles and labels), as a screen reader would.

/** Numbers as the panel prints them (5 significant digits). */
function shown(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e6 || a < 1e-4 ? v.toExponential(3) : Number(v.toPrecision(5)).toString();
}

describe('workbench in Chromium (onnx-workbench serve)', () => {
  const app = useServedBrowser('e2e-config-', undefined, { config: 'dir' }); // no MODEL: the bundled sample
  let stemWeight: TensorInfo;

  beforeAll(async () => {
    const service = new WorkbenchService();
    const sample = await service.openModel({ path: SAMPLE });
    stemWeight = await service.getTensor(sample.modelId, [], 'stem.weight');
    await service.dispose();
  }, 120_000);

  const page = () => app.page;

  async function openByPicker(path: string): Promise<void> {
    const chooser = page().waitForEvent('filechooser');
    await page().getByText('Open…').click();
    await (await chooser).setFiles(path);
  }

  it('shows the model it was started with', async () => {
    await page().goto(app.served.url);
    await expect.poll(() => page().locator('output[aria-label="node count"]').textContent(), { timeout: 20_000 }).toBe('17 nodes');
    await expect.poll(() => page().getByRole('button', { name: 'graph node stem/Conv' }).count()).toBe(1);
    await screenshot(page(), '01-sample-opened');
  });

  it('opens a model with the file picker and shows its node count', async () => {
    await openByPicker(SILERO_V5);
    await expect.poll(() => page().locator('output[aria-label="node count"]').textContent(), { timeout: 20_000 }).toBe('5 nodes');
    await expect.poll(() => page().getByRole('region', { name: 'model panel' }).textContent()).toContain('silero_vad_v5.onnx');
    await screenshot(page(), '02-silero-opened-by-picker');
    await openByPicker(SAMPLE);
    await expect.poll(() => page().locator('output[aria-label="node count"]').textContent(), { timeout: 20_000 }).toBe('17 nodes');
  });

  it('finds a node by search, selects it and shows its attributes and a weight’s statistics', async () => {
    const search = page().getByRole('searchbox', { name: 'search' });
    await search.fill('stem/Conv');
    await expect.poll(() => page().getByRole('list', { name: 'search results' }).getByRole('button').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page().getByRole('list', { name: 'search results' }).getByRole('button').first().click();

    const panel = page().getByRole('region', { name: 'node panel' });
    await expect.poll(() => panel.locator('h3').first().textContent(), { timeout: 10_000 }).toBe('Conv');
    const attributes = panel.getByRole('table', { name: 'attributes' });
    await expect.poll(() => attributes.getByRole('row').allTextContents()).toEqual(['pads[1, 1, 1, 1]', 'strides[2, 2]', 'kernel_shape[3, 3]']);
    await expect.poll(() => page().locator('[aria-pressed="true"], [aria-selected="true"]').count()).toBeGreaterThan(0);

    const stats = panel.getByRole('region', { name: 'tensor statistics stem.weight' });
    await expect.poll(() => stats.locator('dl').textContent(), { timeout: 10_000 }).toContain('shape[16×3×3×3]');
    const facts = await stats.locator('dl').textContent();
    expect(facts).toContain(`min${shown(stemWeight.stats!.min)}`);
    expect(facts).toContain(`max${shown(stemWeight.stats!.max)}`);
    expect(facts).toContain(`mean${shown(stemWeight.stats!.mean)}`);
    expect(facts).toContain(`std${shown(stemWeight.stats!.std)}`);
    expect(await stats.getByRole('img', { name: 'histogram of stem.weight' }).count()).toBe(1);
    await screenshot(page(), '03-conv-selected');
  });

  it('enters an If branch from the node panel and comes back by the breadcrumb', async () => {
    await page().getByRole('button', { name: 'graph node head/If' }).click();
    const panel = page().getByRole('region', { name: 'node panel' });
    await expect.poll(() => panel.locator('h3').first().textContent(), { timeout: 10_000 }).toBe('If');
    await panel.getByRole('button', { name: /^open then_branch/ }).click();
    await expect.poll(() => page().locator('output[aria-label="node count"]').textContent(), { timeout: 10_000 }).toBe('1 node');
    const crumbs = page().getByRole('navigation', { name: 'breadcrumb' });
    await expect.poll(() => crumbs.getByRole('listitem').count()).toBe(2);
    // The count is set with the branch's graph; its boxes are drawn a moment later.
    await expect.poll(() => page().getByRole('button', { name: 'graph node head/Softmax' }).count(), { timeout: 10_000 }).toBe(1);
    await screenshot(page(), '04-inside-then-branch');

    await crumbs.getByRole('button').first().click();
    await expect.poll(() => page().locator('output[aria-label="node count"]').textContent(), { timeout: 10_000 }).toBe('17 nodes');
    expect(await crumbs.getByRole('listitem').count()).toBe(1);
    await screenshot(page(), '05-back-in-main-graph');
  });

  it('enters the body of a local function a node calls', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'e2e-functions-'));
    try {
      const path = join(dir, 'calls.onnx');
      await writeFile(path, functionModelBytes());
      await openByPicker(path);
      await expect.poll(() => page().locator('output[aria-label="node count"]').textContent(), { timeout: 20_000 }).toBe('2 nodes');
      await page().getByRole('button', { name: 'graph node act' }).click();
      const panel = page().getByRole('region', { name: 'node panel' });
      await panel.getByRole('button', { name: /^open function ScaledGelu \(2 nodes\)/ }).click();
      await expect.poll(() => page().getByRole('button', { name: 'graph node erf' }).count(), { timeout: 10_000 }).toBe(1);
      const crumbs = page().getByRole('navigation', { name: 'breadcrumb' });
      await expect.poll(() => crumbs.textContent()).toContain('act › function ScaledGelu');
      await screenshot(page(), '06-inside-function-body');
      await crumbs.getByRole('button').first().click();
      await expect.poll(() => page().getByRole('button', { name: 'graph node relu' }).count(), { timeout: 10_000 }).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('remembers the verification inputs of a model and shows them when it is opened again', async () => {
    await openByPicker(SILERO_V5);
    await expect.poll(() => page().locator('output[aria-label="node count"]').textContent(), { timeout: 20_000 }).toBe('5 nodes');
    const panel = page().getByRole('region', { name: 'verification inputs' });
    const status = panel.locator('output[aria-label="verification settings status"]');
    await panel.getByRole('textbox', { name: 'dim input[1]' }).fill('512');
    await panel.getByRole('textbox', { name: 'value sr' }).fill('sixteen');
    await panel.getByRole('button', { name: 'Remember for this model' }).click();
    await expect.poll(() => status.textContent()).toBe('value sr: "sixteen" is not a number');
    await panel.getByRole('textbox', { name: 'value sr' }).fill('16000');
    await panel.getByRole('button', { name: 'Remember for this model' }).click();
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('remembered for this model');
    await screenshot(page(), '07-verification-inputs-remembered');

    // Another model, then this one again (a new document): its settings come back.
    await openByPicker(SAMPLE);
    await expect.poll(() => page().locator('output[aria-label="node count"]').textContent(), { timeout: 20_000 }).toBe('17 nodes');
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('');
    await openByPicker(SILERO_V5);
    await expect.poll(() => page().locator('output[aria-label="node count"]').textContent(), { timeout: 20_000 }).toBe('5 nodes');
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('remembered for this model');
    expect(await panel.getByRole('textbox', { name: 'dim input[1]' }).inputValue()).toBe('512');
    expect(await panel.getByRole('textbox', { name: 'value sr' }).inputValue()).toBe('16000');
    expect(await panel.getByRole('textbox', { name: 'dim state[1]' }).inputValue()).toBe('');
  });

  it('ran without console errors, failed requests or Content-Security-Policy violations', async () => {
    expect(app.browser.problems).toEqual([]);
    expect(await cspViolations(page())).toEqual([]);
  });
});
