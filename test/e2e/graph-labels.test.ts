import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { modelBytes } from '../../shared/builder/index.js';
import { transformerModel } from '../bench/bench-view-models.js';
import { fanOutModel } from '../renderer/test-models.js';
import { ROOT, screenshot, SILERO_V5, useServedBrowser } from './harness.js';

// Edge labels as Chromium draws them: on a builder-made graph of 3- to 8-edge fan-outs and on the
// models npm packages ship, at the zoom that fits the graph and zoomed in, no label's box overlaps
// another label or a node box. Boxes come from the drawing itself: the SVG elements' client
// rectangles, or on a canvas the rectangles the last frame drew (the canvas element's `drawn`).

const PADDLE_DET = join(ROOT, 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_PP-OCRv4_det_infer.onnx');
const SHOTS = process.env.WB_VIEW_SHOTS ?? 'view';

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

interface Drawn {
  mode: string;
  zoom: number;
  labels: Box[];
  boxes: Box[];
}

// Runs in the page (a string: the test's TypeScript has no DOM types). Label and node boxes in
// screen pixels, from the SVG elements or the canvas's last frame.
const MEASURE = `(() => {
  const view = document.querySelector('.graph-view');
  const zoom = Number(view.dataset.zoom);
  const area = view.getBoundingClientRect();
  const rect = (e) => {
    const r = e.getBoundingClientRect();
    return { x0: r.left, y0: r.top, x1: r.right, y1: r.bottom };
  };
  const inside = (b) => b.x1 > area.left && b.x0 < area.right && b.y1 > area.top && b.y0 < area.bottom;
  const canvas = view.querySelector('canvas.graph-canvas');
  if (canvas) {
    const d = canvas.drawn || { labels: [], boxes: [] };
    const boxes = (flat) => {
      const out = [];
      for (let k = 0; k < flat.length; k += 4) out.push({ x0: area.left + flat[k], y0: area.top + flat[k + 1], x1: area.left + flat[k + 2], y1: area.top + flat[k + 3] });
      return out;
    };
    return { mode: 'canvas', zoom, labels: boxes(d.labels), boxes: boxes(d.boxes) };
  }
  const labels = [...view.querySelectorAll('.edge-labels text')].map(rect).filter(inside);
  const boxes = [...view.querySelectorAll('.nodes > g[role="button"] > rect')].map(rect).filter(inside);
  return { mode: 'svg', zoom, labels, boxes };
})()`;

function drawnBoxes(page: Page): Promise<Drawn> {
  return page.evaluate(MEASURE) as Promise<Drawn>;
}

/** Pairs of overlapping boxes (by more than half a pixel both ways): label-label and label-node. */
function overlapsOf(d: Drawn): { labelLabel: number; labelNode: number } {
  const hit = (a: Box, b: Box) => Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0) > 0.5 && Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0) > 0.5;
  let labelLabel = 0;
  let labelNode = 0;
  d.labels.forEach((a, i) => {
    for (let j = i + 1; j < d.labels.length; j++) if (hit(a, d.labels[j])) labelLabel++;
    for (const b of d.boxes) if (hit(a, b)) labelNode++;
  });
  return { labelLabel, labelNode };
}

