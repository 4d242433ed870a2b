import { Graph, type GraphContext } from '../../shared/ir/graph.js';
import { Journal } from '../../shared/ir/journal.js';
import { IrModel } from '../../shared/ir/model.js';
import type { IrNode } from '../../shared/ir/node.js';
import type { FunctionProto } from '../../shared/onnx/proto-types.js';
import { inferShapes, typeToProto, type ValueType } from '../../shared/shape/index.js';

// The bodies of a model's local functions (ModelProto.functions) as graphs the view can show: a
// node whose domain and op type name a local function "holds" that function's body. A body is
// built once, read-only (its own journal, never edited), with node ids of its own. Its values'
// types depend on the call: inference runs on the body with the calling node's input types.

const key = (domain: string, name: string, overload: string) => `${domain}\u0000${name}\u0000${overload}`;

export class FunctionBodies {
  private readonly byKey = new Map<string, FunctionProto>();
  private readonly bodies = new Map<FunctionProto, Graph>();
  private lastId = 0;
  private readonly ctx: GraphContext = { journal: new Journal(), newNodeId: () => ++this.lastId, track: () => {} };

  constructor(private readonly model: IrModel) {
    for (const f of model.meta.functions ?? []) this.byKey.set(key(f.domain ?? '', f.name ?? '', f.overload ?? ''), f);
  }

  /** The local function a node calls, if any. */
  calledBy(node: IrNode): FunctionProto | undefined {
    if (this.byKey.size === 0) return undefined;
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
