import type { OperationGroup } from '../operations/operation.js';
import type { QuantizeFigures } from './quantize-figures.js';
import type { PruneFigures } from './prune-figures.js';

// The Backend's part for editing a model: operations (list, preview, apply), the history
// (undo, redo, jump), saving, and jobs. Plain JSON, like the rest of the API.
//
// `version` is the document's edit version (its journal's version): it changes with every apply,
// undo, redo and jump, not with previews or refused requests. A request that carries an older one than the document's is refused with
// STALE_VERSION and changes nothing: what the client listed or previewed is out of date.

/** Nodes added, removed and changed by a step (ids are the graph view's node ids). */
export interface GraphDiff {
  added: number[];
  removed: number[];
  changed: number[];
  /** Something beside nodes changed (initializers, graph inputs/outputs, opset imports). */
  graphChanged: boolean;
}

/** An operation that applies, with what its dry run found. */
export interface OperationInfo {
  name: string;
  description: string;
  group: OperationGroup;
  target: 'portable' | 'onnxruntime' | null;
  /** The verification tolerance it declares (the result may need another: `exact` when no fusion fired); null: not verified (meant to change outputs). */
  tolerance: string | null;
  /** JSON Schema of its options. */
  optionsSchema: unknown;
  /** The options the dry run used (from the selection, or the defaults); null where only the user can give them (listed with `all`). */
  options: Record<string, unknown> | null;
  /** Rewrites the dry run made (with default options). */
  matches: number;
  /** Existing nodes it would remove or change. */
  nodes: number[];
  nodesBefore: number;
  nodesAfter: number;
}

export interface OperationList {
  version: number;
  /** The selection the dry runs were scoped to, or null for the whole model. */
  selection: number[] | null;
  operations: OperationInfo[];
}

/** What applying an operation would change, from a dry run; the document is unchanged. */
export interface OperationPreview {
  version: number;
  name: string;
  matches: number;
  removed: number[];
  changed: number[];
  /** Nodes it would add (their ids exist only once applied). */
  addedCount: number;
  graphChanged: boolean;
  nodesBefore: number;
  nodesAfter: number;
  tolerance: string | null;
  /** One line saying what changed, where the operation gives one (surgery edits). */
  summary: string | null;
}

/** A verification's state beside its step. */
export interface StepVerification {
  state: 'none' | 'running' | 'passed' | 'failed' | 'cancelled' | 'error';
  jobId: string | null;
  tolerance: string | null;
  /** Worst over the outputs; null until done (or where not comparable). */
  maxAbsError: number | null;
  /** Lowest over the float outputs. */
  cosine: number | null;
  /** Why it failed, was cancelled or could not run. */
  message: string | null;
  outputs: { name: string; maxAbsError: number | null; cosine: number | null; passed: boolean }[];
}

export interface HistoryStep {
  /** The history state this step leads to (1 for the first step; 0 is the model as opened). */
  index: number;
  label: string;
  operation: string;
  options: Record<string, unknown>;
  selection: number[] | null;
  matches: number;
  nodesBefore: number;
  nodesAfter: number;
  /** False once undone (redo or goToStep brings it back). */
  applied: boolean;
  verification: StepVerification;
  /** A quantize step's measured size, latency and accuracy (the app's Quantize job). */
  quantize?: QuantizeFigures;
  /** A prune step's measured parameters, size, latency and output error (the app's Prune job). */
  prune?: PruneFigures;
}

export interface EditHistory {
  version: number;
  /** The current state: how many steps are applied. */
  state: number;
  steps: HistoryStep[];
}

/** The answer to apply, undo, redo and goToStep: the new history and how the graph changed. */
export interface EditResult extends EditHistory {
  diff: GraphDiff;
  /** The step just applied (apply only). */
  step: HistoryStep | null;
}

export interface SavedModel {
  path: string;
  bytes: number;
  nodeCount: number;
}

/** A job (verification now; profiling, comparing, calibrating later) as the client polls it. */
export interface JobInfo {
  jobId: string;
  kind: string;
  label: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  done: number;
  total: number;
  message: string;
  error: { code: string; message: string } | null;
}

export interface ListOperationsParams {
  modelId: string;
  /** Node ids; absent: the whole model. */
  selection?: number[];
  /** Also list operations that would change nothing. */
  all?: boolean;
}

export interface OperationRequest {
  modelId: string;
  name: string;
  options?: Record<string, unknown>;
  selection?: number[];
  /** The version the client listed or previewed at. */
  version?: number;
}

export interface ApplyRequest extends OperationRequest {
  version: number;
  /** Start a verification job after applying (default true). */
  verify?: boolean;
}
