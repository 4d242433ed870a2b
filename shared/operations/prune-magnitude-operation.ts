import '../protocol/zod-config.js';
import { z } from 'zod';
import { WorkbenchError } from '../errors.js';
import { liftFloatConstants } from '../prune/lift-constants.js';
import { globalThreshold, prune2of4, pruneBelow, pruneToSparsity } from '../prune/magnitude.js';
import { layerWeight, readWeight, writeWeight, type LayerWeight } from '../prune/weights.js';
import type { Operation } from './operation.js';

// Unstructured and 2:4 magnitude pruning as an operation: weights of Conv, ConvTranspose, Gemm
// and MatMul get zeros, nothing else changes. Zeros alone make no onnxruntime CPU kernel faster
// (its dense kernels multiply zeros like any number); the CLI measures and says so.

export const magnitudeOptionsSchema = z.strictObject({
  /** Fraction of each layer's weights (or of all, with `threshold: 'global'`) set to zero. */
  sparsity: z.number().min(0).max(0.99).default(0.5),
  /** `2:4`: in every 4 consecutive weights along the input channels, the 2 smallest zeroed (sparsity is then 0.5). */
  pattern: z.enum(['unstructured', '2:4']).default('unstructured'),
  /** `layer`: each layer to the sparsity; `global`: one |w| threshold for all. */
  threshold: z.enum(['layer', 'global']).default('layer'),
  /** Node names left as they are. */
  exclude: z.array(z.string().min(1)).default([]),
});

export type MagnitudeOptions = z.infer<typeof magnitudeOptionsSchema>;

/** Achieved sparsity of one layer's weight. */
export interface LayerSparsity {
  node: string;
  opType: string;
  weight: string;
  elements: number;
  zeros: number;
  sparsity: number;
  /** Why the layer was left as it was (2:4 on an axis not a multiple of 4). */
  skipped?: string;
}

export const pruneMagnitudeOperation: Operation<MagnitudeOptions> = {
  name: 'prune-magnitude',
  description: 'magnitude pruning of Conv, ConvTranspose, Gemm and MatMul weights: the smallest |w| set to zero (per layer or one global threshold), or 2:4 semi-structured; shapes unchanged',
  group: 'pruning',
  target: 'portable',
  options: magnitudeOptionsSchema,
  tolerance: null,
  requires: [],
  async run(ctx) {
    const o = ctx.options;
    if (o.pattern === '2:4' && o.threshold === 'global') throw new WorkbenchError('BAD_OPTION', 'prune-magnitude: pattern 2:4 takes no global threshold');
    const g = ctx.model.graph;
    const ext = ctx.runtime.externalBytes ?? (() => undefined);
    liftFloatConstants(g);
    const layers: LayerWeight[] = [];
    const seen = new Set<string>();
    for (const node of g.nodes) {
      if (ctx.scope && !ctx.scope.has(node.id)) continue;
      if (o.exclude.includes(node.name)) continue;
      const lw = layerWeight(g, node);
      // A weight two layers share is pruned once.
      if (!lw || seen.has(lw.init)) continue;
      seen.add(lw.init);
      layers.push(lw);
    }
    if (!layers.length) return { matches: 0, summary: 'no Conv, ConvTranspose, Gemm or MatMul with a float32 weight to prune' };
    const weights = layers.map((l) => readWeight(g, l.init, ext)!);
    const threshold = o.threshold === 'global' ? globalThreshold(weights.map((w) => w.values), o.sparsity) : undefined;
    const report: LayerSparsity[] = [];
    let changed = 0;
    for (const [i, l] of layers.entries()) {
      ctx.signal?.throwIfAborted();
      ctx.progress(i, layers.length, `pruning ${l.node.name}`);
      const w = weights[i]!;
      const before = w.values.slice();
      const base = { node: l.node.name, opType: l.node.opType, weight: l.init, elements: w.values.length };
      let zeros: number;
      if (o.pattern === '2:4') {
        if (w.dims[l.inAxis]! % 4 !== 0) {
          report.push({ ...base, zeros: 0, sparsity: 0, skipped: `input channels (${w.dims[l.inAxis]}) not a multiple of 4` });
          continue;
        }
        zeros = prune2of4(w.values, w.dims, l.inAxis);
      } else zeros = threshold === undefined ? pruneToSparsity(w.values, o.sparsity) : pruneBelow(w.values, threshold);
      if (w.values.some((v, k) => v !== before[k])) {
        writeWeight(g, l.init, w.dims, w.values);
        changed++;
      }
      report.push({ ...base, zeros, sparsity: zeros / w.values.length });
    }
    ctx.progress(layers.length, layers.length, 'pruned');
    const total = report.reduce((a, r) => a + r.elements, 0);
    const zeros = report.reduce((a, r) => a + r.zeros, 0);
    return {
      matches: changed,
      summary: `${changed} layers pruned (${o.pattern}${o.pattern === 'unstructured' ? `, ${o.threshold} threshold` : ''}): ${((zeros / total) * 100).toFixed(1)}% of ${total} weights zero`,
      details: { sparsityByLayer: report, changedLayers: report.filter((r) => !r.skipped && r.zeros > 0).map((r) => r.node) },
    };
  },
};
