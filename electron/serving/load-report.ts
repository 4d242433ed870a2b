// Load test reports: a text table and an HTML page, for one run or several side by side
// (batching on and off, say), with each run's ratios against the first.

import { escapeHtml } from '../../shared/profile/html-report.js';
import type { LoadReport } from './load-test.js';

const f = (x: number | null | undefined, d = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '-');

function how(r: LoadReport): string {
  return r.mode === 'open' ? `${r.rps} req/s` : `${r.concurrency} clients`;
}

function errorsText(r: LoadReport): string {
  const e = Object.entries(r.errors);
  return e.length ? e.map(([k, n]) => `${k} ${n}`).join(', ') : 'none';
}

interface Row {
  label: string;
  cells: string[];
}

function rows(runs: readonly LoadReport[]): { head: string[]; rows: Row[] } {
  const base = runs[0]!;
  const head = ['run', 'load', 'requests', 'throughput req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors', 'throughput vs first', 'p99 vs first'];
  return {
    head,
    rows: runs.map((r, i) => ({
      label: r.label ?? `run ${i + 1}`,
      cells: [how(r), String(r.requests), f(r.throughput, 1), f(r.latency.p50Ms), f(r.latency.p90Ms), f(r.latency.p99Ms), f(r.latency.maxMs), errorsText(r), i === 0 ? '1.00x' : `${f(r.throughput / base.throughput)}x`, i === 0 ? '1.00x' : `${f((r.latency.p99Ms ?? NaN) / (base.latency.p99Ms ?? NaN))}x`],
    })),
  };
}

/**
 * Where a run's time went, from the server's Server-Timing headers (means, ms), and what was
 * spent outside the server (the client, HTTP, the network): undefined when the server sent none.
 */
export function stagesText(r: LoadReport): string | undefined {
  const st = r.stages;
  if (!st) return undefined;
  const parts = Object.entries(st).filter(([k]) => k !== 'total').map(([k, v]) => `${k} ${f(v.meanMs, 3)}`);
  const total = st.total?.meanMs;
  const outside = total !== undefined ? `; outside the server (client, HTTP, network) ${f(r.latency.meanMs - total, 3)}` : '';
  return `server time per request, mean ms: ${parts.join(', ')}${total !== undefined ? `; server total ${f(total, 3)}` : ''}${outside}`;
}

/** The runs as a text table. */
export function loadTable(runs: readonly LoadReport[]): string {
  const t = rows(runs);
  const all = [t.head, ...t.rows.map((r) => [r.label, ...r.cells])];
  const widths = t.head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  return all.map((r) => r.map((cell, c) => (c === 0 || c === 1 || c === 8 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

function bars(runs: readonly LoadReport[], pick: (r: LoadReport) => number, unit: string): string {
  const max = Math.max(...runs.map(pick).filter(Number.isFinite), 1e-9);
  return runs
    .map((r, i) => {
      const v = pick(r);
      const w = Number.isFinite(v) ? Math.max(1, (v / max) * 300) : 0;
      return `<div class="bar"><span class="name">${escapeHtml(r.label ?? `run ${i + 1}`)}</span><svg width="310" height="14"><rect width="${w.toFixed(1)}" height="14"/></svg> ${f(v, 2)} ${unit}</div>`;
    })
    .join('\n');
}

/** A self-contained HTML page of the runs. */
export function loadHtml(runs: readonly LoadReport[]): string {
  const t = rows(runs);
  const json = JSON.stringify(runs).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>load test: ${escapeHtml(runs[0]!.url)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px}table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}.bar{display:flex;gap:8px;align-items:center}.bar .name{width:160px}rect{fill:#4a7bd0}</style></head>
<body><h1>Load test</h1><p>${escapeHtml(runs[0]!.url)}</p>
<table><thead><tr>${t.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>
${t.rows.map((r) => `<tr><td>${escapeHtml(r.label)}</td>${r.cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n')}
</tbody></table>
<h2>Throughput</h2>${bars(runs, (r) => r.throughput, 'req/s')}
<h2>p99 latency</h2>${bars(runs, (r) => r.latency.p99Ms, 'ms')}
<script type="application/json" id="runs">${json}</script>
</body></html>
`;
}
