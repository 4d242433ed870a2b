import { useCallback, useEffect, useRef, useState } from 'react';
import type { Backend, OpenedModelInfo } from '../../shared/protocol/backend.js';
import type { LoadRunReport, ServingInfo, ServingOptions, ServingSnapshot } from '../../shared/protocol/serving-api.js';
import { JobProgress } from '../profile/JobProgress.js';
import { useJob } from '../profile/use-job.js';
import { appendPoint, batchSizes, requestTotals, type DashboardPoint } from './dashboard-series.js';
import { BatchChart, LineChart, formatValue, type Series } from './ServingCharts.js';

// Serve the open model (its current state) with serve-model's server in the host, on 127.0.0.1:
// the batching settings, the URL and commands to copy, a live dashboard of the server's figures
// (polled), and a load test with `onnx-workbench load`'s generator.

const POLL_MS = 1000;

const count = (text: string, min: number): number => Math.max(min, Math.floor(Number(text) || 0));

const LATENCY: Series[] = [
  { key: 'p50', label: 'p50', className: 's-p50', value: (p) => p.p50Ms },
  { key: 'p90', label: 'p90', className: 's-p90', value: (p) => p.p90Ms },
  { key: 'p99', label: 'p99', className: 's-p99', value: (p) => p.p99Ms },
];
const GAUGES: Series[] = [
  { key: 'queue', label: 'queue', className: 's-queue', value: (p) => p.queueDepth },
  { key: 'inflight', label: 'in flight', className: 's-inflight', value: (p) => p.inFlight },
];

function statusSeries(points: DashboardPoint[]): Series[] {
  const statuses = [...new Set(points.flatMap((p) => Object.keys(p.rps)))].sort();
  return (statuses.length ? statuses : ['200']).map((s) => ({ key: s, label: s, className: s.startsWith('2') ? 's-ok' : 's-error', value: (p) => p.rps[s] ?? 0 }));
}

function Copyable({ label, text }: { label: string; text: string }) {
  return (
    <div className="serving-command">
      <code aria-label={label}>{text}</code>
      <button type="button" className="link" onClick={() => void navigator.clipboard?.writeText(text)}>
        copy
      </button>
    </div>
  );
}

function LoadSummary({ report }: { report: LoadRunReport }) {
  const errors = Object.entries(report.errors);
  const ms = (v: number) => (Number.isFinite(v) ? `${formatValue(v)} ms` : '–');
  return (
    <table className="serving-load" aria-label="load test result">
      <tbody>
        <tr><th>requests</th><td>{`${report.requests} (${report.ok} ok)`}</td></tr>
        <tr><th>throughput</th><td>{`${formatValue(report.throughput)} req/s`}</td></tr>
        <tr><th>p50 / p90 / p99</th><td>{`${ms(report.latency.p50Ms)} / ${ms(report.latency.p90Ms)} / ${ms(report.latency.p99Ms)}`}</td></tr>
        <tr><th>max</th><td>{ms(report.latency.maxMs)}</td></tr>
        <tr><th>errors</th><td>{errors.length ? errors.map(([k, n]) => `${k}: ${n}`).join(', ') : 'none'}</td></tr>
      </tbody>
    </table>
  );
}

interface LoadRun {
  /** The server's settings and the test's: what a comparison between runs varies. */
  label: string;
  report: LoadRunReport;
}

