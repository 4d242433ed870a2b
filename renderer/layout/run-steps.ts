import { LayoutCancelled, layoutSteps, type LayoutInput, type LayoutOptions, type LayoutProgress, type LayoutResult } from '../../shared/layout/index.js';
import { nextTask } from '../graph/steps.js';

// Drives the layout's steps without blocking its thread for long: after ~20 ms of work it yields
// to the event loop, so a cancel message (or, on the page, input) gets through.

const SLICE_MS = 20;

/** Runs a layout to the end, yielding between slices; throws LayoutCancelled once `cancelled()` says so. */
export async function runLayoutSliced(
  input: LayoutInput,
  options: LayoutOptions,
  cancelled: () => boolean,
  onProgress: (p: LayoutProgress) => void,
): Promise<LayoutResult> {
  const steps = layoutSteps(input, options);
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    onProgress(step.value);
    if (performance.now() - sliceStart > SLICE_MS) {
      await nextTask();
      sliceStart = performance.now();
    }
    if (cancelled()) throw new LayoutCancelled();
  }
}
