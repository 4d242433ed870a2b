import { SERVER_STAGES, type ServerStage } from './stage-timings.js';

// The server's figures: counters, gauges and histograms by model, written in Prometheus' text
// exposition format for /metrics and as a JSON snapshot for the app's dashboard.

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// Stages of a request are often well under a millisecond (IPC, decoding): finer buckets at the low end.
const STAGE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    this.buckets.forEach((b, i) => {
      if (v <= b) this.counts[i]!++;
    });
  }
}

export interface HistogramSnapshot {
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

/** What the dashboard reads: totals since start, by model, and the gauges now. */
export interface MetricsSnapshot {
  time: number;
  uptimeSeconds: number;
  queueDepth: number;
  inFlight: number;
  /** Batches running in runtime hosts now, and requests they answer on direct connections. */
  running: number;
  hostRestarts: number;
  models: Record<string, { requests: Record<string, number>; latency: HistogramSnapshot; queueTime: HistogramSnapshot; batchSize: HistogramSnapshot; stages: Partial<Record<ServerStage, HistogramSnapshot>> }>;
}

interface ModelFigures {
  requests: Map<string, number>;
  latency: Histogram;
  queueTime: Histogram;
  batchSize: Histogram;
  stages: Map<ServerStage, Histogram>;
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function snap(h: Histogram): HistogramSnapshot {
  return { buckets: h.buckets.map((le, i) => ({ le, count: h.counts[i]! })), sum: h.sum, count: h.count };
}

export class ServerMetrics {
  private readonly models = new Map<string, ModelFigures>();
  private readonly started = Date.now();
  /** Called before the figures are read (the direct path takes in its hosts' journals). */
  beforeRead: () => void = () => undefined;
  /** Read when written, so they are never stale. */
  gauges: { queueDepth: () => number; inFlight: () => number; running: () => number; hostRestarts: () => number } = { queueDepth: () => 0, inFlight: () => 0, running: () => 0, hostRestarts: () => 0 };

  private figures(model: string): ModelFigures {
    let f = this.models.get(model);
    if (!f) {
      f = { requests: new Map(), latency: new Histogram(LATENCY_BUCKETS), queueTime: new Histogram(LATENCY_BUCKETS), batchSize: new Histogram(BATCH_BUCKETS), stages: new Map() };
      this.models.set(model, f);
    }
    return f;
  }

  /** A finished request: its HTTP status and time from arrival to answer. */
  request(model: string, status: number, seconds: number): void {
    const f = this.figures(model);
    f.requests.set(String(status), (f.requests.get(String(status)) ?? 0) + 1);
    f.latency.observe(seconds);
  }

  queued(model: string, seconds: number): void {
    this.figures(model).queueTime.observe(seconds);
  }

  /** An answered inference's time per stage (ms, as its Server-Timing header gives them). */
  stages(model: string, ms: Partial<Record<ServerStage, number>>): void {
    const f = this.figures(model);
    for (const s of SERVER_STAGES) {
      if (ms[s] === undefined) continue;
      let h = f.stages.get(s);
      if (!h) f.stages.set(s, (h = new Histogram(STAGE_BUCKETS)));
      h.observe(ms[s] / 1000);
    }
  }

  batch(model: string, size: number): void {
    this.figures(model).batchSize.observe(size);
  }

  snapshot(): MetricsSnapshot {
    this.beforeRead();
    const models: MetricsSnapshot['models'] = {};
    for (const [m, f] of this.models) models[m] = { requests: Object.fromEntries(f.requests), latency: snap(f.latency), queueTime: snap(f.queueTime), batchSize: snap(f.batchSize), stages: Object.fromEntries([...f.stages].map(([k, h]) => [k, snap(h)])) };
    return { time: Date.now(), uptimeSeconds: (Date.now() - this.started) / 1000, queueDepth: this.gauges.queueDepth(), inFlight: this.gauges.inFlight(), running: this.gauges.running(), hostRestarts: this.gauges.hostRestarts(), models };
  }

  /** Prometheus text exposition format (version 0.0.4). */
  prometheus(): string {
    this.beforeRead();
    const lines: string[] = [];
    const head = (name: string, type: string, help: string) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    const series = (name: string, labels: string, h: Histogram) => {
      h.buckets.forEach((le, i) => lines.push(`${name}_bucket{${labels},le="${le}"} ${h.counts[i]}`));
      lines.push(`${name}_bucket{${labels},le="+Inf"} ${h.count}`, `${name}_sum{${labels}} ${h.sum}`, `${name}_count{${labels}} ${h.count}`);
    };
    const hist = (name: string, help: string, pick: (f: ModelFigures) => Histogram) => {
      head(name, 'histogram', help);
      for (const [m, f] of this.models) series(name, `model="${esc(m)}"`, pick(f));
    };
    head('onnx_workbench_requests_total', 'counter', 'Inference requests answered, by model and HTTP status.');
    for (const [m, f] of this.models) for (const [s, n] of f.requests) lines.push(`onnx_workbench_requests_total{model="${esc(m)}",status="${s}"} ${n}`);
    hist('onnx_workbench_request_duration_seconds', 'Time from a request\'s arrival to its answer.', (f) => f.latency);
    hist('onnx_workbench_queue_duration_seconds', 'Time a request waited before its batch ran.', (f) => f.queueTime);
    hist('onnx_workbench_batch_size', 'Requests merged into one run.', (f) => f.batchSize);
    head('onnx_workbench_stage_duration_seconds', 'histogram', 'Time of an answered inference in each server stage: read, decode, queue, ipc (to the runtime host and back, without the run), run (onnxruntime), encode.');
    for (const [m, f] of this.models) for (const [s, h] of f.stages) series('onnx_workbench_stage_duration_seconds', `model="${esc(m)}",stage="${s}"`, h);
    head('onnx_workbench_queue_depth', 'gauge', 'Requests waiting to run.');
    lines.push(`onnx_workbench_queue_depth ${this.gauges.queueDepth()}`);
    head('onnx_workbench_inflight_requests', 'gauge', 'Requests accepted and not yet answered.');
    lines.push(`onnx_workbench_inflight_requests ${this.gauges.inFlight()}`);
    head('onnx_workbench_running_batches', 'gauge', 'Batches running in runtime hosts, and requests runtime hosts answer on direct connections.');
    lines.push(`onnx_workbench_running_batches ${this.gauges.running()}`);
    head('onnx_workbench_runtime_host_restarts_total', 'counter', 'Runtime hosts started again after one died.');
    lines.push(`onnx_workbench_runtime_host_restarts_total ${this.gauges.hostRestarts()}`);
    return `${lines.join('\n')}\n`;
  }
}
