import type { NodeId } from '../ir/journal.js';

/** What a span of printed lines holds. */
export type SpanKind = 'node' | 'initializer' | 'value' | 'graph' | 'function';

/** Lines of the text that print one element (1-based, inclusive). */
export interface TextSpan {
  kind: SpanKind;
  /** The IR node id, for nodes printed from the IR. */
  id?: NodeId;
  /**
   * Where the element is among the printed protos: node `3` of the graph, `3/then_branch/0` in a
   * subgraph (`3/branches.1/0` for a GRAPHS attribute), `fn:local.MyFn/2` in a function.
   */
  path: string;
  /** The node's, initializer's, value's, graph's or function's name. */
  name: string;
  startLine: number;
  endLine: number;
  /** For a graph: the 1-based column where it starts on startLine (a subgraph starts after `name: graph = `). */
  startColumn?: number;
  /** For a graph: the 1-based column just after its closing `}` on endLine. */
  endColumn?: number;
}

/** Printed text with the lines each node (and graph, function, initializer) takes. */
export class PrintedText {
  private byId: Map<NodeId, TextSpan> | undefined;

  constructor(
    readonly text: string,
    readonly spans: readonly TextSpan[],
  ) {}

  /** The lines of an IR node. */
  linesOf(id: NodeId): TextSpan | undefined {
    if (!this.byId) {
      this.byId = new Map();
      for (const s of this.spans) if (s.id !== undefined) this.byId.set(s.id, s);
    }
    return this.byId.get(id);
  }

  /** The innermost node printed on `line` (a node inside an If branch rather than the If). */
  nodeAt(line: number): TextSpan | undefined {
    let best: TextSpan | undefined;
    for (const s of this.spans) {
      if (s.kind !== 'node' || line < s.startLine || line > s.endLine) continue;
      if (!best || s.endLine - s.startLine < best.endLine - best.startLine) best = s;
    }
    return best;
  }
}
