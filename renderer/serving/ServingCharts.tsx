import { line, max, scaleBand, scaleLinear } from 'd3';
import type { DashboardPoint } from './dashboard-series.js';

// The dashboard's charts, drawn with d3's scales and line generator into React's SVG: lines over
// time (requests per second by status, latency percentiles, queue depth and in-flight requests)
// and the batch size histogram.

const WIDTH = 320;
const HEIGHT = 110;
const M = { left: 36, right: 8, top: 6, bottom: 18 };

export interface Series {
  key: string;
  label: string;
  className: string;
  value(p: DashboardPoint): number | null;
}

/** One line per series over the points' time; gaps where a value is null. */
export function LineChart({ label, points, series, unit }: { label: string; points: DashboardPoint[]; series: Series[]; unit: string }) {
  const t0 = points[0]?.t ?? 0;
  const t1 = Math.max(t0 + 1, points.at(-1)?.t ?? 1);
  const x = scaleLinear().domain([t0, t1]).range([M.left, WIDTH - M.right]);
  const top = max(points.flatMap((p) => series.map((s) => s.value(p) ?? 0))) ?? 0;
  const y = scaleLinear().domain([0, top > 0 ? top : 1]).nice(4).range([HEIGHT - M.bottom, M.top]);
  const path = (s: Series) =>
    line<DashboardPoint>()
      .defined((p) => s.value(p) !== null)
      .x((p) => x(p.t))
      .y((p) => y(s.value(p) ?? 0))(points) ?? '';
  const last = points.at(-1);
  return (
    <figure className="serving-chart">
      <figcaption>
        {label}
        {series.map((s) => (
          <span key={s.key} className={`serving-legend ${s.className}`}>
            {`${s.label} ${last && s.value(last) !== null ? `${formatValue(s.value(last)!)}` : '–'}`}
          </span>
        ))}
      </figcaption>
      <svg role="img" aria-label={label} width={WIDTH} height={HEIGHT}>
        {y.ticks(4).map((v) => (
          <g key={v} transform={`translate(0,${y(v)})`}>
            <line x1={M.left} x2={WIDTH - M.right} className="serving-grid" />
            <text x={M.left - 4} dy="0.35em" textAnchor="end" className="chart-label">
              {formatValue(v)}
            </text>
          </g>
        ))}
        <text x={WIDTH - M.right} y={HEIGHT - 4} textAnchor="end" className="chart-label">
          {`${Math.round(t1 - t0)} s · ${unit}`}
        </text>
        {series.map((s) => (
          <path key={s.key} d={path(s)} className={`serving-line ${s.className}`} data-series={s.key} />
        ))}
      </svg>
    </figure>
  );
}

/** Runs by batch size since the server started. */
export function BatchChart({ sizes }: { sizes: { le: number; count: number }[] }) {
  const height = 90;
  const x = scaleBand<string>().domain(sizes.map((s) => String(s.le))).range([M.left, WIDTH - M.right]).padding(0.15);
  const y = scaleLinear().domain([0, Math.max(1, ...sizes.map((s) => s.count))]).range([height - M.bottom, M.top + 10]);
  const total = sizes.reduce((n, s) => n + s.count, 0);
  return (
    <figure className="serving-chart">
      <figcaption>{`Batch size (runs: ${total})`}</figcaption>
      <svg role="img" aria-label="batch size histogram" width={WIDTH} height={height}>
        {sizes.map((s, i) => (
          <g key={s.le}>
            <rect x={x(String(s.le))} y={y(s.count)} width={x.bandwidth()} height={Math.max(0, height - M.bottom - y(s.count))} className="chart-bar serving-bar" data-count={s.count}>
              <title>{`${s.count} run${s.count === 1 ? '' : 's'} of ${i ? `${sizes[i - 1]!.le + 1}–${s.le}` : s.le} request${s.le === 1 ? '' : 's'}`}</title>
            </rect>
            <text x={(x(String(s.le)) ?? 0) + x.bandwidth() / 2} y={height - 5} textAnchor="middle" className="chart-label">
              {`≤${s.le}`}
            </text>
            {s.count ? (
              <text x={(x(String(s.le)) ?? 0) + x.bandwidth() / 2} y={y(s.count) - 2} textAnchor="middle" className="chart-value">
                {s.count}
              </text>
            ) : null}
          </g>
        ))}
      </svg>
    </figure>
  );
}

export function formatValue(v: number): string {
  if (Number.isInteger(v)) return String(v);
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
