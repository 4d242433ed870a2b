import type { Page } from 'playwright-core';

// Measurements on a page running the renderer: time from "model opened" to "graph drawn and
// interactive" (the app's performance marks), long tasks after first paint (PerformanceObserver),
// and frames per second while the graph is dragged.

/** The page's globals these functions touch (the files compile without the DOM library). */
interface PageGlobals {
  __longTasks: { start: number; duration: number }[];
  __frames: number[];
  __counting: boolean;
  document: { querySelector(selector: string): { click(): void } | null };
  requestAnimationFrame(callback: (t: number) => void): number;
  performance: { now(): number; getEntriesByType(type: string): { name: string; startTime: number }[] };
}

/** Installed before the page's own scripts: records long tasks and paint entries. */
export const OBSERVE_LONG_TASKS = `
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
`;

export interface OpenMeasure {
  /** ms since navigation start. */
  firstPaint: number;
  modelOpened: number;
  graphReceived: number;
  layoutDone: number;
  interactive: number;
  mode: string;
  /** Long tasks that started after first paint. */
  longTasks: { start: number; duration: number }[];
}

const marksOf = (page: Page) =>
  page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    return {
      marks: g.performance.getEntriesByType('mark').map((m) => ({ name: m.name, t: m.startTime })),
      paint: g.performance.getEntriesByType('paint').map((p) => ({ name: p.name, t: p.startTime })),
      tasks: g.__longTasks,
    };
  });

function interactiveCount(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as unknown as PageGlobals).performance.getEntriesByType('mark').filter((m) => m.name.startsWith('wb:graph-interactive')).length);
}

async function waitForInteractive(page: Page, count: number, timeoutMs: number): Promise<void> {
  await page.waitForFunction(
    (n) => (globalThis as unknown as PageGlobals).performance.getEntriesByType('mark').filter((m) => m.name.startsWith('wb:graph-interactive')).length >= n,
    count,
    { timeout: timeoutMs, polling: 25 },
  );
}

/** Loads the app on `url` and waits until it has drawn the graph; then idles a second for late long tasks. */
export async function openAndMeasure(page: Page, url: string, timeoutMs = 120_000): Promise<OpenMeasure> {
  await page.addInitScript(OBSERVE_LONG_TASKS);
  await page.goto(url);
  await waitForInteractive(page, 1, timeoutMs);
  await page.waitForTimeout(1000);
  const { marks, paint, tasks } = await marksOf(page);
  const at = (name: string) => marks.find((m) => m.name.startsWith(name))?.t ?? NaN;
  const firstPaint = paint.find((p) => p.name === 'first-paint')?.t ?? 0;
  const interactiveMark = marks.find((m) => m.name.startsWith('wb:graph-interactive'));
  return {
    firstPaint,
    modelOpened: at('wb:model-opened'),
    graphReceived: at('wb:graph-received'),
    layoutDone: at('wb:layout-done'),
    interactive: interactiveMark?.t ?? NaN,
    mode: interactiveMark?.name.split(':').pop() ?? '?',
    longTasks: tasks.filter((t) => t.start >= firstPaint),
  };
}

/** Presses a toolbar button and times until the graph is drawn again. */
export async function pressAndMeasure(page: Page, label: string, timeoutMs = 120_000): Promise<{ ms: number; mode: string; longTasks: { start: number; duration: number }[] }> {
  const before = await interactiveCount(page);
  const t0 = await page.evaluate((l) => {
    const g = globalThis as unknown as PageGlobals;
    const t = g.performance.now();
    g.document.querySelector(`[aria-label="${l}"]`)!.click();
    return t;
  }, label);
  await waitForInteractive(page, before + 1, timeoutMs);
  await page.waitForTimeout(500);
  const { marks, tasks } = await marksOf(page);
  const m = marks.filter((x) => x.name.startsWith('wb:graph-interactive'))[before];
  return { ms: m.t - t0, mode: m.name.split(':').pop() ?? '?', longTasks: tasks.filter((t) => t.start >= t0) };
}

export interface FpsMeasure {
  fps: number;
  /** 95th percentile of the time between frames. */
  p95FrameMs: number;
  frames: number;
}

/** Drags the graph around for `ms` and counts animation frames meanwhile. */
export async function panFps(page: Page, ms = 2500): Promise<FpsMeasure> {
  const box = (await page.locator('[aria-label="graph"]').boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    w.__frames = [];
    w.__counting = true;
    const tick = (t: number) => {
      w.__frames.push(t);
      if (w.__counting) w.requestAnimationFrame(tick);
    };
    w.requestAnimationFrame(tick);
  });
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  const start = Date.now();
  let i = 0;
  while (Date.now() - start < ms) {
    const a = (i++ / 40) * Math.PI * 2;
    await page.mouse.move(cx + Math.cos(a) * box.width * 0.3, cy + Math.sin(a) * box.height * 0.3);
  }
  await page.mouse.up();
  const frames = await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    w.__counting = false;
    return w.__frames;
  });
  const gaps = frames.slice(1).map((t, k) => t - frames[k]).sort((a, b) => a - b);
  const span = frames[frames.length - 1] - frames[0];
  return {
    fps: span > 0 ? ((frames.length - 1) * 1000) / span : 0,
    p95FrameMs: gaps.length ? gaps[Math.min(gaps.length - 1, Math.floor(gaps.length * 0.95))] : NaN,
    frames: frames.length,
  };
}
