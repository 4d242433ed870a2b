import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import type { LayoutInput } from '../../shared/layout/index.js';

// The peer: @dagrejs/dagre (the library Netron's layout derives from) laying out the same boxes
// and edges in the same browser, next to our layout run on the page's main thread (no worker),
// so that the two compare like for like. The page gets our code as one bundle (`wbView`) that
// builds the boxes from the graph JSON with the renderer's own view-graph code.

export interface PeerResult {
  ms: number | null;
  error: string | null;
}

export interface PlainInput {
  widths: number[];
  heights: number[];
  sources: number[];
  targets: number[];
}

/** What the bundle exposes as `wbView`. */
interface ViewBundle {
  prepareGraph(info: unknown): { tree: unknown };
  buildViewGraph(p: unknown, expanded: ReadonlySet<string>): unknown;
  layoutInputOf(v: unknown): LayoutInput;
  allScopes(tree: unknown): Set<string>;
  layoutGraph(input: LayoutInput): unknown;
}

/** The source of the bundle (esbuild's stdin: re-exports of the renderer and layout modules). */
export const VIEW_BUNDLE_ENTRY = [
  "export { layoutGraph, allScopes } from './shared/layout/index.ts';",
  "export { prepareGraph, buildViewGraph, layoutInputOf } from './renderer/graph/view-graph.ts';",
].join('\n');

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

/** Our layout of a graph (every scope expanded) on a page's main thread; also returns the boxes and edges it laid out. */
export async function ourLayout(browser: Browser, pageUrl: string, graphUrl: string, bundle: string): Promise<PeerResult & { input: PlainInput | null }> {
  const page = await browser.newPage();
  try {
    await page.goto(pageUrl);
    await page.addScriptTag({ content: bundle });
    return await page.evaluate(async (url: string) => {
      const lib = (globalThis as unknown as { wbView: ViewBundle }).wbView;
      const info = await (await fetch(url)).json();
      const p = lib.prepareGraph(info);
      const input = lib.layoutInputOf(lib.buildViewGraph(p, lib.allScopes(p.tree)));
      const plain = { widths: Array.from(input.widths), heights: Array.from(input.heights), sources: Array.from(input.sources), targets: Array.from(input.targets) };
      const t0 = performance.now();
      try {
        lib.layoutGraph(input);
        return { ms: performance.now() - t0, error: null, input: plain };
      } catch (e) {
        return { ms: null, error: `${(e as Error).name}: ${(e as Error).message}`, input: plain };
      }
    }, graphUrl);
  } finally {
    await page.close().catch(() => {});
  }
}

/** dagre's layout of the same boxes in a fresh page; stack overflows and timeouts are reported, not thrown. */
export async function dagreLayout(browser: Browser, pageUrl: string, dagrePath: string, input: PlainInput, timeoutMs: number): Promise<PeerResult> {
  const page = await browser.newPage();
  try {
    await page.goto(pageUrl);
    await page.addScriptTag({ content: readFileSync(dagrePath, 'utf8') });
    const run = page.evaluate((g: PlainInput) => {
      const d = (globalThis as unknown as { dagre: typeof import('@dagrejs/dagre') }).dagre;
      const graph = new d.graphlib.Graph({ multigraph: true });
      graph.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 36, edgesep: 8 });
      graph.setDefaultEdgeLabel(() => ({}));
      g.widths.forEach((w, i) => graph.setNode(String(i), { width: w, height: g.heights[i] }));
      g.sources.forEach((s, j) => graph.setEdge(String(s), String(g.targets[j]), {}, String(j)));
      const t0 = performance.now();
      try {
        d.layout(graph);
        return { ms: performance.now() - t0, error: null };
      } catch (e) {
        return { ms: null, error: `${(e as Error).name}: ${(e as Error).message}` };
      }
    }, input);
    const r = await withTimeout(run, timeoutMs);
    return r === 'timeout' ? { ms: null, error: `did not finish in ${timeoutMs / 1000} s` } : r;
  } finally {
    await page.close().catch(() => {});
  }
}
