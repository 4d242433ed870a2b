import { LayoutCancelled } from '../shared/layout/index.js';
import { resultBuffers, type FromWorker, type ToWorker } from './layout/layout-messages.js';
import { runLayoutSliced } from './layout/run-steps.js';

// The layout worker: lays out graphs off the page's thread, one job at a time per request id,
// and drops a job when the page cancels it (a newer layout replaces an older one).

const cancelled = new Set<number>();
const post = (m: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(m, transfer);

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === 'cancel') {
    cancelled.add(m.id);
    return;
  }
  const start = performance.now();
  let lastReport = 0;
  try {
    const result = await runLayoutSliced(m.input, m.options, () => cancelled.has(m.id), (progress) => {
      const now = performance.now();
      if (now - lastReport > 50) {
        lastReport = now;
        post({ type: 'progress', id: m.id, progress });
      }
    });
    post({ type: 'done', id: m.id, result, ms: performance.now() - start }, resultBuffers(result));
  } catch (err) {
    if (err instanceof LayoutCancelled) post({ type: 'cancelled', id: m.id });
    else post({ type: 'error', id: m.id, message: (err as Error).message });
  } finally {
    cancelled.delete(m.id);
  }
};
