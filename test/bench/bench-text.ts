// npm run bench:text — printing and parsing ONNX's textual syntax on the 15,000-node GPT-style
// decoder of bench:view (written op by op, 1,689 initializers). Target: the whole model prints
// in under 500 ms. The peer in the same run is our binary encoder writing the same model (the
// other way the workbench serializes it). Also: the text of a 100-node selection and of one
// layer's worth of nodes, which must not cost a whole-model print. Medians of BENCH_TEXT_RUNS
// runs (default 9) after 2 warm-up runs. Printed apart: the first print in a fresh process (code
// not yet optimized by V8: what opening the editor first costs), measured in BENCH_TEXT_COLD_RUNS
// child processes (default 5) on the model read back from its bytes as the app opens it, with
// wall and CPU time (CPU time is what the print costs when other work shares the machine), beside
// the first binary encode in the same process as the peer; a model whose tensors were not printed
// before (digests and value texts computed); and printing again (what each edit costs).

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { modelBytes } from '../../shared/builder/model-builder.js';
import { decodeModel, encodeModel } from '../../shared/onnx/model-codec.js';
import { IrModel } from '../../shared/ir/model.js';
import { parseModel, tensorsByDigest } from '../../shared/text/parser.js';
import { printModel, printNodes } from '../../shared/text/printer.js';
import { layersFor, transformerModel } from './bench-view-models.js';

const RUNS = Number(process.env.BENCH_TEXT_RUNS ?? 9);
const COLD_RUNS = Number(process.env.BENCH_TEXT_COLD_RUNS ?? 5);
const TARGET_MS = 500;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function time(f: () => unknown): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

function measure(f: () => unknown): { median: number; min: number; max: number } {
  for (let i = 0; i < 2; i++) f();
  const xs = Array.from({ length: RUNS }, () => time(f));
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

const fmt = (v: number) => `${v.toFixed(1)} ms`;

/** Wall and CPU milliseconds of f (CPU: this process's user + system time, all its threads). */
function timeCpu(f: () => unknown): { wall: number; cpu: number } {
  const c = process.cpuUsage();
  const wall = time(f);
  const u = process.cpuUsage(c);
  return { wall, cpu: (u.user + u.system) / 1000 };
}

interface ColdRun {
  print: { wall: number; cpu: number };
  encode: { wall: number; cpu: number };
}

/** In a fresh child process: the first print of the model (opened from its bytes), then its first encode. */
function coldChild(): void {
  const proto = decodeModel(modelBytes(transformerModel({ layers: layersFor(15_000), kind: 'decoder' })));
  const model = new IrModel(proto);
  const print = timeCpu(() => printModel(model));
  const encode = timeCpu(() => encodeModel(proto));
  process.stdout.write(JSON.stringify({ print, encode } satisfies ColdRun));
}

function coldRuns(): ColdRun[] {
  const self = fileURLToPath(import.meta.url);
  return Array.from({ length: COLD_RUNS }, () => JSON.parse(execFileSync(process.execPath, [self, '--cold'], { encoding: 'utf8' })) as ColdRun);
}

function main(): void {
  const proto = transformerModel({ layers: layersFor(15_000), kind: 'decoder' });
  const model = new IrModel(proto);
  const nodes = [...model.graph.nodes];
  console.log(`model: ${nodes.length} nodes, ${model.graph.initializers.size} initializers`);

  const colds = coldRuns();
  const coldWall = colds.map((c) => c.print.wall);
  const coldCpu = colds.map((c) => c.print.cpu);
  const coldEncodeCpu = colds.map((c) => c.encode.cpu);
  const text = printModel(model).text;
  // A model whose tensors the printer has not seen: no digests or value texts kept from before.
  const fresh = () => new IrModel({ ...proto, graph: { ...proto.graph, initializer: proto.graph!.initializer!.map((t) => ({ ...t })) } });
  const unseen = (() => {
    for (let i = 0; i < 2; i++) printModel(fresh());
    const xs = Array.from({ length: RUNS }, () => {
      const m = fresh();
      return time(() => printModel(m));
    });
    return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
  })();
  const print = measure(() => printModel(model));
  const encode = measure(() => encodeModel(proto));
  const lookup = tensorsByDigest(proto);
  const parse = measure(() => parseModel(text, { tensors: lookup }));
  const mid = nodes.length >> 1;
  const selection = nodes.slice(mid, mid + 100).map((n) => n.id);
  const layer = nodes.slice(mid, mid + 120).map((n) => n.id);
  const sel = measure(() => printNodes(model, selection));
  const lay = measure(() => printNodes(model.graph, layer));

  const rows: [string, string, string][] = [
    [`first print in a fresh process, wall (${COLD_RUNS} runs)`, fmt(median(coldWall)), `${fmt(Math.min(...coldWall))}–${fmt(Math.max(...coldWall))}`],
    ['first print in a fresh process, CPU', fmt(median(coldCpu)), `${fmt(Math.min(...coldCpu))}–${fmt(Math.max(...coldCpu))}`],
    ['peer: first encode in that process, CPU', fmt(median(coldEncodeCpu)), `${fmt(Math.min(...coldEncodeCpu))}–${fmt(Math.max(...coldEncodeCpu))}`],
    ['print a model not printed before', fmt(unseen.median), `${fmt(unseen.min)}–${fmt(unseen.max)}`],
    ['print the model again (kept tensor texts)', fmt(print.median), `${fmt(print.min)}–${fmt(print.max)}`],
    ['peer: encode the model (binary)', fmt(encode.median), `${fmt(encode.min)}–${fmt(encode.max)}`],
    ['parse the model text', fmt(parse.median), `${fmt(parse.min)}–${fmt(parse.max)}`],
    ['print a 100-node selection', fmt(sel.median), `${fmt(sel.min)}–${fmt(sel.max)}`],
    ['print a 120-node range of the graph', fmt(lay.median), `${fmt(lay.min)}–${fmt(lay.max)}`],
  ];
  for (const [a, b, c] of rows) console.log(`${a.padEnd(46)} ${b.padStart(10)}  ${c}`);
  console.log(`text: ${(text.length / 1e6).toFixed(2)} M characters, ${text.split('\n').length} lines`);
  console.log(`print (not printed before) / encode: ${(unseen.median / encode.median).toFixed(2)}×`);
  console.log(`first print / first encode, CPU, fresh process: ${(median(coldCpu) / median(coldEncodeCpu)).toFixed(2)}×`);
  const verdict = (ms: number) => (ms < TARGET_MS ? 'meets' : 'MISSES');
  console.log(`warm: print ${verdict(unseen.median)} the ${TARGET_MS} ms target (median ${fmt(unseen.median)} for a model not printed before)`);
  console.log(`cold: first print ${verdict(median(coldWall))} the ${TARGET_MS} ms target (median wall ${fmt(median(coldWall))}, CPU ${fmt(median(coldCpu))} in a fresh process)`);
}

if (process.argv[2] === '--cold') coldChild();
else main();
