import type { QuantizeFigures as Figures } from '../../shared/protocol/quantize-figures.js';

// A quantize step's measured figures under it in the history: size before → after, latency
// before → after with the speed-up, the outputs' cosine and top-1 agreement, and a warning that
// cannot be missed when the result is slower than the state before it.

export function bytesText(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(2)} MB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KB`;
  return `${n} B`;
}

const ms = (x: number) => (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

export function QuantizeFigures({ q }: { q: Figures }) {
  const cosines = q.outputs.map((o) => o.cosine).filter((c): c is number => c !== null);
  const top1 = q.outputs.map((o) => o.top1Agreement).filter((c): c is number => c !== null);
  return (
    <div className="quantize-figures" aria-label="quantize figures">
      <span>{`size ${bytesText(q.sizeBytesBefore)} → ${bytesText(q.sizeBytesAfter)} (${(q.sizeBytesAfter / Math.max(1, q.sizeBytesBefore)).toFixed(2)}x)`}</span>
      {q.latency ? (
        <span title={q.latency.verdict}>{`latency ${ms(q.latency.before)} → ${ms(q.latency.after)} ms · ${(1 / q.latency.ratio).toFixed(2)}x speed-up`}</span>
      ) : (
        <span>latency not measured</span>
      )}
      {cosines.length ? <span>{`cosine ${Math.min(...cosines).toFixed(5)}`}</span> : null}
      {top1.length ? <span>{`top-1 agreement ${(100 * Math.min(...top1)).toFixed(1)}%`}</span> : null}
      {q.excluded.length ? <span title={q.excluded.join(', ')}>{`${q.excluded.length} node${q.excluded.length === 1 ? '' : 's'} kept in float`}</span> : null}
      {q.slower && q.latency ? (
        <p className="quantize-slower" role="alert" aria-label="slower warning">
          {`SLOWER than before: ${ms(q.latency.after)} ms vs ${ms(q.latency.before)} ms median (${q.latency.ratio.toFixed(2)}x the time). Undo, or quantize fewer nodes.`}
        </p>
      ) : null}
      {q.warnings
        .filter((w) => !/SLOWER/.test(w))
        .map((w) => (
          <p key={w} className="quantize-warning" role="note">
            {w}
          </p>
        ))}
    </div>
  );
}
