import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, modelBytes, node, valueInfo } from '../../shared/builder/index.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import { attributeTrace } from '../../shared/profile/attribution.js';
import { indexGraph } from '../../shared/profile/graph-index.js';
import { layerTable } from '../../shared/profile/layer-table.js';
import { correspond } from '../../shared/profile/graph-correspondence.js';
import { parseTrace } from '../../shared/profile/trace.js';
import { checkNodeSum, meanAt, SUM_TOLERANCE, typicalRuns, typicalValue } from '../../shared/profile/typical-runs.js';
import { mulberry32 } from '../../shared/verify/prng.js';

// The per-node figures that add up to a run, on synthetic traces shaped like a busy machine's:
// each kernel usually takes its own time and now and then (a worker descheduled) several times
// more, so that the kernels' medians add up to far less than a typical run.

const KERNELS = 10;

/** A chain of Relu nodes k0..k9: the model the synthetic kernels are the nodes of. */
function chainIndex() {
  const nodes = Array.from({ length: KERNELS }, (_, i) => node('Relu', [i ? `v${i - 1}` : 'x'], [`v${i}`], {}, { name: `k${i}` }));
  const g = graph({ nodes, inputs: [valueInfo('x', ElemType.FLOAT, [4])], outputs: [valueInfo(`v${KERNELS - 1}`, ElemType.FLOAT, [4])] });
  return indexGraph(decodeModel(modelBytes(model(g))).graph!);
}

interface Synthetic {
  text: string;
  /** Each run's kernel times (µs), by kernel. */
  times: number[][];
}

/**
 * `runs` runs of the chain: kernel i takes base[i] µs, plus `stall` µs where `stalled(run, i)`;
 * 20 µs of launch between kernels, 10 µs before the first and 10 + `after(run)` µs after the last.
 */
function bimodalTrace(runs: number, stalled: (run: number, kernel: number) => boolean, stall: number, after: (run: number) => number = () => 0): Synthetic {
  const base = Array.from({ length: KERNELS }, (_, i) => 500 + 100 * i);
  const events: object[] = [];
  const times: number[][] = [];
  let ts = 0;
  for (let r = 0; r < runs; r++) {
    const start = ts;
    let t = start + 10;
    const row: number[] = [];
    for (let i = 0; i < KERNELS; i++) {
      if (i) t += 20;
      const dur = base[i]! + (stalled(r, i) ? stall : 0);
      row.push(dur);
      events.push({ cat: 'Node', name: `k${i}_kernel_time`, ph: 'X', ts: t, dur, tid: 1, args: { op_name: 'Relu', provider: 'CPUExecutionProvider', node_index: i } });
      t += dur;
    }
    times.push(row);
    events.push({ cat: 'Session', name: 'model_run', ph: 'X', ts: start, dur: t + 10 + after(r) - start, tid: 1 });
    ts = t + 1000 + after(r);
  }
  return { text: JSON.stringify(events), times };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};

