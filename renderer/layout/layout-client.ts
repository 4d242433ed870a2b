import { LayoutCancelled, type LayoutInput, type LayoutOptions, type LayoutProgress, type LayoutResult } from '../../shared/layout/index.js';
import type { FromWorker, ToWorker } from './layout-messages.js';
import { runLayoutSliced } from './run-steps.js';

// The page's side of the layout worker. A new request cancels the one before it. Where a worker
// cannot start (a host whose Content-Security-Policy forbids it), the same steps run on the page
// in slices of ~20 ms, so the page stays responsive either way.

export interface LayoutJob {
  promise: Promise<LayoutResult>;
  cancel(): void;
}

interface Pending {
  resolve(r: LayoutResult): void;
  reject(e: Error): void;
  onProgress(p: LayoutProgress): void;
}

export class LayoutClient {
  private worker: Worker | null | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private current: LayoutJob | null = null;

  private startWorker(): Worker | null {
    if (this.worker !== undefined) return this.worker;
    try {
      const w = new Worker(new URL('../layout-worker.ts', import.meta.url), { type: 'module', name: 'layout' });
      w.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
      w.onerror = (e) => {
        e.preventDefault();
        this.failWorker();
      };
      this.worker = w;
    } catch {
      this.worker = null;
    }
    return this.worker;
  }

  private failWorker(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const [id, p] of this.pending) p.reject(new Error(`layout worker failed (job ${id})`));
    this.pending.clear();
  }

  private receive(m: FromWorker): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') return p.onProgress(m.progress);
    this.pending.delete(m.id);
    if (m.type === 'done') p.resolve(m.result);
    else if (m.type === 'cancelled') p.reject(new LayoutCancelled());
    else p.reject(new Error(m.message));
  }

  /** Lays out `input`, cancelling any layout still running. */
  layout(input: LayoutInput, options: LayoutOptions = {}, onProgress: (p: LayoutProgress) => void = () => {}): LayoutJob {
    this.current?.cancel();
    const id = this.nextId++;
    const worker = this.startWorker();
    let job: LayoutJob;
    if (worker) {
      const promise = new Promise<LayoutResult>((resolve, reject) => this.pending.set(id, { resolve, reject, onProgress }));
      // Copied, not transferred: the page keeps the input in case the worker fails to load.
      const message: ToWorker = { type: 'layout', id, input, options };
      worker.postMessage(message);
      job = { promise, cancel: () => worker.postMessage({ type: 'cancel', id } satisfies ToWorker) };
      // A worker that fails to load reports it only through onerror: fall back to the page then.
      job.promise = promise.catch((e: Error) => {
        if (e instanceof LayoutCancelled || this.worker) throw e;
        return this.layoutOnPage(input, options, onProgress, () => false);
      });
    } else {
      let stop = false;
      job = { promise: this.layoutOnPage(input, options, onProgress, () => stop), cancel: () => (stop = true) };
    }
    this.current = job;
    return job;
  }

  private layoutOnPage(input: LayoutInput, options: LayoutOptions, onProgress: (p: LayoutProgress) => void, cancelled: () => boolean): Promise<LayoutResult> {
    return runLayoutSliced(input, options, cancelled, onProgress);
  }

  dispose(): void {
    this.current?.cancel();
    this.worker?.terminate();
    this.worker = null;
  }
}
