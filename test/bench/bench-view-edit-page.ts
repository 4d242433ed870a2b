import type { Page } from 'playwright-core';

// Applying the benchmark's fusion in the page as a user does (operations panel → preview →
// Apply), timed from the click on Apply to the edited graph drawn and interactive.

/** The page's globals used here (the file compiles without the DOM library). */
interface PageGlobals {
  performance: { now(): number; getEntriesByType(type: string): { name: string; startTime: number }[] };
  document: { querySelectorAll(selector: string): ArrayLike<{ textContent: string | null; click(): void }> };
  __longTasks: { start: number; duration: number }[];
}

export interface EditMeasure {
  /** Click on Apply → the edited graph drawn and answering input. */
  ms: number;
  /** Click → the edited graph received, prepared (store updated), laid out; the rest is the scene and drawing. */
  receivedMs: number;
  preparedMs: number;
  laidOutMs: number;
  mode: string;
  /** Whether the graph was patched from getGraphChanges (else read whole). */
  patched: boolean;
  longTasks: { start: number; duration: number }[];
  nodeCount: string;
}

const interactive = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as PageGlobals).performance.getEntriesByType('mark').filter((m) => m.name.startsWith('wb:graph-interactive')).length);

/** Previews `operation` from the operations panel, then applies it and waits for the new graph. */
export async function applyAndMeasure(page: Page, operation: string, timeoutMs = 180_000): Promise<EditMeasure> {
  await page.getByRole('button', { name: `operation ${operation}` }).click({ timeout: timeoutMs });
  const apply = page.getByRole('region', { name: 'preview' }).getByRole('button', { name: 'Apply' });
  await apply.waitFor({ timeout: timeoutMs });
  await page.waitForTimeout(500);
  const before = await interactive(page);
  const t0 = await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    const b = Array.from(g.document.querySelectorAll('[aria-label="preview"] button')).find((x) => x.textContent === 'Apply')!;
    const t = g.performance.now();
    b.click();
    return t;
  });
  await page.waitForFunction(
    (n) => (globalThis as unknown as PageGlobals).performance.getEntriesByType('mark').filter((m) => m.name.startsWith('wb:graph-interactive')).length > n,
    before,
    { timeout: timeoutMs, polling: 25 },
  );
  await page.waitForTimeout(500);
  const { marks, tasks } = await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    return { marks: g.performance.getEntriesByType('mark').map((m) => ({ name: m.name, t: m.startTime })), tasks: g.__longTasks };
  });
  const drawn = marks.filter((m) => m.name.startsWith('wb:graph-interactive'))[before]!;
  const after = (name: string) => (marks.find((m) => m.name === name && m.t >= t0)?.t ?? NaN) - t0;
  return {
    ms: drawn.t - t0,
    receivedMs: after('wb:edit-graph-received'),
    preparedMs: after('wb:edit-prepared'),
    laidOutMs: after('wb:layout-done'),
    mode: drawn.name.split(':').pop() ?? '?',
    patched: marks.some((m) => m.name === 'wb:edit-graph-patched' && m.t >= t0),
    longTasks: tasks.filter((t) => t.start >= t0),
    nodeCount: (await page.locator('output[aria-label="node count"]').textContent()) ?? '',
  };
}
