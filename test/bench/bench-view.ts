import { createReadStream, existsSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { build as esbuild } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { build as viteBuild } from 'vite';
import { writeBenchModel, type BenchModel } from './bench-view-data.js';
import { openAndMeasure, panFps, pressAndMeasure, type FpsMeasure, type OpenMeasure } from './bench-view-page.js';
import { writeEditAnswers, BENCH_FUSION, type BenchEdit } from './bench-view-edit.js';
import { applyAndMeasure } from './bench-view-edit-page.js';
import { serveModel } from './bench-view-serve.js';
import { dagreLayout, ourLayout, VIEW_BUNDLE_ENTRY, type PeerResult } from './bench-view-peer.js';

// npm run bench:view — the graph view in headless Chromium. For a 1,500-node transformer, a
// 15,000-node GPT-style decoder written op by op (128 layers) and a 100,000-node one: time from
// "model opened" to "graph drawn and interactive", long tasks after first paint, expanding every
// scope, and frames per second while dragging the 15,000-node graph. The peer, @dagrejs/dagre,
// lays out the same boxes and edges in the same browser. BENCH_VIEW_QUICK=1 skips the 100,000-node
// graph; BENCH_VIEW_DAGRE_TIMEOUT_S caps dagre (default 300); BENCH_VIEW_SERVE=1 also opens each
// model through `onnx-workbench serve MODEL` (the real host, its HTTP transport and validation).

const root = process.cwd();
const appDir = join(root, 'dist/bench-view/app');
const dataDir = join(appDir, 'bench-data');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const quick = process.env.BENCH_VIEW_QUICK === '1';
const viaServer = process.env.BENCH_VIEW_SERVE === '1';
const dagreTimeout = Number(process.env.BENCH_VIEW_DAGRE_TIMEOUT_S ?? 300) * 1000;

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.map': 'application/json' };

function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, path === '/' ? 'index.html' : path);
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function openRow(title: string, step: string, open: OpenMeasure): string[] {
  // Tasks that end before the graph arrives are the transport's (fetching and parsing its JSON).
  const transport = open.longTasks.filter((t) => t.start + t.duration <= open.graphReceived + 1);
  const view = open.longTasks.filter((t) => t.start + t.duration > open.graphReceived + 1);
  return [
    title,
    `${step} (${open.mode})`,
    ms(open.interactive - open.modelOpened),
    ms(open.graphReceived - open.modelOpened),
    ms(open.layoutDone - open.graphReceived),
    ms(maxTask(view)),
    String(view.filter((t) => t.duration > 200).length),
    ms(maxTask(transport)),
  ];
}

