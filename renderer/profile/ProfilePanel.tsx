import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Backend, GraphInfo, OpenedModelInfo } from '../../shared/protocol/backend.js';
import { heatColor } from '../graph/heat-color.js';
import { useStore } from '../state/use-store.js';
import { CompareView } from './CompareView.js';
import { ExportButtons } from './ExportButtons.js';
import { idsByName, nodeShares, topNodeIds } from './heat-map.js';
import { JobProgress } from './JobProgress.js';
import { NodeTimeTable } from './NodeTimeTable.js';
import { OpTypeChart } from './OpTypeChart.js';
import { ProfileSettings } from './ProfileSettings.js';
import type { ProfileStore } from './profile-store.js';
import { reportBase } from './downloads.js';
import { useJob } from './use-job.js';

// Profiling the current state of the model in the runtime host: the settings, Run with progress
// and Cancel; then the heat map's legend, "select the top N", time by operator type and the
// per-node table. The comparison with the original sits below, with the same settings.

interface Props {
  backend: Backend;
  model: OpenedModelInfo;
  graph: GraphInfo | null;
  /** Reports name the main graph's nodes: inside a subgraph nothing maps. */
  atMainGraph: boolean;
  selection: ReadonlySet<number>;
  store: ProfileStore;
  /** Selects these nodes and brings the first into view. */
  onPick(ids: number[]): void;
  /** Makes these nodes the selection. */
  onSelect(ids: number[]): void;
}

const NO_IDS: ReadonlyMap<string, number> = new Map();

export function ProfilePanel({ backend, model, graph, atMainGraph, selection, store, onPick, onSelect }: Props) {
  const s = useStore(store, (x) => x);
  const fetch = useCallback((jobId: string) => backend.getProfile(jobId), [backend]);
  const job = useJob(backend, fetch);
  const [topN, setTopN] = useState(3);
  const ids = useMemo(() => (graph && atMainGraph ? idsByName(graph) : NO_IDS), [graph, atMainGraph]);

  useEffect(() => {
    if (s.modelId !== model.modelId) store.set({ modelId: model.modelId, report: null, compare: null });
  }, [model.modelId, s.modelId, store]);

  const run = async () => {
    const report = await job.run(() => backend.startProfile({ modelId: model.modelId, options: s.options }));
    if (report) store.set({ report });
  };
  const report = s.modelId === model.modelId ? s.report : null;
  // The hottest node's share: what the heat map's darkest colour stands for.
  const maxShare = useMemo(() => (report ? Math.max(0, ...nodeShares(report).values()) : 0), [report]);

  return (
    <section className="panel profile-panel" aria-label="profile">
      <h2>Profile</h2>
      <ProfileSettings options={s.options} disabled={job.running} onChange={(c) => store.set((x) => ({ options: { ...x.options, ...c } }))} />
      <div className="profile-actions">
        <button type="button" onClick={() => void run()} disabled={job.running}>
          Run profile
        </button>
      </div>
      <JobProgress view={job} label="profile" />
      {report ? (
        <div className="profile-result">
          <p className="profile-summary" aria-label="profile summary">
            {`${report.model}: median ${report.endToEnd.medianMs.toFixed(3)} ms per run (p90 ${report.endToEnd.p90Ms.toFixed(3)}), ${report.runs} runs on ${report.provider.used}`}
            {report.provider.fallback ? ` (${report.provider.requested} not available: ${report.provider.reason ?? 'fell back'})` : ''}
          </p>
          <div className="heat-legend" aria-label="heat map legend">
            <label className="check">
              <input type="checkbox" aria-label="show heat map" checked={s.showHeat} onChange={(e) => store.set({ showHeat: e.target.checked })} />
              heat map
            </label>
            <span className="legend-end">0%</span>
            <span className="legend-ramp" style={{ background: `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(heatColor).join(', ')})` }} />
            <span className="legend-end">{`${(100 * maxShare).toFixed(1)}%`}</span>
            <span className="legend-none" style={{ background: heatColor(Number.NaN) }} title="no kernel time" />
            <span className="legend-end">none</span>
          </div>
          <div className="top-n">
            <label>
              Top
              <input aria-label="top N" type="number" min={1} value={topN} onChange={(e) => setTopN(Math.max(1, Math.floor(Number(e.target.value) || 1)))} />
            </label>
            <button type="button" onClick={() => onSelect(topNodeIds(report, ids, topN))} disabled={!ids.size}>
              Select the top {topN} by time
            </button>
          </div>
          <h3>By operator type</h3>
          <OpTypeChart byOpType={report.byOpType} />
          <h3>Per node</h3>
          <NodeTimeTable nodes={report.nodes} ids={ids} selection={selection} onPick={onPick} />
          <ExportButtons report={report} base={reportBase(model.name, 'profile')} />
        </div>
      ) : null}
      <CompareView backend={backend} model={model} store={store} />
    </section>
  );
}
