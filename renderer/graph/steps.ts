// Work that can run in steps: a generator yields between chunks; `runToEnd` runs it straight
// through (tests, small graphs), `runSliced` yields to the event loop every ~30 ms so that a
// 100,000-node graph is prepared without a long task freezing the page.

const SLICE_MS = 30;

/** Runs a generator to its return value. */
export function runToEnd<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

interface Port {
  onmessage: (() => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}
const Channel = (globalThis as unknown as { MessageChannel?: new () => { port1: Port; port2: Port } }).MessageChannel;

/** Resolves in a new task: a message channel runs sooner than setTimeout(0), which browsers clamp after nesting. */
export function nextTask(): Promise<void> {
  if (!Channel) return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new Channel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

/** Thrown by `runSliced` when its work was cancelled. */
export class StepsCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'StepsCancelled';
  }
}

/** Runs a generator in time slices; `cancelled` is asked between slices. */
export async function runSliced<T>(steps: Generator<void, T, void>, cancelled: () => boolean = () => false): Promise<T> {
  let start = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - start > SLICE_MS) {
      await nextTask();
      if (cancelled()) throw new StepsCancelled();
      start = performance.now();
    }
  }
}
