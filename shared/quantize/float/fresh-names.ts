import { allGraphs, type IrModel } from '../../ir/model.js';

/** Value names not yet used anywhere in a model (its subgraphs included), made from a base name. */
export class FreshNames {
  private readonly used = new Set<string>();

  constructor(model: IrModel) {
    for (const g of allGraphs(model.graph)) {
      for (const n of g.nodes) for (const v of [...n.inputs, ...n.outputs]) this.used.add(v);
      for (const k of g.initializers.keys()) this.used.add(k);
      for (const v of [...g.inputs, ...g.outputs]) this.used.add(v.name ?? '');
    }
  }

  /** `base`, or `base_1`, `base_2`... whichever is free first; it is taken from then on. */
  take(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}
