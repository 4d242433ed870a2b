import { scaleBand, scaleLinear } from 'd3';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Backend, GraphInfo, OpenedModelInfo } from '../../shared/protocol/backend.js';
import type { EditHistory } from '../../shared/protocol/operations-api.js';
import type { AppSensitivityReport, SensitivityResult } from '../../shared/protocol/quantize-api.js';
import type { QuantizeSettings } from '../../shared/quantize/quantize-settings.js';
import type { EditActions } from '../edit/edit-actions.js';
import { JobProgress } from '../profile/JobProgress.js';
import { idsByName } from '../profile/heat-map.js';
import { useJob } from '../profile/use-job.js';
import { useStore } from '../state/use-store.js';
import { SQNR_GOOD, sqnrColor, sqnrText, worstNodes } from './sensitivity-heat.js';
import type { SensitivityStore } from './sensitivity-store.js';

// Per-layer sensitivity of the current quantize step: one bar per layer (its SQNR against the
// float state before the step, worst first, coloured by SQNR), linked both ways with the graph:
// a bar click selects and reveals its node, the graph's selection marks its bars, and the graph
// can be coloured by SQNR. "Keep the worst K in float" re-applies the step with those nodes
// excluded (one click: the quantize job again, measured again), then measures sensitivity again.

const WIDTH = 330;
const BAR = 15;
const LABEL = 150;

interface Props {
  backend: Backend;
  model: OpenedModelInfo;
  graph: GraphInfo | null;
  history: EditHistory | null;
  selection: ReadonlySet<number>;
  store: SensitivityStore;
  edit: EditActions;
  onPick(ids: number[]): void;
}

function Bars({ report, selected, onPick }: { report: AppSensitivityReport; selected: ReadonlySet<string>; onPick(node: string): void }) {
  const rows = report.layers;
  const height = rows.length * BAR + 4;
  const y = scaleBand<number>().domain(rows.map((_, i) => i)).range([2, height - 2]).padding(0.15);
  const finite = rows.map((r) => r.sqnrDb).filter(Number.isFinite);
  const x = scaleLinear().domain([0, Math.max(SQNR_GOOD, ...finite)]).range([0, WIDTH - LABEL - 56]).clamp(true);
  const ref = useRef<SVGSVGElement>(null);
  useEffect(() => {
    ref.current?.querySelector('.sens-bar.selected')?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  return (
    <div className="sens-scroll">
      <svg ref={ref} className="sens-chart" role="img" aria-label="per-layer SQNR" width={WIDTH} height={height}>
        {rows.map((r, i) => {
          const db = Number.isFinite(r.sqnrDb) ? r.sqnrDb : r.sqnrDb > 0 ? x.domain()[1]! : 0;
          return (
            <g key={`${r.node}:${i}`} className={selected.has(r.quantNode) ? 'sens-bar selected' : 'sens-bar'} transform={`translate(0,${y(i) ?? 0})`} onClick={() => onPick(r.quantNode)} role="button" aria-label={`layer ${r.node}`} data-node={r.quantNode}>
              <text x={LABEL - 6} y={y.bandwidth() / 2} dy="0.35em" textAnchor="end" className="chart-label">
                {r.node.length > 19 ? `…${r.node.slice(-18)}` : r.node}
              </text>
              <rect x={LABEL} width={Math.max(1, x(db))} height={y.bandwidth()} fill={sqnrColor(r.sqnrDb)}>
                <title>{`${r.node} (${r.opType}${r.quantNode !== r.node ? `, computed by ${r.quantNode}` : ''}): SQNR ${sqnrText(r.sqnrDb)}, cosine ${r.cosine.toFixed(5)}, max |err| ${r.maxAbsError.toPrecision(3)}`}</title>
              </rect>
              <text x={LABEL + x(db) + 4} y={y.bandwidth() / 2} dy="0.35em" className="chart-value">
                {sqnrText(r.sqnrDb)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

export function SensitivityPanel({ backend, model, graph, history, selection, store, edit, onPick }: Props) {
  const st = useStore(store, (x) => x);
  const [k, setK] = useState(3);
  const fetch = useCallback((jobId: string) => backend.getSensitivity(jobId).then((r: SensitivityResult) => ({ job: r.job, report: r })), [backend]);
  const job = useJob(backend, fetch);
  const requant = useJob(
    backend,
    useCallback((jobId: string) => backend.getQuantize(jobId).then((r) => ({ job: r.job, report: r.edit })), [backend]),
  );
  const current = history && history.state > 0 ? history.steps[history.state - 1] : undefined;
  const step = current?.operation.startsWith('quantize-') ? current : undefined;
  const report = st.modelId === model.modelId && st.step === step?.index ? st.report : null;
  const ids = useMemo(() => (graph ? idsByName(graph) : new Map<string, number>()), [graph]);
  const selectedNames = useMemo(() => new Set(graph?.nodes.filter((n) => selection.has(n.id)).map((n) => n.name) ?? []), [graph, selection]);

  const measure = async (index: number) => {
    const r = await job.run(() => backend.startSensitivity({ modelId: model.modelId, step: index }));
    if (r?.report) store.set({ modelId: model.modelId, step: r.step, report: r.report });
  };
  const keepWorst = async () => {
    if (!step || !report) return;
    const settings = step.options as unknown as QuantizeSettings;
    const exclude = [...new Set([...(settings.exclude ?? []), ...worstNodes(report, k)])];
    const result = await requant.run(() => backend.startQuantize({ modelId: model.modelId, settings: { ...settings, exclude }, replaceStep: step.index, version: history!.version }));
    if (!result) return;
    await edit.showEdit(result);
    await measure(step.index);
  };

  if (!step) return null;
  return (
    <section className="panel sensitivity" aria-label="sensitivity">
      <h2>Sensitivity</h2>
      <p className="muted">{`Step ${step.index} (${step.operation}): each layer's output against the float state before it.`}</p>
      <div className="op-buttons">
        <button type="button" onClick={() => void measure(step.index)} disabled={job.running || requant.running}>
          {report ? 'Measure again' : 'Measure sensitivity'}
        </button>
        {report ? (
          <label>
            <input type="checkbox" checked={st.showOnGraph} onChange={(e) => store.set({ showOnGraph: e.target.checked })} /> colour graph by SQNR
          </label>
        ) : null}
      </div>
      <JobProgress view={job} label="sensitivity" />
      {report ? (
        <>
          <p className="muted">{`${report.layers.length} layers on ${report.samples} input set${report.samples === 1 ? '' : 's'}, worst first`}</p>
          <Bars
            report={report}
            selected={selectedNames}
            onPick={(node) => {
              const id = ids.get(node);
              if (id !== undefined) onPick([id]);
            }}
          />
          <div className="op-buttons">
            <label>
              K <input type="number" aria-label="worst K" min={1} max={report.layers.length} value={k} onChange={(e) => setK(Math.max(1, Number(e.target.value) || 1))} />
            </label>
            <button type="button" onClick={() => void keepWorst()} disabled={requant.running || job.running}>
              {`Keep the worst ${k} in float`}
            </button>
          </div>
        </>
      ) : null}
      <JobProgress view={requant} label="re-quantize" />
    </section>
  );
}
