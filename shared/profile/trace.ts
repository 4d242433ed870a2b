// onnxruntime's profiler output (Chrome trace JSON: an array of complete "X" events) read into
// kernel executions grouped by run. Kernel events are category "Node", named
// `<node name>_kernel_time`; each session.run() is one "model_run" Session event enclosing them.

import { WorkbenchError } from '../errors.js';

/** Memory figures onnxruntime attaches to a kernel event (bytes); absent ones are left out. */
export interface KernelMemory {
  outputBytes?: number;
  parameterBytes?: number;
  activationBytes?: number;
  /** Peak bytes in use in the arena while the kernel ran (builds with memory statistics only). */
  peakBytesInUse?: number;
}

/** One execution of one kernel. Times in microseconds, as the trace gives them. */
export interface KernelEvent {
  /** The node name onnxruntime profiled (its optimized graph's node name when optimizing). */
  name: string;
  opType: string;
  /** `CPUExecutionProvider`, `CUDAExecutionProvider`, ... */
  provider: string;
  /** Index of the node in its graph (subgraph nodes count within their subgraph). */
  nodeIndex: number | null;
  /** Which model_run it belongs to (0-based, in trace order), or -1 outside every run. */
  run: number;
  ts: number;
  dur: number;
  /** dur less the kernels nested inside it (an If or Loop runs its subgraph's kernels within its own time). */
  selfDur: number;
  /**
   * Time on its thread between the previous top-level kernel of the same run ending and this one
   * starting: what onnxruntime's executor spends preparing it (allocating outputs, scheduling).
   * 0 for a run's first kernel (the run's own preamble is not any kernel's) and for nested kernels.
   */
  launchDur: number;
  inputShapes: string[];
  outputShapes: string[];
  memory: KernelMemory;
}

export interface RunSpan {
  ts: number;
  dur: number;
}

export interface ParsedTrace {
  kernels: KernelEvent[];
  /** model_run events in order: one per session.run(). */
  runs: RunSpan[];
  /** session_initialization duration (µs), when present. */
  sessionInitUs: number | null;
}

interface RawEvent {
  cat?: unknown;
  name?: unknown;
  ph?: unknown;
  ts?: unknown;
  dur?: unknown;
  tid?: unknown;
  args?: Record<string, unknown>;
}

const KERNEL_SUFFIX = '_kernel_time';

// input_type_shape is a list of single-key objects: [{"float": [1, 3, 224, 224]}].
function shapes(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v.map((entry) => {
    if (!entry || typeof entry !== 'object') return '?';
    const [type, dims] = Object.entries(entry as Record<string, unknown>)[0] ?? ['?', []];
    return `${type}[${Array.isArray(dims) ? dims.join(',') : ''}]`;
  });
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function memoryOf(args: Record<string, unknown>): KernelMemory {
  const m: KernelMemory = {};
  const set = (key: keyof KernelMemory, v: unknown) => {
    const n = num(v);
    if (n !== undefined) m[key] = n;
  };
  set('outputBytes', args.output_size);
  set('parameterBytes', args.parameter_size);
  set('activationBytes', args.activation_size);
  set('peakBytesInUse', args.mem_in_use_peak);
  return m;
}

/**
 * Subtracts nested kernels (events on one thread nest like a call stack), and measures each
 * top-level kernel's launch time from the end of the one before it on that thread.
 */
function computeSelfTimes(kernels: KernelEvent[], tids: Map<KernelEvent, unknown>): void {
  const byThread = new Map<unknown, KernelEvent[]>();
  for (const k of kernels) {
    const t = tids.get(k);
    if (!byThread.has(t)) byThread.set(t, []);
    byThread.get(t)!.push(k);
  }
  for (const list of byThread.values()) {
    // Outer events first when two start together, so that the stack holds the enclosing ones.
    list.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
    const stack: KernelEvent[] = [];
    let previous: KernelEvent | undefined; // the last top-level kernel
    for (const k of list) {
      while (stack.length && stack[stack.length - 1]!.ts + stack[stack.length - 1]!.dur < k.ts + k.dur) stack.pop();
      const parent = stack[stack.length - 1];
      if (parent) parent.selfDur = Math.max(0, parent.selfDur - k.dur);
      else {
        if (previous && previous.run === k.run && k.run >= 0) k.launchDur = Math.max(0, k.ts - (previous.ts + previous.dur));
        previous = k;
      }
      stack.push(k);
    }
  }
}

/** Parses a trace file's text; `what` names it in errors. */
export function parseTrace(text: string, what = 'profile trace'): ParsedTrace {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new WorkbenchError('BAD_TRACE', `${what}: not JSON (${(e as Error).message})`);
  }
  // Some tools wrap the events: {"traceEvents": [...]}.
  const events = Array.isArray(data) ? data : (data as { traceEvents?: unknown })?.traceEvents;
  if (!Array.isArray(events)) throw new WorkbenchError('BAD_TRACE', `${what}: not a Chrome trace (no event array)`);
  const runs: RunSpan[] = [];
  const kernels: KernelEvent[] = [];
  const tids = new Map<KernelEvent, unknown>();
  let sessionInitUs: number | null = null;
  for (const raw of events as RawEvent[]) {
    if (!raw || typeof raw !== 'object' || raw.ph !== 'X') continue;
    const ts = num(raw.ts);
    const dur = num(raw.dur);
    if (ts === undefined || dur === undefined || typeof raw.name !== 'string') continue;
    if (raw.cat === 'Session') {
      if (raw.name === 'model_run') runs.push({ ts, dur });
      else if (raw.name === 'session_initialization') sessionInitUs = dur;
      continue;
    }
    if (raw.cat !== 'Node' || !raw.name.endsWith(KERNEL_SUFFIX)) continue;
    const args = raw.args ?? {};
    const k: KernelEvent = {
      name: raw.name.slice(0, -KERNEL_SUFFIX.length),
      opType: typeof args.op_name === 'string' ? args.op_name : '',
      provider: typeof args.provider === 'string' ? args.provider : '',
      nodeIndex: num(args.node_index) ?? null,
      run: -1,
      ts,
      dur,
      selfDur: dur,
      launchDur: 0,
      inputShapes: shapes(args.input_type_shape),
      outputShapes: shapes(args.output_type_shape),
      memory: memoryOf(args),
    };
    kernels.push(k);
    tids.set(k, raw.tid);
  }
  runs.sort((a, b) => a.ts - b.ts);
  for (const k of kernels) k.run = runs.findIndex((r) => k.ts >= r.ts && k.ts <= r.ts + r.dur);
  computeSelfTimes(kernels, tids);
  return { kernels, runs, sessionInitUs };
}
