import type { Backend } from '../../shared/protocol/backend.js';
import { HttpBackend } from '../../renderer/backend/http-backend.js';

// The Backend the view benchmark builds into the renderer in place of renderer/backend/: the
// page's own HTTP transport (parsing, checking, the graph in parts), with its requests answered
// from the files the benchmark wrote, so the measurement covers the renderer and its transport,
// not a particular host.

interface PageGlobals {
  location: { search: string; origin: string };
}

const { location } = globalThis as unknown as PageGlobals;
const model = new URLSearchParams(location.search).get('model') ?? 'missing';

// Once the benchmark's edit is applied, the graph is read from its edited answers.
let edited = false;

/** POST /api/<method> becomes GET ./bench-data/<model>[.edited].<method>[.<part>].json. */
const fetchFile: typeof fetch = (input, init) => {
  const url = new URL(String(input));
  const method = url.pathname.replace(/^\/api\//, '');
  const part = method === 'getGraphPart' ? `.${(JSON.parse(String(init?.body)) as { part: number }).part}` : '';
  const state = method === 'getGraphPart' && edited ? '.edited' : '';
  if (method === 'applyOperation') edited = true;
  return fetch(`./bench-data/${model}${state}.${method}${part}.json`);
};

/** The benchmark's Backend (same name as renderer/backend/index.ts exports). */
export function createBackend(): Backend {
  const http = new HttpBackend({ origin: location.origin, token: 'bench', fetch: fetchFile });
  return {
    initialModel: () => http.initialModel(),
    openModel: () => Promise.reject(new Error('bench backend: opening files is not measured here')),
    getGraph: (modelId, path) => http.getGraph(modelId, path),
    getTensor: (_modelId, _path, name) =>
      Promise.resolve({ name, elemType: 'float', dims: [1], byteSize: 4, external: false, stats: null, histogram: null, first: [0] }),
    getVerifySettings: () => Promise.resolve({ settings: { dims: {}, values: {} }, remembered: false }),
    setVerifySettings: () => Promise.reject(new Error('bench backend: settings are not measured here')),
    // The edit rows: answers the benchmark wrote for one fusion (test/bench/bench-view-edit.ts).
    listOperations: (p) => http.listOperations(p),
    previewOperation: (p) => http.previewOperation(p),
    applyOperation: (p) => http.applyOperation(p),
    getHistory: (modelId) => http.getHistory(modelId),
    getGraphChanges: (p) => http.getGraphChanges(p),
    ...Object.fromEntries(
      (['undo', 'redo', 'goToStep', 'saveModel', 'getJob', 'cancelJob', 'startProfile', 'getProfile', 'startCompare', 'getCompare', 'getDocumentState', 'chooseSavePath', 'listRecoveries', 'restoreRecovery', 'discardRecovery', 'getQuantizeSettings', 'startQuantize', 'getQuantize', 'startSensitivity', 'getSensitivity', 'getRecipeSchema', 'historyRecipe', 'runRecipe', 'getRecipeFolder', 'setRecipeFolder', 'chooseRecipeFolder', 'readRecipe', 'saveRecipe', 'getPruneGroups', 'startPrune', 'getPrune', 'startServing', 'stopServing', 'getServing', 'startLoad', 'getLoad', 'getModelText', 'applyModelText', 'getPruneSettings'] as const).map((m) => [
        m,
        () => Promise.reject(new Error(`bench backend: ${m} is not measured here`)),
      ]),
    ) as unknown as Pick<Backend, 'undo' | 'redo' | 'goToStep' | 'saveModel' | 'getJob' | 'cancelJob' | 'startProfile' | 'getProfile' | 'startCompare' | 'getCompare' | 'getDocumentState' | 'chooseSavePath' | 'listRecoveries' | 'restoreRecovery' | 'discardRecovery' | 'getQuantizeSettings' | 'startQuantize' | 'getQuantize' | 'startSensitivity' | 'getSensitivity' | 'getRecipeSchema' | 'historyRecipe' | 'runRecipe' | 'getRecipeFolder' | 'setRecipeFolder' | 'chooseRecipeFolder' | 'readRecipe' | 'saveRecipe' | 'getPruneGroups' | 'startPrune' | 'getPrune' | 'startServing' | 'stopServing' | 'getServing' | 'startLoad' | 'getLoad' | 'getModelText' | 'applyModelText' | 'getPruneSettings'>,
    onProgress: () => () => {},
  };
}