const ms = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? '—' : `${Math.round(v)} ms`);
const maxTask = (tasks: { duration: number }[]) => (tasks.length ? Math.max(...tasks.map((t) => t.duration)) : 0);

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    console.error(`bench:view: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
    process.exit(2);
  }
  console.log('building the renderer with the benchmark backend…');
  await viteBuild({
    configFile: join(root, 'renderer/vite.config.ts'),
    logLevel: 'warn',
    resolve: { alias: [{ find: /^\.\/backend\/index\.js$/, replacement: join(root, 'test/bench/bench-view-backend.ts') }] },
    build: { outDir: appDir, emptyOutDir: true, sourcemap: false },
  });
  const viewBundle = (
    await esbuild({
      stdin: { contents: VIEW_BUNDLE_ENTRY, resolveDir: root, loader: 'ts', sourcefile: 'bench-view-bundle.ts' },
      bundle: true,
      format: 'iife',
      globalName: 'wbView',
      write: false,
      target: 'es2022',
    })
  ).outputFiles[0].text;
  writeFileSync(join(appDir, 'blank.html'), '<!doctype html><title>peer</title>');

  console.log('building the models…');
  const models: BenchModel[] = [
    // Small constants as Constant nodes at each use, as exporters write them (a third of the nodes): the view draws them inside their readers.
    writeBenchModel(dataDir, 't1500', '1.5k transformer (BERT-style, 9 layers, Constant nodes)', { kind: 'encoder', layers: 9, constantNodes: true }, true),
    writeBenchModel(dataDir, 'gpt15k', '15k GPT-style decoder (83 layers, Constant nodes)', { kind: 'decoder', layers: 83, constantNodes: true }, true),
  ];
  if (!quick) {
    models.push(writeBenchModel(dataDir, 'gpt100k', '100k GPT-style decoder (555 layers, Constant nodes)', { kind: 'decoder', layers: 555, constantNodes: true }, false));
  }

  console.log(`running ${BENCH_FUSION} on the models for the edit rows…`);
  const edits = new Map<string, BenchEdit>();
  for (const m of models.filter((x) => x.name !== 't1500')) edits.set(m.name, await writeEditAnswers(dataDir, m.name, m.proto, m.graph, m.infer));

  const server = await serve(appDir);
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const rows: string[][] = [];
  const notes: string[] = [];
  let fps: { initial?: FpsMeasure; fit?: FpsMeasure } = {};
  try {
    for (const m of models) {
      console.log(`opening ${m.title} (${m.nodes} nodes, ${(m.bytes / 1e6).toFixed(1)} MB of graph JSON)…`);
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.on('pageerror', (e) => notes.push(`${m.name}: page error: ${e.message}`));
      const open = await openAndMeasure(page, `${origin}/index.html?model=${m.name}`);
      rows.push(openRow(m.title, 'opens', open));
      if (m.name !== 't1500') {
        const expand = await pressAndMeasure(page, 'expand all scopes');
        rows.push([m.title, `expand all (${expand.mode})`, ms(expand.ms), '', '', ms(maxTask(expand.longTasks)), String(expand.longTasks.filter((t) => t.duration > 200).length), '']);
        if (m.name === 'gpt15k') {
          const initial = await panFps(page);
          await page.locator('[aria-label="graph"]').focus();
          await page.keyboard.press('0');
          await page.waitForTimeout(600);
          const fit = await panFps(page);
          fps = { initial, fit };
        }
        // After an edit the view patches its graph from getGraphChanges, re-prepares it and lays it out, keeping scopes and zoom.
        const e = edits.get(m.name)!;
        try {
          const applied = await applyAndMeasure(page, BENCH_FUSION);
          const slow = applied.longTasks.filter((t) => t.duration > 200).length;
          // The targets of issue 9: the 15k graph drawn in under 1 s, no task over 200 ms on the 100k one.
          const target = m.name === 'gpt15k' ? (applied.ms < 1000 ? 'PASS (< 1 s)' : 'FAIL (target < 1 s)') : slow === 0 ? 'PASS (no task > 200 ms)' : 'FAIL (a task > 200 ms)';
          rows.push([
            m.title,
            `apply ${e.operation} ×${e.matches} (${applied.mode}, ${applied.patched ? 'patched' : 'read whole'})`,
            `${ms(applied.ms)} ${target}`,
            '',
            `received ${ms(applied.receivedMs)}, prepared ${ms(applied.preparedMs)}, laid out ${ms(applied.laidOutMs)}, drawn ${ms(applied.ms)}`,
            ms(maxTask(applied.longTasks)),
            String(slow),
            '',
          ]);
          notes.push(`${m.name}: ${e.operation} removed ${e.removed} nodes and added ${e.added} (${e.nodesBefore} → ${e.nodesAfter}); the page then showed "${applied.nodeCount}"`);
        } catch (err) {
          notes.push(`${m.name}: applying ${e.operation} failed: ${(err as Error).message.split('\n')[0]}`);
        }
      }
      await page.close();
    }

    if (viaServer) {
      for (const m of models) {
        console.log(`opening ${m.title} through onnx-workbench serve…`);
        const served = await serveModel(root, m.file);
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        page.on('pageerror', (e) => notes.push(`${m.name} (serve): page error: ${e.message}`));
        try {
          rows.push(openRow(m.title, 'serve → opens', await openAndMeasure(page, served.url, 300_000)));
        } catch (e) {
          notes.push(`${m.name} (serve): ${(e as Error).message.split('\n')[0]}`);
        } finally {
          await page.close();
          await served.stop();
        }
      }
    }

    console.log('laying out with dagre (the peer) and ours, in the same browser…');
    const peers: { title: string; nodes: number; ours: PeerResult; dagre: PeerResult }[] = [];
    for (const m of models.filter((x) => x.name !== 'gpt100k')) {
      const ours = await ourLayout(browser, `${origin}/blank.html`, `${origin}/bench-data/${m.name}.graph.json`, viewBundle);
      const dagre = ours.input
        ? await dagreLayout(browser, `${origin}/blank.html`, join(root, 'node_modules/@dagrejs/dagre/dist/dagre.min.js'), ours.input, dagreTimeout)
        : { ms: null, error: 'no input' };
      peers.push({ title: m.title, nodes: ours.input?.widths.length ?? 0, ours, dagre });
    }

    console.log('\nopen → drawn and interactive (headless Chromium, 1400×900; times from the app’s performance marks;');
    console.log('long tasks after first paint, split into the view’s and the transport’s JSON parse of the graph)');
    const header = ['graph', 'step', 'to interactive', 'graph JSON in', 'prepare + layout', 'longest view task', 'view tasks > 200 ms', 'JSON parse task'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
    console.log(line(header));
    for (const r of rows) console.log(line(r));
    if (fps.initial && fps.fit) {
      console.log(`\npanning the expanded 15k graph: ${fps.initial.fps.toFixed(0)} fps at the opening zoom (p95 frame ${fps.initial.p95FrameMs.toFixed(0)} ms), ` +
        `${fps.fit.fps.toFixed(0)} fps zoomed out to the whole graph (p95 frame ${fps.fit.p95FrameMs.toFixed(0)} ms)`);
    }
    console.log('\nlayout alone, every scope expanded (same boxes and edges for both)');
    for (const p of peers) {
      const ratio = p.dagre.ms && p.ours.ms ? ` — dagre/ours ${(p.dagre.ms / p.ours.ms).toFixed(1)}×` : '';
      console.log(`  ${p.title}, ${p.nodes} boxes: ours ${p.ours.ms !== null ? ms(p.ours.ms) : p.ours.error}; dagre ${p.dagre.ms !== null ? ms(p.dagre.ms) : p.dagre.error}${ratio}`);
    }
    for (const n of notes) console.log(n);
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((e: Error) => {
  console.error(`bench:view: ${e.stack ?? e.message}`);
  process.exit(1);
});
