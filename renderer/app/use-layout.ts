import { useEffect, useRef, useState } from 'react';
import { LayoutCancelled } from '../../shared/layout/index.js';
import { buildSceneSteps, type Scene } from '../graph/scene.js';
import { runSliced, StepsCancelled } from '../graph/steps.js';
import { buildViewGraphSteps, layoutInputSteps, type PreparedGraph, type ViewGraph } from '../graph/view-graph.js';
import { LayoutClient, type LayoutJob } from '../layout/layout-client.js';
import { layoutHintsSteps } from '../layout/layout-hints.js';
import type { Mark } from './actions.js';

// Lays out each new view graph in the worker (cancelling the previous layout) and turns the
// result into a scene in time slices. While a layout runs the old scene stays, with the progress
// on top.

export interface LayoutState {
  scene: Scene | null;
  /** 0..1 while a layout runs, null otherwise. */
  progress: number | null;
  error: string | null;
}

/** `edited`: the prepared graph an edit produced; its view is laid out from the previous drawing's order (layout-hints.ts). */
export function useLayout(view: ViewGraph | null, mark: Mark, edited: PreparedGraph | null = null): LayoutState {
  const client = useRef<LayoutClient | null>(null);
  const [state, setState] = useState<LayoutState>({ scene: null, progress: null, error: null });
  const shown = useRef<Scene | null>(null);
  shown.current = state.scene;
  useEffect(() => {
    client.current = new LayoutClient();
    return () => client.current?.dispose();
  }, []);
  useEffect(() => {
    const layoutClient = client.current;
    if (!view || !layoutClient) return;
    setState((s) => ({ ...s, progress: 0, error: null }));
    let stopped = false;
    let job: LayoutJob | null = null;
    // The input (and after an edit the hints) in time slices: on 100,000 boxes each is ~100 ms of work.
    const reuse = view.prepared === edited ? shown.current : null;
    function* inputSteps() {
      const input = yield* layoutInputSteps(view!);
      const hints = reuse ? yield* layoutHintsSteps(reuse, view!) : undefined;
      return hints ? { ...input, hints } : input;
    }
    runSliced(inputSteps(), () => stopped)
      .then((input) => {
        // A newer view took over meanwhile: starting this layout would cancel its.
        if (stopped) throw new StepsCancelled();
        job = layoutClient.layout(input, {}, (p) => setState((s) => ({ ...s, progress: p.fraction })));
        return job.promise;
      })
      .then((layout) => {
        mark('wb:layout-done');
        return runSliced(buildSceneSteps(view, layout), () => stopped);
      })
      .then(
        (scene) => {
          if (!stopped) setState({ scene, progress: null, error: null });
        },
        (e: Error) => {
          if (e instanceof LayoutCancelled || e instanceof StepsCancelled) return;
          setState((s) => ({ ...s, progress: null, error: `layout failed: ${e.message}` }));
        },
      );
    return () => {
      stopped = true;
      job?.cancel();
    };
    // `edited` is read only with a new view: its own change must not start another layout.
  }, [view, mark]);
  return state;
}

/** The view graph of the prepared graph and expanded scopes, built in time slices. */
export function useViewGraph(prepared: PreparedGraph | null, expanded: ReadonlySet<string>, inlineConstants = true): ViewGraph | null {
  const [view, setView] = useState<ViewGraph | null>(null);
  useEffect(() => {
    if (!prepared) {
      setView(null);
      return;
    }
    let stopped = false;
    runSliced(buildViewGraphSteps(prepared, expanded, { inlineConstants }), () => stopped).then(
      (v) => {
        if (!stopped) setView(v);
      },
      () => {},
    );
    return () => {
      stopped = true;
    };
  }, [prepared, expanded, inlineConstants]);
  return view && view.prepared === prepared ? view : null;
}
