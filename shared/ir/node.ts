import type { AttributeProto, NodeProto } from '../onnx/proto-types.js';
import type { Graph } from './graph.js';
import type { NodeId } from './journal.js';

/** A subgraph held by one of a node's attributes (If branches, Loop/Scan bodies). */
export interface SubgraphRef {
  readonly attribute: string;
  /** Position in a GRAPHS attribute; undefined for a single GRAPH attribute. */
  readonly index?: number;
  readonly graph: Graph;
}

/**
 * A node of the IR. Its fields live in `proto` (so everything the file had, including fields
 * this tool does not interpret, is written back); change them only through Graph's mutation
 * API so that the journal, producer/consumer indexes and provenance stay right.
 */
export class IrNode {
  constructor(
    /** Stable id: unique in the model, never reused, unchanged by edits. */
    readonly id: NodeId,
    readonly proto: NodeProto,
    /** Ids of the nodes of the model as loaded that this node derives from. */
    readonly origins: readonly NodeId[],
    readonly subgraphs: readonly SubgraphRef[],
  ) {}

  get name(): string {
    return this.proto.name ?? '';
  }

  get opType(): string {
    return this.proto.opType ?? '';
  }

  /** Operator domain; '' (and 'ai.onnx') is the default ONNX domain. */
  get domain(): string {
    return this.proto.domain ?? '';
  }

  /** Whether the operator is in the default ONNX domain ('' or 'ai.onnx'). */
  get inDefaultDomain(): boolean {
    const d = this.domain;
    return d === '' || d === 'ai.onnx';
  }

  /** Input value names; '' marks an omitted optional input. */
  get inputs(): readonly string[] {
    return this.proto.input ?? [];
  }

  get outputs(): readonly string[] {
    return this.proto.output ?? [];
  }

  get attributes(): readonly AttributeProto[] {
    return this.proto.attribute ?? [];
  }

  attribute(name: string): AttributeProto | undefined {
    return this.proto.attribute?.find((a) => a.name === name);
  }

  /** A label for messages: the node's name and op type, or its id and op type when it has no name. */
  get label(): string {
    return this.name !== '' ? `"${this.name}" (${this.opType})` : `#${this.id} (${this.opType})`;
  }
}