/** Every load test of this model in this session, with throughput and p99 against the first. */
function LoadRuns({ runs }: { runs: LoadRun[] }) {
  const base = runs[0]!.report;
  const ratio = (v: number, b: number) => (Number.isFinite(v) && Number.isFinite(b) && b > 0 ? `${(v / b).toFixed(2)}×` : '–');
  return (
    <table className="serving-load serving-runs" aria-label="load test runs">
      <thead>
        <tr>
          <th>run</th>
          <th>req/s</th>
          <th>p99 ms</th>
          <th>vs first</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r, i) => (
          <tr key={i}>
            <td>{r.label}</td>
            <td>{formatValue(r.report.throughput)}</td>
            <td>{Number.isFinite(r.report.latency.p99Ms) ? formatValue(r.report.latency.p99Ms) : '–'}</td>
            <td>{i ? `${ratio(r.report.throughput, base.throughput)} req/s, ${ratio(r.report.latency.p99Ms, base.latency.p99Ms)} p99` : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ServingPanel({ backend, model }: { backend: Backend; model: OpenedModelInfo }) {
  const [options, setOptions] = useState<ServingOptions>({ maxBatch: 8, maxDelayMs: 5, instances: 1, port: null });
  const [serving, setServing] = useState<ServingInfo | null>(null);
  const [snapshot, setSnapshot] = useState<ServingSnapshot | null>(null);
  const [points, setPoints] = useState<DashboardPoint[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [load, setLoad] = useState({ durationS: 5, concurrency: 8 });
  const [runs, setRuns] = useState<LoadRun[]>([]);
  const fetchLoad = useCallback((jobId: string) => backend.getLoad(jobId), [backend]);
  const job = useJob(backend, fetchLoad);
  const first = useRef<number | null>(null);
  const last = useRef<ServingSnapshot | null>(null);

  const reset = () => {
    first.current = null;
    last.current = null;
    setPoints([]);
    setSnapshot(null);
  };

  const poll = useCallback(async () => {
    const status = await backend.getServing(model.modelId);
    setServing(status.serving);
    const s = status.snapshot;
    if (!s) return;
    first.current ??= s.time;
    const start = first.current;
    // Read now: the updater runs later, when `last` already holds this snapshot.
    const previous = last.current;
    last.current = s;
    setPoints((p) => appendPoint(p, previous, s, start));
    setSnapshot(s);
  }, [backend, model.modelId]);

  // A server this model already has (a reloaded page) shows at once; then polled while it runs.
  useEffect(() => {
    reset();
    setServing(null);
    setRuns([]);
    poll().catch(() => undefined);
  }, [poll]);
  useEffect(() => {
    if (!serving) return;
    const timer = setInterval(() => void poll().catch((e: Error) => setError(e.message)), POLL_MS);
    return () => clearInterval(timer);
  }, [serving, poll]);

  const start = async () => {
    setBusy(true);
    setError(null);
    reset();
    try {
      setServing(await backend.startServing({ modelId: model.modelId, options }));
      await poll();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const stop = async () => {
    setBusy(true);
    setError(null);
    try {
      if (job.running) job.cancel();
      await backend.stopServing(model.modelId);
      setServing(null);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const runLoad = async () => {
    if (!serving) return;
    const o = serving.options;
    const label = `batch ≤${o.maxBatch}, ${o.maxDelayMs} ms, ${o.instances} host${o.instances === 1 ? '' : 's'}; ${load.concurrency} clients, ${load.durationS} s`;
    const r = await job.run(() => backend.startLoad({ modelId: model.modelId, ...load }));
    if (r) setRuns((x) => [...x, { label, report: r }]);
  };
  const report = runs.at(-1)?.report;

  const totals = snapshot ? requestTotals(snapshot) : {};
  const sizes = snapshot ? batchSizes(snapshot) : [];
  return (
    <section className="panel serving-panel" aria-label="serving">
      <h2>Serve</h2>
      <fieldset className="profile-settings" disabled={busy || serving !== null}>
        <label>
          Max batch
          <input aria-label="max batch" type="number" min={1} value={options.maxBatch} onChange={(e) => setOptions({ ...options, maxBatch: count(e.target.value, 1) })} />
        </label>
        <label>
          Max delay (ms)
          <input aria-label="max delay" type="number" min={0} value={options.maxDelayMs} onChange={(e) => setOptions({ ...options, maxDelayMs: count(e.target.value, 0) })} />
        </label>
        <label>
          Instances
          <input aria-label="instances" type="number" min={1} value={options.instances} onChange={(e) => setOptions({ ...options, instances: count(e.target.value, 1) })} />
        </label>
        <label>
          Port
          <input aria-label="port" type="number" min={0} placeholder="any" value={options.port ?? ''} onChange={(e) => setOptions({ ...options, port: e.target.value === '' ? null : count(e.target.value, 0) })} />
        </label>
      </fieldset>
      <div className="profile-actions">
        {serving ? (
          <button type="button" onClick={() => void stop()} disabled={busy}>
            Stop serving
          </button>
        ) : (
          <button type="button" onClick={() => void start()} disabled={busy}>
            Serve
          </button>
        )}
      </div>
      {error ? (
        <p className="job-error" role="alert">
          {error}
        </p>
      ) : null}
      {serving ? (
        <div className="serving-running">
          <p className="serving-url">
            {'Serving '}
            <strong>{serving.label}</strong>
            {' at '}
            <output aria-label="server url">{serving.url}</output>
            <span className="muted">{` as ${serving.name}${serving.batchable ? ' (batchable)' : ' (not batchable: its first dim is fixed)'}`}</span>
          </p>
          <Copyable label="metadata command" text={serving.commands.curl} />
          <Copyable label="metrics command" text={serving.commands.metrics} />
          <Copyable label="load command" text={serving.commands.load} />
          <div className="serving-figures" aria-label="server figures">
            <span>
              {'requests '}
              <output aria-label="requests answered">{Object.values(totals).reduce((a, b) => a + b, 0)}</output>
            </span>
            <span>
              {'errors '}
              <output aria-label="requests failed">{Object.entries(totals).filter(([s]) => !s.startsWith('2')).reduce((a, [, n]) => a + n, 0)}</output>
            </span>
            <span>
              {'host restarts '}
              <output aria-label="host restarts">{snapshot?.hostRestarts ?? 0}</output>
            </span>
            <span>
              {'up '}
              <output aria-label="uptime">{`${Math.round(snapshot?.uptimeSeconds ?? 0)} s`}</output>
            </span>
          </div>
          <LineChart label="Requests/s by status" unit="req/s" points={points} series={statusSeries(points)} />
          <LineChart label="Latency" unit="ms" points={points} series={LATENCY} />
          <LineChart label="Queue and in flight" unit="requests" points={points} series={GAUGES} />
          <BatchChart sizes={sizes} />
          <h3>Load test</h3>
          <fieldset className="profile-settings" disabled={job.running}>
            <label>
              Seconds
              <input aria-label="load duration" type="number" min={1} value={load.durationS} onChange={(e) => setLoad({ ...load, durationS: count(e.target.value, 1) })} />
            </label>
            <label>
              Clients
              <input aria-label="load concurrency" type="number" min={1} value={load.concurrency} onChange={(e) => setLoad({ ...load, concurrency: count(e.target.value, 1) })} />
            </label>
          </fieldset>
          <div className="profile-actions">
            <button type="button" onClick={() => void runLoad()} disabled={job.running}>
              Run load test
            </button>
          </div>
          <JobProgress view={job} label="load test" />
          {report ? <LoadSummary report={report} /> : null}
        </div>
      ) : null}
      {runs.length > 1 ? <LoadRuns runs={runs} /> : null}
    </section>
  );
}
