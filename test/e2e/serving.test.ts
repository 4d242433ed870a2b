import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convModel } from '../serving/serving-models.js';
import { screenshot, useServedBrowser } from './harness.js';

// Serving from the app in Chromium against `onnx-workbench serve`: a builder-made batchable
// conv model is served with batching, a short load test runs from the panel, the dashboard's
// figures and charts show its requests, the server answers at the URL shown, and Stop ends it.

describe('serving the open model from the app', () => {
  const app = useServedBrowser('e2e-serving-', async (dir) => {
    await writeFile(join(dir, 'conv.onnx'), convModel(8, 16));
    return [join(dir, 'conv.onnx')];
  });

  const page = () => app.page;
  const panel = () => page().getByRole('region', { name: 'serving' });
  const figure = async (name: string) => Number(await panel().getByLabel(name, { exact: true }).textContent());

  it('serves the model, runs a load test, shows non-zero figures, and stops', async () => {
    await page().goto(app.served.url);
    await expect.poll(() => page().locator('output[aria-label="node count"]').textContent(), { timeout: 20_000 }).toBe('2 nodes');
    await panel().getByLabel('max batch').fill('8');
    await panel().getByLabel('max delay').fill('10');
    await panel().getByRole('button', { name: 'Serve', exact: true }).click();
    await expect.poll(() => panel().getByLabel('server url').textContent(), { timeout: 30_000 }).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const url = (await panel().getByLabel('server url').textContent())!;
    expect(await panel().getByLabel('load command').textContent()).toBe(`onnx-workbench load ${url} --model conv --concurrency 8 --duration 10`);
    expect(await panel().textContent()).toContain('(batchable)');
    // The server is real: it answers its health check at the URL shown.
    expect((await fetch(`${url}/v2/health/ready`)).status).toBe(200);

    await panel().getByLabel('load duration').fill('3');
    await panel().getByLabel('load concurrency').fill('8');
    await panel().getByRole('button', { name: 'Run load test' }).click();
    await expect.poll(() => panel().getByRole('progressbar', { name: 'load test progress' }).count(), { timeout: 10_000 }).toBe(1);
    // Mid-run the dashboard already counts requests.
    await expect.poll(() => figure('requests answered'), { timeout: 10_000 }).toBeGreaterThan(0);
    await screenshot(page(), 'serving-01-load-running');
    const result = panel().getByRole('table', { name: 'load test result' });
    await expect.poll(() => result.count(), { timeout: 30_000 }).toBe(1);
    const text = (await result.textContent())!;
    const ok = Number(/\((\d+) ok\)/.exec(text)![1]);
    expect(ok).toBeGreaterThan(0);
    expect(text).toContain('errorsnone');

    // The next polls count every answered request (and the load test's metadata request is not an infer).
    await expect.poll(() => figure('requests answered'), { timeout: 10_000 }).toBeGreaterThanOrEqual(ok);
    expect(await figure('requests failed')).toBe(0);
    expect(await figure('host restarts')).toBe(0);
    // The charts have drawn lines and bars from the figures.
    const p50 = panel().locator('svg[aria-label="Latency"] path[data-series="p50"]');
    await expect.poll(async () => ((await p50.getAttribute('d')) ?? '').length, { timeout: 10_000 }).toBeGreaterThan(10);
    const ok200 = panel().locator('svg[aria-label="Requests/s by status"] path[data-series="200"]');
    expect(((await ok200.getAttribute('d')) ?? '').length).toBeGreaterThan(10);
    const bars = await panel().locator('svg[aria-label="batch size histogram"] rect').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('data-count'))));
    const runs = bars.reduce((a, b) => a + b, 0);
    expect(runs).toBeGreaterThan(0);
    // With 8 clients and a 10 ms window, requests were merged: fewer runs than requests, some batches above 1.
    expect(runs).toBeLessThan(ok);
    expect(bars.slice(1).some((n) => n > 0)).toBe(true);
    await panel().getByRole('table', { name: 'load test result' }).scrollIntoViewIfNeeded();
    await screenshot(page(), 'serving-02-dashboard');
    await panel().getByRole('img', { name: 'Latency' }).scrollIntoViewIfNeeded();
    await screenshot(page(), 'serving-03-charts');

    await panel().getByRole('button', { name: 'Stop serving' }).click();
    await expect.poll(() => panel().getByRole('button', { name: 'Serve', exact: true }).count(), { timeout: 20_000 }).toBe(1);
    const down = await fetch(`${url}/v2/health/live`, { signal: AbortSignal.timeout(5000) }).then(
      () => false,
      () => true,
    );
    expect(down).toBe(true);
  }, 120_000);

  it('serves again without batching and compares the two load tests', async () => {
    await panel().getByLabel('max batch').fill('1');
    await panel().getByRole('button', { name: 'Serve', exact: true }).click();
    await expect.poll(() => panel().getByLabel('server url').count(), { timeout: 30_000 }).toBe(1);
    // A new server: its figures start from nothing.
    expect(await figure('requests answered')).toBe(0);
    await panel().getByLabel('load duration').fill('2');
    await panel().getByRole('button', { name: 'Run load test' }).click();
    const runs = panel().getByRole('table', { name: 'load test runs' });
    await expect.poll(() => runs.count(), { timeout: 30_000 }).toBe(1);
    const rows = await runs.locator('tbody tr').allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('batch ≤8, 10 ms, 1 host; 8 clients, 3 s');
    expect(rows[1]).toMatch(/^batch ≤1, 10 ms, 1 host; 8 clients, 2 s.*× req\/s, .*× p99$/);
    // Without batching every run is one request.
    await expect.poll(() => figure('requests answered'), { timeout: 10_000 }).toBeGreaterThan(0);
    const bars = await panel().locator('svg[aria-label="batch size histogram"] rect').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('data-count'))));
    expect(bars[0]).toBeGreaterThan(0);
    expect(bars.slice(1).every((n) => n === 0)).toBe(true);
    await runs.scrollIntoViewIfNeeded();
    await screenshot(page(), 'serving-04-compare-runs');
    await panel().getByRole('button', { name: 'Stop serving' }).click();
    await expect.poll(() => panel().getByRole('button', { name: 'Serve', exact: true }).count(), { timeout: 20_000 }).toBe(1);
    expect(app.browser.problems).toEqual([]);
  }, 120_000);
});
