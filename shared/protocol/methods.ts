import './zod-config.js';
import { z } from 'zod';
import type { Backend } from './backend.js';
import { assembleGraph, graphPart } from './graph-parts.js';
import {
  graphPartSchema,
  graphPathSchema,
  modelIdSchema,
  openedModelInfoSchema,
  progressEventSchema,
  tensorInfoSchema,
  verifySettingsInfoSchema,
  verifySettingsSchema,
} from './schemas.js';
import { recoveryMethods } from './recovery-api.js';
import { recipeMethods } from './recipe-api.js';
import { editHistorySchema, editResultSchema, jobInfoSchema, operationListSchema, operationParams, operationPreviewSchema, savedModelSchema } from './operation-schemas.js';
import { compareResultSchema, profileParams, profileResultSchema } from './profile-api.js';
import { quantizeMethods } from './quantize-api.js';
import { pruneMethods } from './prune-api.js';
import { servingMethods } from './serving-api.js';
import { textMethods } from './text-api.js';
import { graphChangesMethods } from './graph-changes-api.js';

// The API as a table: each method's parameters (one object, named fields) and result. Both
// transports (Electron IPC, HTTP) validate parameters with it where they arrive in the host and
// results where they arrive in the renderer. A later feature adds a row here and a method to the
// service; the transports need no change.

/** Where a model comes from: a path the host can read, or bytes the user picked or dropped. */
export const modelSourceSchema = z.union([
  z.strictObject({ path: z.string().min(1).max(4096) }),
  z.strictObject({ name: z.string().min(1).max(255), bytes: z.custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'expected bytes (Uint8Array)' }) }),
]);

/** The methods of the Backend API: name → params schema, result schema. */
export const methods = {
  initialModel: {
    params: z.strictObject({}),
    result: openedModelInfoSchema.nullable(),
  },
  openModel: {
    params: z.strictObject({ source: modelSourceSchema }),
    result: openedModelInfoSchema,
  },
  /** A graph in parts (see graph-parts.ts); Backend.getGraph puts them together. */
  getGraphPart: {
    params: z.strictObject({ modelId: modelIdSchema, path: graphPathSchema, part: z.number().int().nonnegative().max(1 << 20) }),
    result: graphPartSchema,
  },
  getTensor: {
    params: z.strictObject({ modelId: modelIdSchema, path: graphPathSchema, name: z.string().max(4096) }),
    result: tensorInfoSchema,
  },
  getVerifySettings: {
    params: z.strictObject({ modelId: modelIdSchema }),
    result: verifySettingsInfoSchema,
  },
  setVerifySettings: {
    params: z.strictObject({ modelId: modelIdSchema, settings: verifySettingsSchema }),
    result: verifySettingsInfoSchema,
  },
  /** Operations that apply to the selection (or the whole model), each with its dry run. */
  listOperations: { params: operationParams.listOperations, result: operationListSchema },
  /** What an operation would change; the document is unchanged. */
  previewOperation: { params: operationParams.previewOperation, result: operationPreviewSchema },
  /** Applies an operation as one history step (and starts its verification job). */
  applyOperation: { params: operationParams.applyOperation, result: editResultSchema },
  undo: { params: operationParams.undoRedo, result: editResultSchema },
  redo: { params: operationParams.undoRedo, result: editResultSchema },
  /** Undoes or redoes to history state `index` (0: the model as opened). */
  goToStep: { params: operationParams.goToStep, result: editResultSchema },
  getHistory: { params: operationParams.getHistory, result: editHistorySchema },
  /** Saves the current state atomically (refuses an existing file unless `overwrite`). */
  /** Saves the current state atomically (refuses an existing file unless `overwrite`; `externalData`: initializers of at least that many bytes go to `<path>.data`). */
  saveModel: { params: operationParams.saveModel, result: savedModelSchema },
  getJob: { params: operationParams.job, result: jobInfoSchema },
  cancelJob: { params: operationParams.job, result: jobInfoSchema },
  /** Unsaved steps, last save, recovery copy; where to save; recovery copies from an earlier run (recovery-api.ts). */
  ...recoveryMethods,
  /** Profiles the current state as a job (progress events, cancelJob); getProfile has its report once done. */
  startProfile: { params: profileParams.startProfile, result: jobInfoSchema },
  getProfile: { params: profileParams.result, result: profileResultSchema },
  /** Compares the current state with the file as opened (or a history state) as a job; getCompare has the report. */
  startCompare: { params: profileParams.startCompare, result: jobInfoSchema },
  getCompare: { params: profileParams.result, result: compareResultSchema },
  /** Quantize settings, the quantize job, and per-layer sensitivity (quantize-api.ts). */
  ...quantizeMethods,
  /** Recipes: the history as one, a run as a job, the remembered folder (recipe-api.ts). */
  ...recipeMethods,
  /** Channel groups and the prune job (prune-api.ts). */
  ...pruneMethods,
  /** Serving the current state from the app, its figures for the dashboard, load tests (serving-api.ts). */
  ...servingMethods,
  /** The model as ONNX text, and its edited text applied as one step (text-api.ts). */
  ...textMethods,
  /** What changed in a graph between two edit versions: the view patches its graph with it (graph-changes-api.ts). */
  ...graphChangesMethods,
} as const;

