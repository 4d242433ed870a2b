import type { Graph } from '../../shared/ir/graph.js';
import { WorkbenchError } from '../../shared/errors.js';
import { summarizeModel } from '../../shared/onnx/model-summary.js';
import type { FunctionProto, TensorProto } from '../../shared/onnx/proto-types.js';
import { FUNCTION_BODY, type GraphInfo, type GraphPath, type OpenedModelInfo, type TensorInfo } from '../../shared/protocol/backend.js';
import { graphChanges, patchSize, type GraphChanges } from '../../shared/protocol/graph-changes.js';
import { inferShapes, type ShapeInference } from '../../shared/shape/index.js';
import type { OpenedModel } from '../io/open-model.js';
import { FunctionBodies } from './function-bodies.js';
import { graphInfo, type InferredType } from './graph-info.js';
import { findTensor, tensorInfo } from './tensor-info.js';

/** Where a document's file came from: a path the user gave, or bytes written to a temporary file. */
export interface DocumentOrigin {
  /** Shown to the user: the file name, or the name given with uploaded bytes. */
  name: string;
  /** The user's path; null for uploaded bytes. */
  path: string | null;
}

function describePath(path: GraphPath): string {
  return path.length ? path.map((s) => `#${s.nodeId}.${s.attribute}${s.index !== undefined ? `[${s.index}]` : ''}`).join('/') : 'main graph';
}

/**
 * One open model in the service: the file's IR, with facts derived from it computed on first
 * use and cached until the model is edited (the journal's version is the cache key).
 */
export class ModelDocument {
  private inference: { version: number; result: ShapeInference | undefined } | undefined;
  /** Each path's graph as last read, and the one before it (what getGraphChanges diffs against). */
  private readonly graphs = new Map<string, { version: number; info: GraphInfo; previous?: GraphInfo }>();
  private readonly tensors = new WeakMap<TensorProto, Promise<TensorInfo>>();
  private lastUsed = Date.now();
  private functionBodies: FunctionBodies | undefined;

  constructor(
    readonly id: string,
    readonly model: OpenedModel,
    readonly origin: DocumentOrigin,
  ) {}

  /** When the renderer last asked about this document (for evicting idle ones). */
  get idleSince(): number {
    return this.lastUsed;
  }

  /** What settings remembered for this model are keyed by: its path, or for uploads its name and size. */
  get settingsKey(): string {
    return this.origin.path !== null ? `path:${this.origin.path}` : `upload:${this.origin.name}:${this.model.fileSize}`;
  }

  touch(): void {
    this.lastUsed = Date.now();
  }

  info(): OpenedModelInfo {
    return {
      modelId: this.id,
      name: this.origin.name,
      path: this.origin.path,
      fileSize: this.model.fileSize,
      summary: summarizeModel(this.model.ir, this.model.external.list.map((f) => f.location)),
    };
  }

  /** The graph a path leads to, or a WorkbenchError naming the step that does not exist. */
  graphAt(path: GraphPath): Graph {
    let graph = this.model.ir.graph;
    path.forEach((step, i) => {
      const node = graph.node(step.nodeId);
      const sub =
        step.attribute === FUNCTION_BODY && step.index === undefined && node
          ? this.functions.bodyOf(node)
          : node?.subgraphs.find((s) => s.attribute === step.attribute && s.index === step.index)?.graph;
      if (!sub) {
        const where = describePath(path.slice(0, i + 1));
        const why = !node ? `no node #${step.nodeId} there` : step.attribute === FUNCTION_BODY ? `node ${node.label} calls no local function` : `node ${node.label} has no such attribute`;
        throw new WorkbenchError('BAD_GRAPH_PATH', `${this.origin.name}: no subgraph ${where} (${why})`);
      }
      graph = sub;
    });
    return graph;
  }

