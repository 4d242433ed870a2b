import { Graph, type GraphContext } from '../../shared/ir/graph.js';
import { Journal } from '../../shared/ir/journal.js';
import type { IrModel } from '../../shared/ir/model.js';
import type { IrNode } from '../../shared/ir/node.js';
import type { FunctionProto } from '../../shared/onnx/proto-types.js';

// The bodies of a model's local functions (ModelProto.functions) as graphs the view can show: a
// node whose domain and op type name a local function "holds" that function's body. A body is
// built once, read-only (its own journal, never edited), with node ids of its own.

const key = (domain: string, name: string, overload: string) => `${domain}\u0000${name}\u0000${overload}`;

export class FunctionBodies {
  private readonly byKey = new Map<string, FunctionProto>();
  private readonly bodies = new Map<FunctionProto, Graph>();
  private lastId = 0;
  private readonly ctx: GraphContext = { journal: new Journal(), newNodeId: () => ++this.lastId, track: () => {} };

  constructor(model: IrModel) {
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
}
