// The tolerances a transformation is verified with: the level its passes' numerics call for,
// widened per output to the rounding of float16/bfloat16 where that output is computed through
// such values. Float32 paths keep the passes' level as it is.

import { ElemType, elemTypeName } from '../onnx/element-types.js';
import type { LowPrecisionValue } from './low-precision-outputs.js';
import { looserOf, resolveTolerance, ROUNDING_ULPS, type PassNumerics, type Tolerance } from './tolerance.js';

/** A pass that changed the model, and how it changes float math. */
export interface FiredPass {
  name: string;
  numerics: PassNumerics;
}

/** The tolerance of the result as a whole, and those of outputs that differ from it. */
export interface ToleranceChoice {
  tolerance: Tolerance;
  /** By output name; only outputs whose tolerance is not `tolerance`. */
  outputs: Record<string, Tolerance>;
}

// Loosest last: the level of a run is that of its loosest fired pass.
const ORDER: readonly PassNumerics[] = ['exact', 'folding', 'reassociation'];

function passLevel(fired: readonly FiredPass[]): Tolerance {
  const level = ORDER[Math.max(0, ...fired.map((p) => ORDER.indexOf(p.numerics)))]!;
  const names = (n: PassNumerics) => fired.filter((p) => p.numerics === n).map((p) => p.name).join(', ');
  const t = resolveTolerance(level);
  if (level === 'exact') {
    t.reason = fired.length ? `only rewrites that keep every float operation and its order (${names('exact')})` : 'no pass changed the model';
  } else if (level === 'folding') {
    t.reason = `constant folding (${names('folding')}): onnxruntime sums products with a constant matrix in other groupings (prepacked at load) than with a computed one`;
  } else {
    t.reason = `fusions reorder float math (${names('reassociation')})`;
  }
  return t;
}

// `what` names the output(s), `where` the value that makes one low-precision.
function roundingLevel(base: Tolerance, v: LowPrecisionValue, what: string, where = ''): Tolerance {
  const type = elemTypeName(v.elemType);
  const level = resolveTolerance(`${type}-rounding`);
  // onnxruntime's CPU provider upcasts float16 ops (it inserts the Casts itself); bfloat16 runs
  // only where kernels take it, so there it is the graph's own roundings that rewrites move.
  const why =
    v.elemType === ElemType.FLOAT16
      ? `onnxruntime's CPU provider computes ${type} ops in float32 and rounds to ${type} only where a value must exist in ${type}, which a rewrite can move`
      : `values are rounded to ${type} wherever the graph holds them in ${type}, which a rewrite can move`;
  level.reason = `${what} computed through ${type}${where}: ${why}; within ${ROUNDING_ULPS} ${type} ulps of the values and of the output's range`;
  // Over an exact base the rounding level says all: it is looser in every field.
  return base.name === 'exact' ? { ...looserOf(base, level), name: level.name, reason: level.reason } : looserOf(base, level);
}

/**
 * Tolerances for verifying a run in which `fired` passes changed the model, whose outputs
 * (every one, in order) are computed through the low-precision values given (undefined: float32
 * or wider throughout, see lowPrecisionOutputs). When every output needs the same tolerance it is
 * the result's, with no per-output entries.
 */
export function chooseTolerances(fired: readonly FiredPass[], outputs: ReadonlyMap<string, LowPrecisionValue | undefined>): ToleranceChoice {
  const base = passLevel(fired);
  const lows = [...outputs.values()];
  const first = lows[0];
  if (first && lows.every((v) => v?.elemType === first.elemType)) {
    return { tolerance: roundingLevel(base, first, 'every output is'), outputs: {} };
  }
  const per: Record<string, Tolerance> = {};
  for (const [name, v] of outputs) if (v) per[name] = roundingLevel(base, v, `'${name}' is`, ` ('${v.value}' from ${v.node})`);
  return { tolerance: base, outputs: per };
}
