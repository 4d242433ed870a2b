import { describe, expect, it } from 'vitest';
import { ServerMetrics } from '../../electron/serving/metrics.js';
import { appendPoint, batchSizes, histogramQuantile, pointBetween, requestTotals } from '../../renderer/serving/dashboard-series.js';
import { methods } from '../../shared/protocol/methods.js';
import type { ServingSnapshot } from '../../shared/protocol/serving-api.js';

// The dashboard's series from the snapshots of serve-model's own metrics (ServerMetrics, fed
// with known requests): rates and percentiles of each interval, batch sizes, the window kept.

const at = (m: ServerMetrics, time: number): ServingSnapshot => methods.getServing.result.parse({ serving: null, snapshot: { ...m.snapshot(), time } }).snapshot!;

describe('dashboard series', () => {
  it('gives each interval its request rates by status and the percentiles of its own requests', () => {
    const m = new ServerMetrics();
    for (let i = 0; i < 40; i++) m.request('a', 200, 0.02);
    const s1 = at(m, 10_000);
    // The interval: 90 fast and 10 slow answers, 5 refused, over 2 s.
    for (let i = 0; i < 90; i++) m.request('a', 200, 0.004);
    for (let i = 0; i < 10; i++) m.request('a', 200, 0.3);
    for (let i = 0; i < 5; i++) m.request('b', 429, 0.0001);
    const s2 = at(m, 12_000);
    const p = pointBetween(s1, s2, 9_000);
    expect(p.t).toBe(3);
    expect(p.rps).toEqual({ '200': 50, '429': 2.5 });
    // 105 latencies in the interval: 5 in (0, 1 ms], 90 in (2.5, 5 ms], 10 in (250, 500 ms].
    // p50: rank 52.5, 47.5 into the 90 of (2.5, 5]; p99: rank 103.95, 8.95 into the 10 of (250, 500].
    expect(p.p50Ms).toBeCloseTo(2.5 + (2.5 * 47.5) / 90, 9);
    expect(p.p99Ms).toBeCloseTo(250 + (250 * 8.95) / 10, 9);
    // The 40 earlier answers (20 ms) are not in it.
    expect(p.p90Ms).toBeLessThan(5);
    expect(requestTotals(s2)).toEqual({ '200': 140, '429': 5 });
  });

  it('has no percentile for an interval without answers, and counts the gauges as they are', () => {
    const m = new ServerMetrics();
    m.request('a', 200, 0.01);
    let queue = 3;
    m.gauges = { ...m.gauges, queueDepth: () => queue, inFlight: () => 7 };
    const s1 = at(m, 1000);
    queue = 5;
    const p = pointBetween(s1, at(m, 2000), 1000);
    expect(p).toMatchObject({ rps: { '200': 0 }, p50Ms: null, p99Ms: null, queueDepth: 5, inFlight: 7 });
    expect(histogramQuantile({ buckets: [], sum: 0, count: 0 }, 0.5)).toBeNull();
  });

  it('turns the cumulative batch size buckets into runs per bucket, over every model', () => {
    const m = new ServerMetrics();
    for (const n of [1, 3, 8, 8]) m.batch('a', n);
    m.batch('b', 20);
    const sizes = batchSizes(at(m, 1));
    expect(sizes.slice(0, 6)).toEqual([
      { le: 1, count: 1 },
      { le: 2, count: 0 },
      { le: 4, count: 1 },
      { le: 8, count: 2 },
      { le: 16, count: 0 },
      { le: 32, count: 1 },
    ]);
    expect(batchSizes(at(new ServerMetrics(), 1))).toEqual([]);
  });

  it('keeps a window of points and skips a snapshot no newer than the last', () => {
    const m = new ServerMetrics();
    let last = at(m, 0);
    let points = appendPoint([], null, last, 0, 3);
    expect(points).toEqual([]);
    for (let t = 1; t <= 5; t++) {
      m.request('a', 200, 0.001);
      const next = at(m, t * 1000);
      points = appendPoint(points, last, next, 0, 3);
      last = next;
    }
    expect(points.map((p) => p.t)).toEqual([3, 4, 5]);
    expect(appendPoint(points, last, at(m, 5000), 0, 3)).toBe(points);
  });
});
