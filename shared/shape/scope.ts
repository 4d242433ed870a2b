import type { Graph } from '../ir/graph.js';
import type { TensorProto } from '../onnx/proto-types.js';
import { knownFromTensor, type Known } from './known-values.js';
import { tensorOf, type ValueType } from './types.js';

/**
 * The types and known values of one graph's values during (and after) inference. Lookups fall
 * through to the enclosing graph's scope, so a subgraph sees outer values; initializers are typed
 * and decoded only when first asked for.
 */
export class Scope {
  readonly types = new Map<string, ValueType | undefined>();
  /** null: looked up once and not known (so an initializer too large is not tried again). */
  private readonly values = new Map<string, Known | null>();

  constructor(
    readonly graph: Graph,
    readonly parent: Scope | undefined,
    /** Values of graph inputs given by the caller (treated like initializers). */
    private readonly givenValues?: Readonly<Record<string, TensorProto>>,
  ) {}

  /** The type of a value visible here, or undefined (recursion is as deep as subgraph nesting). */
  typeOf(name: string): ValueType | undefined {
    if (this.types.has(name)) return this.types.get(name);
    const init = this.graph.initializers.get(name);
    if (init) {
      const t = tensorOf(init.dataType ?? 0, (init.dims ?? []).map(Number));
      this.types.set(name, t);
      return t;
    }
    return this.parent?.typeOf(name);
  }

  /** The known value of a value visible here, or undefined. */
  valueOf(name: string): Known | undefined {
    const v = this.values.get(name);
    if (v !== undefined) return v ?? undefined;
    const given = this.givenValues && Object.hasOwn(this.givenValues, name) ? this.givenValues[name] : undefined;
    const t = this.graph.initializers.get(name) ?? given;
    if (t) {
      const k = knownFromTensor(t);
      this.values.set(name, k ?? null);
      return k;
    }
    // Defined here without a known value: an outer value of the same name is shadowed.
    if (this.types.has(name)) return undefined;
    return this.parent?.valueOf(name);
  }

  setType(name: string, t: ValueType | undefined): void {
    this.types.set(name, t);
  }

  setValue(name: string, v: Known | undefined): void {
    this.values.set(name, v ?? null);
  }
}
