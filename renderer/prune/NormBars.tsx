import { scaleLinear } from 'd3';

// One group's channels as bars (d3 scales), weakest first: the cut line after the channels the
// chosen sparsity would remove, and channels the user picked (a click picks or unpicks one),
// which are then removed in place of the weakest.

const HEIGHT = 110;
const TOP = 6;

interface Props {
  norms: readonly number[];
  /** Channels the sparsity would remove (the weakest round(sparsity · size)). */
  cut: number;
  picked: ReadonlySet<number>;
  onToggle(channel: number): void;
  /** What a bar is: a channel, or an attention head. */
  unit?: 'channel' | 'head';
}

/** Channel indices, weakest first (ties by index, as weakestChannels orders them). */
export function channelOrder(norms: readonly number[]): number[] {
  return [...norms.keys()].sort((a, b) => norms[a]! - norms[b]! || a - b);
}

export function NormBars({ norms, cut, picked, onToggle, unit = 'channel' }: Props) {
  const order = channelOrder(norms);
  const bar = Math.max(5, Math.min(18, Math.floor(320 / Math.max(1, norms.length))));
  const width = order.length * bar + 2;
  const y = scaleLinear().domain([0, Math.max(...norms, 1e-12)]).range([0, HEIGHT - TOP]);
  const picking = picked.size > 0;
  return (
    <div className="norm-scroll">
      <svg className="norm-chart" role="img" aria-label={`${unit} norms`} width={width} height={HEIGHT + 2}>
        {order.map((c, rank) => {
          const removed = picking ? picked.has(c) : rank < cut;
          const h = Math.max(1, y(norms[c]!));
          return (
            <rect
              key={c}
              className={`norm-bar${removed ? ' removed' : ''}${picked.has(c) ? ' picked' : ''}`}
              x={1 + rank * bar}
              y={HEIGHT - h}
              width={bar - 1}
              height={h}
              role="button"
              aria-label={`${unit} ${c}`}
              aria-pressed={picked.has(c)}
              data-channel={c}
              onClick={() => onToggle(c)}
            >
              <title>{`${unit} ${c}: norm ${norms[c]!.toPrecision(4)}${picked.has(c) ? ' (picked)' : removed ? ' (below the cut)' : ''}`}</title>
            </rect>
          );
        })}
        {cut > 0 ? <line className="norm-cut" aria-label="cut line" x1={1 + cut * bar - 0.5} x2={1 + cut * bar - 0.5} y1={0} y2={HEIGHT + 2} /> : null}
      </svg>
    </div>
  );
}
