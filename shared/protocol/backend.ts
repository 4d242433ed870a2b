import type { ModelSummary, ValueSummary } from '../onnx/model-summary.js';
import type { VerifyInputSettings } from '../verify/input-settings.js';
import type { RecipeFolder, RecipeFolderChoice, RecipeText } from './recipe-api.js';
import type { ApplyTextParams, GetTextParams, ModelText, TextApplyResult } from './text-api.js';
import type { DocumentState, RecoveryInfo, SaveTarget } from './recovery-api.js';
import type { QuantizeResult, SensitivityResult, StartQuantizeParams, StartSensitivityParams } from './quantize-api.js';
import type { QuantizeSettings } from '../quantize/quantize-settings.js';
import type { PruneGroups, PruneResult, PruneSettings, StartPruneParams } from './prune-api.js';
import type { CompareResult, ProfileResult, StartCompareParams, StartProfileParams } from './profile-api.js';
import type { LoadResult, ServingInfo, ServingOptions, ServingStatus, StartLoadParams } from './serving-api.js';
import type { GraphChanges, GraphChangesParams } from './graph-changes-api.js';
import type { ApplyRequest, EditHistory, EditResult, JobInfo, ListOperationsParams, OperationList, OperationPreview, OperationRequest, SavedModel } from './operations-api.js';

// The one API between the UI and whatever hosts it (Electron IPC or the local HTTP/WebSocket
// server). Everything here is plain JSON: it crosses a process boundary and is validated there.

/**
 * Identifies a graph inside a model: [] is the main graph; each step enters a node's subgraph
 * (the graph attribute named `attribute`), or with FUNCTION_BODY the body of the model-local
 * function the node calls.
 */
export type GraphPath = { nodeId: number; attribute: string; index?: number }[];

/** The `attribute` of a step into a called function's body (no ONNX attribute can be named so). */
export const FUNCTION_BODY = '(function)';

export interface OpenedModelInfo {
  modelId: string;
  /** File name (or the name given with uploaded bytes). */
  name: string;
  path: string | null;
  fileSize: number;
  summary: ModelSummary;
}

/** A node as the graph view needs it. */
export interface GraphNodeInfo {
  id: number;
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  /** Attribute name → short text (`[1, 1]`, `0.5`, `"SAME"`, `<tensor float [64]>`, `<graph>`). */
  attributes: Record<string, string>;
  /** Graphs the node holds (If branches, Loop/Scan bodies) and the body of a local function it calls (attribute FUNCTION_BODY). */
  subgraphs: { attribute: string; index?: number; name: string; nodeCount: number }[];
  /**
   * Values of this graph that the node's subgraphs read without the node listing them as inputs
   * (an If branch using a value computed before the If). The view draws them as dashed edges, so
   * that the node is laid out below what it reads. Optional: without it there are no such edges.
   * (Added for the graph view; hosts fill it from Graph.subgraphReaders / outerReferences, and the
   * zod schema for GraphNodeInfo must list it or it is stripped.)
   */
  implicitInputs?: string[];
  /**
   * The value of a Constant node of at most 4 numbers (`0.5`, `1, -1`), for the view to draw it
   * inside the nodes that read it. Absent for bigger, external or non-numeric constants.
   */
  constantValue?: string;
}

/** A value (edge): its type and shape, declared or inferred. */
export interface GraphValueInfo extends ValueSummary {
  /** Where the type came from: the file's own value_info, or shape inference. */
  source: 'declared' | 'inferred' | 'unknown';
}

export interface GraphInfo {
  path: GraphPath;
  name: string;
  nodes: GraphNodeInfo[];
  inputs: string[];
  outputs: string[];
  /** Initializers: shown compactly on the nodes that read them. */
  initializers: { name: string; elemType: string; dims: number[] }[];
  values: GraphValueInfo[];
  /** The document's edit version it was read at (getGraphChanges starts from it); absent where unknown. */
  version?: number;
}

