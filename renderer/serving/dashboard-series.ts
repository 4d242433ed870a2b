import type { HistogramFigures, ServingSnapshot } from '../../shared/protocol/serving-api.js';

// What the dashboard draws, from the server's snapshots as polled: the snapshot holds totals
// since the server started, so each point is the change between two polls (requests per second
// by status, latency percentiles of the requests answered in between), next to the gauges.

export interface DashboardPoint {
  /** Seconds since the first snapshot. */
  t: number;
  /** Requests per second by HTTP status over the interval. */
  rps: Record<string, number>;
  /** Latency percentiles (ms) of the requests answered in the interval; null when none was. */
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  queueDepth: number;
  inFlight: number;
}

/** A histogram of the interval: counts in `later` less those in `earlier` (cumulative `le` buckets). */
export function histogramDelta(later: HistogramFigures, earlier: HistogramFigures | undefined): HistogramFigures {
  if (!earlier) return later;
  return { buckets: later.buckets.map((b, i) => ({ le: b.le, count: b.count - (earlier.buckets[i]?.count ?? 0) })), sum: later.sum - earlier.sum, count: later.count - earlier.count };
}

/**
 * The q-quantile of a cumulative histogram, interpolated linearly inside its bucket (as
 * Prometheus' histogram_quantile does); past the last bucket, its bound. Null when empty.
 */
export function histogramQuantile(h: HistogramFigures, q: number): number | null {
  if (h.count <= 0 || !h.buckets.length) return null;
  const rank = q * h.count;
  let lower = 0;
  let below = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      const inBucket = b.count - below;
      return inBucket > 0 ? lower + ((b.le - lower) * (rank - below)) / inBucket : b.le;
    }
    lower = b.le;
    below = b.count;
  }
  return h.buckets[h.buckets.length - 1]!.le;
}

/** Sums one figure over every model the server serves. */
function sumRequests(s: ServingSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of Object.values(s.models)) for (const [status, n] of Object.entries(m.requests)) out[status] = (out[status] ?? 0) + n;
  return out;
}

function sumHistograms(s: ServingSnapshot, pick: (m: ServingSnapshot['models'][string]) => HistogramFigures): HistogramFigures | undefined {
  let total: HistogramFigures | undefined;
  for (const m of Object.values(s.models)) {
    const h = pick(m);
    total = total ? { buckets: total.buckets.map((b, i) => ({ le: b.le, count: b.count + (h.buckets[i]?.count ?? 0) })), sum: total.sum + h.sum, count: total.count + h.count } : h;
  }
  return total;
}

/** The point for the interval between two successive snapshots (`start`: the first one's time). */
export function pointBetween(earlier: ServingSnapshot, later: ServingSnapshot, start: number): DashboardPoint {
  const dt = Math.max(1e-3, (later.time - earlier.time) / 1000);
  const before = sumRequests(earlier);
  const rps: Record<string, number> = {};
  for (const [status, n] of Object.entries(sumRequests(later))) rps[status] = (n - (before[status] ?? 0)) / dt;
  const latency = sumHistograms(later, (m) => m.latency);
  const delta = latency && histogramDelta(latency, sumHistograms(earlier, (m) => m.latency));
  const ms = (q: number) => {
    const v = delta ? histogramQuantile(delta, q) : null;
    return v === null ? null : v * 1000;
  };
  return { t: (later.time - start) / 1000, rps, p50Ms: ms(0.5), p90Ms: ms(0.9), p99Ms: ms(0.99), queueDepth: later.queueDepth, inFlight: later.inFlight };
}

/** Runs merged into batches of each size since the server started (non-cumulative, by bucket bound). */
export function batchSizes(s: ServingSnapshot): { le: number; count: number }[] {
  const total = sumHistograms(s, (m) => m.batchSize);
  if (!total) return [];
  return total.buckets.map((b, i) => ({ le: b.le, count: b.count - (i ? total.buckets[i - 1]!.count : 0) }));
}

/** Requests answered since the server started, by status. */
export function requestTotals(s: ServingSnapshot): Record<string, number> {
  return sumRequests(s);
}

/** Keeps the last `max` snapshots' points: appends the point for `next` after `last`. */
export function appendPoint(points: DashboardPoint[], last: ServingSnapshot | null, next: ServingSnapshot, start: number, max = 120): DashboardPoint[] {
  if (!last || next.time <= last.time) return points;
  const out = [...points, pointBetween(last, next, start)];
  return out.length > max ? out.slice(out.length - max) : out;
}
