import type { Pass } from '../../rewrite/pass.js';

/**
 * Removes initializers nothing reads, including those also listed as graph inputs (overridable
 * defaults nobody uses). Real graph inputs stay even when unused: dropping one would change the
 * model's signature under its callers.
 */
export const unusedInitializers: Pass = {
  name: 'unused-initializers',
  description: 'removes initializers (and their optional graph-input entries) that nothing reads',
  target: 'portable',
  requires: [],
  numerics: 'exact',
  keepsTypes: true,
  run(ctx) {
    if (ctx.scope) return 0; // initializers belong to no selected node
    const g = ctx.graph;
    let removed = 0;
    const unused = [...g.initializers.keys()].filter((name) => !g.usedOutside(name, new Set()));
    for (const name of unused) {
      g.removeInitializer(name);
      removed++;
    }
    if (unused.length && g.inputs.some((i) => unused.includes(i.name ?? ''))) {
      g.setGraphInputs(g.inputs.filter((i) => !unused.includes(i.name ?? '')));
    }
    return removed;
  },
};
