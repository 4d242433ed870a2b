import type { AppSensitivityReport } from '../../shared/protocol/quantize-api.js';
import { createStore, type Store } from '../state/store.js';

// The sensitivity view's state: the last report (which step of which model it measured) and
// whether the graph is coloured by it.

export interface SensitivityState {
  modelId: string | null;
  /** The quantize step measured (its state against the one before it). */
  step: number | null;
  report: AppSensitivityReport | null;
  showOnGraph: boolean;
}

export type SensitivityStore = Store<SensitivityState>;

export function createSensitivityStore(): SensitivityStore {
  return createStore<SensitivityState>({ modelId: null, step: null, report: null, showOnGraph: true });
}
