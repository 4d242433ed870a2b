import { max, scaleLinear } from 'd3';

// A tensor's value histogram (equal-width bins between min and max), drawn with d3 scales.

interface Props {
  histogram: { min: number; max: number; counts: number[] };
  label: string;
  width?: number;
  height?: number;
}

export function Histogram({ histogram, label, width = 240, height = 72 }: Props) {
  const { counts } = histogram;
  const x = scaleLinear().domain([0, counts.length]).range([0, width]);
  const y = scaleLinear()
    .domain([0, max(counts) ?? 1])
    .range([height - 14, 0]);
  const bar = Math.max(1, x(1) - x(0) - 0.5);
  return (
    <svg className="histogram" width={width} height={height} role="img" aria-label={label}>
      {counts.map((c, i) => (
        <rect key={i} x={x(i)} y={y(c)} width={bar} height={height - 14 - y(c)}>
          <title>{`${c}`}</title>
        </rect>
      ))}
      <text x={0} y={height - 2} className="axis">
        {formatNumber(histogram.min)}
      </text>
      <text x={width} y={height - 2} className="axis" textAnchor="end">
        {formatNumber(histogram.max)}
      </text>
    </svg>
  );
}

/** Numbers as the panels show them: up to 5 significant digits, exponents for the very large or small. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(3);
  return Number(v.toPrecision(5)).toString();
}