/** Events the host pushes to the renderer (WebSocket / IPC messages): name → payload schema. */
export const events = {
  progress: progressEventSchema,
} as const;

export type MethodName = keyof typeof methods;
export type MethodParams<M extends MethodName> = z.infer<(typeof methods)[M]['params']>;
export type MethodResult<M extends MethodName> = z.infer<(typeof methods)[M]['result']>;
export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.infer<(typeof events)[E]>;

/** What a host implements to serve the table: one function per method, taking its params object. */
export type MethodHandlers = { [M in MethodName]: (params: MethodParams<M>) => Promise<MethodResult<M>> };

/** True for a name that is a method of the table (and not something inherited from Object). */
export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(methods, name);
}

/** The handlers of a Backend: the table's methods call it with their params spread out. */
export function handlersFor(backend: Omit<Backend, 'onProgress'>): MethodHandlers {
  return {
    initialModel: () => backend.initialModel(),
    openModel: ({ source }) => backend.openModel(source),
    getGraphPart: async ({ modelId, path, part }) => graphPart(await backend.getGraph(modelId, path), part),
    getTensor: ({ modelId, path, name }) => backend.getTensor(modelId, path, name),
    getVerifySettings: ({ modelId }) => backend.getVerifySettings(modelId),
    setVerifySettings: ({ modelId, settings }) => backend.setVerifySettings(modelId, settings),
    listOperations: (p) => backend.listOperations(p),
    previewOperation: (p) => backend.previewOperation(p),
    applyOperation: (p) => backend.applyOperation(p),
    undo: (p) => backend.undo(p),
    redo: (p) => backend.redo(p),
    goToStep: (p) => backend.goToStep(p),
    getHistory: ({ modelId }) => backend.getHistory(modelId),
    saveModel: (p) => backend.saveModel(p),
    getJob: ({ jobId }) => backend.getJob(jobId),
    cancelJob: ({ jobId }) => backend.cancelJob(jobId),
    getDocumentState: ({ modelId }) => backend.getDocumentState(modelId),
    chooseSavePath: ({ modelId }) => backend.chooseSavePath(modelId),
    listRecoveries: () => backend.listRecoveries(),
    restoreRecovery: ({ id }) => backend.restoreRecovery(id),
    discardRecovery: ({ id }) => backend.discardRecovery(id),
    startProfile: (p) => backend.startProfile(p),
    getProfile: ({ jobId }) => backend.getProfile(jobId),
    startCompare: (p) => backend.startCompare(p),
    getCompare: ({ jobId }) => backend.getCompare(jobId),
    getQuantizeSettings: () => backend.getQuantizeSettings(),
    startQuantize: (p) => backend.startQuantize(p),
    getQuantize: ({ jobId }) => backend.getQuantize(jobId),
    startSensitivity: (p) => backend.startSensitivity(p),
    getSensitivity: ({ jobId }) => backend.getSensitivity(jobId),
    getRecipeSchema: () => backend.getRecipeSchema(),
    historyRecipe: ({ modelId }) => backend.historyRecipe(modelId),
    runRecipe: (p) => backend.runRecipe(p),
    getRecipeFolder: () => backend.getRecipeFolder(),
    setRecipeFolder: ({ folder }) => backend.setRecipeFolder(folder),
    chooseRecipeFolder: () => backend.chooseRecipeFolder(),
    readRecipe: ({ name }) => backend.readRecipe(name),
    saveRecipe: (p) => backend.saveRecipe(p),
    getPruneGroups: ({ modelId, criterion, hidden }) => backend.getPruneGroups(modelId, criterion, hidden),
    getPruneSettings: ({ modelId }) => backend.getPruneSettings(modelId),
    startPrune: (p) => backend.startPrune(p),
    getPrune: ({ jobId }) => backend.getPrune(jobId),
    startServing: (p) => backend.startServing(p),
    stopServing: ({ modelId }) => backend.stopServing(modelId),
    getServing: ({ modelId }) => backend.getServing(modelId),
    startLoad: (p) => backend.startLoad(p),
    getLoad: ({ jobId }) => backend.getLoad(jobId),
    getModelText: (p) => backend.getModelText(p),
    applyModelText: (p) => backend.applyModelText(p),
    getGraphChanges: (p) => backend.getGraphChanges(p),
  };
}

