// The service's handle on the runtime host: typed requests with progress and cancel, one at a
// time. A host that crashes, is killed for memory or stops answering fails the request it was
// doing with a one-line error naming the step and the model; the next request starts a new host.

import { WorkbenchError } from '../../shared/errors.js';
import { forkLauncher, type HostChannel, type HostLauncher } from './host-channel.js';
import type { VerificationResult } from '../../shared/verify/verification-result.js';
import type { CalibrateJob, CalibrateResult, CollectJob, FromHost, HostRequest, MeasureJob, MeasureResult, ProbeResult, ProviderName, SensitivityJob, VerifyJob } from './host-protocol.js';
import type { DetailedSensitivityReport } from '../runtime/sensitivity-run.js';
import type { CollectedActivations } from '../runtime/collect-activations.js';

/** The run failed (host crash, timeout, cancel, onnxruntime failing mid-run): the CLI exits 1. */
export class HostFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HostFailure';
  }
}

export interface Progress {
  done: number;
  total: number;
  step: string;
  model?: string;
}

export interface RequestOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** The host is ended when it reports nothing (no step, no progress) for this long. */
  idleTimeoutMs?: number;
}

export interface RuntimeHostOptions {
  launcher?: HostLauncher;
  idleTimeoutMs?: number;
  /** How long a cancelled request may take to stop before the host is ended. */
  cancelGraceMs?: number;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  step: string;
  model?: string;
  options: RequestOptions;
  timer?: NodeJS.Timeout;
  idleMs: number;
  settled: boolean;
  /** The host process doing it: only its exit fails the request. */
  channel: HostChannel;
  /** Removes the caller's abort listener (one signal serves many requests of a command). */
  detach?: () => void;
}

const ANSI = new RegExp(String.raw`\u001b\[[0-9;]*m`, 'g');

