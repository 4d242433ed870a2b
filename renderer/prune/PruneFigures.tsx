import type { OutputErrorFigures, PruneFigures as Figures } from '../../shared/protocol/prune-figures.js';
import { bytesText } from '../quantize/QuantizeFigures.js';

// A prune step's measured figures under it in the history: parameters and size before → after,
// latency with the speed-up, and the output error before and after recovery (on the fit samples
// and on held-out ones).

const ms = (x: number) => (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const err = (e: OutputErrorFigures) => `rel. L2 ${e.relativeL2.toPrecision(3)}, cos ${e.cosine.toFixed(4)}${e.top1Agreement === null ? '' : `, top-1 ${(100 * e.top1Agreement).toFixed(1)}%`}`;

export function PruneFigures({ p }: { p: Figures }) {
  const r = p.recovery;
  return (
    <div className="quantize-figures prune-figures" aria-label="prune figures">
      {p.summary ? <span className="prune-summary">{p.summary}</span> : null}
      <span>{`parameters ${p.parametersBefore.toLocaleString('en')} → ${p.parametersAfter.toLocaleString('en')} (${(p.parametersAfter / Math.max(1, p.parametersBefore)).toFixed(2)}x)`}</span>
      <span>{`size ${bytesText(p.sizeBytesBefore)} → ${bytesText(p.sizeBytesAfter)} (${(p.sizeBytesAfter / Math.max(1, p.sizeBytesBefore)).toFixed(2)}x)`}</span>
      {p.latency ? <span title={p.latency.verdict}>{`latency ${ms(p.latency.before)} → ${ms(p.latency.after)} ms · ${(1 / p.latency.ratio).toFixed(2)}x speed-up`}</span> : <span>latency not measured</span>}
      {r ? (
        <>
          <span aria-label="error before recovery">{`error before recovery: ${err(r.errorBefore)}`}</span>
          <span aria-label="error after recovery">{`after ${r.method}${r.applied ? '' : ' (not kept)'}: ${err(r.errorAfter)} · ${r.samples} sample${r.samples === 1 ? '' : 's'}`}</span>
          {r.heldOutError ? <span aria-label="held-out error">{`held-out (${r.heldOutSamples}): ${err(r.heldOutError.before)} → ${err(r.heldOutError.after)}`}</span> : <span>no held-out samples</span>}
        </>
      ) : null}
      {p.warnings.map((w) => (
        <p key={w} className="quantize-warning" role="note">
          {w}
        </p>
      ))}
    </div>
  );
}
