import type { CompareReport, ProfileReport } from '../../shared/profile/report-schema.js';
import type { AppProfileOptions } from '../../shared/protocol/profile-api.js';
import { createStore, type Store } from '../state/store.js';

// The profiling views' own state, beside the app's: the settings, the last profile (what the heat
// map colours the graph by) and the last comparison, for the model they were made on.

export interface ProfileState {
  modelId: string | null;
  options: AppProfileOptions;
  report: ProfileReport | null;
  compare: CompareReport | null;
  /** Whether the graph is coloured by the report's times. */
  showHeat: boolean;
  /** Whether the last comparison's changed and added nodes are marked on the graph. */
  showDiff: boolean;
}

export type ProfileStore = Store<ProfileState>;

/** A few runs: enough for medians on a small model, quick on a big one (the user raises it). */
export const DEFAULT_PROFILE_OPTIONS: AppProfileOptions = { provider: 'cpu', allowFallback: false, runs: 10, warmup: 2, threads: null, optimization: 'all', inputs: 'settings' };

export function createProfileStore(): ProfileStore {
  return createStore<ProfileState>({ modelId: null, options: DEFAULT_PROFILE_OPTIONS, report: null, compare: null, showHeat: true, showDiff: true });
}
