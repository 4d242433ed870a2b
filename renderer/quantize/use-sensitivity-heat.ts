import { useMemo } from 'react';
import type { GraphInfo } from '../../shared/protocol/backend.js';
import type { EditHistory } from '../../shared/protocol/operations-api.js';
import type { Scene } from '../graph/scene.js';
import { idsByName } from '../profile/heat-map.js';
import { useStore } from '../state/use-store.js';
import { sensitivityHeat } from './sensitivity-heat.js';
import type { SensitivityStore } from './sensitivity-store.js';

/** The graph coloured by SQNR, while the report is of the step shown (the current state) and colouring is on; else null. */
export function useSensitivityHeat(store: SensitivityStore, scene: Scene | null, graph: GraphInfo | null, atMainGraph: boolean, modelId: string | null, history: EditHistory | null): Float32Array | null {
  const st = useStore(store, (s) => s);
  const current = history?.state ?? 0;
  return useMemo(
    () => (scene && graph && atMainGraph && st.report && st.showOnGraph && st.modelId === modelId && st.step === current ? sensitivityHeat(scene.view, idsByName(graph), st.report) : null),
    [scene, graph, atMainGraph, st, modelId, current],
  );
}
