import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { HttpBackend } from '../../renderer/backend/http-backend.js';
import { heatColor } from '../../renderer/graph/heat-color.js';
import type { CompareReport } from '../../shared/profile/report-schema.js';
import { screenshot, useServedBrowser } from './harness.js';

// The profile and compare views in Chromium against `onnx-workbench serve` on the bundled
// sample: a profile with few runs (cancelled once, then run), the heat map's hottest node read
// from the table and clicked, the top N selected, the original compared and the report exported.

describe('profile and compare views in Chromium', () => {
  const app = useServedBrowser('e2e-profile-config-', undefined, { config: 'dir' });

  const page = () => app.page;
  const panel = () => page().getByRole('region', { name: 'profile' });
  const table = () => panel().getByRole('table', { name: 'time per node' });

  it('cancels a long profile from its progress bar', async () => {
    await page().goto(app.served.url);
    await expect.poll(() => page().locator('output[aria-label="node count"]').textContent(), { timeout: 20_000 }).toBe('17 nodes');
    await panel().getByLabel('runs', { exact: true }).fill('100000');
    await panel().getByRole('button', { name: 'Run profile' }).click();
    await expect.poll(() => panel().getByRole('progressbar', { name: 'profile progress' }).count(), { timeout: 20_000 }).toBe(1);
    await panel().getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => panel().textContent(), { timeout: 20_000 }).toContain('profile cancelled');
    expect(await table().count()).toBe(0);
  });

  it('profiles the sample: the heat map colours the hottest node, its table row selects it', async () => {
    await panel().getByLabel('runs', { exact: true }).fill('3');
    await panel().getByLabel('warm-up runs').fill('1');
    await panel().getByLabel('optimization level').selectOption('disabled');
    await panel().getByLabel('input source').selectOption('generated');
    await panel().getByRole('button', { name: 'Run profile' }).click();
    await expect.poll(() => table().getByRole('row').count(), { timeout: 60_000 }).toBeGreaterThan(10);

    // Sorted by time, slowest first. Kernels of nodes inside the If's branches have no box in this
    // graph (which of them is slowest varies from run to run): the first two rows with a box are taken.
    const rows: { row: Locator; node: string }[] = [];
    for (let i = 1; rows.length < 2; i++) {
      const row = table().getByRole('row').nth(i);
      const name = (await row.locator('td').nth(3).textContent())!.split(', ')[0]!;
      if (await page().getByRole('button', { name: `graph node ${name}`, exact: true }).count()) rows.push({ row, node: name });
    }
    const [{ row: first, node }, { row: second, node: other }] = rows as [(typeof rows)[0], (typeof rows)[0]];
    const box = page().getByRole('button', { name: `graph node ${node}`, exact: true });
    expect(await box.locator('rect').getAttribute('fill')).toBe(heatColor(1));
    await expect.poll(() => box.getAttribute('class')).toContain('heat');
    await panel().getByRole('img', { name: 'time by operator type' }).scrollIntoViewIfNeeded();
    await screenshot(page(), 'profile-01-heat-map');

    await first.click();
    await expect.poll(() => box.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => page().getByLabel('selection count').textContent()).toBe('1 selected');
    expect(await first.getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page().getByRole('region', { name: 'node panel' }).textContent()).toContain(node);

    // The other way: a node selected in the graph marks its row.
    await page().getByRole('button', { name: `graph node ${other}`, exact: true }).click();
    await expect.poll(() => second.getAttribute('aria-selected')).toBe('true');
    expect(await first.getAttribute('aria-selected')).toBe('false');
    await screenshot(page(), 'profile-02-row-selected');
  });

  it('selects the top N nodes by time', async () => {
    await panel().getByLabel('top N').fill('4');
    await panel().getByRole('button', { name: 'Select the top 4 by time' }).click();
    // Optimizer off: one kernel per node, so four nodes.
    await expect.poll(() => page().getByLabel('selection count').textContent(), { timeout: 10_000 }).toBe('4 selected');
    // Their rows are marked: the four slowest, passing over kernels of the If's branches (not in this graph).
    const rows = table().getByRole('row');
    await expect.poll(() => table().locator('tbody tr[aria-selected="true"]').count()).toBe(4);
    // Sorting: a click on "ms" turns the order round.
    const msOf = async (i: number) => Number(await rows.nth(i).locator('td').nth(1).textContent());
    const n = await rows.count();
    expect(await msOf(1)).toBeGreaterThanOrEqual(await msOf(n - 1));
    await table().getByRole('button', { name: /^ms/ }).click();
    await expect.poll(() => table().locator('th[aria-sort="ascending"]').textContent()).toMatch(/^ms/);
    expect(await msOf(1)).toBeLessThanOrEqual(await msOf(n - 1));
    await table().getByRole('button', { name: /^ms/ }).click();
    // The chart has a bar per operator type.
    expect(await panel().getByRole('img', { name: 'time by operator type' }).locator('rect').count()).toBeGreaterThan(2);
  });

  it('compares the current state with the original and exports the report', async () => {
    // Interleaved runs of the same model: 20 keep the median ratio near 1 on a busy machine.
    await panel().getByLabel('runs', { exact: true }).fill('20');
    await panel().getByRole('button', { name: 'Compare' }).click();
    const ratio = panel().locator('output[aria-label="latency ratio"]');
    await expect.poll(() => ratio.count(), { timeout: 60_000 }).toBe(1);
    const text = (await ratio.textContent())!;
    expect(text).toMatch(/^×\d+\.\d{3}$/);
    const value = Number(text.slice(1));
    // The same model on both sides: the ratio is near 1 (a loose bound: 2 busy cores).
    expect(value).toBeGreaterThan(0.2);
    expect(value).toBeLessThan(5);
    expect(await panel().getByLabel('latency verdict').textContent()).toBeTruthy();
    expect(await panel().getByRole('table', { name: 'output agreement' }).getByRole('row').count()).toBeGreaterThan(1);
    expect(await panel().getByLabel('added nodes').textContent()).toBe('added (0)');
    await panel().getByLabel('added nodes').scrollIntoViewIfNeeded();
    await screenshot(page(), 'profile-03-compare');

    const download = page().waitForEvent('download');
    await panel().getByRole('button', { name: 'export comparison as JSON' }).click();
    const file = await (await download).path();
    const report = JSON.parse(await readFile(file, 'utf8')) as CompareReport;
    expect(report.schema).toBe('onnx-workbench.compare');
    expect(report.latencyRatio.toFixed(3)).toBe(text.slice(1));
    const html = page().waitForEvent('download');
    await panel().getByRole('button', { name: 'export comparison as HTML' }).click();
    const page2 = await readFile(await (await html).path(), 'utf8');
    expect(page2).toMatch(/^<!doctype html>/i);
    expect(app.browser.problems).toEqual([]);
  });

  it('says when a provider is missing here, and runs on CPU when told to fall back', async () => {
    await panel().getByLabel('provider').selectOption('tensorrt');
    await panel().getByRole('button', { name: 'Run profile' }).click();
    const alert = panel().getByRole('alert');
    const summary = panel().getByLabel('profile summary');
    await expect.poll(async () => (await alert.count()) > 0 || (await summary.textContent())?.includes('on tensorrt'), { timeout: 60_000 }).toBe(true);
    if (await alert.count()) {
      // No TensorRT here (the usual case on this machine): the reason and the way out.
      expect(await alert.textContent()).toMatch(/^tensorrt: .*fall back to CPU/);
      await panel().getByLabel('fall back to CPU').check();
      await panel().getByRole('button', { name: 'Run profile' }).click();
      await expect.poll(() => summary.textContent(), { timeout: 60_000 }).toMatch(/on cpu \(tensorrt not available: /);
      await screenshot(page(), 'profile-05-fallback');
    }
    await panel().getByLabel('provider').selectOption('cpu');
  });

  it('profiles and compares the state after an edit made through the API', async () => {
    // The operations panel is another part of the app; the same service edit, over HTTP.
    const url = new URL(app.served.url);
    const api = new HttpBackend({ origin: url.origin, token: url.searchParams.get('token')! });
    const model = (await api.initialModel())!;
    const history = await api.getHistory(model.modelId);
    await api.applyOperation({ modelId: model.modelId, name: 'fuse-conv-batchnorm', version: history.version, verify: false });

    await panel().getByRole('button', { name: 'Run profile' }).click();
    await expect.poll(() => panel().getByLabel('profile summary').textContent(), { timeout: 60_000 }).toContain('(step 1, current)');
    const ops = await table().locator('tbody tr td:first-child').allTextContents();
    expect(ops).toContain('Conv');
    expect(ops).not.toContain('BatchNormalization');

    await panel().getByLabel('compare against').selectOption('original');
    await panel().getByRole('button', { name: 'Compare' }).click();
    const fused = panel().getByLabel('fused nodes');
    await expect.poll(async () => `${await fused.textContent()} ${await panel().getByLabel('removed nodes').textContent()}`, { timeout: 60_000 }).toContain('BatchNormalization');
    expect(await panel().locator('output[aria-label="latency ratio"]').textContent()).toMatch(/^×\d+\.\d{3}$/);
    expect(await panel().getByRole('table', { name: 'layer comparison' }).getByText('provenance').count()).toBeGreaterThan(0);
    // The four Convs took their BatchNormalizations in: marked changed on the graph until unticked.
    await expect.poll(() => page().locator('.graph-svg .box.diff-changed').count()).toBe(4);
    await fused.scrollIntoViewIfNeeded();
    await screenshot(page(), 'profile-04-compare-after-edit');
    await panel().getByLabel('mark the graph diff on the graph').uncheck();
    await expect.poll(() => page().locator('.graph-svg .box.diff-changed').count()).toBe(0);
    await panel().getByLabel('mark the graph diff on the graph').check();
  });
});