describe('typical runs', () => {
  it('are the middle half of the runs by rank, as many above as below, scaled from their mean to the median', () => {
    expect(typicalRuns([30, 10, 20, 20.5, 40])).toEqual({ indices: [0, 2, 3], scale: 20.5 / ((30 + 20 + 20.5) / 3) });
    // Two modes: the middle two runs are one of each, and their mean is the median.
    expect(typicalRuns([10, 30, 10, 30])).toEqual({ indices: [1, 2], scale: 1 });
    expect(typicalRuns([6, 1, 5, 2, 4, 3]).indices).toEqual([2, 3, 4, 5]);
    expect(typicalRuns([3, 1, 2]).indices).toEqual([0, 1, 2]);
    expect(typicalRuns([7])).toEqual({ indices: [0], scale: 1 });
    expect(typicalRuns([])).toEqual({ indices: [], scale: 1 });
  });

  it('give per-run figures that add up to the median per-run total, whatever the spread', () => {
    const rand = mulberry32(7);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(rand() * 40);
      // Three kernels, each fast or (a stall) two to ten times slower, in each run.
      const kernels = [2, 3, 5].map((base) => Array.from({ length: n }, () => base * (rand() < 0.3 ? 2 + 8 * rand() : 1 + 0.05 * rand())));
      const totals = kernels[0]!.map((_, r) => kernels.reduce((a, k) => a + k[r]!, 0));
      const t = typicalRuns(totals);
      expect(t.indices.length).toBeGreaterThanOrEqual(Math.min(n, Math.ceil(n / 2)));
      expect(kernels.reduce((a, k) => a + typicalValue(k, t), 0)).toBeCloseTo(median(totals), 9);
    }
  });

  it('flags a sum more than 10% off the run, with a one-line reason either way', () => {
    const t = { indices: [1, 2, 3], scale: 1.01 };
    expect(checkNodeSum(9, 0.5, 10, 0.5, t)).toMatchObject({ totalMs: 9.5, addsUp: true, typicalRuns: 3, scale: 1.01 });
    expect(checkNodeSum(9, 0.5, 10, 0.5, t).warning).toBeUndefined();
    const short = checkNodeSum(5, 0.5, 10, 4.5, t);
    expect(short.addsUp).toBe(false);
    expect(short.difference).toBeCloseTo(-0.45, 12);
    expect(short.warning).toMatch(/^the per-node times add up to 5\.50 ms, 45% less than the median run \(10\.00 ms\): /);
    const over = checkNodeSum(12, 0, 10, 0, t);
    expect(over.addsUp).toBe(false);
    expect(over.warning).toMatch(/20% more than the median run .*overlap/);
    expect(checkNodeSum(0.05, 0.01, 0.123, 0.063, t).warning).toMatch(/add up to 0\.060 ms, 51% less than the median run \(0\.123 ms\)/);
    expect(SUM_TOLERANCE).toBe(0.1);
  });
});