/** A Backend (less onProgress) over a transport's `call`: the other direction of handlersFor. */
export function backendOver(call: <M extends MethodName>(method: M, params: MethodParams<M>) => Promise<MethodResult<M>>): Omit<Backend, 'onProgress'> {
  return {
    initialModel: () => call('initialModel', {}),
    openModel: (source) => call('openModel', { source }),
    getGraph: (modelId, path) => assembleGraph((part) => call('getGraphPart', { modelId, path, part })),
    getTensor: (modelId, path, name) => call('getTensor', { modelId, path, name }),
    getVerifySettings: (modelId) => call('getVerifySettings', { modelId }),
    setVerifySettings: (modelId, settings) => call('setVerifySettings', { modelId, settings }),
    listOperations: (p) => call('listOperations', p),
    previewOperation: (p) => call('previewOperation', p),
    applyOperation: (p) => call('applyOperation', p),
    undo: (p) => call('undo', p),
    redo: (p) => call('redo', p),
    goToStep: (p) => call('goToStep', p),
    getHistory: (modelId) => call('getHistory', { modelId }),
    saveModel: (p) => call('saveModel', p),
    getJob: (jobId) => call('getJob', { jobId }),
    cancelJob: (jobId) => call('cancelJob', { jobId }),
    getDocumentState: (modelId) => call('getDocumentState', { modelId }),
    chooseSavePath: (modelId) => call('chooseSavePath', { modelId }),
    listRecoveries: () => call('listRecoveries', {}),
    restoreRecovery: (id) => call('restoreRecovery', { id }),
    discardRecovery: (id) => call('discardRecovery', { id }),
    startProfile: (p) => call('startProfile', p),
    getProfile: (jobId) => call('getProfile', { jobId }),
    startCompare: (p) => call('startCompare', p),
    getCompare: (jobId) => call('getCompare', { jobId }),
    getQuantizeSettings: () => call('getQuantizeSettings', {}),
    startQuantize: (p) => call('startQuantize', p),
    getQuantize: (jobId) => call('getQuantize', { jobId }),
    startSensitivity: (p) => call('startSensitivity', p),
    getSensitivity: (jobId) => call('getSensitivity', { jobId }),
    getRecipeSchema: () => call('getRecipeSchema', {}),
    historyRecipe: (modelId) => call('historyRecipe', { modelId }),
    runRecipe: (p) => call('runRecipe', p),
    getRecipeFolder: () => call('getRecipeFolder', {}),
    setRecipeFolder: (folder) => call('setRecipeFolder', { folder }),
    chooseRecipeFolder: () => call('chooseRecipeFolder', {}),
    readRecipe: (name) => call('readRecipe', { name }),
    saveRecipe: (p) => call('saveRecipe', p),
    getPruneGroups: (modelId, criterion, hidden) => call('getPruneGroups', { modelId, criterion, ...(hidden ? { hidden } : {}) }),
    getPruneSettings: (modelId) => call('getPruneSettings', { modelId }),
    startPrune: (p) => call('startPrune', p),
    getPrune: (jobId) => call('getPrune', { jobId }),
    startServing: (p) => call('startServing', p),
    stopServing: (modelId) => call('stopServing', { modelId }),
    getServing: (modelId) => call('getServing', { modelId }),
    startLoad: (p) => call('startLoad', p),
    getLoad: (jobId) => call('getLoad', { jobId }),
    getModelText: (p) => call('getModelText', p),
    applyModelText: (p) => call('applyModelText', p),
    getGraphChanges: (p) => call('getGraphChanges', p),
  };
}
