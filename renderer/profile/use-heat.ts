import { useMemo } from 'react';
import type { GraphInfo } from '../../shared/protocol/backend.js';
import type { Scene } from '../graph/scene.js';
import { useStore } from '../state/use-store.js';
import { diffMarksOf } from './diff-marks.js';
import { heatOf, idsByName } from './heat-map.js';
import type { ProfileStore } from './profile-store.js';

/** The heat map of the last profile over the graph shown (only the main graph: reports name its nodes), or null; `over`: another heat shown instead (SQNR). */
export function useHeat(store: ProfileStore, scene: Scene | null, graph: GraphInfo | null, atMainGraph: boolean, over: Float32Array | null = null): Float32Array | null {
  const report = useStore(store, (s) => s.report);
  const show = useStore(store, (s) => s.showHeat);
  return useMemo(
    () => over ?? (scene && graph && report && show && atMainGraph ? heatOf(scene.view, idsByName(graph), report).heat : null),
    [scene, graph, report, show, atMainGraph, over],
  );
}

/** The last comparison's graph diff over the graph shown (only the main graph), or null. */
export function useDiffMarks(store: ProfileStore, scene: Scene | null, graph: GraphInfo | null, atMainGraph: boolean): Uint8Array | null {
  const report = useStore(store, (s) => s.compare);
  const show = useStore(store, (s) => s.showDiff);
  return useMemo(
    () => (scene && graph && report && show && atMainGraph ? diffMarksOf(scene.view, idsByName(graph), report) : null),
    [scene, graph, report, show, atMainGraph],
  );
}
