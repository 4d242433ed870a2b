import { Graph, type GraphContext } from '../../shared/ir/graph.js';
import { Journal } from '../../shared/ir/journal.js';
import { IrModel } from '../../shared/ir/model.js';
import type { IrNode } from '../../shared/ir/node.js';
import type { FunctionProto } from '../../shared/onnx/proto-types.js';
import { inferShapes, typeToProto, type ValueType } from '../../shared/shape/index.js';

// The bodies of a model's local functions (ModelProto.functions) as graphs the view can show: a
// node whose domain and op type name a local function "holds" that function's body. A body is
// built once per FunctionProto, read-only (its own journal, never edited), with node ids of its
// own. The model's function list is replaced, not edited, when a text edit changes a function
// (and put back by undo): a new list is read again, and an unchanged FunctionProto keeps its
// body. Its values' types depend on the call: inference runs on the body with the calling node's
// input types.

const key = (domain: string, name: string, overload: string) => `${domain}\u0000${name}\u0000${overload}`;

export class FunctionBodies {
  private byKey = new Map<string, FunctionProto>();
  /** The list byKey was read from (null: none read yet). */
  private source: readonly FunctionProto[] | undefined | null = null;
  private readonly bodies = new WeakMap<FunctionProto, Graph>();
  private lastId = 0;
  private readonly ctx: GraphContext = { journal: new Journal(), newNodeId: () => ++this.lastId, track: () => {} };

  constructor(private readonly model: IrModel) {}

  /** The model's functions by key, read again when the model's list is another one. */
  private current(): Map<string, FunctionProto> {
    const list = this.model.meta.functions;
    if (list !== this.source) {
      this.byKey = new Map();
      for (const f of list ?? []) this.byKey.set(key(f.domain ?? '', f.name ?? '', f.overload ?? ''), f);
      this.source = list;
    }
    return this.byKey;
  }

  /** The local function a node calls, if any. */
  calledBy(node: IrNode): FunctionProto | undefined {
    if (this.current().size === 0) return undefined;
    return this.byKey.get(key(node.domain, node.opType, node.proto.overload ?? ''));
  }

  /** The body of the function a node calls, as a graph; undefined when it calls none. */
  bodyOf(node: IrNode): Graph | undefined {
    const f = this.calledBy(node);
    if (!f) return undefined;
    let body = this.bodies.get(f);
    if (!body) {
      const named = (names: string[] | undefined) => (names ?? []).map((name) => ({ name }));
      body = new Graph({ name: f.name, node: f.node, input: named(f.input), output: named(f.output), valueInfo: f.valueInfo }, this.ctx);
      this.bodies.set(f, body);
    }
    return body;
  }

  /**
   * The types of a body's values at one call, given the types of the call's inputs (undefined
   * where unknown); undefined when inference cannot run on the body.
   */
  typesAtCall(node: IrNode, inputTypes: readonly (ValueType | undefined)[]): ((value: string) => ValueType | undefined) | undefined {
    const f = this.calledBy(node);
    if (!f) return undefined;
    const input = (f.input ?? []).map((name, i) => {
      const t = inputTypes[i];
      return t ? { name, type: typeToProto(t) } : { name };
    });
    const opsetImport = f.opsetImport?.length ? f.opsetImport : this.model.meta.opsetImport;
    try {
      const ir = new IrModel(
        { irVersion: this.model.meta.irVersion, opsetImport, functions: this.model.meta.functions, graph: { name: f.name, node: f.node, input, output: (f.output ?? []).map((name) => ({ name })) } },
        { validate: false },
      );
      const inference = inferShapes(ir);
      return (value) => inference.typeOf(ir.graph, value);
    } catch {
      return undefined; // the body still shows, without types
    }
  }
}