describe('edge labels in Chromium never overlap', () => {
  const app = useServedBrowser('e2e-labels-', async (dir) => {
    await writeFile(join(dir, 'fan-out.onnx'), modelBytes(fanOutModel()));
    await writeFile(join(dir, 'decoder.onnx'), modelBytes(transformerModel({ kind: 'decoder', layers: 24, constantNodes: true })));
    return [join(dir, 'fan-out.onnx')];
  });
  const decoder = () => join(app.dir, 'decoder.onnx');

  const page = () => app.page;

  async function openByPicker(path: string, nodes: string): Promise<void> {
    const chooser = page().waitForEvent('filechooser');
    await page().getByText('Open…').click();
    await (await chooser).setFiles(path);
    await expect.poll(() => page().locator('output[aria-label="node count"]').textContent(), { timeout: 30_000 }).toBe(nodes);
  }

  /** Zooms with the keyboard until the scale reaches `atLeast` (0: fit), then waits for the frame. */
  async function zoomTo(atLeast: number): Promise<number> {
    const view = page().locator('.graph-view');
    await view.focus();
    await page().keyboard.press('0');
    await page().waitForTimeout(400);
    for (let i = 0; i < 30 && atLeast > 0; i++) {
      const k = Number(await view.getAttribute('data-zoom'));
      if (Number.isNaN(k) ? i >= 6 : k >= atLeast) break;
      await page().keyboard.press('+');
      await page().waitForTimeout(200);
    }
    await page().waitForTimeout(300);
    return Number(await view.getAttribute('data-zoom'));
  }

  /** At the zoom that fits the graph, and at two zooms where labels are drawn: no overlaps, and labels drawn at both. */
  async function check(name: string, mode: 'svg' | 'canvas'): Promise<void> {
    for (const [zoom, tag] of [[0, 'fit'], [0.75, 'mid'], [1.4, 'zoomed']] as const) {
      const k = await zoomTo(zoom);
      await screenshot(page(), `${SHOTS}-${name}-${tag}`);
      const drawn = await drawnBoxes(page());
      const found = overlapsOf(drawn);
      console.log(`${name} ${tag} (${drawn.mode}, zoom ${k.toFixed(2)}): ${drawn.labels.length} labels, ${drawn.boxes.length} boxes, overlaps ${JSON.stringify(found)}`);
      expect(drawn.mode).toBe(mode);
      expect(found).toEqual({ labelLabel: 0, labelNode: 0 });
      if (tag !== 'fit') expect(drawn.labels.length).toBeGreaterThan(0);
    }
  }

  it('on a graph of 3- to 8-edge fan-outs', async () => {
    await page().goto(app.served.url);
    await expect.poll(() => page().locator('output[aria-label="node count"]').textContent(), { timeout: 30_000 }).toBe('98 nodes');
    await check('fan-out', 'svg');
  });

  it('on Silero VAD', async () => {
    await openByPicker(SILERO_V5, '5 nodes');
    await check('silero-v5', 'svg');
  });

  it('on PaddleOCR’s text detector', async () => {
    await openByPicker(PADDLE_DET, '672 nodes');
    // 342 of its 672 nodes are Constants: drawn inside their readers, the rest fits the SVG drawing.
    await check('paddle-det', 'svg');
  });

  it('on PaddleOCR’s text detector with constants as boxes (a canvas drawing)', async () => {
    await page().getByRole('checkbox', { name: 'constants inside nodes' }).uncheck();
    await expect.poll(() => page().locator('canvas.graph-canvas').count(), { timeout: 30_000 }).toBe(1);
    await check('paddle-det-constant-boxes', 'canvas');
    await page().getByRole('checkbox', { name: 'constants inside nodes' }).check();
    await expect.poll(() => page().locator('canvas.graph-canvas').count(), { timeout: 30_000 }).toBe(0);
  });

  it('opens the tensor panel of a constant drawn inside its reader', async () => {
    const name = ((await page().getByRole('button', { name: /^graph constant / }).first().getAttribute('aria-label')) ?? '').replace('graph constant ', '');
    // The search jumps to the Constant: the view centres the node it is drawn in.
    const search = page().getByRole('searchbox', { name: 'search' });
    await search.fill(name);
    await page().waitForTimeout(400);
    await search.press('Enter');
    await page().waitForTimeout(600);
    await search.press('Escape');
    // A click where the constant's line is drawn (the view hit-tests the point, as for boxes).
    const line = await page().getByRole('button', { name: `graph constant ${name}` }).boundingBox();
    expect(line).not.toBeNull();
    await page().mouse.click(line!.x + line!.width / 2, line!.y + line!.height / 2);
    const panel = page().getByRole('region', { name: 'node panel' });
    await expect.poll(() => panel.locator('.op-title').textContent()).toBe('Constant');
    await expect.poll(() => panel.getByRole('region', { name: /^tensor statistics / }).count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => panel.textContent(), { timeout: 20_000 }).toContain('shape');
    expect(await panel.textContent()).toContain(name);
    await screenshot(page(), `${SHOTS}-paddle-det-constant-selected`);
  });

  it('names collapsed scopes readably when zoomed out to the whole graph', async () => {
    await openByPicker(decoder(), `${transformerModel({ kind: 'decoder', layers: 24, constantNodes: true }).graph!.node!.length} nodes`);
    // Everything collapsed, then the decoder opened one level: a column of 24 collapsed layers.
    await page().getByRole('button', { name: 'collapse all scopes' }).click();
    // The collapse redraws asynchronously: wait until only the top scope is left before opening it.
    const top = page().getByRole('button', { name: 'graph scope /transformer', exact: true });
    await expect.poll(() => page().getByRole('button', { name: /^graph scope \/transformer\// }).count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => top.count(), { timeout: 20_000 }).toBe(1);
    await top.dblclick();
    await expect.poll(() => page().getByRole('button', { name: 'graph scope /transformer/h.23' }).count(), { timeout: 20_000 }).toBe(1);
    await page().waitForTimeout(500);
    const k = await zoomTo(0);
    await screenshot(page(), `${SHOTS}-decoder-collapsed-fit`);
    // Per collapsed scope whose box is at least 3 pixels high: the height of its name on screen (0: none drawn).
    const heights = (await page().evaluate(`(() => {
      const view = document.querySelector('.graph-view');
      const canvas = view.querySelector('canvas.graph-canvas');
      if (canvas) {
        const d = canvas.drawn;
        const out = [];
        for (let k = 0; k < d.names.length; k += 4) out.push(d.names[k + 3] - d.names[k + 1]);
        return { mode: 'canvas', names: out, boxes: d.boxes.length / 4 };
      }
      const out = [];
      for (const g of view.querySelectorAll('.nodes > g.box-scope')) {
        if (g.querySelector('rect').getBoundingClientRect().height < 3) continue;
        out.push(g.querySelector('.box-label').getBoundingClientRect().height);
      }
      return { mode: 'svg', names: out };
    })()`)) as { mode: string; names: number[] };
    console.log(`decoder fit (${heights.mode}, zoom ${k.toFixed(3)}): ${heights.names.length} scope names, heights ${Math.min(...heights.names).toFixed(1)}–${Math.max(...heights.names).toFixed(1)} px`);
    expect(heights.names.length).toBeGreaterThanOrEqual(24);
    expect(Math.min(...heights.names)).toBeGreaterThanOrEqual(9);
  });
});