  /** The local function whose body `path` ends in (its last step enters a call); undefined for other paths. */
  functionAt(path: GraphPath): FunctionProto | undefined {
    const last = path[path.length - 1];
    if (last?.attribute !== FUNCTION_BODY) return undefined;
    const call = this.graphAt(path.slice(0, -1)).node(last.nodeId);
    return call && this.functions.calledBy(call);
  }

  /** The bodies of the model's local functions, built when first entered. */
  private get functions(): FunctionBodies {
    this.functionBodies ??= new FunctionBodies(this.model.ir);
    return this.functionBodies;
  }

  /** Whether the next graph() call runs shape inference (the model is new or was edited). */
  get inferencePending(): boolean {
    return this.inference?.version !== this.model.ir.journal.version;
  }

  /** Types inferred for every value; undefined where inference failed (declared types still show). */
  shapeInference(): ShapeInference | undefined {
    const version = this.model.ir.journal.version;
    if (this.inference?.version !== version) {
      let result: ShapeInference | undefined;
      try {
        result = inferShapes(this.model.ir);
      } catch {
        // Inference never throws on a valid model; on a model it cannot handle the view still
        // shows declared types, so a failure here must not stop the graph from opening.
        result = undefined;
      }
      this.inference = { version, result };
    }
    return this.inference.result;
  }

  graph(path: GraphPath): GraphInfo {
    const key = JSON.stringify(path);
    const version = this.model.ir.journal.version;
    const cached = this.graphs.get(key);
    if (cached?.version === version) return cached.info;
    const graph = this.graphAt(path);
    const info: GraphInfo = { ...graphInfo(graph, path, this.typesAt(path), this.functions), version };
    this.graphs.set(key, { version, info, ...(cached ? { previous: cached.info } : {}) });
    return info;
  }

  /**
   * What changed in the graph at `path` since version `from`; null where that version is no
   * longer kept (only the last two reads of each path are), or where the patch would carry more
   * than half the graph's items (a full read is as quick then).
   */
  graphChanges(path: GraphPath, from: number): GraphChanges | null {
    const cached = this.graphs.get(JSON.stringify(path));
    const before = cached?.info.version === from ? cached.info : cached?.previous?.version === from ? cached.previous : undefined;
    if (!before) return null;
    const after = this.graph(path);
    const changes = graphChanges(before, after, from, after.version!);
    const items = after.nodes.length + after.values.length + after.initializers.length;
    return patchSize(changes) * 2 > items ? null : changes;
  }

  /**
   * Inferred types for the graph at `path`: the model's inference, or inside a called function's
   * body, inference on the body with the call's input types (found the same way, step by step).
   */
  private typesAt(path: GraphPath): InferredType | undefined {
    const last = path.length - 1;
    if (path.every((s) => s.attribute !== FUNCTION_BODY)) {
      const inference = this.shapeInference();
      return inference && ((g, v) => inference.typeOf(g, v));
    }
    if (path[last]!.attribute !== FUNCTION_BODY) return undefined; // a subgraph inside a body: declared types only
    const caller = this.graphAt(path.slice(0, last));
    const call = caller.node(path[last]!.nodeId)!;
    const callerTypes = this.typesAt(path.slice(0, last));
    const body = this.functions.bodyOf(call)!;
    const types = this.functions.typesAtCall(call, call.inputs.map((v) => (v ? callerTypes?.(caller, v) : undefined)));
    return types && ((g, v) => (g === body ? types(v) : undefined));
  }

  tensor(path: GraphPath, name: string): Promise<TensorInfo> {
    const graph = this.graphAt(path);
    const source = findTensor(graph, name);
    if (!source) {
      throw new WorkbenchError('NO_TENSOR', `${this.origin.name}: no initializer or constant "${name}" in ${describePath(path)}`);
    }
    if (source.kind === 'values') return tensorInfo(source, this.model.tensorBytes);
    let info = this.tensors.get(source.tensor);
    if (!info) {
      info = tensorInfo(source, this.model.tensorBytes);
      this.tensors.set(source.tensor, info);
      info.catch(() => this.tensors.delete(source.tensor));
    }
    return info;
  }
}
