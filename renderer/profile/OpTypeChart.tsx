import { scaleBand, scaleLinear } from 'd3';
import type { Aggregate } from '../../shared/profile/report-schema.js';

// Where the time goes by operator type: one bar per type (its kernels' summed typical time),
// the biggest first.

const WIDTH = 320;
const BAR = 16;
const LABEL = 110;

export function OpTypeChart({ byOpType }: { byOpType: Aggregate[] }) {
  const rows = [...byOpType].sort((a, b) => b.typicalMs - a.typicalMs).slice(0, 12);
  const height = rows.length * BAR + 4;
  const y = scaleBand<string>().domain(rows.map((r) => r.key)).range([2, height - 2]).padding(0.15);
  const x = scaleLinear().domain([0, Math.max(...rows.map((r) => r.share), 1e-9)]).range([0, WIDTH - LABEL - 60]);
  return (
    <svg className="op-type-chart" role="img" aria-label="time by operator type" width={WIDTH} height={height}>
      {rows.map((r) => (
        <g key={r.key} transform={`translate(0,${y(r.key) ?? 0})`}>
          <text x={LABEL - 6} y={y.bandwidth() / 2} dy="0.35em" textAnchor="end" className="chart-label">
            {r.key}
          </text>
          <rect x={LABEL} width={Math.max(1, x(r.share))} height={y.bandwidth()} className="chart-bar">
            <title>{`${r.key}: ${r.typicalMs.toFixed(3)} ms in ${r.kernels} kernel${r.kernels === 1 ? '' : 's'}`}</title>
          </rect>
          <text x={LABEL + x(r.share) + 4} y={y.bandwidth() / 2} dy="0.35em" className="chart-value">
            {`${(100 * r.share).toFixed(1)}%`}
          </text>
        </g>
      ))}
    </svg>
  );
}
