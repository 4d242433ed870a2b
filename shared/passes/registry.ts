import type { Pass } from '../rewrite/pass.js';
import { CLEANUP_PASSES } from './cleanup/index.js';
import { loopUnrolling } from './cleanup/loop-unrolling.js';
import { PORTABLE_FUSIONS } from './fusion/index.js';
import { ORT_FUSIONS } from './fusion/ort-index.js';

const names = (passes: readonly Pass[]) => passes.map((p) => p.name);

/**
 * Every pass, in the order the default preset runs them: cleanups and folding expose patterns,
 * portable fusions come next, onnxruntime fusions last (they build on LayerNormalization and
 * Gelu). Cleanups run again at the end through the pass manager's rounds, removing what fusions
 * left unread (replaced weights).
 */
export const ALL_PASSES: readonly Pass[] = [...CLEANUP_PASSES, loopUnrolling, ...PORTABLE_FUSIONS, ...ORT_FUSIONS];

/**
 * Named lists of passes. `default`: everything that applies to the run's target (passes for the
 * onnxruntime target are skipped under `portable`) except fusions measured slower on CPU; `cleanup`: no fusions (outputs
 * bit-exact but for constant folding's `folding` level);
 * `fusions`: fusions only; `aggressive`: the default and loop unrolling (the unrolled loops' nodes then
 * fold and fuse in the pass manager's next rounds).
 */
export const PRESETS: Record<string, readonly string[]> = {
  // SkipLayerNormalization measured ~4-12% slower than Add + LayerNormalization on onnxruntime's
  // CPU provider (npm run bench:optimize, BERT-like); it stays available by name.
  default: names(ALL_PASSES).filter((n) => n !== 'ort-fuse-skip-layernorm' && n !== 'loop-unrolling'),
  cleanup: names(CLEANUP_PASSES),
  fusions: names([...PORTABLE_FUSIONS, ...ORT_FUSIONS]),
  // Unrolling makes files larger (a copy of the body per iteration): asked for, not by default.
  aggressive: names(ALL_PASSES).filter((n) => n !== 'ort-fuse-skip-layernorm'),
};