/** The telling line of what a dying host wrote (V8's fatal error, onnxruntime's error), or '' (stack frames tell a user nothing). */
function lastLine(text: string): string {
  const frame = /^\d+:\s|^-{3,}|^=+/;
  const lines = text.replace(ANSI, '').split('\n').map((l) => l.trim()).filter((l) => l && !frame.test(l));
  const fatal = lines.filter((l) => /fatal/i.test(l));
  const errors = lines.filter((l) => /error/i.test(l));
  const line = fatal[fatal.length - 1] ?? errors[errors.length - 1] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** How a host process ended, as error messages put it ('crashed (SIGABRT)'). */
export function howItEnded(code: number | null, signal: string | null): string {
  return signal === 'SIGKILL' ? 'was killed (SIGKILL: out of memory?)' : signal ? `crashed (${signal})` : `exited with code ${code}`;
}

function doing(p: Pending): string {
  return `while ${p.step}${p.model ? ` (${p.model})` : ''}`;
}

export class RuntimeHost {
  private channel: HostChannel | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly launcher: HostLauncher;
  private readonly idleTimeoutMs: number;
  private readonly cancelGraceMs: number;
  /** How many host processes this handle has started (a new one after each crash). */
  started = 0;
  /** Called with each new host process before its first request (the model server's direct setup). */
  onStart: ((channel: HostChannel) => void) | undefined;

  constructor(options: RuntimeHostOptions = {}) {
    this.launcher = options.launcher ?? forkLauncher();
    this.idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
    this.cancelGraceMs = options.cancelGraceMs ?? 3_000;
  }

  /** Whether a provider works here (probed inside the host: loading it is native code). */
  probe(provider: ProviderName, deviceId: number, options: RequestOptions = {}): Promise<ProbeResult> {
    return this.request<ProbeResult>({ kind: 'probe', provider, deviceId }, options);
  }

  measure(job: MeasureJob, options: RequestOptions = {}): Promise<MeasureResult> {
    return this.request<MeasureResult>({ kind: 'measure', job }, options);
  }

  /** Verifies a transformed model against its original in the host (onnxruntime, its optimizer off). */
  verify(job: VerifyJob, options: RequestOptions = {}): Promise<VerificationResult> {
    return this.request<VerificationResult>({ kind: 'verify', job }, options);
  }

  /** Calibrates a float model's tensors in the host (MinMax over the calibration samples). */
  calibrate(job: CalibrateJob, options: RequestOptions = {}): Promise<CalibrateResult> {
    return this.request<CalibrateResult>({ kind: 'calibrate', job }, options);
  }

  /** Per-layer sensitivity of a quantized model against its float model, in the host. */
  sensitivity(job: SensitivityJob, options: RequestOptions = {}): Promise<DetailedSensitivityReport> {
    return this.request({ kind: 'sensitivity', job }, options);
  }

  /** Runs models on calibration samples in the host and returns chosen tensors' values per sample. */
  collect(job: CollectJob, options: RequestOptions = {}): Promise<CollectedActivations> {
    return this.request<CollectedActivations>({ kind: 'collect', job }, options);
  }

  /** Sends a request after the ones before it have settled. */
  request<T>(request: HostRequest, options: RequestOptions = {}): Promise<T> {
    const next = this.queue.then(() => this.send<T>(request, options));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The host process now, started if there is none (for messages outside requests: direct connections). */
  current(): HostChannel {
    return this.start();
  }

  /** Ends the host; a later request starts a new one. */
  close(): void {
    const ch = this.channel;
    this.channel = undefined;
    ch?.kill();
  }

  private start(): HostChannel {
    if (this.channel) return this.channel;
    const ch = this.launcher();
    this.started++;
    this.channel = ch;
    ch.onMessage((m) => this.dispatch(m));
    ch.onExit((code, signal) => this.exited(ch, code, signal));
    this.onStart?.(ch);
    return ch;
  }

  private send<T>(request: HostRequest, options: RequestOptions): Promise<T> {
    if (options.signal?.aborted) return Promise.reject(new HostFailure('CANCELLED', 'cancelled before it started'));
    const ch = this.start();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const p: Pending = {
        resolve: resolve as (v: unknown) => void,
        reject,
        step: 'starting',
        options,
        idleMs: options.idleTimeoutMs ?? this.idleTimeoutMs,
        settled: false,
        channel: ch,
      };
      this.pending.set(id, p);
      this.arm(ch, id, p);
      const onAbort = () => {
        if (p.settled) return;
        ch.send({ type: 'cancel', id });
        // A run stuck in native code never reaches the next cancel check: end the host instead.
        setTimeout(() => {
          if (p.settled) return;
          this.settle(id, p, new HostFailure('CANCELLED', `cancelled ${doing(p)}`));
          this.kill(ch);
        }, this.cancelGraceMs).unref();
      };
      const signal = options.signal;
      if (signal) {
        signal.addEventListener('abort', onAbort, { once: true });
        p.detach = () => signal.removeEventListener('abort', onAbort);
      }
      ch.send({ type: 'request', id, request });
    });
  }

  private arm(ch: HostChannel, id: number, p: Pending): void {
    clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      const seconds = (p.idleMs / 1000).toFixed(p.idleMs < 10_000 ? 1 : 0);
      this.settle(id, p, new HostFailure('HOST_TIMEOUT', `runtime host did not answer for ${seconds} s ${doing(p)}; it was ended (next request starts a new one)`));
      this.kill(ch);
    }, p.idleMs);
  }

  /** Ends that host process (if it is still this handle's, the next request starts a new one). */
  kill(ch: HostChannel): void {
    if (this.channel === ch) this.channel = undefined;
    ch.kill();
  }

  private settle(id: number, p: Pending, error?: Error, value?: unknown): void {
    if (p.settled) return;
    p.settled = true;
    clearTimeout(p.timer);
    p.detach?.();
    this.pending.delete(id);
    if (error) p.reject(error);
    else p.resolve(value);
  }

  private dispatch(m: FromHost): void {
    // Direct connections' messages are the model server's (electron/serving/direct-path.ts).
    if (m.type === 'ready' || !('id' in m)) return;
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'step' || m.type === 'progress') {
      p.step = m.step;
      p.model = m.model;
      this.arm(p.channel, m.id, p);
      if (m.type === 'progress') p.options.onProgress?.({ done: m.done, total: m.total, step: m.step, ...(m.model ? { model: m.model } : {}) });
      return;
    }
    if (m.type === 'result') this.settle(m.id, p, undefined, m.result);
    else this.settle(m.id, p, m.user ? new WorkbenchError(m.code, m.message) : new HostFailure(m.code, m.message));
  }

  private exited(ch: HostChannel, code: number | null, signal: string | null): void {
    if (this.channel === ch) this.channel = undefined;
    const how = howItEnded(code, signal);
    const detail = lastLine(ch.stderrTail());
    for (const [id, p] of [...this.pending]) {
      if (p.channel !== ch) continue;
      this.settle(id, p, new HostFailure('HOST_CRASHED', `runtime host ${how} ${doing(p)}${detail ? `: ${detail}` : ''}; the next request starts a new host`));
    }
  }
}