/** Statistics of a tensor for the node panel. */
export interface TensorInfo {
  name: string;
  elemType: string;
  dims: number[];
  byteSize: number;
  external: boolean;
  stats: { min: number; max: number; mean: number; std: number; zeros: number; nanCount: number; sparsity: number } | null;
  /** Equal-width bins between min and max. */
  histogram: { min: number; max: number; counts: number[] } | null;
  first: number[];
}

/** Progress of long work (opening a big model, layout, optimization, profiling). */
export interface ProgressEvent {
  jobId: string;
  done: number;
  total: number;
  message: string;
}

/** A model's verification settings and whether they were remembered from before (else the defaults). */
export interface VerifySettingsInfo {
  settings: VerifyInputSettings;
  remembered: boolean;
}

/** What the renderer may ask of its host. */
export interface Backend {
  /** Opens a model by path (hosts that can read files) or from bytes the user picked or dropped. */
  openModel(source: { path: string } | { name: string; bytes: Uint8Array }): Promise<OpenedModelInfo>;
  /** The model the host was started with, if any. */
  initialModel(): Promise<OpenedModelInfo | null>;
  getGraph(modelId: string, path: GraphPath): Promise<GraphInfo>;
  getTensor(modelId: string, path: GraphPath, name: string): Promise<TensorInfo>;
  /** The verification settings remembered for a model (by path; uploads by name and size). */
  getVerifySettings(modelId: string): Promise<VerifySettingsInfo>;
  /** Checks settings against the model's inputs and remembers them; a WorkbenchError names what does not fit. */
  setVerifySettings(modelId: string, settings: VerifyInputSettings): Promise<VerifySettingsInfo>;
  /** Operations that apply to a selection (or the whole model), with dry-run counts and the nodes each would change. */
  listOperations(params: ListOperationsParams): Promise<OperationList>;
  /** What an operation would change, without changing the model. */
  previewOperation(params: OperationRequest): Promise<OperationPreview>;
  /** Applies an operation as one undoable step; its verification runs as a job (jobId in the step). */
  applyOperation(params: ApplyRequest): Promise<EditResult>;
  undo(params: { modelId: string; version?: number }): Promise<EditResult>;
  redo(params: { modelId: string; version?: number }): Promise<EditResult>;
  /** Undoes or redoes to history state `index` (0: the model as opened). */
  goToStep(params: { modelId: string; index: number; version?: number }): Promise<EditResult>;
  getHistory(modelId: string): Promise<EditHistory>;
  /** What changed in the graph at `path` since version `from` (null: read it whole, see graph-changes.ts). */
  getGraphChanges(params: GraphChangesParams): Promise<GraphChanges | null>;
  /** Saves the current state (atomic; an existing file only with `overwrite`). */
  saveModel(params: { modelId: string; path: string; overwrite?: boolean; externalData?: number }): Promise<SavedModel>;
  getJob(jobId: string): Promise<JobInfo>;
  /** Cancels a running job (a finished one is left as it was). */
  cancelJob(jobId: string): Promise<JobInfo>;
  /** Whether the document has unsaved steps, and the state of its recovery copy. */
  getDocumentState(modelId: string): Promise<DocumentState>;
  /** Where to save: a suggestion beside the original (the page asks), or the path chosen in the host's own Save dialog (null: cancelled). */
  chooseSavePath(modelId: string): Promise<SaveTarget>;
  /** Recovery copies of unsaved work left by an earlier run, newest first. */
  listRecoveries(): Promise<RecoveryInfo[]>;
  /** Opens a recovery copy as a document with unsaved steps. */
  restoreRecovery(id: string): Promise<OpenedModelInfo>;
  /** Removes a recovery copy; answers the ones left. */
  discardRecovery(id: string): Promise<RecoveryInfo[]>;
  /** The current state as a model file's bytes, where the host offers downloads (the browser host; Electron saves with its own dialog). */
  downloadModel?(modelId: string): Promise<{ name: string; bytes: Uint8Array }>;
  /** Profiles the current state in the runtime host as a job (its jobId in the answer). */
  startProfile(params: StartProfileParams): Promise<JobInfo>;
  /** A profile job and its report (null until it is done). */
  getProfile(jobId: string): Promise<ProfileResult>;
  /** Compares the current state with the file as opened (or history state N) as a job. */
  startCompare(params: StartCompareParams): Promise<JobInfo>;
  getCompare(jobId: string): Promise<CompareResult>;
  /** The quantize settings used last (remembered for the user, not per model). */
  getQuantizeSettings(): Promise<QuantizeSettings>;
  /** Quantizes the selection (or the model) as a job: calibration in the runtime host, one history step, latency and outputs measured. */
  startQuantize(params: StartQuantizeParams): Promise<JobInfo>;
  getQuantize(jobId: string): Promise<QuantizeResult>;
  /** Per-layer sensitivity of a quantize step (the state before it against the state after it) as a job. */
  startSensitivity(params: StartSensitivityParams): Promise<JobInfo>;
  getSensitivity(jobId: string): Promise<SensitivityResult>;
  /** The recipe format's JSON Schema (generated from the operations registry). */
  getRecipeSchema(): Promise<Record<string, unknown>>;
  /** The applied steps of the history as a recipe's text. */
  historyRecipe(modelId: string): Promise<RecipeText>;
  /** Runs a recipe on the document as a job (each step one history step); a bad recipe is refused at once (BAD_RECIPE). */
  runRecipe(params: { modelId: string; text: string; version?: number }): Promise<JobInfo>;
  /** The remembered recipe folder and its recipes. */
  getRecipeFolder(): Promise<RecipeFolder>;
  setRecipeFolder(folder: string): Promise<RecipeFolder>;
  /** The host's own folder dialog for the recipe folder; `native: false` where there is none. */
  chooseRecipeFolder(): Promise<RecipeFolderChoice>;
  readRecipe(name: string): Promise<RecipeText>;
  saveRecipe(params: { name: string; text: string; overwrite?: boolean }): Promise<RecipeFolder>;
  /** The coupled channel groups of the model with their channel norms (a dry run); `hidden`: the residual stream's group too. */
  getPruneGroups(modelId: string, criterion: 'l1' | 'l2', hidden?: boolean): Promise<PruneGroups>;
  /** The prune settings last used on this model (the defaults when none). */
  getPruneSettings(modelId: string): Promise<PruneSettings>;
  /** Prunes the selection (or the model) as a job: one history step, recovery on calibration data, parameters, size and latency measured. */
  startPrune(params: StartPruneParams): Promise<JobInfo>;
  getPrune(jobId: string): Promise<PruneResult>;
  /** Serves the current state on 127.0.0.1 (serve-model's server, in the host) until stopped or the model closes. */
  startServing(params: { modelId: string; version?: number; options: ServingOptions }): Promise<ServingInfo>;
  stopServing(modelId: string): Promise<{ stopped: boolean }>;
  /** The model's server (null when none) and its figures now. */
  getServing(modelId: string): Promise<ServingStatus>;
  /** A load test against the model's server as a job. */
  startLoad(params: StartLoadParams): Promise<JobInfo>;
  getLoad(jobId: string): Promise<LoadResult>;
  /** The ONNX text of the model, a subgraph or function body, or selected nodes, with each node's lines. */
  getModelText(params: GetTextParams): Promise<ModelText>;
  /** The edited text (whole model, subgraph body or selected nodes) applied as one history step, or its problems (nothing changed). */
  applyModelText(params: ApplyTextParams): Promise<TextApplyResult>;
  /** Progress of opening, inference and jobs (a job's events carry its jobId). */
  onProgress(listener: (e: ProgressEvent) => void): () => void;
}
