import { useCallback, useEffect, useState } from 'react';
import type { CompareReport } from '../../shared/profile/report-schema.js';
import type { Backend, OpenedModelInfo } from '../../shared/protocol/backend.js';
import type { HistoryStep } from '../../shared/protocol/operations-api.js';
import { useStore } from '../state/use-store.js';
import { reportBase } from './downloads.js';
import { ExportButtons } from './ExportButtons.js';
import { JobProgress } from './JobProgress.js';
import type { ProfileStore } from './profile-store.js';
import { useJob } from './use-job.js';

// The current state against the file as opened (or a history step), measured in one job with
// interleaved runs: the latency ratio with its spread and verdict, output agreement, the layer
// table (nodes tied through provenance) and the graph diff; the report downloadable.

const ms = (v: number) => v.toFixed(3);
const LAYER_ROWS = 20;

function LatencyVerdict({ r }: { r: CompareReport }) {
  return (
    <div className="compare-latency">
      <p>
        {'Latency (current / before): '}
        <output aria-label="latency ratio">{`×${r.latencyRatio.toFixed(3)}`}</output>
        {` (p10–p90 ×${r.ratioSpread.p10.toFixed(3)}–×${r.ratioSpread.p90.toFixed(3)}; `}
        {`${ms(r.a.endToEnd.medianMs)} → ${ms(r.b.endToEnd.medianMs)} ms)`}
      </p>
      <p className={r.withinNoise ? 'verdict noise' : 'verdict'} aria-label="latency verdict">
        {r.verdict}
      </p>
    </div>
  );
}

function NameList({ label, names }: { label: string; names: string[] }) {
  return (
    <div className="diff-list" aria-label={`${label} nodes`}>
      <strong>{`${label} (${names.length})`}</strong>
      {names.length ? <span className="mono">{` ${names.slice(0, 30).join(', ')}${names.length > 30 ? ', …' : ''}`}</span> : null}
    </div>
  );
}

function CompareResult({ r, base }: { r: CompareReport; base: string }) {
  const layers = [...r.layers].sort((x, y) => Math.abs(y.deltaMs) - Math.abs(x.deltaMs)).slice(0, LAYER_ROWS);
  return (
    <div className="compare-result">
      <LatencyVerdict r={r} />
      <h3>Outputs</h3>
      <table className="compact" aria-label="output agreement">
        <thead>
          <tr>
            <th>output</th>
            <th className="num">max |Δ|</th>
            <th className="num">cosine</th>
            <th className="num">top-1</th>
          </tr>
        </thead>
        <tbody>
          {r.outputs.map((o) => (
            <tr key={o.name}>
              <td className="mono">{o.name}</td>
              <td className="num">{o.maxAbsError === null ? (o.reason ?? '—') : o.maxAbsError.toExponential(2)}</td>
              <td className="num">{o.cosine === null ? '—' : o.cosine.toFixed(6)}</td>
              <td className="num">{o.top1Agreement === null ? '—' : `${(100 * o.top1Agreement).toFixed(1)}%`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>{r.layers.length > layers.length ? `Layers (${r.layers.length}; the ${layers.length} that changed most)` : `Layers (${r.layers.length})`}</h3>
      <div className="node-time-table">
        <table aria-label="layer comparison">
          <thead>
            <tr>
              <th>before</th>
              <th>current</th>
              <th className="num">ms before</th>
              <th className="num">ms now</th>
              <th className="num">Δ ms</th>
              <th>via</th>
            </tr>
          </thead>
          <tbody>
            {layers.map((l, i) => (
              <tr key={i}>
                <td className="mono">{l.aNodes.join(', ') || '—'}</td>
                <td className="mono">{l.bNodes.join(', ') || '—'}</td>
                <td className="num">{ms(l.aMs)}</td>
                <td className="num">{ms(l.bMs)}</td>
                <td className={l.deltaMs < 0 ? 'num faster' : 'num'}>{ms(l.deltaMs)}</td>
                <td>{l.match}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>{`Graph diff (${r.structure.nodesA} → ${r.structure.nodesB} nodes)`}</h3>
      <NameList label="added" names={r.structure.added} />
      <NameList label="removed" names={r.structure.removed} />
      <NameList label="changed" names={r.structure.changed} />
      <NameList label="fused" names={r.structure.fused} />
      {r.structure.foldedConstants > 0 && <p aria-label="constants folded">{`constants folded into initializers (${r.structure.foldedConstants})`}</p>}
      <ExportButtons report={r} base={base} />
    </div>
  );
}

/** Whether the graph diff is marked on the graph, with the colours' legend. */
function DiffToggle({ store }: { store: ProfileStore }) {
  const show = useStore(store, (s) => s.showDiff);
  return (
    <label className="diff-legend">
      <input type="checkbox" aria-label="mark the graph diff on the graph" checked={show} onChange={(e) => store.set({ showDiff: e.target.checked })} /> mark on the graph:{' '}
      <span className="changed">changed</span>, <span className="added">added</span>
    </label>
  );
}

export function CompareView({ backend, model, store }: { backend: Backend; model: OpenedModelInfo; store: ProfileStore }) {
  const options = useStore(store, (s) => s.options);
  const report = useStore(store, (s) => (s.modelId === model.modelId ? s.compare : null));
  const [against, setAgainst] = useState<'original' | number>('original');
  const [steps, setSteps] = useState<HistoryStep[]>([]);
  const fetch = useCallback((jobId: string) => backend.getCompare(jobId), [backend]);
  const job = useJob(backend, fetch);

  const refresh = useCallback(() => {
    backend.getHistory(model.modelId).then(
      (h) => setSteps(h.steps.filter((s) => s.applied && s.index < h.state)),
      () => setSteps([]),
    );
  }, [backend, model.modelId]);
  useEffect(refresh, [refresh]);

  const run = async () => {
    const r = await job.run(() => backend.startCompare({ modelId: model.modelId, against, options }));
    if (r) store.set({ compare: r });
  };

  return (
    <div className="compare-view" aria-label="compare">
      <h3>Compare</h3>
      <div className="compare-actions">
        <label>
          Current state against
          <select
            aria-label="compare against"
            value={String(against)}
            onFocus={refresh}
            onChange={(e) => setAgainst(e.target.value === 'original' ? 'original' : Number(e.target.value))}
          >
            <option value="original">the original file</option>
            {steps.map((s) => (
              <option key={s.index} value={s.index}>{`step ${s.index}: ${s.label}`}</option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void run()} disabled={job.running}>
          Compare
        </button>
      </div>
      <JobProgress view={job} label="comparison" />
      {report ? (
        <>
          <DiffToggle store={store} />
          <CompareResult r={report} base={reportBase(model.name, 'compare')} />
        </>
      ) : null}
    </div>
  );
}