describe('per-node figures on a bimodal trace', () => {
  const index = chainIndex();

  /** Seeded: each kernel stalls in about a fraction p of the runs. */
  const randomly = (p: number, seed: number) => {
    const rand = mulberry32(seed);
    return () => rand() < p;
  };

  it('add up to the median run where the kernel medians fall far short, and keep each kernel\'s spread', () => {
    // Three of the ten kernels stall in each run, each kernel in three runs of ten.
    const s = bimodalTrace(20, (r, i) => (i + 3 * r) % KERNELS < 3, 4000);
    const trace = parseTrace(s.text);
    const a = attributeTrace(trace, 0, index, null);
    const run = a.tracedRunMs;
    // The flaw this fixes: each kernel's median is its fast time, and the medians miss most of a run.
    expect(a.kernelMedianSumMs / run).toBeLessThan(0.6);
    // The figures are means over the typical runs: they add up to those runs' kernel time plus launches.
    // Each run spends 20 µs outside its kernels and launches: the figures add up to the median run less that.
    const typical = typicalRuns(s.times.map((row) => row.reduce((x, y) => x + y + 20, -20) / 1000), run - 0.02);
    expect(typical.indices).toHaveLength(10);
    for (const n of a.nodes) {
      const i = Number(n.name.slice(1));
      expect(n.typicalMs).toBeCloseTo(meanAt(s.times.map((row) => row[i]! / 1000), typical.indices) * typical.scale, 9);
      // The spread over all runs stays: the fast time as min and median, the stalled one as max.
      expect(n.minMs).toBeLessThanOrEqual(n.typicalMs);
      expect(n.maxMs).toBeGreaterThanOrEqual(n.typicalMs);
      expect(n.medianMs).toBeCloseTo((500 + 100 * i) / 1000, 9);
      expect(n.maxMs).toBeCloseTo((4500 + 100 * i) / 1000, 9);
    }
    expect(a.kernelSumMs).toBeCloseTo(a.nodes.reduce((x, n) => x + n.typicalMs, 0), 9);
    expect(a.nodeSum.kernelMs).toBe(a.kernelSumMs);
    expect(a.nodeSum.launchMs).toBeCloseTo(0.02 * (KERNELS - 1) * typical.scale, 9);
    expect(a.nodeSum.runMedianMs).toBe(run);
    expect(a.nodeSum.outsideMs).toBeCloseTo(0.02, 9);
    expect(a.nodeSum.totalMs).toBeCloseTo(run - 0.02, 9);
    expect(a.nodeSum.typicalRuns).toBe(10);
    expect(Math.abs(a.nodeSum.difference)).toBeLessThanOrEqual(SUM_TOLERANCE);
    expect(a.nodeSum.addsUp).toBe(true);
    // Shares and op-type totals follow the same figures; the table is ordered by them.
    expect(a.nodes.reduce((x, n) => x + n.share, 0)).toBeCloseTo(1, 9);
    expect(a.byOpType[0]).toMatchObject({ key: 'Relu', kernels: KERNELS });
    expect(a.byOpType[0]!.typicalMs).toBeCloseTo(a.kernelSumMs, 9);
    expect(a.byOpType[0]!.medianMs).toBeCloseTo(a.kernelMedianSumMs, 9);
    for (let i = 1; i < a.nodes.length; i++) expect(a.nodes[i - 1]!.typicalMs).toBeGreaterThanOrEqual(a.nodes[i]!.typicalMs);
  });

  it('add up on many seeds and stall rates (the property holds by construction, not by luck)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const p = 0.05 + (seed % 8) * 0.1;
      const runs = 3 + (seed % 13);
      const a = attributeTrace(parseTrace(bimodalTrace(runs + 1, randomly(p, seed), 2000 + 300 * seed).text), 1, index, null);
      // Only the 20 µs of each run outside kernels and launches is missing.
      expect(Math.abs(a.nodeSum.difference), `seed ${seed}`).toBeLessThanOrEqual(0.01);
    }
  });

  it('leave out a stall now and then outside every kernel, and flag time outside kernels in every run', () => {
    // Three runs of twenty stall 40 ms after their last kernel (as seen under load): no node's time.
    const rare = attributeTrace(parseTrace(bimodalTrace(20, randomly(0.3, 5), 4000, (r) => (r % 7 === 3 ? 40_000 : 0)).text), 0, index, null);
    expect(Math.abs(rare.nodeSum.difference)).toBeLessThanOrEqual(0.01);
    expect(rare.nodeSum.addsUp).toBe(true);
    // Every run spending 30% of its time outside kernels is the runtime's own time: flagged, not spread over nodes.
    const always = attributeTrace(parseTrace(bimodalTrace(20, randomly(0.3, 5), 4000, () => 8000).text), 0, index, null);
    expect(always.nodeSum.addsUp).toBe(false);
    expect(always.nodeSum.difference).toBeLessThan(-0.1);
    expect(always.nodeSum.warning).toMatch(/less than the median run .*outside any kernel/);
    expect(rare.nodeSum.outsideMs).toBeCloseTo(0.02, 9);
    expect(always.nodeSum.outsideMs).toBeCloseTo(8.02, 9);
    expect(always.nodeSum.totalMs).toBeCloseTo(always.nodeSum.runMedianMs - 8.02, 9);
  });

  it('are plain means on a quiet machine', () => {
    const s = bimodalTrace(6, () => false, 0);
    const a = attributeTrace(parseTrace(s.text), 0, index, null);
    expect(a.nodeSum.typicalRuns).toBe(4);
    for (const n of a.nodes) expect(n.typicalMs).toBeCloseTo(n.medianMs, 9);
    expect(a.kernelSumMs).toBeCloseTo(a.kernelMedianSumMs, 9);
  });

  it('give the compare table the same figures, so each side adds up as its profile does', () => {
    const pa = attributeTrace(parseTrace(bimodalTrace(15, randomly(0.3, 3), 4000).text), 0, index, null);
    const pb = attributeTrace(parseTrace(bimodalTrace(15, randomly(0.3, 4), 4000).text), 0, index, null);
    const rows = layerTable(index, index, correspond(index, index, { provenance: true }), pa.nodes, pb.nodes);
    expect(rows.reduce((x, r) => x + r.aMs, 0)).toBeCloseTo(pa.kernelSumMs, 9);
    expect(rows.reduce((x, r) => x + r.bMs, 0)).toBeCloseTo(pb.kernelSumMs, 9);
    expect(rows.reduce((x, r) => x + r.aLaunchMs, 0)).toBeCloseTo(pa.nodeSum.launchMs, 9);
    const k3 = rows.find((r) => r.aNodes.includes('k3'))!;
    expect(k3.aMs).toBe(pa.nodes.find((n) => n.name === 'k3')!.typicalMs);
  });
});
