import type { Graph } from '../ir/graph.js';
import type { NodeId } from '../ir/journal.js';
import type { IrModel } from '../ir/model.js';
import type { IrNode } from '../ir/node.js';
import type { TensorProto } from '../onnx/proto-types.js';
import type { ConstantEvaluator } from '../verify/constant-evaluator.js';
import type { PassNumerics } from '../verify/tolerance.js';
import type { ValueFacts } from './value-facts.js';

/**
 * `portable`: the result uses standard ONNX operators only and runs anywhere.
 * `onnxruntime`: the result may use onnxruntime's `com.microsoft` contrib operators.
 */
export type Target = 'portable' | 'onnxruntime';

/** What a pass may use and where it may act while it runs on one graph. */
export interface PassContext {
  readonly model: IrModel;
  readonly graph: Graph;
  readonly target: Target;
  /** Only nodes in this set may be matched or changed; undefined means the whole model. */
  readonly scope: ReadonlySet<NodeId> | undefined;
  /** Types, shapes and constant values of the model's values (recomputed after edits). */
  readonly facts: ValueFacts;
  /** Runs single nodes in onnxruntime, for constant folding; absent where no runtime is available. */
  readonly evaluator: ConstantEvaluator | undefined;
  /** Largest tensor (in bytes) constant folding may create. */
  readonly foldSizeLimit: number;
  /** The model's opset for a domain ('' = ai.onnx), or undefined when it does not import it. */
  opset(domain?: string): number | undefined;
  /** Whether every node given is inside the scope. */
  inScope(nodes: Iterable<IrNode>): boolean;
  /** Adds an opset import (only when the run allows it) and tells whether the domain is usable. */
  requireOpset(domain: string, version: number): boolean;
  /** A value name not used anywhere in the model, derived from `base`. */
  freshName(base: string): string;
  /** Adds an initializer to the graph being rewritten; returns its (possibly renamed) name. */
  addConstant(tensor: TensorProto): string;
}

/** One optimization: a cleanup, a folding, or a fusion. */
export interface Pass {
  readonly name: string;
  /** One line: what it does, and (for fusions) whether onnxruntime would do it anyway at session creation. */
  readonly description: string;
  readonly target: Target;
  /** What it needs to do anything: 'shapes', 'runtime', or nothing. */
  readonly requires: readonly ('shapes' | 'runtime')[];
  /**
   * How closely outputs must match after it (the tolerance level of that name): `exact` for
   * rewrites that compute the same arithmetic in the same order, `folding` for values made
   * constant (onnxruntime then sums products with them in other groupings), `reassociation` for
   * fusions that reorder float math (folded weights, fused kernels).
   */
  readonly numerics: PassNumerics;
  /** Run again until it changes nothing (for passes whose rewrites enable more of themselves). */
  readonly repeat?: boolean;
  /**
   * Its rewrites only remove nodes, redirect readers to values of the same type, or turn values
   * into constants under their own names: every value left has the type and contents it had, so
   * inferred facts stay valid after it (inference is the costliest step on big graphs).
   */
  readonly keepsTypes?: boolean;
  /** Applies the pass to one graph; returns how many rewrites it made. */
  run(ctx: PassContext): number | Promise<number>;
}
